"""Timeline paint time with 1,000,000 recorded events in 1000 lanes (issue 6).

A synthetic trace: 1000 tasks, each with 1000 events (state changes among running,
sleeping, waiting for a lock and waiting for the GIL, every ~10 ms over 10 s). The real
TimelineView paints it offscreen at 1600x900:
- folded (the default for 1000 lanes: one heat-strip row) and unfolded (every lane a
  thin row, as many as fit), each fully zoomed out, at the middle zoom and fully zoomed in;
- panning: 60 frames, each moving the view by 1% of its width.
Each figure is the median of REPEATS paints (the view's own paintEvent time), nothing cached
(the range moves by a hair between them). The anchor, measured in the same run: a bare
QPainter.drawRects, with the same four brushes on an image of the same size, of as many
rectangles as the visible spans (at most one per pixel column per lane) or as the paint drew,
whichever is more: what drawing without level of detail would cost at the least. Lanes with
more than a span per 30 px are drawn as pixel rows of one image (level of detail).
Goal: <= 16 ms per paint, and the panning p95 <= 16 ms (60 fps). 1000 lanes fold into a
heat strip by default (the level of detail for many lanes); unfolding them is opt-in (E).
"""

from __future__ import annotations

import os
import random
import statistics
from time import perf_counter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from threadtruth_gui.engine.events import Event, Kind, State
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline import TimelineView

LANES = 1000
EVENTS_PER_LANE = 1000
RUN_S = 10.0
REPEATS = 7
SIZE = (1600, 900)
STATES = (State.RUNNING, State.SLEEPING, State.WAITING, State.GIL)


def synthetic_events() -> list[Event]:
    rng = random.Random(7)
    step = int(RUN_S * 1e9 / EVENTS_PER_LANE)
    events = []
    for lane in range(LANES):
        name = f"T{lane}"
        t = rng.randrange(step)
        events.append(Event(t, name, Kind.START, {"label": f"task {lane}"}))
        for _ in range(EVENTS_PER_LANE - 2):
            t += step + rng.randrange(-step // 3, step // 3)
            events.append(Event(t, name, Kind.STATE, rng.choice(STATES)))
        events.append(Event(t + step, name, Kind.END, ("done", None)))
    events.sort(key=lambda ev: ev.t_ns)
    return events


def paint_ms(view: TimelineView, image: QImage, lo: float, hi: float) -> float:
    """A full repaint with nothing cached: the range moves by a hair each time."""
    times = []
    for k in range(REPEATS):
        shift = (hi - lo) * 1e-4 * k
        view.set_range(lo + shift, hi + shift)
        view.render(image)
        times.append(view._paint_s * 1000)
    return statistics.median(times)


def anchor_ms(rect_count: int, image: QImage) -> float:
    rng = random.Random(1)
    rects = [
        QRectF(rng.uniform(0, SIZE[0]), rng.uniform(0, SIZE[1]), rng.uniform(1, 20), 6)
        for _ in range(max(rect_count, 1))
    ]
    brushes = [QBrush(QColor(theme.TASK_COLORS[i])) for i in range(4)]
    quarter = max(1, len(rects) // 4)
    times = []
    for _ in range(REPEATS):
        p = QPainter(image)
        t0 = perf_counter()
        for i, brush in enumerate(brushes):
            p.setBrush(brush)
            p.drawRects(rects[i * quarter : (i + 1) * quarter])
        times.append((perf_counter() - t0) * 1000)
        p.end()
    return statistics.median(times)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    t0 = perf_counter()
    events = synthetic_events()
    lanes = Lanes(0)
    fed = perf_counter()
    lanes.feed(events)
    feed_s = perf_counter() - fed
    print(
        f"timeline: {len(events):,} events in {LANES} lanes "
        f"(built in {fed - t0:.1f} s, Trace.feed {feed_s:.1f} s), {SIZE[0]}x{SIZE[1]}, "
        f"median of {REPEATS}"
    )
    view = TimelineView()
    view.resize(*SIZE)
    colors = {name: theme.task_color(i) for i, name in enumerate(lanes.tasks)}
    view.set_lanes(lanes, colors)
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    end = lanes.seconds(lanes.end_ns)
    zooms = {"zoomed out": (0.0, end), "middle zoom": (4.5, 5.5), "zoomed in": (5.0, 5.002)}
    worst = worst_folded = 0.0
    for folded in (True, False):
        if not folded:
            view._toggle([0])  # unfold: every lane a thin row
        label = "folded" if folded else "unfolded"
        for zoom, (lo, hi) in zooms.items():
            ms = paint_ms(view, image, lo, hi)
            # the anchor draws as many rects as the paint would have without level of detail
            # in lanes (one per visible span, at most one per pixel column), or as it drew
            rects = max(view.rects_drawn, view.spans_in_view)
            anchor = anchor_ms(rects, image)
            worst = max(worst, ms)
            if folded:
                worst_folded = max(worst_folded, ms)
            print(
                f"  {label:<9} {zoom:<11} {ms:7.2f} ms   {rects:6d} rects "
                f"({view.lanes_rastered:3d} lanes as pixels)   "
                f"anchor drawRects {anchor:6.2f} ms   ratio {ms / max(anchor, 1e-3):6.1f}x"
            )
    results = {}
    for folded in (False, True):
        if folded:
            view._toggle([0])  # fold again: the default for 1000 lanes
        frames = []
        for i in range(60):
            view.set_range(i * 0.01, 1.0 + i * 0.01)
            view.render(image)
            frames.append(view._paint_s * 1000)
        p95 = statistics.quantiles(frames, n=20)[18]
        label = "folded" if folded else "unfolded"
        results[label] = p95
        print(
            f"  panning, {label:<9} 60 frames of 1 s: median {statistics.median(frames):6.2f} ms, "
            f"p95 {p95:6.2f} ms, max {max(frames):6.2f} ms"
        )
    folded_ok = worst_folded <= 16 and results["folded"] <= 16
    print(
        "  goal <= 16 ms: folded (the default view of 1000 lanes) "
        f"{'met' if folded_ok else 'NOT met'}; unfolded "
        f"{'met' if worst <= 16 and results['unfolded'] <= 16 else 'NOT met'}"
    )
    del app


if __name__ == "__main__":
    main()
