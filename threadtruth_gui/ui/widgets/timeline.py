"""The shared timeline: one lane of state spans per task, a counter track and a time axis.

Everything is drawn in one `paintEvent` (docs/ARCHITECTURE.md, convention 6): only the
visible time range and rows, one `drawRects` per state for the fill and one for its
pattern, sub-pixel spans merged. Tasks that carry a `mode` (sequential, threads, asyncio)
are grouped under a header; a group with too many lanes to read folds into one aggregate
row, a strip that shows per pixel column how many of its tasks are in each state.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import TypeVar

from PySide6 import QtGui
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QCursor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.lanes import NO_GROUP, Lane, Lanes, Occupancy, Span
from threadtruth_gui.engine.narrate import task_caption
from threadtruth_gui.ui import theme

_MIN_LIVE_S = 0.5  # while live, never show less: the first frames would rescale wildly
_MARGIN = 0.02  # fraction of the range left empty before t=0
_END_ROOM_PX = 110.0  # right of the run's end in a fitted view, so "denied" etc. fit there
_MIN_SPAN_S, _MAX_SPAN_S = 1e-6, 3600.0  # zoom limits; below 1 µs there is only noise
_FINAL_W = 8.0  # px: final states are instants; a cap makes them visible and hoverable
_PAD = 8.0
_COUNTER_H, _COUNTER_MAX_H = 70.0, 150.0
_PAINT_SHARE = 4.0  # wait this many paint-times between live repaints
_LEGEND_GAP = 4.0  # between the legend's rows
_AXIS_PT = 14.0  # tick labels: the smallest text, still 14 pt for a shared screen
_TICK_PX = 110.0  # aim for one tick label about every this many pixels
_LABEL_MIN_PX = 48.0  # narrower spans get no text; a sliver of letters helps nobody
_TEXT_BOX = QColor(255, 255, 255, 225)  # behind span text so the patterns don't garble it
_INK = QColor("#1B1F24")  # text on a light box or chip: dark in every theme
_FALLBACK = theme.StateStyle("?", theme.MUTED, Qt.BrushStyle.NoBrush)
_CONDENSE_AT = 12  # a group with more lanes than this starts folded into one aggregate row
_THIN_MIN = 4.0  # px: the thinnest lane of an unfolded big group (then it scrolls)
_AGG_MIN, _AGG_MAX = 1.1, 4.0  # aggregate row height, in normal lane heights
_STACK_MIN_PX = 2.0  # one task in a thousand still shows in the aggregate strip
_CURSOR_GRAB_PX = 8  # a press this close to the time cursor drags it
_RASTER_PX = 30  # a lane with more than one span per this many px is drawn as pixels
_RASTER_CELLS = 16384  # time cells of a lane's raster over the whole run
_STATE_CODE = {state: i + 1 for i, state in enumerate(State.ALL)}
_RASTER_FILLS = [bytes([code]) * (_RASTER_CELLS + 2) for code in range(len(State.ALL) + 1)]
_STRIP_STEP_PX = 4  # column width of a strip whose every pixel differs (1000 busy tasks)
_FAIL_W = 3.0  # px: the mark of a failure on an aggregate row
_FAIL_HIT_PX = 5.0  # the tooltip finds a failure mark this close to the mouse
_PHASE_BAND = theme.BAND  # changes with the theme (one shared QColor)
_PHASE_LINE = QColor(87, 96, 106, 150)
_T = TypeVar("_T")
_LEFT, _VCENTER, _CENTER = (
    Qt.AlignmentFlag.AlignLeft,
    Qt.AlignmentFlag.AlignVCenter,
    Qt.AlignmentFlag.AlignCenter,
)
# Aggregate strip, bottom to top: what is over (failures first, at a fixed place), then
# the states of the download life cycle, so a task moves down the stack as it progresses.
_STACK = (
    State.FAILED,
    State.CANCELLED,
    State.DENIED,
    State.DONE,
    State.RECEIVING,
    State.RUNNING,
    State.GIL,
    State.STALLED,
    State.SLEEPING,
    State.WAITING,
    State.PAUSED,
    State.CONNECTING,
    State.STARTING,
)
_SUMMARY = (
    State.DONE,
    State.RECEIVING,
    State.CONNECTING,
    State.RUNNING,
    State.SLEEPING,
    State.WAITING,
    State.DENIED,
    State.CANCELLED,
    State.FAILED,
)
_HEADER, _LANE, _AGG = 0, 1, 2  # row kinds
_Rects = dict[str, list[QRectF]]  # by state


_CounterLines = dict[bool, list[QLineF]]  # the counter's steps, keyed by "below zero"
_CounterLabels = list[tuple[QRectF, float, str]]  # where, which value, its text


@dataclass(frozen=True)
class _Group:
    key: str | None  # the tasks' `mode`, None for tasks without one
    title: str
    names: list[str]
    header: bool
    condensed: bool  # drawn as one aggregate row


@dataclass(frozen=True, slots=True)
class _Row:
    kind: int  # _HEADER, _LANE or _AGG
    y: float  # top, in content coordinates: 0 is the first row before any scrolling
    h: float
    group: int
    index: int  # the lane's place in its group
    name: str = ""


@dataclass(frozen=True)
class _Geo:
    left: float  # the plot area (the time axis) spans left..right in x
    right: float
    lanes_top: float
    lane_h: float  # of the task lanes (the unfolded groups)
    counter_top: float
    axis_top: float
    phases_top: float = 0.0  # the strip of phase names, above the lanes when there is one
    rows: list[_Row] = field(default_factory=list)
    row_ys: list[float] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    scroll_max: float = 0.0  # content taller than the room for it scrolls with the wheel
    text_lanes: bool = True  # lanes tall enough for a chip and span labels


@dataclass(frozen=True)
class _Summary:
    counts: dict[str, int]  # the tasks' current state ("" not started) -> how many
    fail_ns: list[int]  # sorted failure times, for bisect
    fails: list[tuple[int, str, str]]  # (time, task, error), same order
    end_ns: int | None  # when the last task finished, once all have


def _sample_t(sample: tuple[int, float]) -> int:
    return sample[0]


def _span_start(span: Span) -> int:
    return span.start_ns


def _nice_step(raw: float) -> float:
    """The 1, 2 or 5 times a power of ten nearest to `raw` (on a log scale)."""
    exp = 10.0 ** math.floor(math.log10(raw))
    return min((m * exp for m in (1.0, 2.0, 5.0, 10.0)), key=lambda s: abs(math.log(s / raw)))


def _style_brushes(style: theme.StateStyle) -> tuple[theme.StateStyle, QBrush, QBrush]:
    # The pattern needs contrast with its own fill: darker on light colours, grey on black.
    c = style.color
    ink = c.darker(170) if c.lightness() > 60 else QColor("#8C959F")
    return style, QBrush(c), QBrush(ink, style.pattern)


def _pale(c: QColor, keep: float = 0.35) -> QColor:
    """`c` mixed with white: the not-yet-received part of a download, finished tasks."""
    return QColor(*(round(255 - keep * (255 - v)) for v in (c.red(), c.green(), c.blue())))


def _count(n: int, unit: str) -> str:
    return f"{n} {unit if n == 1 else unit + 's'}"


class TimelineView(QWidget):
    """Lanes of task states over time, a counter step line and a seconds axis."""

    laneClicked = Signal(str)
    # the time cursor: seconds, or None to show the end; moved by a click or the arrow keys
    cursorMoved = Signal(object)
    rangeChanged = Signal(float, float)  # the shown time range, after a zoom or a pan

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._font = theme.body_font()
        self._bold = theme.body_font(bold=True)
        self._axis_font = theme.body_font(_AXIS_PT)
        self._fm, self._fm_bold = QFontMetricsF(self._font), QFontMetricsF(self._bold)
        self._styles = {s: _style_brushes(st) for s, st in theme.STATE_STYLES.items()}
        self._pale = {s: QBrush(_pale(st.color)) for s, st in theme.STATE_STYLES.items()}
        self._fail_brush = QBrush(theme.STATE_STYLES[State.FAILED].color)
        self._lanes: Lanes | None = None
        self._colors: dict[str, QColor] = {}
        self._counter: str | None = None
        self._counter_label = ""
        self._counter_fmt: Callable[[float], str] = lambda v: f"{v:g}"
        self._crange: tuple[int, float, float] = (0, 0.0, 0.0)  # samples seen, min, max
        self._time_cache: dict[str, list[int]] = {}
        self._span_starts: dict[str, list[int]] = {}  # per task, for bisect
        self._heat_cache: dict[int, tuple[tuple[object, ...], _Rects, _Rects]] = {}
        self._lane_count = 0
        self._expanded: dict[str | None, bool] = {}  # the user's choice per group
        self._scroll = 0.0
        self._geo_cache: tuple[tuple[int, ...], _Geo] | None = None
        self._group_cache: tuple[tuple[int, int], list[tuple[str | None, list[str]]]] | None
        self._group_cache = None
        self._summary_cache: tuple[tuple[int, int, int], list[_Summary]] | None = None
        self._label_w = (0, 0.0)  # lanes measured so far, the widest chip and caption
        self._name_fonts: dict[int, tuple[QFont, float]] = {}  # by lane height
        # the counter strip's steps and labels for a range and geometry (_paint_counter)
        self._counter_cache: tuple[tuple[object, ...], _CounterLines, _CounterLabels] | None
        self._counter_cache = None
        self._follow = True
        self._paint_s = 0.0  # how long the last paint took
        self._painted_at = 0.0
        self._lo, self._hi = self._fit_range()
        self._press_x: float | None = None
        self._press_range = (0.0, 0.0)
        self.cursor_s: float | None = None
        self._drag_cursor = False
        self.rects_drawn = 0
        self.lanes_rastered = 0
        # per task: (spans seen, end_ns, cell_ns, codes): the lane as one byte per cell
        self._rasters: dict[str, tuple[int, int, int, bytearray]] = {}
        self._raster_table: list[int] | None = None  # state colours, by code
        # the trace whose spans were read (its id), spans read per task, the states seen
        self._legend_used: tuple[object, dict[str, int], set[str]] = (None, {}, set())
        self.spans_in_view = 0  # what drawing every visible span as a rect would have taken
        self._dragging = False
        self.setFont(self._font)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # for the Home and E keys
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # -- public API ------------------------------------------------------------------------
    def set_lanes(self, lanes: Lanes | None, colors: dict[str, QColor]) -> None:
        self._lanes, self._colors = lanes, dict(colors)
        self._legend_used = (None, {}, set())
        self._crange, self._time_cache = (0, 0.0, 0.0), {}
        self._span_starts, self._heat_cache = {}, {}
        self._rasters = {}
        self._lane_count = len(lanes.tasks) if lanes else 0
        self._expanded, self._scroll = {}, 0.0
        self._reset_caches()
        self.updateGeometry()
        self.fit()

    def refresh(self, force: bool = False) -> None:
        if self._lanes and len(self._lanes.tasks) != self._lane_count:
            self._lane_count = len(self._lanes.tasks)  # tasks appear as they START
            self.updateGeometry()
        # Level of detail in time: a paint that costs more than a sliver of a frame (a
        # thousand live lanes) is repeated less often, so the GUI thread stays responsive;
        # the picture then moves at a lower frame rate instead of the window stalling.
        since = perf_counter() - self._painted_at
        if not force and since < self._paint_s * _PAINT_SHARE:
            return
        if self._follow:
            self._lo, self._hi = self._fit_range()
        self.update()

    def set_counter(self, name: str | None, label: str, fmt: Callable[[float], str]) -> None:
        self._counter, self._counter_label, self._counter_fmt = name, label, fmt
        self._crange, self._time_cache = (0, 0.0, 0.0), {}
        self._geo_cache = None
        self.updateGeometry()
        self.update()

    def counter_setup(self) -> tuple[str | None, str, Callable[[float], str]]:
        """The counter track's name, label and format (to draw the same elsewhere)."""
        return self._counter, self._counter_label, self._counter_fmt

    def fit(self) -> None:
        self._follow = True
        self.refresh(force=True)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "_lanes"):  # text scale
            self._font = QFont(self.font())
            self._bold = QFont(self._font)
            self._bold.setBold(True)
            self._axis_font = theme.body_font(_AXIS_PT)
            self._fm, self._fm_bold = QFontMetricsF(self._font), QFontMetricsF(self._bold)
            self._reset_caches()
            self.updateGeometry()
            self.update()

    def set_range(self, lo_s: float, hi_s: float) -> None:
        """Show this time range (and stop following the run's end)."""
        self._set_range(lo_s, hi_s)

    def set_cursor(self, t_s: float | None) -> None:
        """Draw the time cursor at `t_s` seconds (None: no cursor); emits nothing."""
        self.cursor_s = t_s
        self.update()

    def _move_cursor(self, t_s: float | None) -> None:
        if t_s is not None and self._lanes is not None:
            end = self._lanes.seconds(self._lanes.end_ns)
            t_s = min(max(t_s, 0.0), max(end, 0.0))
        self.set_cursor(t_s)
        self.cursorMoved.emit(t_s)

    def visible_range(self) -> tuple[float, float]:
        return self._lo, self._hi

    def sizeHint(self) -> QSize:
        return QSize(1000, math.ceil(self._min_height(natural=True)))

    def minimumSizeHint(self) -> QSize:
        return QSize(400, math.ceil(self._min_height()))

    # -- groups and geometry ---------------------------------------------------------------
    def _reset_caches(self) -> None:
        self._geo_cache = None
        self._group_cache = None
        self._summary_cache = None
        self._label_w = (0, 0.0)
        self._name_fonts = {}
        self._counter_cache = None

    def _lane_list(self) -> list[tuple[str, Lane]]:
        return list(self._lanes.tasks.items()) if self._lanes else []

    def _group_specs(self) -> list[tuple[str | None, list[str]]]:
        """Task names by `info["mode"]`, groups in order of first appearance."""
        lanes = self._lanes
        if lanes is None:
            return []
        key = (id(lanes), len(lanes.tasks))
        if self._group_cache is None or self._group_cache[0] != key:
            groups: dict[str | None, list[str]] = {}
            for name, track in lanes.tasks.items():
                mode = track.info.get("mode")
                groups.setdefault(None if mode is None else str(mode), []).append(name)
            self._group_cache = (key, list(groups.items()))
        return self._group_cache[1]

    def _fixed(self) -> tuple[float, float, float, float]:
        """Heights of the legend, one lane, the counter track and the axis, at their least."""
        rows = 1 + max((row for _state, _x, row in self._legend_layout()), default=0)
        legend = rows * (self._fm.height() + _LEGEND_GAP) - _LEGEND_GAP + 2 * _PAD
        lane = max(36.0, self._fm.height() + 12)
        counter = _COUNTER_H if self._counter else 0.0
        return legend, lane, counter, QFontMetricsF(self._axis_font).height() + 12

    def _thin_lane(self) -> float:
        """A lane at its thinnest (a few lanes, no groups): its name chip in the smallest
        text the screen has (the axis's 14 pt) still fits in it."""
        return max(_THIN_MIN, self._fm.height() * 0.6, self._name_font(0.0)[1] + 4)

    def _name_font(self, lane_h: float) -> tuple[QFont, float]:
        """The bold face for a lane's chip: the body size if the lane has room for it, else
        as big as fits `lane_h`, never below the axis text. Returns it and its height."""
        key = round(lane_h)
        if self._name_fonts.get(key) is None:
            full, floor = self._fm_bold.height(), QFontMetricsF(self._axis_font).height()
            pt = self._bold.pointSizeF()
            size = pt * max(floor / full, min(1.0, (lane_h - 4) / full))
            font = QFont(self._bold)
            font.setPointSizeF(max(1.0, size))
            self._name_fonts[key] = (font, QFontMetricsF(font).height())
        return self._name_fonts[key]

    def _header_h(self) -> float:
        return self._fm_bold.height() + 4

    def _strip_h(self) -> float:
        return self._fm.height() + 4

    def _min_height(self, natural: bool = False) -> float:
        """The least height that shows every group (folded where it may be); `natural`:
        small groups unfolded, which is what the widget would like to have."""
        legend, lane, counter, axis = self._fixed()
        specs = self._group_specs()
        grouped = any(key is not None for key, _ in specs)
        lanes = sum(len(names) for _, names in specs)
        if not grouped and lanes <= _CONDENSE_AT:
            # at its least a lane is one line of text high (lost-updates' 8 threads at the
            # lecture preset's size must leave the code above them room)
            least = lane if natural else self._thin_lane()
            return legend + max(lanes, 2) * least + counter + axis
        h = legend + (self._strip_h() if grouped else 0.0) + counter + axis
        for key, names in specs:
            expanded = self._expanded.get(key, len(names) <= _CONDENSE_AT)
            rows = min(len(names), _CONDENSE_AT) * lane if natural and expanded else None
            h += self._header_h() + (rows if rows is not None else lane * _AGG_MIN)
        return h

    def _groups_for(self, room: float) -> list[_Group]:
        """Which groups get a header and which fold, for `room` px of rows."""
        specs = self._group_specs()
        grouped = any(key is not None for key, _ in specs)
        lane, header_h = self._fixed()[1], self._header_h()
        titles: dict[str | None, str] = {None: "other" if grouped else "all"}
        plan = []
        for key, names in specs:
            header = grouped or len(names) > _CONDENSE_AT
            chosen = self._expanded.get(key)
            folded = len(names) > _CONDENSE_AT if chosen is None else not chosen
            plan.append(_Group(key, titles.get(key, key) or "", names, header, header and folded))

        def need() -> float:
            return sum(
                (header_h if p.header else 0.0)
                + (lane * _AGG_MIN if p.condensed else len(p.names) * lane)
                for p in plan
            )

        # Not everything fits at the normal lane height: fold the biggest groups first, equal
        # ones together (a comparison stays alike), never one the user unfolded.
        for size in sorted({len(names) for _, names in specs}, reverse=True):
            if need() <= room:
                break
            for i, p in enumerate(plan):
                auto = self._expanded.get(p.key) is None
                if len(p.names) == size and p.header and not p.condensed and auto:
                    plan[i] = _Group(p.key, p.title, p.names, True, True)
        return plan

    def _gutter_w(self) -> float:
        seen, widest = self._label_w
        lanes = self._lane_list()
        for name, track in lanes[seen:]:  # tasks are only ever added: measure the new ones
            chip = self._fm_bold.horizontalAdvance(name) + 16 + _PAD
            widest = max(widest, chip + self._fm.horizontalAdvance(task_caption(track.info)))
        self._label_w = (len(lanes), widest)
        w = self._fm_bold.horizontalAdvance(self._counter_label) if self._counter else 60.0
        return min(max(w, widest) + 3 * _PAD, max(140.0, self.width() * 0.42))

    def _geo(self) -> _Geo:
        lanes = self._lanes
        key = (
            self.width(),
            self.height(),
            id(lanes),
            len(lanes.tasks) if lanes else 0,
            len(self.used_states()),  # a new state may give the legend another row
        )
        if self._geo_cache is None or self._geo_cache[0] != key:
            self._geo_cache = (key, self._layout())
        return self._geo_cache[1]

    def _layout(self) -> _Geo:
        legend, lane, counter, _ = self._fixed()
        left, right = self._gutter_w(), self.width() - _PAD
        specs = self._group_specs()
        grouped = any(key is not None for key, _ in specs)
        lanes = sum(len(names) for _, names in specs)
        if not grouped and lanes <= _CONDENSE_AT:  # a few lanes, as they have always been
            n = max(lanes, 2)
            # Spare height widens lanes a little, then the counter track, whose labels need it;
            # too little makes them thinner, down to one line of text each.
            spare = self.height() - self._min_height(natural=True)
            if spare < 0:
                lane = max(self._thin_lane(), lane + spare / n)
            grow = min(max(0.0, spare) / n, lane * 0.4)
            lane, spare = lane + grow, max(0.0, spare) - grow * n
            if self._counter:
                counter = min(counter + spare, _COUNTER_MAX_H)
            names = specs[0][1] if specs else []
            rows = [_Row(_LANE, i * lane, lane, 0, i, name) for i, name in enumerate(names)]
            groups = [_Group(None, "all", names, False, False)]
            counter_top = legend + n * lane
            return _Geo(
                left,
                right,
                lanes_top=legend,
                lane_h=lane,
                counter_top=counter_top,
                axis_top=counter_top + counter,
                phases_top=legend,
                rows=rows,
                row_ys=[r.y for r in rows],
                groups=groups,
                text_lanes=lane >= self._fm.height() + 8,
            )
        lanes_top = legend + (self._strip_h() if grouped else 0.0)
        room = self.height() - lanes_top - counter - self._fixed()[3]
        groups = self._groups_for(room)
        header_h, agg_h = self._header_h(), lane * _AGG_MIN
        fixed = sum(
            (header_h if g.header else 0.0) + (agg_h if g.condensed else 0.0) for g in groups
        )
        unfolded = sum(len(g.names) for g in groups if not g.condensed)
        lane_h = lane
        if unfolded:
            lane_h = min(max((room - fixed) / unfolded, _THIN_MIN), lane * 1.4)
        spare = room - fixed - unfolded * lane_h
        folded = sum(g.condensed for g in groups)
        if spare > 0 and folded:
            grown = min(agg_h + spare / folded, lane * _AGG_MAX)
            spare -= (grown - agg_h) * folded
            agg_h = grown
        if self._counter and spare > 0:
            counter = min(counter + spare, _COUNTER_MAX_H)
        rows, y = [], 0.0
        for gi, g in enumerate(groups):
            if g.header:
                rows.append(_Row(_HEADER, y, header_h, gi, 0))
                y += header_h
            if g.condensed:
                rows.append(_Row(_AGG, y, agg_h, gi, 0))
                y += agg_h
            else:
                rows.extend(
                    _Row(_LANE, y + i * lane_h, lane_h, gi, i, name)
                    for i, name in enumerate(g.names)
                )
                y += len(g.names) * lane_h
        view = y if y <= room else max(room, header_h)
        counter_top = lanes_top + view
        return _Geo(
            left,
            right,
            lanes_top=lanes_top,
            lane_h=lane_h,
            counter_top=counter_top,
            axis_top=counter_top + counter,
            phases_top=legend,
            rows=rows,
            row_ys=[r.y for r in rows],
            groups=groups,
            scroll_max=y - view,
            text_lanes=lane_h >= self._fm.height() + 8,
        )

    def _fit_range(self) -> tuple[float, float]:
        tr = self._lanes
        end = tr.seconds(tr.end_ns) if tr else 0.0
        live = tr is None or not tr.tasks or any(t.status is None for t in tr.tasks.values())
        end = max(end, _MIN_LIVE_S if live else 1e-3)
        lo = -end * _MARGIN
        g = self._geo()
        width = max(g.right - g.left, 2 * _END_ROOM_PX)
        return lo, lo + (end - lo) * width / (width - _END_ROOM_PX)

    def _x(self, t_s: float, g: _Geo) -> float:
        return g.left + (t_s - self._lo) / (self._hi - self._lo) * (g.right - g.left)

    def _t(self, x: float, g: _Geo) -> float:
        return self._lo + (x - g.left) / (g.right - g.left) * (self._hi - self._lo)

    def _span_px(self, lanes: Lanes, span: Span, g: _Geo) -> tuple[float, float]:
        end = lanes.end_ns if span.end_ns is None else span.end_ns
        x0, x1 = self._x(lanes.seconds(span.start_ns), g), self._x(lanes.seconds(end), g)
        return x0, x0 + _FINAL_W if span.state in State.FINAL else max(x1, x0 + 1.0)

    def _set_range(self, lo: float, hi: float) -> None:
        half = min(max(hi - lo, _MIN_SPAN_S), _MAX_SPAN_S) / 2
        mid = (lo + hi) / 2
        self._lo, self._hi, self._follow = mid - half, mid + half, False
        self.update()
        self.rangeChanged.emit(self._lo, self._hi)

    def _scroll_of(self, g: _Geo) -> float:
        return min(max(self._scroll, 0.0), g.scroll_max)

    def _visible_rows(self, g: _Geo) -> Iterator[tuple[_Row, float]]:
        """The rows in view and the y of their top on screen."""
        scroll = self._scroll_of(g)
        bottom = scroll + g.counter_top - g.lanes_top
        i = max(0, bisect_right(g.row_ys, scroll) - 1)
        rows = g.rows
        while i < len(rows) and rows[i].y < bottom:
            yield rows[i], g.lanes_top + rows[i].y - scroll
            i += 1

    def _row_at(self, y: float) -> _Row | None:
        g = self._geo()
        if not g.lanes_top <= y < g.counter_top:
            return None
        cy = y - g.lanes_top + self._scroll_of(g)
        i = bisect_right(g.row_ys, cy) - 1
        return g.rows[i] if i >= 0 and cy < g.rows[i].y + g.rows[i].h else None

    def _times(self, key: str, items: Sequence[_T], time_of: Callable[[_T], int]) -> list[int]:
        """The times of `items` as a plain list, so bisect runs in C without a key function.

        Spans and samples are only ever appended, so the cache just extends.
        """
        times = self._time_cache.setdefault(key, [])
        if len(times) < len(items):
            times.extend(time_of(item) for item in items[len(times) :])
        return times

    def _starts(self, name: str, track: Lane) -> list[int]:
        # Called for every task of a folded group each frame: no key formatting here.
        times = self._span_starts.get(name)
        if times is None:
            times = self._span_starts[name] = []
        spans = track.spans
        if len(times) < len(spans):
            times.extend(span.start_ns for span in spans[len(times) :])
        return times

    def _style(self, state: str) -> tuple[theme.StateStyle, QBrush, QBrush]:
        return self._styles.get(state) or _style_brushes(_FALLBACK)

    def _summaries(self) -> list[_Summary]:
        """Per group: its tasks' current states and its failures, once per batch of events."""
        lanes = self._lanes
        if lanes is None:
            return []
        key = (id(lanes), lanes.event_count, len(lanes.tasks))
        if self._summary_cache is None or self._summary_cache[0] != key:
            out = []
            for _, names in self._group_specs():
                counts: dict[str, int] = {}
                fails: list[tuple[int, str, str]] = []
                end: int | None = None
                for name in names:
                    track = lanes.tasks[name]
                    state = track.state or ""
                    counts[state] = counts.get(state, 0) + 1
                    if state in State.FINAL:
                        span = track.spans[-1]
                        end = span.start_ns if end is None else max(end, span.start_ns)
                        if state == State.FAILED:
                            fails.append((span.start_ns, name, track.error or span.detail))
                fails.sort()
                if sum(counts.get(s, 0) for s in State.FINAL) < len(names):
                    end = None
                out.append(_Summary(counts, [f[0] for f in fails], fails, end))
            self._summary_cache = (key, out)
        return self._summary_cache[1]

    def _unit(self, group: _Group) -> str:
        lanes = self._lanes
        if lanes is None or not group.names:
            return "task"
        return str(lanes.tasks[group.names[0]].info.get("unit", "task"))  # downloads: "file"

    def _summary_parts(self, counts: dict[str, int]) -> list[tuple[str, int]]:
        """(state, count) in reading order: done, receiving, ..., failed, not started."""
        parts = [(s, counts[s]) for s in _SUMMARY if counts.get(s)]
        parts += [(s, c) for s, c in counts.items() if c and s not in _SUMMARY and s]
        if counts.get(""):
            parts.append(("", counts[""]))
        return parts

    def _state_text(self, state: str) -> str:
        return self._style(state)[0].label if state else "not started"

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        started = perf_counter()
        self._paint(event)
        self._painted_at = perf_counter()
        self._paint_s = self._painted_at - started

    def _paint(self, event: QtGui.QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BG)
        p.setFont(self._font)
        g = self._geo()
        rows = list(self._visible_rows(g))
        self._paint_legend(p)
        self._paint_gutter(p, g, rows)
        self._paint_axis(p, g)
        if self._lanes is None:
            p.setPen(theme.MUTED)
            rect = QRectF(g.left, g.lanes_top, g.right - g.left, g.counter_top - g.lanes_top)
            p.drawText(rect, _CENTER, "No run yet")
        else:
            self._paint_phases(p, g, self._lanes)
            self._paint_spans(p, g, self._lanes, rows)
        self._paint_headers(p, g, rows)
        if g.scroll_max > 0:
            self._paint_scrollbar(p, g)
        if self._counter:
            self._paint_counter(p, g, self._counter)
        if self.cursor_s is not None and self._lanes is not None:
            self._paint_cursor(p, g, self.cursor_s)
        p.end()

    def _paint_cursor(self, p: QPainter, g: _Geo, t_s: float) -> None:
        x = self._x(t_s, g)
        if not g.left <= x <= g.right:
            return
        p.setPen(QPen(theme.TEXT, 3))
        p.drawLine(QLineF(x, g.lanes_top, x, g.axis_top))
        text = f"{t_s:.3f} s"
        w = self._fm_bold.horizontalAdvance(text) + 12
        box = QRectF(min(x + 4, g.right - w), g.lanes_top, w, self._fm_bold.height() + 4)
        p.fillRect(box, theme.TEXT)
        p.setPen(theme.BG)
        p.setFont(self._bold)
        p.drawText(box, _CENTER, text)
        p.setFont(self._font)

    def used_states(self) -> list[str]:
        """The states this trace's spans use, in the legend's order; kept up to date as
        spans arrive (spans are only ever appended, and a span's state never changes)."""
        lanes = self._lanes
        if lanes is None:
            return []
        key, seen, used = self._legend_used
        if key != id(lanes):
            seen, used = {}, set()
            self._legend_used = (id(lanes), seen, used)
        for name, track in lanes.tasks.items():
            start = seen.get(name, 0)
            if len(track.spans) > start:
                used.update(span.state for span in track.spans[start:])
                seen[name] = len(track.spans)
        return [state for state in self._styles if state in used]

    def _legend_layout(self) -> list[tuple[str, float, int]]:
        """Where each used state's entry goes: (state, x, row); entries wrap onto more rows
        rather than be left out (the legend explains every state drawn)."""
        items: list[tuple[str, float, int]] = []
        x, row = float(_PAD), 0
        for state in self.used_states():
            width = 36 + self._fm.horizontalAdvance(self._style(state)[0].label)
            if x > _PAD and x + width > self.width() - _PAD:
                x, row = float(_PAD), row + 1
            items.append((state, x, row))
            x += width + 24
        return items

    def _paint_legend(self, p: QPainter) -> None:
        # exactly the states drawn for this trace, no more: a state not in the run is not
        # explained, and nothing is shown before a run
        h = self._fm.height()
        for state, x, row in self._legend_layout():
            style, fill, pattern = self._style(state)
            top = _PAD + row * (h + _LEGEND_GAP)
            text_w = self._fm.horizontalAdvance(style.label)
            swatch = QRectF(x, top + (h - 18) / 2, 28, 18)
            p.setPen(theme.MUTED)
            for brush in (fill, pattern):
                p.setBrush(brush)
                p.drawRect(swatch)
            p.setPen(theme.TEXT)
            p.drawText(QRectF(x + 36, top, text_w + 2, h), _VCENTER, style.label)

    def _paint_gutter(self, p: QPainter, g: _Geo, rows: list[tuple[_Row, float]]) -> None:
        """Lane chips and captions, aggregate row labels: left of the plot."""
        p.save()
        p.setClipRect(QRectF(0, g.lanes_top, self.width(), g.counter_top - g.lanes_top))
        lanes = self._lanes
        # Thin lanes: a name every few lanes, none sticking out of its group.
        fh = self._fm.height()
        every = max(1, math.ceil((fh + 2) / g.lane_h))
        first = math.ceil(max(0.0, fh / 2 - g.lane_h / 2) / g.lane_h)
        for row, top in rows:
            group = g.groups[row.group]
            if row.kind == _LANE and lanes is not None:
                track = lanes.tasks[row.name]
                if row.h >= self._name_font(0.0)[1] + 4:  # a chip fits, maybe a smaller one
                    self._paint_lane_label(p, g, top, row, track)
                elif (
                    row.index >= first
                    and (row.index - first) % every == 0
                    and (row.index + 0.5) * g.lane_h + fh / 2 <= len(group.names) * g.lane_h
                ):
                    self._paint_thin_label(p, g, top, row)
            elif row.kind == _AGG:
                self._paint_agg_label(p, g, top, row.h, group)
        p.restore()

    def _paint_headers(self, p: QPainter, g: _Geo, rows: list[tuple[_Row, float]]) -> None:
        # Last, on a clean band: grid and phase lines would cross the text.
        headers = [(row, top) for row, top in rows if row.kind == _HEADER]
        if not headers:
            return
        summaries = self._summaries()
        p.save()
        p.setClipRect(QRectF(0, g.lanes_top, self.width(), g.counter_top - g.lanes_top))
        for row, top in headers:
            p.fillRect(QRectF(0, top, self.width(), row.h), theme.BG)
            self._paint_header(p, g, top, row.h, g.groups[row.group], summaries[row.group])
        p.restore()

    def _paint_lane_label(
        self, p: QPainter, g: _Geo, top: float, row: _Row, track: Lane
    ) -> None:
        name, lane_h = row.name, row.h
        if row.index % 2:  # zebra bands let the eye follow a lane across a wide screen
            p.fillRect(QRectF(0, top, self.width(), lane_h), theme.PANEL)
        color = self._colors.get(name) or theme.task_color(row.index)
        bold, fh = self._name_font(lane_h)
        fm_bold = QFontMetricsF(bold)
        h = min(fh + 4, lane_h)
        chip = QRectF(_PAD, top + (lane_h - h) / 2, fm_bold.horizontalAdvance(name) + 16, h)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(chip, 5, 5)
        luma = 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()
        p.setPen(QColor("white") if luma < 150 else _INK)
        p.setFont(bold)
        p.drawText(chip, _CENTER, name)
        font = QFont(bold)
        font.setBold(False)  # the caption in the chip's size: a thin lane fits it too
        p.setFont(font)
        p.setPen(theme.TEXT)
        x = chip.right() + _PAD
        info = QFontMetricsF(font).elidedText(
            task_caption(track.info), Qt.TextElideMode.ElideRight, g.left - x - _PAD
        )
        p.drawText(QRectF(x, top, g.left - x, lane_h), _VCENTER, info)
        p.setFont(self._font)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_thin_label(self, p: QPainter, g: _Geo, top: float, row: _Row) -> None:
        # Lanes too thin for text: every few lanes a name and a tick, like an axis.
        mid = top + row.h / 2
        p.setPen(QPen(theme.MUTED, 1))
        p.drawLine(QLineF(g.left - _PAD - 6, mid, g.left - 4, mid))
        h = self._fm.height()
        p.drawText(QRectF(_PAD + 18, mid - h / 2, g.left - 3 * _PAD - 24, h), _VCENTER, row.name)

    def _paint_triangle(self, p: QPainter, x: float, mid: float, folded: bool) -> None:
        s = 6.0
        points = (
            [QPointF(x, mid - s), QPointF(x + 1.6 * s, mid), QPointF(x, mid + s)]
            if folded
            else [QPointF(x - 1, mid - s * 0.7), QPointF(x + 2 * s - 1, mid - s * 0.7),
                  QPointF(x + s - 1, mid + s * 0.9)]
        )  # fmt: skip
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.MUTED)
        p.drawPolygon(QPolygonF(points))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _header_title(self, group: _Group) -> str:
        return f"{group.title} · {_count(len(group.names), self._unit(group))}"

    def _header_text(self, group: _Group, summary: _Summary) -> str:
        """The header as one line of text: "threads · 20 files: 14 done, 1 failed"."""
        parts = self._summary_parts(summary.counts)
        counts = ", ".join(f"{n} {self._state_text(s)}" for s, n in parts)
        return f"{self._header_title(group)}: {counts}"

    def _paint_header(
        self, p: QPainter, g: _Geo, top: float, h: float, group: _Group, summary: _Summary
    ) -> None:
        p.setPen(QPen(theme.GRID, 1))
        p.drawLine(QLineF(0, top + 0.5, self.width(), top + 0.5))
        mid = top + h / 2
        self._paint_triangle(p, _PAD, mid, group.condensed)
        title = self._header_title(group)
        x = _PAD + 18
        p.setFont(self._bold)
        p.setPen(theme.TEXT)
        w = self._fm_bold.horizontalAdvance(title)
        p.drawText(QRectF(x, top, w + 2, h), _VCENTER, title)
        p.setFont(self._font)
        # The counts, each after a swatch of its state's colour, as in the aggregate strip.
        x = max(x + w + 3 * _PAD, g.left + _PAD)
        sw = self._fm.height() * 0.6
        for state, n in self._summary_parts(summary.counts):
            text = f"{n} {self._state_text(state)}"
            tw = self._fm.horizontalAdvance(text)
            if x + sw + 6 + tw > self.width() - _PAD:
                p.setPen(theme.MUTED)
                p.drawText(QRectF(x, top, 30, h), _VCENTER, "…")
                break
            if state:
                p.setPen(theme.MUTED)
                p.setBrush(self._style(state)[1])
                p.drawRect(QRectF(x, mid - sw / 2, sw, sw))
                x += sw + 6
            p.setPen(theme.BAD if state == State.FAILED else theme.TEXT)
            p.drawText(QRectF(x, top, tw + 2, h), _VCENTER, text)
            x += tw + 2 * _PAD

    def _paint_agg_label(self, p: QPainter, g: _Geo, top: float, h: float, group: _Group) -> None:
        p.fillRect(QRectF(g.left, top + 2, self.width() - g.left, h - 4), theme.PANEL)
        p.setPen(theme.MUTED)
        text = self._fm.elidedText(
            f"show {len(group.names)} lanes",
            Qt.TextElideMode.ElideRight,
            g.left - 3 * _PAD - 18,
        )
        p.drawText(QRectF(_PAD + 18, top, g.left - _PAD, h), _VCENTER, text)

    def _paint_axis(self, p: QPainter, g: _Geo) -> None:
        p.setFont(self._axis_font)
        p.setPen(theme.MUTED)
        # labels never closer than their own width (the lecture preset's big axis text ran
        # them together: "0.00 s0.02 s…")
        fm = QFontMetricsF(self._axis_font)
        room = max(_TICK_PX, 1.5 * fm.horizontalAdvance(f"{max(abs(self._hi), 1.0):.3f} s"))
        step = _nice_step((self._hi - self._lo) * room / max(g.right - g.left, 1.0))
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        grid, ticks = [], [QLineF(g.left, g.axis_top + 0.5, g.right, g.axis_top + 0.5)]
        k = math.ceil(self._lo / step)
        while (t := k * step) <= self._hi:
            x = round(self._x(t, g)) + 0.5
            grid.append(QLineF(x, g.lanes_top, x, g.axis_top))
            ticks.append(QLineF(x, g.axis_top, x, g.axis_top + 5))
            label = f"{0.0 if abs(t) < step / 2 else t:.{decimals}f} s"
            half = fm.horizontalAdvance(label) / 2 + 2
            if x + half <= self.width():  # a label cut at the right edge is left out
                p.drawText(
                    QRectF(x - half, g.axis_top + 5, 2 * half, fm.height() + 4),
                    Qt.AlignmentFlag.AlignHCenter,
                    label,
                )
            k += 1
        p.drawLines(ticks)
        p.setPen(QPen(theme.GRID, 1))
        p.drawLines(grid)
        p.setFont(self._font)

    def _paint_phases(self, p: QPainter, g: _Geo, lanes: Lanes) -> None:
        """Faint bands named after the run's phases above the lanes, dashed lines between."""
        if not lanes.phases or g.lanes_top <= g.phases_top:
            return
        top, h = g.phases_top, g.lanes_top - g.phases_top
        p.save()
        p.setClipRect(QRectF(g.left, top, g.right - g.left + _PAD, g.counter_top - top))
        lines: dict[int, QLineF] = {}  # one line where one phase ends and the next starts
        phases = sorted(lanes.phases.items(), key=lambda item: item[1][0])
        placed = g.left  # right end of the last label drawn
        p.setFont(self._bold)
        p.setPen(theme.MUTED)
        for k, (label, (start, end)) in enumerate(phases):
            stop = lanes.end_ns if end is None else end
            x0, x1 = self._x(lanes.seconds(start), g), self._x(lanes.seconds(stop), g)
            if x1 < g.left or x0 > g.right:
                continue
            p.fillRect(QRectF(x0, top + 3, max(x1 - x0, 1.0), h - 6), _PHASE_BAND)
            for x in (x0, x1) if end is not None else (x0,):
                lines.setdefault(round(x), QLineF(round(x) + 0.5, top, round(x) + 0.5, g.axis_top))
            seen0, seen1 = max(x0, g.left), min(x1, g.right)
            # Centred in its band; a band too narrow lends the room up to the next phase.
            after = g.right + _PAD
            if k + 1 < len(phases):
                after = self._x(lanes.seconds(phases[k + 1][1][0]), g)
            so_far = "" if end is not None else " so far"
            for text in (f"{label} · {(stop - start) / 1e9:.2f} s{so_far}", label):
                w = self._fm_bold.horizontalAdvance(text)
                box = QRectF((seen0 + seen1 - w) / 2, top, w, h)
                if w > seen1 - seen0 - 8:
                    if text != label:
                        continue  # only the bare name may stick out of its band
                    box.moveLeft(seen0 + 4)
                if box.left() >= placed + 8 and box.right() <= min(after, g.right + _PAD) - 4:
                    p.drawText(box, _CENTER, text)
                    placed = box.right()
                    break
        p.setFont(self._font)
        p.setPen(QPen(_PHASE_LINE, 1, Qt.PenStyle.DashLine))
        p.drawLines(list(lines.values()))
        p.restore()

    def _paint_spans(
        self, p: QPainter, g: _Geo, lanes: Lanes, rows: list[tuple[_Row, float]]
    ) -> None:
        # Inlined ns -> px arithmetic: this loop runs per pixel column per lane at 60 Hz.
        px_per_ns = (g.right - g.left) / ((self._hi - self._lo) * 1e9)
        origin = lanes.t0_ns + self._lo * 1e9  # the ns at x = g.left
        hi_ns = lanes.t0_ns + self._hi * 1e9
        fills: _Rects = {}
        pale: _Rects = {}  # drawn first: what is still to come
        fail_marks: list[QRectF] = []
        rasters: list[tuple[float, float, float, float, bytes]] = []  # dense lanes, as pixels
        spans_in_view = 0
        labels: list[tuple[float, float, float, tuple[str, ...]]] = []  # x0, x1, mid y, texts
        left, limit, end_ns = g.left, g.right + _FINAL_W + 2, lanes.end_ns
        inset = 5.0 if g.text_lanes else (1.0 if g.lane_h >= 8 else 0.0)
        summaries: list[_Summary] = []
        for row, top in rows:
            if row.kind == _AGG:
                summaries = summaries or self._summaries()
                self._heat(g, lanes, row, top, summaries[row.group].end_ns, fills, pale)
                self._fail_marks(g, lanes, summaries[row.group], top, row.h, fail_marks)
                continue
            if row.kind != _LANE:
                continue
            track = lanes.tasks[row.name]
            mid = top + row.h / 2
            spans, starts, covered = track.spans, self._starts(row.name, track), left - 2
            i = max(0, bisect_right(starts, origin) - 1)
            # Denser than a span per few pixels: the lane as a row of pixels, sampled from a
            # byte per time cell, not one rectangle per span; then only its end, as a cap.
            in_view = bisect_right(starts, hi_ns) - i
            spans_in_view += min(in_view, int(g.right - g.left))
            dense = in_view * _RASTER_PX > g.right - g.left
            if dense and self._raster_lane(
                row.name, track, lanes, px_per_ns, origin, g, top, row.h, inset, rasters
            ):
                if spans[-1].state not in State.FINAL:
                    continue
                i = len(spans) - 1
            while i < len(spans) and starts[i] <= hi_ns:
                span = spans[i]
                i += 1
                # Clamped to what is already covered and to the plot: deep zoom gives huge x.
                x0 = max(left + (span.start_ns - origin) * px_per_ns, covered)
                final = span.state in State.FINAL
                if final:
                    x1 = x0 + _FINAL_W
                else:
                    x1 = (
                        left
                        + ((end_ns if span.end_ns is None else span.end_ns) - origin) * px_per_ns
                    )
                    if x1 < x0 + 1.5:
                        # Level of detail: this pixel column is taken; jump to the last span
                        # that starts inside it rather than walk every sub-pixel span.
                        x1 = x0 + 1.0
                        next_ns = int(origin + (x1 - left) / px_per_ns)
                        i = max(i, bisect_left(starts, next_ns, i) - 1)
                x1 = min(x1, limit)
                rect = QRectF(x0, top + inset, x1 - x0, row.h - 2 * inset)
                covered = x1
                texts: tuple[str, ...] = (span.detail or self._style(span.state)[0].label,)
                if span.end_ns is None and span.state == State.RECEIVING and track.total > 0:
                    # The open download: the received share filled from the bottom up, the
                    # rest pale; when it closes the whole span is filled.
                    share = min(max(track.received / track.total, 0.0), 1.0)
                    pale.setdefault(span.state, []).append(rect)
                    got = QRectF(x0, rect.bottom() - share * rect.height(), x1 - x0, 0.0)
                    got.setBottom(rect.bottom())
                    fills.setdefault(span.state, []).append(got)
                    pct = f"{math.floor(share * 100)}%"
                    texts = (f"{texts[0]} {pct}", pct)
                else:
                    fills.setdefault(span.state, []).append(rect)
                if not g.text_lanes:
                    continue
                if final:
                    text = self._style(span.state)[0].label
                    if span.state == State.FAILED and span.detail:
                        texts = (f"{text}: {span.detail}", text)
                    else:
                        texts = (text,)
                    labels.append((x1 + 2, g.right + _PAD, mid, texts))
                elif x1 - x0 >= _LABEL_MIN_PX:
                    labels.append((max(x0, left), min(x1, g.right), mid, texts))
        # for benchmarks/timeline.py: how many rectangles this paint gave drawRects
        self.rects_drawn = sum(map(len, fills.values())) + sum(map(len, pale.values()))
        self.lanes_rastered = len(rasters)
        self.spans_in_view = spans_in_view
        p.save()
        p.setClipRect(QRectF(g.left, g.lanes_top, self.width(), g.counter_top - g.lanes_top))
        p.setPen(Qt.PenStyle.NoPen)
        self._draw_rasters(p, rasters)
        for state, rects in pale.items():
            p.setBrush(self._pale.get(state, QBrush(_pale(theme.MUTED))))
            p.drawRects(rects)
        for overlay in (False, True):  # every fill first, then every pattern on top
            for state, rects in fills.items():
                _, fill, pattern = self._style(state)
                brush = pattern if overlay else fill
                if brush.style() != Qt.BrushStyle.NoBrush:
                    p.setBrush(brush)
                    p.drawRects(rects)
        if fail_marks:
            p.setBrush(self._fail_brush)
            p.drawRects(fail_marks)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for x0, x1, mid, candidates in labels:
            room = x1 - x0 - 18
            text = next(
                (t for t in candidates if self._fm.horizontalAdvance(t) <= room),
                self._fm.elidedText(candidates[-1], Qt.TextElideMode.ElideRight, room),
            )
            if text and text != "…":
                w, h = self._fm.horizontalAdvance(text), self._fm.height()
                box = QRectF(x0 + 5, mid - h / 2, w + 8, h)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(_TEXT_BOX)
                p.drawRoundedRect(box, 4, 4)
                p.setPen(_INK)
                p.drawText(box, _CENTER, text)
        p.restore()

    def _raster_codes(self, name: str, track: Lane, lanes: Lanes) -> tuple[int, bytearray]:
        """The lane as one byte per time cell (the state's index + 1; 0: nothing), for the
        whole run at _RASTER_CELLS cells; rebuilt only when the lane has changed."""
        end_ns = lanes.end_ns
        cached = self._rasters.get(name)
        if cached is not None and cached[0] == len(track.spans) and cached[1] == end_ns:
            return cached[2], cached[3]
        t0 = lanes.t0_ns
        cell_ns = max(1, (end_ns - t0) // _RASTER_CELLS + 1)
        n = (end_ns - t0) // cell_ns + 2
        codes = bytearray(n)
        fills = _RASTER_FILLS
        for span in track.spans:
            a = max(0, (span.start_ns - t0) // cell_ns)
            if span.state in State.FINAL:
                continue  # an instant: drawn as its cap by the vector path at the lane's end
            b = min(n, ((end_ns if span.end_ns is None else span.end_ns) - t0) // cell_ns + 1)
            if b > a:
                codes[a:b] = fills[_STATE_CODE.get(span.state, 0)][: b - a]
        self._rasters[name] = (len(track.spans), end_ns, cell_ns, codes)
        return cell_ns, codes

    def _raster_lane(
        self,
        name: str,
        track: Lane,
        lanes: Lanes,
        px_per_ns: float,
        origin: float,
        g: _Geo,
        top: float,
        h: float,
        inset: float,
        out: list[tuple[float, float, float, float, bytes]],
    ) -> bool:
        """Sample the lane's cells at one per pixel column (x, width, top, height, the row
        of codes) for `_draw_rasters`; False when zoomed in past the cells (then the spans
        in view are few enough to draw as rectangles)."""
        cell_ns, codes = self._raster_codes(name, track, lanes)
        width = int(g.right - g.left)
        cells_per_px = 1.0 / (px_per_ns * cell_ns)
        if cells_per_px < 1.0 or width <= 0:
            return False
        c0 = (origin - lanes.t0_ns) / cell_ns
        stride = max(1, round(cells_per_px))
        first = max(0, math.ceil(c0))
        x0 = g.left + (first - c0) / cells_per_px
        row = bytes(codes[first : first + width * stride : stride])
        if row:
            out.append((x0, len(row) * stride / cells_per_px, top + inset, h - 2 * inset, row))
        return True

    def _draw_rasters(
        self, p: QPainter, rows: list[tuple[float, float, float, float, bytes]]
    ) -> None:
        """Every dense lane in one 8-bit image: each lane's row of codes copied into the
        pixel rows it covers, then a single drawImage (the lanes share the time axis, so
        they share x, width and sampling)."""
        if not rows:
            return
        x0, width = rows[0][0], rows[0][1]
        length = max(len(r[4]) for r in rows)
        line = length + (-length) % 4  # scan lines are 32-bit aligned
        top = math.floor(min(r[2] for r in rows))
        bottom = math.ceil(max(r[2] + r[3] for r in rows))
        buffer = bytearray(line * max(1, bottom - top))
        for _x, _w, y, h, codes in rows:
            for py in range(round(y) - top, max(round(y) + 1, round(y + h)) - top):
                at = py * line
                buffer[at : at + len(codes)] = codes
        image = QImage(bytes(buffer), length, bottom - top, line, QImage.Format.Format_Indexed8)
        if self._raster_table is None:
            self._raster_table = self._raster_colors()
        image.setColorTable(self._raster_table)
        scale = width / max(len(rows[0][4]), 1)
        # converted first: drawing an 8-bit image scaled converts it per pixel, measured at
        # twice the time of one conversion and a draw of the converted image
        argb = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        p.drawImage(QRectF(x0, top, length * scale, bottom - top), argb)

    def _raster_colors(self) -> list[int]:
        table = [0] * 256  # 0: transparent
        for state, code in _STATE_CODE.items():
            table[code] = self._style(state)[1].color().rgba()
        return table

    def _heat(
        self,
        g: _Geo,
        lanes: Lanes,
        row: _Row,
        top: float,
        group_end: int | None,
        fills: _Rects,
        pale: _Rects,
    ) -> None:
        """Add a folded group's strip to the fills; a finished group's strip is kept until
        the view changes, as nothing in it can change any more (only one group of a
        comparison runs at a time)."""
        now = group_end if group_end is not None else (lanes.event_count, lanes.end_ns)
        names = len(g.groups[row.group].names)
        key = (id(lanes), self._lo, self._hi, g.left, g.right, top, row.h, names, now)
        cached = self._heat_cache.get(row.group)
        if cached is None or cached[0] != key:
            active: _Rects = {}
            over: _Rects = {}
            self._heat_rects(g, lanes, row, top, group_end, active, over)
            cached = self._heat_cache[row.group] = (key, active, over)
        for source, target in ((cached[1], fills), (cached[2], pale)):
            for state, rects in source.items():
                target.setdefault(state, []).extend(rects)

    def _heat_rects(
        self,
        g: _Geo,
        lanes: Lanes,
        row: _Row,
        top: float,
        group_end: int | None,
        fills: _Rects,
        pale: _Rects,
    ) -> None:
        """A folded group: per pixel column, how many of its tasks are in each state.

        A task is counted in the column whose middle falls inside one of its spans; a final
        state counts from then on, until the whole group is over (then the strip ends, so
        the groups of a comparison read as blocks). Each task's spans are walked once,
        jumping with bisect to the span current at the next column, and each state keeps a
        +1/-1 per column where a task enters or leaves it; a running sum over those columns
        gives the stacks. The cost is spans (or columns) per task, never spans x columns.
        """
        key = g.groups[row.group].key
        occupancy = lanes.occupancy.get(NO_GROUP if key is None else key)
        if occupancy is not None:
            self._occupancy_rects(g, lanes, row, top, group_end, occupancy, fills, pale)
            return
        names = g.groups[row.group].names
        ncol = max(1, math.ceil(g.right - g.left))
        px_per_ns = (g.right - g.left) / ((self._hi - self._lo) * 1e9)
        origin = lanes.t0_ns + self._lo * 1e9
        ns_per_px = 1.0 / px_per_ns
        end_ns, final_states = lanes.end_ns, State.FINAL
        # Where final states stop counting: the group's end, or "now" while it runs.
        over_ns = end_ns if group_end is None else group_end
        over = min(ncol, max(0, math.ceil((over_ns - origin) * px_per_ns + 0.5)))
        delta: dict[str, dict[int, int]] = {}
        for name in names:
            track = lanes.tasks[name]
            spans = track.spans
            if not spans:
                continue
            starts = self._starts(name, track)
            col = 0
            i = bisect_right(starts, origin + 0.5 * ns_per_px) - 1
            if i < 0:
                i, col = 0, math.ceil((starts[0] - origin) * px_per_ns - 0.5)
                if col >= ncol:
                    continue
            last = len(spans) - 1
            while True:
                span = spans[i]
                if span.state in final_states:
                    stop = max(over, col + 1)
                else:
                    e = end_ns if span.end_ns is None else span.end_ns
                    stop = min(ncol, math.ceil((e - origin) * px_per_ns - 0.5))
                if stop > col:
                    d = delta.setdefault(span.state, {})
                    d[col] = d.get(col, 0) + 1
                    d[stop] = d.get(stop, 0) - 1
                    col = stop
                if col >= ncol or i >= last:
                    break
                # The span current at the middle of column `col`: the ones before it are
                # narrower than a pixel and would be painted over anyway.
                i = max(i + 1, bisect_right(starts, origin + (col + 0.5) * ns_per_px, i + 1) - 1)
        if not delta:
            return
        order = sorted(delta, key=lambda s: _STACK.index(s) if s in _STACK else len(_STACK))
        stacks = [
            (delta[s], (pale if s in final_states else fills).setdefault(s, []).append)
            for s in order
        ]
        counts = [0] * len(stacks)
        cols = sorted({c for d in delta.values() for c in d})
        bottom, h, scale = top + row.h - 3, row.h - 6, (row.h - 6) / len(names)
        ceiling, x = bottom - h, g.left
        for a, b in zip(cols, [*cols[1:], ncol], strict=True):
            y = bottom
            for j, (d, add) in enumerate(stacks):
                k = counts[j] = counts[j] + d.get(a, 0)
                if k > 0 and a < b:
                    hh = min(max(k * scale, _STACK_MIN_PX), y - ceiling)
                    if hh > 0:
                        add(QRectF(x + a, y - hh, b - a, hh))
                        y -= hh

    def _occupancy_rects(
        self,
        g: _Geo,
        lanes: Lanes,
        row: _Row,
        top: float,
        group_end: int | None,
        occupancy: Occupancy,
        fills: _Rects,
        pale: _Rects,
    ) -> None:
        """The same stacks as `_heat_rects`, from the trace's per-group occupancy: each run
        of columns that share one step of the step function costs one bisect and one rect
        per state, whatever the number of tasks (1000 live downloads paint in a few ms)."""
        times, counts = occupancy.times, occupancy.counts
        if not times:
            return
        names = len(g.groups[row.group].names)
        ncol = max(1, math.ceil(g.right - g.left))
        px_per_ns = (g.right - g.left) / ((self._hi - self._lo) * 1e9)
        origin = lanes.t0_ns + self._lo * 1e9
        over_ns = lanes.end_ns if group_end is None else group_end
        over = min(ncol, max(0, math.ceil((over_ns - origin) * px_per_ns + 0.5)))
        bottom, h = top + row.h - 3, row.h - 6
        scale, ceiling = h / max(names, 1), bottom - h
        final_states = State.FINAL
        adders = {
            state: (pale if state in final_states else fills).setdefault(state, []).append
            for state in _STACK
        }
        # Wider columns when every pixel would differ (a thousand live tasks change
        # state all the time): half the work, and the strip looks the same on screen.
        step = _STRIP_STEP_PX if len(times) > over else 1
        left, last = g.left, len(times) - 1
        ns_per_px = 1.0 / px_per_ns
        col = max(0, math.ceil((times[0] - origin) * px_per_ns - 0.5))
        order = [(state, adders[state]) for state in _STACK]
        while col < over:
            i = bisect_right(times, origin + (col + 0.5 * step) * ns_per_px) - 1
            nxt = times[i + 1] if i < last else over_ns
            stop = min(over, max(col + step, math.ceil((nxt - origin) * px_per_ns - 0.5)))
            snapshot = counts[i]
            y, width, x = bottom, stop - col, left + col
            for state, add in order:
                k = snapshot.get(state)
                if k:
                    hh = min(max(k * scale, _STACK_MIN_PX), y - ceiling)
                    if hh <= 0:
                        break
                    add(QRectF(x, y - hh, width, hh))
                    y -= hh
            col = stop

    def _fail_marks(
        self,
        g: _Geo,
        lanes: Lanes,
        summary: _Summary,
        top: float,
        h: float,
        marks: list[QRectF],
    ) -> None:
        """A red mark at every failure of a folded group: one task in 500 must not vanish."""
        lo = lanes.t0_ns + int(self._lo * 1e9)
        hi = lanes.t0_ns + int(self._hi * 1e9)
        i, j = bisect_left(summary.fail_ns, lo), bisect_right(summary.fail_ns, hi)
        seen: set[int] = set()
        for t in summary.fail_ns[i:j]:
            x = round(self._x(lanes.seconds(t), g))
            if x not in seen:
                seen.add(x)
                marks.append(QRectF(x - _FAIL_W / 2, top + 2, _FAIL_W, h - 4))

    def _paint_scrollbar(self, p: QPainter, g: _Geo) -> None:
        view = g.counter_top - g.lanes_top
        total = view + g.scroll_max
        thumb = max(24.0, view * view / total)
        y = g.lanes_top + (view - thumb) * self._scroll_of(g) / g.scroll_max
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(87, 96, 106, 140))
        p.drawRect(QRectF(self.width() - 6, y, 5, thumb))

    def _counter_extent(self, series: list[tuple[int, float]]) -> tuple[float, float]:
        # Running min/max: refresh() runs at 60 Hz, so only look at samples new since last time.
        seen, lo, hi = self._crange
        if seen == 0 and series:
            lo = hi = series[0][1]
        for _, v in series[seen:]:
            lo, hi = min(lo, v), max(hi, v)
        self._crange = (len(series), lo, hi)
        return lo, hi

    def _paint_counter(self, p: QPainter, g: _Geo, name: str) -> None:
        top, bottom = g.counter_top, g.axis_top
        p.setPen(QPen(theme.GRID, 1))
        p.drawLine(QLineF(0, top + 0.5, self.width(), top + 0.5))
        p.setFont(self._bold)
        p.setPen(theme.MUTED)
        p.drawText(
            QRectF(_PAD, top, g.left - 2 * _PAD, bottom - top), _VCENTER, self._counter_label
        )
        p.setFont(self._font)
        lanes = self._lanes
        series = lanes.counters.get(name, []) if lanes else []
        if not lanes or not series:
            return
        vmin, vmax = self._counter_extent(series)
        fh = self._fm.height()
        y_top, y_bot = top + fh + 6, bottom - 6

        def y(v: float) -> float:
            frac = 0.5 if vmax == vmin else (vmax - v) / (vmax - vmin)
            return y_top + frac * (y_bot - y_top)

        p.save()
        p.setClipRect(QRectF(g.left, top, self.width() - g.left, bottom - top))
        if vmin < 0 < vmax:
            p.setPen(QPen(theme.MUTED, 1, Qt.PenStyle.DashLine))
            p.drawLine(QLineF(g.left, y(0), g.right, y(0)))
        # what to draw depends on the run, the range and the geometry, not the cursor: a
        # cursor move over a million-sample counter reuses it (it cost ~10 ms a move)
        key = (
            id(lanes), name, len(series), lanes.end_ns, self._lo, self._hi,
            g.left, g.right, y_top, y_bot, vmin, vmax, fh, self._counter_fmt,
        )  # fmt: skip
        cached = self._counter_cache
        if cached is None or cached[0] != key:
            cached = self._counter_cache = (key, *self._counter_shapes(g, name, series, y, fh))
        _key, lines, labels = cached
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for below, segs in lines.items():
            p.setPen(QPen(theme.BAD if below else theme.TEXT, 2.5))
            p.drawLines(segs)
        for box, v, text in labels:
            p.setPen(theme.BAD if v < 0 else theme.TEXT)
            p.drawText(box, _LEFT | _VCENTER, text)
        p.restore()

    def _counter_shapes(
        self,
        g: _Geo,
        name: str,
        series: Sequence[tuple[int, float]],
        y: Callable[[float], float],
        fh: float,
    ) -> tuple[_CounterLines, _CounterLabels]:
        """The counter's steps (keyed by "below zero") and its value labels, as drawn."""
        lanes = self._lanes
        assert lanes is not None
        px_per_ns = (g.right - g.left) / ((self._hi - self._lo) * 1e9)
        origin = lanes.t0_ns + self._lo * 1e9  # the ns at x = g.left
        times = self._times(f"counter:{name}", series, _sample_t)
        i = max(0, bisect_right(times, origin) - 1)
        lines: dict[bool, list[QLineF]] = {False: [], True: []}  # keyed by "below zero"
        changes: list[tuple[float, float]] = []  # x, value: where a new value starts
        drawn: float | None = None  # the value drawn last (level of detail skips samples)
        while i < len(series) and times[i] <= lanes.t0_ns + self._hi * 1e9:
            v, x0 = series[i][1], g.left + (times[i] - origin) * px_per_ns
            j = i + 1
            if j < len(series) and (times[j] - origin) * px_per_ns + g.left < x0 + 1:
                # Level of detail: a million increments must not cost a million lines; go
                # to the last sample inside this pixel column (extremes in between are lost).
                j = max(j, bisect_left(times, int(origin + (x0 + 1 - g.left) / px_per_ns), j) - 1)
            x1 = g.left + ((times[j] if j < len(series) else lanes.end_ns) - origin) * px_per_ns
            lines[v < 0].append(QLineF(x0, y(v), x1, y(v)))
            if j < len(series):
                lines[False].append(QLineF(x1, y(v), x1, y(series[j][1])))
            if drawn != v or x0 < g.left:
                changes.append((max(x0, g.left), v))
            drawn, i = v, j
        # Label the newest value first (it is the one people ask about), then older ones
        # right to left wherever they do not collide with a label already placed.
        placed: list[QRectF] = []
        labels: _CounterLabels = []
        for x, v in reversed(changes):
            text = self._counter_fmt(v)
            w = self._fm.horizontalAdvance(text) + 4
            box = QRectF(min(x + 4, g.right + _PAD - w), y(v) - fh - 3, w, fh)
            # Only the last few placed boxes can be near: we go right to left.
            if any(box.adjusted(-12, 0, 12, 0).intersects(b) for b in placed[-8:]):
                continue
            placed.append(box)
            labels.append((box, v, text))
        return lines, labels

    # -- interaction -----------------------------------------------------------------------
    def _toggle(self, groups: Sequence[int]) -> None:
        """Fold or unfold groups, keeping the first one's header where it is on screen."""
        g = self._geo()
        first = next((r for r in g.rows if r.group == groups[0]), None)
        on_screen = first.y - self._scroll_of(g) if first else 0.0
        for gi in groups:
            self._expanded[g.groups[gi].key] = g.groups[gi].condensed
        self._geo_cache = None
        self.updateGeometry()
        g = self._geo()
        first = next((r for r in g.rows if r.group == groups[0]), None)
        if first is not None:
            self._scroll = min(max(first.y - on_screen, 0.0), g.scroll_max)
        self.update()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refresh(force=True)  # the room kept right of the run's end is in pixels

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            g = self._geo()
            if g.scroll_max <= 0:
                event.ignore()  # a plain wheel belongs to the scroll area around us
                return
            # More lanes than room: the wheel scrolls them, the axis and legend stay put.
            steps = event.angleDelta().y() / 120 or event.pixelDelta().y() / 40
            self._scroll = min(max(self._scroll_of(g) - steps * 3 * g.lane_h, 0.0), g.scroll_max)
            self.update()
            event.accept()
            return
        steps = event.angleDelta().y() / 120 or event.pixelDelta().y() / 40
        t = self._t(event.position().x(), self._geo())
        factor = 0.8**steps
        self._set_range(t - (t - self._lo) * factor, t + (self._hi - t) * factor)
        event.accept()

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._press_x, self._dragging = event.position().x(), False
        self._press_range = (self._lo, self._hi)
        g = self._geo()
        # pressed on the time cursor: a drag moves the cursor, not the view
        self._drag_cursor = (
            self.cursor_s is not None
            and abs(self._x(self.cursor_s, g) - self._press_x) <= _CURSOR_GRAB_PX
        )

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._press_x is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        dx = event.position().x() - self._press_x
        if not self._dragging and abs(dx) < QApplication.startDragDistance():
            return  # a click with a shaky hand is still a click
        self._dragging = True
        g = self._geo()
        if self._drag_cursor:
            self.setCursor(Qt.CursorShape.SizeHorCursor)
            self._move_cursor(self._t(event.position().x(), g))
            return
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        lo, hi = self._press_range
        dt = dx * (hi - lo) / (g.right - g.left)
        self._set_range(lo - dt, hi - dt)

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press_x is None:
            return
        x, g = event.position().x(), self._geo()
        row = self._row_at(event.position().y())
        if not self._dragging and row is not None:
            if row.kind == _LANE:
                self.laneClicked.emit(row.name)
                if x >= g.left:
                    self._move_cursor(self._t(x, g))  # a click on a span: that moment
            else:  # a group's header or its aggregate row
                self._toggle([row.group])
        elif not self._dragging and x >= g.left and self._lanes is not None:
            self._move_cursor(self._t(x, g))  # the axis or the counter track: that moment
        self._press_x, self._dragging = None, False
        self.unsetCursor()

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.fit()

    def step_cursor(self, direction: int, big: bool = False) -> None:
        """←/→ (the window's keys): move the time cursor a 100th (big: a 10th) of the view."""
        if self._lanes is None:
            return
        step = (self._hi - self._lo) / (10 if big else 100)
        now = self.cursor_s if self.cursor_s is not None else 0.0
        self._move_cursor(now + direction * step)

    def cursor_to_end(self) -> bool:
        """Esc: no cursor, every view at the end of the run; False if there was none."""
        if self.cursor_s is None:
            return False
        self._move_cursor(None)
        return True

    def toggle_folds(self) -> None:
        """E: the group under the mouse; elsewhere all of them (unfold if any is folded)."""
        g = self._geo()
        pos = self.mapFromGlobal(QCursor.pos())
        row = self._row_at(pos.y()) if self.rect().contains(pos) else None
        if row is not None and g.groups[row.group].header:
            self._toggle([row.group])
            return
        headed = [i for i, group in enumerate(g.groups) if group.header]
        unfold = any(g.groups[i].condensed for i in headed)
        chosen = [i for i in headed if g.groups[i].condensed == unfold]
        if chosen:
            self._toggle(chosen)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        # Used where the view stands alone (the A/B dialog); in the main window the same
        # keys are the window's shortcuts and call these methods whatever has the focus.
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.step_cursor(1 if key == Qt.Key.Key_Right else -1, shift)
        elif key == Qt.Key.Key_Escape and self.cursor_to_end():
            pass  # else Esc goes on to the dialog the view is in, which closes
        elif key == Qt.Key.Key_Home:
            self.fit()
        elif key == Qt.Key.Key_E:
            self.toggle_folds()
        else:
            super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QtGui.QHelpEvent):
            text = self._tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _lane_at(self, y: float) -> tuple[str, Lane] | None:
        row = self._row_at(y)
        if row is None or row.kind != _LANE or self._lanes is None:
            return None
        return row.name, self._lanes.tasks[row.name]

    def _tooltip_at(self, pos: QPointF) -> str | None:
        lanes, g = self._lanes, self._geo()
        if lanes is None:
            return None
        row = self._row_at(pos.y())
        if row is not None and row.kind == _HEADER:
            group = g.groups[row.group]
            summary = self._summaries()[row.group]
            act = (
                f"show its {len(group.names)} lanes" if group.condensed else "fold it into one row"
            )
            return f"{self._header_text(group, summary)}\nClick or press E to {act}"
        if not g.left <= pos.x() <= g.right:
            return None
        t_ns = lanes.t0_ns + int(self._t(pos.x(), g) * 1e9)
        if self._counter and g.counter_top <= pos.y() < g.axis_top:
            series = lanes.counters.get(self._counter, [])
            i = bisect_right(self._times(f"counter:{self._counter}", series, _sample_t), t_ns) - 1
            if i < 0:
                return None
            value = self._counter_fmt(series[i][1])
            return f"{self._counter_label}: {value} at {lanes.seconds(t_ns):.3f} s"
        if row is not None and row.kind == _AGG:
            return self._describe_group(lanes, g, row, pos.x(), t_ns)
        lane = self._lane_at(pos.y())
        if lane is None:
            return None
        i = bisect_right(self._starts(*lane), t_ns)
        for span in reversed(lane[1].spans[max(0, i - 2) : i + 1]):  # the newest span wins
            x0, x1 = self._span_px(lanes, span, g)
            if x0 - 1 <= pos.x() <= x1 + 1:
                text = self._describe(lanes, lane[0], span)
                caption = task_caption(lane[1].info)
                return text if g.text_lanes or not caption else f"{text}\n{caption}"
        if not g.text_lanes:  # no chip to read: still say whose lane this is
            caption = task_caption(lane[1].info)
            return f"{lane[0]} — {caption}" if caption else lane[0]
        return None

    def _describe(self, lanes: Lanes, name: str, span: Span) -> str:
        text = span.detail or self._style(span.state)[0].label
        if span.state == State.FAILED and span.detail:
            text = f"failed: {span.detail}"
        head = f"{name} — {text}"
        start = lanes.seconds(span.start_ns)
        if span.state in State.FINAL:
            return f"{head}\nat {start:.3f} s"
        if span.end_ns is None and span.state == State.RECEIVING:
            track = lanes.tasks[name]
            got = f"{track.received / 1024:,.0f} KiB"
            if track.total:
                got += f" of {track.total / 1024:,.0f} KiB ({track.received / track.total:.0%})"
            head = f"{head} {got}"
        end = lanes.seconds(lanes.end_ns if span.end_ns is None else span.end_ns)
        so_far = " so far" if span.end_ns is None else ""
        return f"{head}\n{start:.3f} s → {end:.3f} s ({end - start:.3f} s{so_far})"

    def _describe_group(self, lanes: Lanes, g: _Geo, row: _Row, x: float, t_ns: int) -> str:
        """An aggregate row: the failures under the mouse, else the group's states then."""
        group = g.groups[row.group]
        summary = self._summaries()[row.group]
        lo = lanes.t0_ns + int(self._t(x - _FAIL_HIT_PX, g) * 1e9)
        hi = lanes.t0_ns + int(self._t(x + _FAIL_HIT_PX, g) * 1e9)
        near = summary.fails[bisect_left(summary.fail_ns, lo) : bisect_right(summary.fail_ns, hi)]
        if len(near) == 1:
            t, name, error = near[0]
            return f"{name} — failed: {error}\nat {lanes.seconds(t):.3f} s"
        if near:
            lines = [
                f"{name} — failed: {error} at {lanes.seconds(t):.3f} s" for t, name, error in near
            ]
            more = f"\n… and {len(lines) - 8} more" if len(lines) > 8 else ""
            return "\n".join(lines[:8]) + more
        counts: dict[str, int] = {}
        for name in group.names:
            track = lanes.tasks[name]
            i = bisect_right(self._starts(name, track), t_ns) - 1
            state = track.spans[i].state if i >= 0 else ""
            counts[state] = counts.get(state, 0) + 1
        parts = ", ".join(f"{n} {self._state_text(s)}" for s, n in self._summary_parts(counts))
        return f"{self._header_title(group)} at {lanes.seconds(t_ns):.3f} s: {parts}"
