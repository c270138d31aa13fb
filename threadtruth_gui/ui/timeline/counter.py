"""Painting the counter track: a step line of one counter's value, labelled where it changes."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen

from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline.frame import (
    LEFT,
    VCENTER,
    Caches,
    CounterLabels,
    CounterLines,
    Frame,
    counter_times,
)
from threadtruth_gui.ui.timeline.layout import PAD


def _extent(caches: Caches, series: list[tuple[int, float]]) -> tuple[float, float]:
    # Running min/max: refresh() runs at 60 Hz, so only look at samples new since last time.
    seen, lo, hi = caches.crange
    if seen == 0 and series:
        lo = hi = series[0][1]
    for _, v in series[seen:]:
        lo, hi = min(lo, v), max(hi, v)
    caches.crange = (len(series), lo, hi)
    return lo, hi


def paint_counter(f: Frame, name: str) -> None:
    p, g, look, lanes = f.p, f.g, f.look, f.lanes
    top, bottom = g.counter_top, g.axis_top
    p.setPen(QPen(theme.GRID, 1))
    p.drawLine(QLineF(0, top + 0.5, f.width, top + 0.5))
    p.setFont(look.bold)
    p.setPen(theme.MUTED)
    p.drawText(QRectF(PAD, top, g.left - 2 * PAD, bottom - top), VCENTER, f.counter_label)
    p.setFont(look.font)
    series = lanes.counters.get(name, []) if lanes else []
    if not lanes or not series:
        return
    vmin, vmax = _extent(f.caches, series)
    fh = look.fm.height()
    y_top, y_bot = top + fh + 6, bottom - 6

    def y(v: float) -> float:
        frac = 0.5 if vmax == vmin else (vmax - v) / (vmax - vmin)
        return y_top + frac * (y_bot - y_top)

    p.save()
    p.setClipRect(QRectF(g.left, top, f.width - g.left, bottom - top))
    if vmin < 0 < vmax:
        p.setPen(QPen(theme.MUTED, 1, Qt.PenStyle.DashLine))
        p.drawLine(QLineF(g.left, y(0), g.right, y(0)))
    # what to draw depends on the run, the range and the geometry, not the cursor: a
    # cursor move over a million-sample counter reuses it (it cost ~10 ms a move)
    key = (
        id(lanes), name, len(series), lanes.end_ns, f.lo, f.hi,
        g.left, g.right, y_top, y_bot, vmin, vmax, fh, f.counter_fmt,
    )  # fmt: skip
    cached = f.caches.counter
    if cached is None or cached[0] != key:
        cached = f.caches.counter = (key, *_shapes(f, name, series, y, fh))
    _key, lines, labels = cached
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for below, segs in lines.items():
        p.setPen(QPen(theme.BAD if below else theme.TEXT, 2.5))
        p.drawLines(segs)
    for box, v, text in labels:
        p.setPen(theme.BAD if v < 0 else theme.TEXT)
        p.drawText(box, LEFT | VCENTER, text)
    p.restore()


def _shapes(
    f: Frame,
    name: str,
    series: Sequence[tuple[int, float]],
    y: Callable[[float], float],
    fh: float,
) -> tuple[CounterLines, CounterLabels]:
    """The counter's steps (keyed by "below zero") and its value labels, as drawn."""
    lanes, g = f.lanes, f.g
    assert lanes is not None
    px_per_ns = (g.right - g.left) / ((f.hi - f.lo) * 1e9)
    origin = lanes.t0_ns + f.lo * 1e9  # the ns at x = g.left
    times = counter_times(f.caches, name, series)
    i = max(0, bisect_right(times, origin) - 1)
    lines: CounterLines = {False: [], True: []}  # keyed by "below zero"
    changes: list[tuple[float, float]] = []  # x, value: where a new value starts
    drawn: float | None = None  # the value drawn last (level of detail skips samples)
    while i < len(series) and times[i] <= lanes.t0_ns + f.hi * 1e9:
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
    labels: CounterLabels = []
    fm = f.look.fm
    for x, v in reversed(changes):
        text = f.counter_fmt(v)
        w = fm.horizontalAdvance(text) + 4
        box = QRectF(min(x + 4, g.right + PAD - w), y(v) - fh - 3, w, fh)
        # Only the last few placed boxes can be near: we go right to left.
        if any(box.adjusted(-12, 0, 12, 0).intersects(b) for b in placed[-8:]):
            continue
        placed.append(box)
        labels.append((box, v, text))
    return lines, labels
