"""Opening a long run is linear (issue 12, item 3): the counter lookups of its story, the
time cursor's fold and the narration panel cost no more per line or per move as the run
grows; what they show is what they showed before (benchmarks/open_big_run.py measures it).

Timings here are CPU time of this thread (a loaded machine takes cores away, not CPU time),
each the best of a few tries, compared as ratios with margins noise cannot cross."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _bigrun import big_run, write_big_run

from threadtruth_gui.engine import history as history_module
from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.history import MARK_EVERY, History
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import narration, story
from threadtruth_gui.runs import runfile

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _cpu(work: Callable[[], Any], tries: int = 3) -> float:
    best = float("inf")
    for _ in range(tries):
        start = time.thread_time()
        work()
        best = min(best, time.thread_time() - start)
    return best


def _counter_lanes(samples: int) -> Lanes:
    lanes = Lanes(0)
    lanes.feed(Event(i * 10, "A", Kind.COUNTER, ("balance", i)) for i in range(samples))
    return lanes


def test_counter_lookups_grow_with_the_series_not_its_square() -> None:
    """One lookup per sample, on 2,000 and on 8,000 samples: 4x the lookups. A scan per
    lookup (the old counter_at) makes that 16x the work, a bisection about 4.5x; the bound,
    8x, is 2x from both."""
    small, big = _counter_lanes(2_000), _counter_lanes(8_000)

    def ask(lanes: Lanes, n: int) -> Callable[[], None]:
        return lambda: [lanes.counter_at("balance", i * 10 + 5) for i in range(n)] and None

    ratio = _cpu(ask(big, 8_000)) / _cpu(ask(small, 2_000))
    assert ratio < 8, f"4x the lookups cost {ratio:.1f}x the CPU time: not linear"


def test_counter_at_says_what_a_scan_says_even_out_of_order() -> None:
    """The value before the first sample dated after the moment, as the scan found it,
    also when threads' samples arrive a little out of order."""
    rng = random.Random(12)
    lanes = Lanes(0)
    times = [i * 10 + rng.randrange(-25, 25) for i in range(300)]
    lanes.feed(Event(t, "A", Kind.COUNTER, ("n", i)) for i, t in enumerate(times))

    def scan(t_ns: int) -> float | None:
        value = None
        for t, v in lanes.counters["n"]:
            if t > t_ns:
                break
            value = v
        return value

    for t_ns in range(-50, 3_100, 7):
        assert lanes.counter_at("n", t_ns) == scan(t_ns)
    assert lanes.counter_at("missing", 10) is None


def _state(lanes: Lanes) -> dict[str, Any]:
    return {
        "t0": lanes.t0_ns,
        "end": lanes.end_ns,
        "events": lanes.event_count,
        "tasks": list(lanes.tasks.items()),  # in the order first seen, every field
        "counters": lanes.counters,
        "phases": lanes.phases,
        "holders": lanes._holders,
        "occupancy": lanes.occupancy,
    }


@pytest.mark.parametrize("name", ["deadlock", "bank-race", "lost-updates", "downloads-asyncio"])
def test_the_cursor_shows_the_same_trace_as_a_fold_from_the_start(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A saved point every 3 events (so that every kind of event falls on each side of
    one): the trace `until` rebuilds equals a fold of the run up to that moment, at every
    event's moment and between, and so do the task cards' stories."""
    monkeypatch.setattr(history_module, "MARK_EVERY", 3)
    monkeypatch.setattr(history_module, "MARK_PER_TASK", 0)
    saved = runfile.load(SNAPSHOTS / f"{name}.ttrun")
    timeline = History(saved.events, 0)
    assert len(timeline._marks) >= len(saved.events) // 3 - 1
    for t_ns in sorted({*timeline.times, *(t + 1 for t in timeline.times), 0}):
        fold = Lanes(0)
        fold.feed(timeline.events[: sum(1 for t in timeline.times if t <= t_ns)])
        fold.advance(t_ns)
        cursor = timeline.until(t_ns)
        assert _state(cursor) == _state(fold), t_ns
        # and the cards tell the same story (its notes' lines are worked out once, shared)
        assert [story(t) for t in cursor.tasks.values()] == [
            story(t) for t in fold.tasks.values()
        ], t_ns


def test_a_cursor_move_folds_at_most_one_stretch_of_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counted, not timed: wherever the cursor goes in a run of 100,000 events, `until`
    folds fewer than MARK_EVERY of them (the old one folded every event before it)."""
    saved = runfile.parse(big_run(100_000))
    timeline = History(saved.events, 0)
    fed: list[int] = []
    feed = Lanes.feed

    def counted(self: Lanes, events: Any) -> None:
        events = list(events)
        fed.append(len(events))
        feed(self, events)

    monkeypatch.setattr(Lanes, "feed", counted)
    span = timeline.end_ns - timeline.start_ns
    for i in range(21):
        fed.clear()
        timeline.until(timeline.start_ns + span * i // 20)
        assert sum(fed) < MARK_EVERY, (i, sum(fed))


def test_a_long_story_is_told_as_before_up_to_its_limit() -> None:
    """The merged stories are in time order, the same lines with or without a limit, and a
    withdrawal still says the balance it left."""
    lanes = runfile.parse(big_run(5_000)).lanes()
    told = narration(lanes)
    assert [t.t_ns for t in told] == sorted(t.t_ns for t in told)
    assert narration(lanes, max_lines=100) == told[:100]
    assert told[0].text == "read balance $1,000"
    assert next(t.text for t in told if t.text.startswith("withdrew")) == "withdrew $600 → $400"


def test_a_long_run_opens_paints_and_moves_its_cursor(qtbot, window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """50,000 events (about 2 MB): open and first paint, then 10 cursor moves across the run.
    Measured here (CPU): the old code took 1.1 s to open and a median 0.22 s a move (up to
    0.41 s: a narration line per note, each scanning the balance's samples; the cursor
    folding every event before it); now 0.4 s and 12 ms (up to 18 ms). The median bound,
    0.1 s, is 8x above now and 2x below then; the others are generous."""
    from threadtruth_gui.ui.widgets.narration import MAX_SHOWN

    path = write_big_run(tmp_path / "long.ttrun", 50_000)
    start = time.thread_time()
    assert window.open_run(str(path))
    window.repaint()
    opened = time.thread_time() - start
    assert opened < 4.0, f"opening took {opened:.2f} s of CPU"
    narrated = window.narration
    assert len(narrated.lines) == MAX_SHOWN
    assert narrated.count() == MAX_SHOWN + 1  # and one line that says the rest is not told
    assert "timeline tells the rest" in narrated.item(MAX_SHOWN).text()
    timeline = window.shown.history()
    assert timeline is not None
    end_s = (timeline.end_ns - timeline.start_ns) / 1e9
    moves = []
    for i in range(10):
        start = time.thread_time()
        window.set_cursor(end_s * (i * 7 % 10 + 0.5) / 10)
        window.repaint()
        moves.append(time.thread_time() - start)
    assert statistics.median(moves) < 0.1, f"a cursor move took {moves} s of CPU"
    assert max(moves) < 1.0, f"cursor moves took up to {max(moves):.2f} s of CPU"
    tip = window.cards["A"].body.toolTip().splitlines()  # the latest lines, not thousands
    assert len(tip) == 41 and tip[0].endswith("earlier lines") and tip[-1].startswith("• ")
    window.set_cursor(None)
