"""Time travel on a 1,000,000-event run: a cursor move and `Lanes.feed` (issue 13).

Two runs of about 1,000,000 events each:
- "bank-race": the bank-race snapshot run scaled up (tests/_bigrun.py): 2 tasks, their
  states, lines, notes and balance writes repeated again and again;
- "1000 lanes": benchmarks/timeline.py's synthetic run, 1000 tasks changing state.
For each: the History is built once; then MOVES cursor moves at random moments, each
`History.until(t)` and a read of every task's state and line (what the window reads at
once). The anchor, measured in the same run: one frame's paint of a TimelineView of the
whole run, offscreen at 1600x900 (rendered into an image, nothing cached).
`Lanes.feed` of the run's events, per event, against the anchor `Recorder.record` of as many
events in the same run (each the best of TRIES, interleaved). All times are CPU time
(process_time): a loaded machine takes cores away, not CPU time.
Goals: a cursor move <= 16 ms (median), `Lanes.feed` <= 2 µs per event.
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bigrun import big_run
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from timeline import synthetic_events

from threadtruth_gui.engine.events import Event, Kind, Recorder
from threadtruth_gui.engine.history import History
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.runs import runfile
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline import TimelineView

EVENTS = 1_000_000
MOVES = 200
PAINTS = 7
TRIES = 3  # folds and recordings of the whole run
SIZE = (1600, 900)
MOVE_GOAL_MS, FEED_GOAL_US = 16.0, 2.0


def _cpu(work: Callable[[], Any]) -> float:
    gc.collect()
    start = time.process_time()
    work()
    return time.process_time() - start


def paint_ms(lanes: Lanes) -> float:
    """One frame's paint of the whole run, the median of PAINTS (the range moves by a hair
    each time, so nothing painted is reused)."""
    view = TimelineView()
    view.resize(*SIZE)
    view.set_lanes(lanes, {name: theme.task_color(i) for i, name in enumerate(lanes.tasks)})
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    end = lanes.seconds(lanes.end_ns)
    view.render(image)  # the first paint builds the layout: not a frame of a cursor move
    times = []
    for k in range(PAINTS):
        shift = end * 1e-4 * (k + 1)
        view.set_range(shift, end + shift)
        start = time.process_time()
        view.render(image)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def move_ms(history: History) -> list[float]:
    """MOVES cursor moves at random moments: the lanes then, every task's state and line."""
    rng = random.Random(13)
    times = []
    for _ in range(MOVES):
        t_ns = rng.randint(history.start_ns, history.end_ns)
        start = time.process_time()
        lanes = history.until(t_ns)
        for track in lanes.tasks.values():
            track.state, track.line  # noqa: B018 (what the window reads at once)
        times.append((time.process_time() - start) * 1000)
    return times


def record_us(count: int) -> float:
    """Recorder.record of `count` events, per event (the anchor of Lanes.feed)."""
    rec = Recorder()
    record, line = rec.record, Kind.LINE
    return _cpu(lambda: [record("A", line, i) for i in range(count)] and None) / count * 1e6


def runs() -> dict[str, list[Event]]:
    saved = runfile.parse(big_run(EVENTS))
    return {"bank-race, 2 tasks": saved.events, "1000 lanes": synthetic_events()}


def main() -> int:
    app = QApplication.instance() or QApplication([])
    ok = True
    for label, events in runs().items():
        n = len(events)
        # the best of TRIES, interleaved: the machine's load comes and goes alike for both
        feeds, records = [], []
        for _ in range(TRIES):
            records.append(record_us(n))
            feeds.append(_cpu(partial(Lanes(0).feed, events)) / n * 1e6)
        feed, record = min(feeds), min(records)
        built = _cpu(partial(History, events, 0, in_order=True))
        history = History(events, 0, in_order=True)
        history.t0_ns = history.whole.t0_ns  # as a saved run makes it (runfile.lanes)
        paint = paint_ms(history.whole)
        moves = move_ms(history)
        move = statistics.median(moves)
        # painting the lanes at a moment (lists that are views of the whole run's, as a GIF
        # frame paints them) against painting a fold up to that moment (plain lists)
        middle = (history.start_ns + history.end_ns) // 2
        fold = Lanes(history.t0_ns)
        fold.feed(ev for ev in events if ev.t_ns <= middle)
        fold.advance(middle)
        over_views, over_lists = paint_ms(history.until(middle)), paint_ms(fold)
        del fold
        moves_ok, feed_ok = move <= MOVE_GOAL_MS, feed <= FEED_GOAL_US
        ok = ok and moves_ok and feed_ok
        print(f"{label}: {n:,} events, History built in {built:.2f} s")
        print(
            f"  cursor move at {n:,} events: {move:.2f} ms per move (median of {MOVES}; "
            f"max {max(moves):.2f} ms), {move / paint:.2f}× one frame's paint "
            f"({paint:.2f} ms) — {'PASS' if moves_ok else 'FAIL'} (<= {MOVE_GOAL_MS:.0f} ms)"
        )
        print(
            f"  one frame's paint of the lanes at mid-run: {over_views:.2f} ms over views, "
            f"{over_lists:.2f} ms over a fold's lists ({over_views / over_lists:.2f}×)"
        )
        print(
            f"  Lanes.feed: {feed:.2f} µs per event over {n:,} events, {feed / record:.1f}× "
            f"the Recorder's cost per event ({record:.2f} µs) — "
            f"{'PASS' if feed_ok else 'FAIL'} (<= {FEED_GOAL_US:.0f} µs)"
        )
        del history
    del app
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
