"""The shared timeline: one lane of state spans per task, a counter track and a time axis.

Everything is drawn in one `paintEvent` (DESIGN convention 6): only the visible time range,
one `drawRects` per state for the fill and one for its pattern, sub-pixel spans merged.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from PySide6 import QtGui
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.narrate import task_caption
from threadtruth_gui.engine.trace import Span, TaskTrack, Trace
from threadtruth_gui.ui import theme

_MIN_LIVE_S = 0.5  # while live, never show less: the first frames would rescale wildly
_MARGIN = 0.02  # fraction of the range left empty before t=0
_END_ROOM_PX = 110.0  # right of the run's end in a fitted view, so "denied" etc. fit there
_MIN_SPAN_S, _MAX_SPAN_S = 1e-6, 3600.0  # zoom limits; below 1 µs there is only noise
_FINAL_W = 8.0  # px: final states are instants; a cap makes them visible and hoverable
_PAD = 8.0
_COUNTER_H, _COUNTER_MAX_H = 70.0, 150.0
_AXIS_PT = 14.0  # tick labels: the smallest text, still 14 pt for a shared screen
_TICK_PX = 110.0  # aim for one tick label about every this many pixels
_LABEL_MIN_PX = 48.0  # narrower spans get no text; a sliver of letters helps nobody
_TEXT_BOX = QColor(255, 255, 255, 225)  # behind span text so the patterns don't garble it
_FALLBACK = theme.StateStyle("?", theme.MUTED, Qt.BrushStyle.NoBrush)
_T = TypeVar("_T")
_LEFT, _VCENTER, _CENTER = (
    Qt.AlignmentFlag.AlignLeft,
    Qt.AlignmentFlag.AlignVCenter,
    Qt.AlignmentFlag.AlignCenter,
)


@dataclass(frozen=True)
class _Geo:
    left: float  # the plot area (the time axis) spans left..right in x
    right: float
    lanes_top: float
    lane_h: float
    counter_top: float
    axis_top: float


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


class TimelineView(QWidget):
    """Lanes of task states over time, a counter step line and a seconds axis."""

    laneClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._font = theme.body_font()
        self._bold = theme.body_font(bold=True)
        self._axis_font = theme.body_font(_AXIS_PT)
        self._fm, self._fm_bold = QFontMetricsF(self._font), QFontMetricsF(self._bold)
        self._styles = {s: _style_brushes(st) for s, st in theme.STATE_STYLES.items()}
        self._trace: Trace | None = None
        self._colors: dict[str, QColor] = {}
        self._counter: str | None = None
        self._counter_label = ""
        self._counter_fmt: Callable[[float], str] = lambda v: f"{v:g}"
        self._crange: tuple[int, float, float] = (0, 0.0, 0.0)  # samples seen, min, max
        self._time_cache: dict[str, list[int]] = {}
        self._lane_count = 0
        self._follow = True
        self._lo, self._hi = self._fit_range()
        self._press_x: float | None = None
        self._press_range = (0.0, 0.0)
        self._dragging = False
        self.setFont(self._font)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # for the Home key
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    # -- public API ------------------------------------------------------------------------
    def set_trace(self, trace: Trace | None, colors: dict[str, QColor]) -> None:
        self._trace, self._colors = trace, dict(colors)
        self._crange, self._time_cache = (0, 0.0, 0.0), {}
        self._lane_count = len(trace.tasks) if trace else 0
        self.updateGeometry()
        self.fit()

    def refresh(self) -> None:
        if self._trace and len(self._trace.tasks) != self._lane_count:
            self._lane_count = len(self._trace.tasks)  # tasks appear as they START
            self.updateGeometry()
        if self._follow:
            self._lo, self._hi = self._fit_range()
        self.update()

    def set_counter(self, name: str | None, label: str, fmt: Callable[[float], str]) -> None:
        self._counter, self._counter_label, self._counter_fmt = name, label, fmt
        self._crange, self._time_cache = (0, 0.0, 0.0), {}
        self.updateGeometry()
        self.update()

    def fit(self) -> None:
        self._follow = True
        self.refresh()

    def visible_range(self) -> tuple[float, float]:
        return self._lo, self._hi

    def sizeHint(self) -> QSize:
        return QSize(1000, math.ceil(self._min_height()))

    def minimumSizeHint(self) -> QSize:
        return QSize(400, math.ceil(self._min_height()))

    # -- geometry --------------------------------------------------------------------------
    def _lanes(self) -> list[tuple[str, TaskTrack]]:
        return list(self._trace.tasks.items()) if self._trace else []

    def _fixed(self) -> tuple[float, float, float, float]:
        """Heights of the legend, one lane, the counter track and the axis, at their least."""
        legend = self._fm.height() + 2 * _PAD
        lane = max(36.0, self._fm.height() + 12)
        counter = _COUNTER_H if self._counter else 0.0
        return legend, lane, counter, QFontMetricsF(self._axis_font).height() + 12

    def _min_height(self) -> float:
        legend, lane, counter, axis = self._fixed()
        return legend + max(len(self._lanes()), 2) * lane + counter + axis

    def _geo(self) -> _Geo:
        legend, lane, counter, _ = self._fixed()
        n = max(len(self._lanes()), 2)
        # Spare height widens lanes a little, then the counter track, whose labels need it.
        spare = max(0.0, self.height() - self._min_height())
        grow = min(spare / n, lane * 0.4)
        lane, spare = lane + grow, spare - grow * n
        if self._counter:
            counter = min(counter + spare, _COUNTER_MAX_H)
        w = self._fm_bold.horizontalAdvance(self._counter_label) if self._counter else 60.0
        for name, track in self._lanes():
            chip = self._fm_bold.horizontalAdvance(name) + 16 + _PAD
            w = max(w, chip + self._fm.horizontalAdvance(task_caption(track.info)))
        gutter = min(w + 3 * _PAD, max(140.0, self.width() * 0.3))
        counter_top = legend + n * lane
        return _Geo(gutter, self.width() - _PAD, legend, lane, counter_top, counter_top + counter)

    def _fit_range(self) -> tuple[float, float]:
        tr = self._trace
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

    def _span_px(self, trace: Trace, span: Span, g: _Geo) -> tuple[float, float]:
        end = trace.end_ns if span.end_ns is None else span.end_ns
        x0, x1 = self._x(trace.seconds(span.start_ns), g), self._x(trace.seconds(end), g)
        return x0, x0 + _FINAL_W if span.state in State.FINAL else max(x1, x0 + 1.0)

    def _set_range(self, lo: float, hi: float) -> None:
        half = min(max(hi - lo, _MIN_SPAN_S), _MAX_SPAN_S) / 2
        mid = (lo + hi) / 2
        self._lo, self._hi, self._follow = mid - half, mid + half, False
        self.update()

    def _times(self, key: str, items: Sequence[_T], time_of: Callable[[_T], int]) -> list[int]:
        """The times of `items` as a plain list, so bisect runs in C without a key function.

        Spans and samples are only ever appended, so the cache just extends.
        """
        times = self._time_cache.setdefault(key, [])
        if len(times) < len(items):
            times.extend(time_of(item) for item in items[len(times) :])
        return times

    def _starts(self, name: str, track: TaskTrack) -> list[int]:
        return self._times(f"lane:{name}", track.spans, _span_start)

    def _style(self, state: str) -> tuple[theme.StateStyle, QBrush, QBrush]:
        return self._styles.get(state) or _style_brushes(_FALLBACK)

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BG)
        p.setFont(self._font)
        g = self._geo()
        self._paint_legend(p)
        for row, (name, track) in enumerate(self._lanes()):
            self._paint_lane_label(p, g, row, name, track)
        self._paint_axis(p, g)
        if self._trace is None:
            p.setPen(theme.MUTED)
            rect = QRectF(g.left, g.lanes_top, g.right - g.left, g.counter_top - g.lanes_top)
            p.drawText(rect, _CENTER, "No run yet")
        else:
            self._paint_spans(p, g, self._trace)
        if self._counter:
            self._paint_counter(p, g, self._counter)
        p.end()

    def _paint_legend(self, p: QPainter) -> None:
        x, h = _PAD, self._fm.height()
        for style, fill, pattern in self._styles.values():
            text_w = self._fm.horizontalAdvance(style.label)
            if x + 36 + text_w > self.width():
                break  # rare states come last; better missing than cut in half
            swatch = QRectF(x, _PAD + (h - 18) / 2, 28, 18)
            p.setPen(theme.MUTED)
            for brush in (fill, pattern):
                p.setBrush(brush)
                p.drawRect(swatch)
            p.setPen(theme.TEXT)
            p.drawText(QRectF(x + 36, _PAD, text_w + 2, h), _VCENTER, style.label)
            x += 36 + text_w + 24

    def _paint_lane_label(
        self, p: QPainter, g: _Geo, row: int, name: str, track: TaskTrack
    ) -> None:
        top = g.lanes_top + row * g.lane_h
        if row % 2:  # zebra bands let the eye follow a lane across a wide screen
            p.fillRect(QRectF(0, top, self.width(), g.lane_h), theme.PANEL)
        color = self._colors.get(name) or theme.task_color(row)
        h = self._fm_bold.height() + 4
        chip = QRectF(_PAD, top + (g.lane_h - h) / 2, self._fm_bold.horizontalAdvance(name) + 16, h)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(chip, 5, 5)
        luma = 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()
        p.setPen(QColor("white") if luma < 150 else theme.TEXT)
        p.setFont(self._bold)
        p.drawText(chip, _CENTER, name)
        p.setFont(self._font)
        p.setPen(theme.TEXT)
        x = chip.right() + _PAD
        info = self._fm.elidedText(
            task_caption(track.info), Qt.TextElideMode.ElideRight, g.left - x - _PAD
        )
        p.drawText(QRectF(x, top, g.left - x, g.lane_h), _VCENTER, info)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_axis(self, p: QPainter, g: _Geo) -> None:
        p.setFont(self._axis_font)
        p.setPen(theme.MUTED)
        step = _nice_step((self._hi - self._lo) * _TICK_PX / max(g.right - g.left, 1.0))
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        grid, ticks = [], [QLineF(g.left, g.axis_top + 0.5, g.right, g.axis_top + 0.5)]
        k = math.ceil(self._lo / step)
        while (t := k * step) <= self._hi:
            x = round(self._x(t, g)) + 0.5
            grid.append(QLineF(x, g.lanes_top, x, g.axis_top))
            ticks.append(QLineF(x, g.axis_top, x, g.axis_top + 5))
            label = f"{0.0 if abs(t) < step / 2 else t:.{decimals}f} s"
            p.drawText(
                QRectF(x - 60, g.axis_top + 5, 120, 30), Qt.AlignmentFlag.AlignHCenter, label
            )
            k += 1
        p.drawLines(ticks)
        p.setPen(QPen(theme.GRID, 1))
        p.drawLines(grid)
        p.setFont(self._font)

    def _paint_spans(self, p: QPainter, g: _Geo, trace: Trace) -> None:
        # Inlined ns -> px arithmetic: this loop runs per pixel column per lane at 60 Hz.
        px_per_ns = (g.right - g.left) / ((self._hi - self._lo) * 1e9)
        origin = trace.t0_ns + self._lo * 1e9  # the ns at x = g.left
        hi_ns = trace.t0_ns + self._hi * 1e9
        fills: dict[str, list[QRectF]] = {}
        labels: list[tuple[float, float, float, str]] = []  # x0, x1, mid y, text
        left, limit, end_ns = g.left, g.right + _FINAL_W + 2, trace.end_ns
        for row, (name, track) in enumerate(self._lanes()):
            top, mid = g.lanes_top + row * g.lane_h, g.lanes_top + (row + 0.5) * g.lane_h
            spans, starts, covered = track.spans, self._starts(name, track), left - 2
            i = max(0, bisect_right(starts, origin) - 1)
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
                rect = QRectF(x0, top + 5, x1 - x0, g.lane_h - 10)
                fills.setdefault(span.state, []).append(rect)
                covered = x1
                if final:
                    labels.append((x1 + 2, g.right + _PAD, mid, self._style(span.state)[0].label))
                elif x1 - x0 >= _LABEL_MIN_PX:
                    text = span.detail or self._style(span.state)[0].label
                    labels.append((max(x0, left), min(x1, g.right), mid, text))
        p.save()
        p.setClipRect(QRectF(g.left, g.lanes_top, self.width(), g.counter_top - g.lanes_top))
        p.setPen(Qt.PenStyle.NoPen)
        for overlay in (False, True):  # every fill first, then every pattern on top
            for state, rects in fills.items():
                _, fill, pattern = self._style(state)
                brush = pattern if overlay else fill
                if brush.style() != Qt.BrushStyle.NoBrush:
                    p.setBrush(brush)
                    p.drawRects(rects)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for x0, x1, mid, text in labels:
            text = self._fm.elidedText(text, Qt.TextElideMode.ElideRight, x1 - x0 - 18)
            if text and text != "…":
                w, h = self._fm.horizontalAdvance(text), self._fm.height()
                box = QRectF(x0 + 5, mid - h / 2, w + 8, h)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(_TEXT_BOX)
                p.drawRoundedRect(box, 4, 4)
                p.setPen(theme.TEXT)
                p.drawText(box, _CENTER, text)
        p.restore()

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
        trace = self._trace
        series = trace.counters.get(name, []) if trace else []
        if not trace or not series:
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
        px_per_ns = (g.right - g.left) / ((self._hi - self._lo) * 1e9)
        origin = trace.t0_ns + self._lo * 1e9  # the ns at x = g.left
        times = self._times(f"counter:{name}", series, _sample_t)
        i = max(0, bisect_right(times, origin) - 1)
        lines: dict[bool, list[QLineF]] = {False: [], True: []}  # keyed by "below zero"
        changes: list[tuple[float, float]] = []  # x, value: where a new value starts
        while i < len(series) and times[i] <= trace.t0_ns + self._hi * 1e9:
            v, x0 = series[i][1], g.left + (times[i] - origin) * px_per_ns
            j = i + 1
            if j < len(series) and (times[j] - origin) * px_per_ns + g.left < x0 + 1:
                # Level of detail: a million increments must not cost a million lines; go
                # to the last sample inside this pixel column (extremes in between are lost).
                j = max(j, bisect_left(times, int(origin + (x0 + 1 - g.left) / px_per_ns), j) - 1)
            x1 = g.left + ((times[j] if j < len(series) else trace.end_ns) - origin) * px_per_ns
            lines[v < 0].append(QLineF(x0, y(v), x1, y(v)))
            if j < len(series):
                lines[False].append(QLineF(x1, y(v), x1, y(series[j][1])))
            if i == 0 or series[i - 1][1] != v or x0 < g.left:
                changes.append((max(x0, g.left), v))
            i = j
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for below, segs in lines.items():
            p.setPen(QPen(theme.BAD if below else theme.TEXT, 2.5))
            p.drawLines(segs)
        # Label the newest value first (it is the one people ask about), then older ones
        # right to left wherever they do not collide with a label already placed.
        placed: list[QRectF] = []
        for x, v in reversed(changes):
            text = self._counter_fmt(v)
            w = self._fm.horizontalAdvance(text) + 4
            box = QRectF(min(x + 4, g.right + _PAD - w), y(v) - fh - 3, w, fh)
            # Only the last few placed boxes can be near: we go right to left.
            if any(box.adjusted(-12, 0, 12, 0).intersects(b) for b in placed[-8:]):
                continue
            placed.append(box)
            p.setPen(theme.BAD if v < 0 else theme.TEXT)
            p.drawText(box, _LEFT | _VCENTER, text)
        p.restore()

    # -- interaction -----------------------------------------------------------------------
    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refresh()  # the room kept right of the run's end is in pixels

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.ignore()  # a plain wheel belongs to the scroll area around us
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

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._press_x is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        dx = event.position().x() - self._press_x
        if not self._dragging and abs(dx) < QApplication.startDragDistance():
            return  # a click with a shaky hand is still a click
        self._dragging = True
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        g = self._geo()
        lo, hi = self._press_range
        dt = dx * (hi - lo) / (g.right - g.left)
        self._set_range(lo - dt, hi - dt)

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press_x is None:
            return
        if not self._dragging and (lane := self._lane_at(event.position().y())) is not None:
            self.laneClicked.emit(lane[0])
        self._press_x, self._dragging = None, False
        self.unsetCursor()

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.fit()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Home:
            self.fit()
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

    def _lane_at(self, y: float) -> tuple[str, TaskTrack] | None:
        g, lanes = self._geo(), self._lanes()
        row = math.floor((y - g.lanes_top) / g.lane_h)
        return lanes[row] if 0 <= row < len(lanes) else None

    def _tooltip_at(self, pos: QPointF) -> str | None:
        trace, g = self._trace, self._geo()
        if trace is None or not g.left <= pos.x() <= g.right:
            return None
        t_ns = trace.t0_ns + int(self._t(pos.x(), g) * 1e9)
        if self._counter and g.counter_top <= pos.y() < g.axis_top:
            series = trace.counters.get(self._counter, [])
            i = bisect_right(self._times(f"counter:{self._counter}", series, _sample_t), t_ns) - 1
            if i < 0:
                return None
            value = self._counter_fmt(series[i][1])
            return f"{self._counter_label}: {value} at {trace.seconds(t_ns):.3f} s"
        lane = self._lane_at(pos.y())
        if lane is None:
            return None
        i = bisect_right(self._starts(*lane), t_ns)
        for span in reversed(lane[1].spans[max(0, i - 2) : i + 1]):  # the newest span wins
            x0, x1 = self._span_px(trace, span, g)
            if x0 - 1 <= pos.x() <= x1 + 1:
                return self._describe(trace, lane[0], span)
        return None

    def _describe(self, trace: Trace, name: str, span: Span) -> str:
        head = f"{name} — {span.detail or self._style(span.state)[0].label}"
        start = trace.seconds(span.start_ns)
        if span.state in State.FINAL:
            return f"{head}\nat {start:.3f} s"
        end = trace.seconds(trace.end_ns if span.end_ns is None else span.end_ns)
        so_far = " so far" if span.end_ns is None else ""
        return f"{head}\n{start:.3f} s → {end:.3f} s ({end - start:.3f} s{so_far})"
