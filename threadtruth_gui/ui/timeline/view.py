"""TimelineView: the widget's state, its events, and the order in which a paint is done."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from time import perf_counter

from PySide6 import QtGui
from PySide6.QtCore import QEvent, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import task_caption
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline import counter, decor, folded, layout, spans, tips
from threadtruth_gui.ui.timeline.frame import Caches, Frame, Look, Scene, other_wait
from threadtruth_gui.ui.timeline.layout import (
    COUNTER_H,
    LANE,
    LEGEND_GAP,
    PAD,
    THIN_MIN,
    Geo,
    GroupSpecs,
    Metrics,
    Row,
    Summary,
)

_MIN_SPAN_S, _MAX_SPAN_S = 1e-6, 3600.0  # zoom limits; below 1 µs there is only noise
_PAINT_SHARE = 4.0  # wait this many paint-times between live repaints
_CURSOR_GRAB_PX = 8  # a press this close to the time cursor drags it


class TimelineView(QWidget):
    """Lanes of task states over time, a counter step line and a seconds axis."""

    laneClicked = Signal(str)
    # the time cursor: seconds, or None to show the end; moved by a click or the arrow keys
    cursorMoved = Signal(object)
    rangeChanged = Signal(float, float)  # the shown time range, after a zoom or a pan

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._look = Look(theme.body_font())
        self._caches = Caches()
        self._lanes: Lanes | None = None
        self._colors: dict[str, QColor] = {}
        self._counter: str | None = None
        self._counter_label = ""
        self._counter_fmt: Callable[[float], str] = lambda v: f"{v:g}"
        self._lane_count = 0
        self._expanded: dict[str | None, bool] = {}  # the user's choice per group
        self._scroll = 0.0
        self._geo_cache: tuple[tuple[int, ...], Geo] | None = None
        self._group_cache: tuple[tuple[int, int], GroupSpecs] | None = None
        self._summary_cache: tuple[tuple[int, int, int], list[Summary]] | None = None
        self._label_w = (0, 0.0)  # lanes measured so far, the widest chip and caption
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
        # the trace whose spans were read (its id), spans read per task, the states seen
        self._legend_used: tuple[object, dict[str, int], set[str]] = (None, {}, set())
        self.spans_in_view = 0  # what drawing every visible span as a rect would have taken
        self._dragging = False
        self.setFont(self._look.font)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # for the Home and E keys
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # -- public API ------------------------------------------------------------------------
    def set_lanes(self, lanes: Lanes | None, colors: dict[str, QColor]) -> None:
        self._lanes, self._colors = lanes, dict(colors)
        self._legend_used = (None, {}, set())
        self._caches = Caches(raster_table=self._caches.raster_table)
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
        self._caches.crange, self._caches.times = (0, 0.0, 0.0), {}
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
            self._look.refont(self.font())
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
            self._look.name_waits(other=False)
        for name, track in lanes.tasks.items():
            start = seen.get(name, 0)
            if len(track.spans) > start:
                new = track.spans[start:]
                used.update(span.state for span in new)
                seen[name] = len(track.spans)
                if any(other_wait(span) for span in new):  # a traced program's queue, join
                    self._look.name_waits(other=True)
        return [state for state in self._look.styles if state in used]

    # -- fonts, kept as names the tests read -------------------------------------------------
    @property
    def _font(self) -> QFont:
        return self._look.font

    @property
    def _axis_font(self) -> QFont:
        return self._look.axis_font

    @property
    def _fm(self) -> QFontMetricsF:
        return self._look.fm

    def _name_font(self, lane_h: float) -> tuple[QFont, float]:
        return self._look.name_font(lane_h)

    # -- groups and geometry (layout.py does the arithmetic) --------------------------------
    def _reset_caches(self) -> None:
        self._geo_cache = None
        self._group_cache = None
        self._summary_cache = None
        self._label_w = (0, 0.0)
        self._caches.counter = None

    def _group_specs(self) -> GroupSpecs:
        lanes = self._lanes
        if lanes is None:
            return []
        key = (id(lanes), len(lanes.tasks))
        if self._group_cache is None or self._group_cache[0] != key:
            self._group_cache = (key, layout.group_specs(lanes))
        return self._group_cache[1]

    def _metrics(self) -> Metrics:
        look = self._look
        rows = 1 + max(
            (row for _s, _x, row in decor.legend_layout(look, self.used_states(), self.width())),
            default=0,
        )
        fh = look.fm.height()
        return Metrics(
            legend=rows * (fh + LEGEND_GAP) - LEGEND_GAP + 2 * PAD,
            lane=max(36.0, fh + 12),
            counter=COUNTER_H if self._counter else 0.0,
            axis=look.fm_axis.height() + 12,
            header=look.fm_bold.height() + 4,
            strip=fh + 4,
            # a lane at its thinnest (a few lanes, no groups): its name chip in the smallest
            # text the screen has (the axis's 14 pt) still fits in it
            thin=max(THIN_MIN, fh * 0.6, look.name_font(0.0)[1] + 4),
            text=fh,
        )

    def _min_height(self, natural: bool = False) -> float:
        return layout.min_height(self._metrics(), self._group_specs(), self._expanded, natural)

    def _gutter_w(self) -> float:
        look = self._look
        seen, widest = self._label_w
        lanes = list(self._lanes.tasks.items()) if self._lanes else []
        for name, track in lanes[seen:]:  # tasks are only ever added: measure the new ones
            chip = look.fm_bold.horizontalAdvance(name) + 16 + PAD
            widest = max(widest, chip + look.fm.horizontalAdvance(task_caption(track.info)))
        self._label_w = (len(lanes), widest)
        w = look.fm_bold.horizontalAdvance(self._counter_label) if self._counter else 60.0
        return min(max(w, widest) + 3 * PAD, max(140.0, self.width() * 0.42))

    def _geo(self) -> Geo:
        lanes = self._lanes
        key = (
            self.width(),
            self.height(),
            id(lanes),
            len(lanes.tasks) if lanes else 0,
            len(self.used_states()),  # a new state may give the legend another row
        )
        if self._geo_cache is None or self._geo_cache[0] != key:
            geo = layout.layout(
                self._metrics(),
                self._group_specs(),
                self._expanded,
                self._gutter_w(),
                self.width() - PAD,
                self.height(),
            )
            self._geo_cache = (key, geo)
        return self._geo_cache[1]

    def _fit_range(self) -> tuple[float, float]:
        return layout.fit_range(self._lanes, self._geo())

    def _x(self, t_s: float, g: Geo) -> float:
        return g.left + (t_s - self._lo) / (self._hi - self._lo) * (g.right - g.left)

    def _t(self, x: float, g: Geo) -> float:
        return self._lo + (x - g.left) / (g.right - g.left) * (self._hi - self._lo)

    def _set_range(self, lo: float, hi: float) -> None:
        half = min(max(hi - lo, _MIN_SPAN_S), _MAX_SPAN_S) / 2
        mid = (lo + hi) / 2
        self._lo, self._hi, self._follow = mid - half, mid + half, False
        self.update()
        self.rangeChanged.emit(self._lo, self._hi)

    def _scroll_of(self, g: Geo) -> float:
        return layout.scroll_of(g, self._scroll)

    def _visible_rows(self, g: Geo) -> Iterator[tuple[Row, float]]:
        return layout.visible_rows(g, self._scroll)

    def _row_at(self, y: float) -> Row | None:
        return layout.row_at(self._geo(), self._scroll, y)

    def _summaries(self) -> list[Summary]:
        """Per group: its tasks' current states and its failures, once per batch of events."""
        lanes = self._lanes
        if lanes is None:
            return []
        key = (id(lanes), lanes.event_count, len(lanes.tasks))
        if self._summary_cache is None or self._summary_cache[0] != key:
            self._summary_cache = (key, layout.summaries(lanes, self._group_specs()))
        return self._summary_cache[1]

    def _scene(self, g: Geo) -> Scene:
        """What the painters and the tooltips read, as of now."""
        return Scene(
            g=g,
            lanes=self._lanes,
            lo=self._lo,
            hi=self._hi,
            width=float(self.width()),
            scroll=self._scroll_of(g),
            look=self._look,
            caches=self._caches,
            colors=self._colors,
            counter=self._counter,
            counter_label=self._counter_label,
            counter_fmt=self._counter_fmt,
            cursor_s=self.cursor_s,
            summaries=self._summaries,
        )

    def _header_title(self, group: layout.Group) -> str:
        return tips.header_title(self._scene(self._geo()), group)

    def _header_text(self, group: layout.Group, summary: Summary) -> str:
        return tips.header_text(self._scene(self._geo()), group, summary)

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        started = perf_counter()
        self._paint()
        self._painted_at = perf_counter()
        self._paint_s = self._painted_at - started

    def _paint(self) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BG)
        p.setFont(self._look.font)
        g = self._geo()
        f = Frame(p=p, **vars(self._scene(g)))
        rows = list(layout.visible_rows(g, self._scroll))
        decor.paint_legend(f, self.used_states())
        decor.paint_gutter(f, rows)
        decor.paint_axis(f)
        if self._lanes is None:
            decor.paint_no_run(f)
        else:
            decor.paint_phases(f, self._lanes)
            # for benchmarks/timeline.py: what this paint gave drawRects, and what it spared
            self.rects_drawn, self.lanes_rastered, self.spans_in_view = spans.paint_spans(f, rows)
        folded.paint_headers(f, rows)
        if g.scroll_max > 0:
            decor.paint_scrollbar(f)
        if self._counter:
            counter.paint_counter(f, self._counter)
        if self.cursor_s is not None and self._lanes is not None:
            decor.paint_cursor(f, self.cursor_s)
        p.end()

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
            if row.kind == LANE:
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

    def _tooltip_at(self, pos: QPointF) -> str | None:
        return tips.tooltip_at(self._scene(self._geo()), pos)
