"""Opening a long run is linear (issue 12, item 3): the counter lookups of its story, the
time cursor and the narration panel cost no more per line or per move as the run grows;
what they show is what they showed before (benchmarks/open_big_run.py measures it). The
time cursor reads the lanes at a moment from an index (issue 13): they equal a fold from
the start, at every moment (benchmarks/cursor.py measures it).

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

from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.history import History, Prefix
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
        "reach": {name: list(reach) for name, reach in lanes._reach.items()},
        "phases": lanes.phases,
        "holders": lanes._holders,
        "occupancy": {g: (list(o.times), list(o.counts)) for g, o in lanes.occupancy.items()},
    }


def _same(cursor: Lanes, fold: Lanes, t_ns: int) -> None:
    """`cursor` (a History's lanes at `t_ns`) reads as `fold` (a fold up to then) does:
    every field, and every way a consumer reads its lists (index, slice, iteration)."""
    assert _state(cursor) == _state(fold), t_ns
    for (name, got), want in zip(cursor.tasks.items(), fold.tasks.values(), strict=True):
        assert (got.state, got.line, got.locals) == (want.state, want.line, want.locals)
        for mine, theirs in ((got.spans, want.spans), (got.notes, want.notes)):
            assert list(mine) == theirs and len(mine) == len(theirs), (name, t_ns)
            assert mine[-2:] == theirs[-2:] and mine[1::2] == theirs[1::2], (name, t_ns)
            assert [mine[i] for i in range(-len(mine), len(mine))] == theirs + theirs
            with pytest.raises(IndexError):
                mine[len(mine)]
        for what in {n.what for n in want.notes}:
            assert cursor.first_note(name, what) == fold.first_note(name, what)
    for name in fold.counters:
        for t in (t_ns, t_ns - 1_000, t_ns - 1_000_000, fold.t0_ns):
            assert cursor.counter_at(name, t) == fold.counter_at(name, t), (name, t)
    for group, occupancy in fold.occupancy.items():
        mine = cursor.occupancy[group]
        assert list(mine.times) == occupancy.times and list(mine.counts) == occupancy.counts
    assert [story(t) for t in cursor.tasks.values()] == [story(t) for t in fold.tasks.values()]


def _fold(history: History, t_ns: int) -> Lanes:
    fold = Lanes(history.t0_ns)
    fold.feed(ev for ev in history.events if ev.t_ns <= t_ns)
    fold.advance(t_ns)
    return fold


def _moments(history: History, rng: random.Random, count: int) -> list[int]:
    """Every event's moment and the ns after it, before the first, and random ones."""
    times = history.times
    lo, hi = (times[0], times[-1]) if times else (0, 1)
    spread = [rng.randint(lo - 10, hi + 10) for _ in range(count)]
    return sorted({*times, *(t + 1 for t in times), lo - 1, 0, *spread})


@pytest.mark.parametrize("name", sorted(p.stem for p in SNAPSHOTS.glob("*.ttrun")))
def test_the_cursor_shows_the_same_lanes_as_a_fold_from_the_start(name: str) -> None:
    """At every event's moment, between them and at random ones, the lanes `until` reads
    from its index equal a fold of the run up to that moment (every field of every lane,
    the counters, the phases, the occupancy, the notes), and the cards tell the same story;
    also with time zero set after, as a saved run sets it."""
    saved = runfile.load(SNAPSHOTS / f"{name}.ttrun")
    rng = random.Random(name)
    for t0 in (0, None):
        history = History(saved.events, 0)
        if t0 is None:
            history.t0_ns = history.whole.t0_ns  # as runfile.SavedRun.lanes makes it
        moments = _moments(history, rng, 50)
        if len(moments) > 400:  # the big runs: a spread of them
            moments = sorted(rng.sample(moments, 400))
        for t_ns in moments:
            _same(history.until(t_ns), _fold(history, t_ns), t_ns)


def _random_events(rng: random.Random, count: int) -> list[Event]:
    """A run of every kind of event, in tricky orders: samplers' states at a span's own
    start, waits for a lock whose holder is not known yet, gave-ups, ends and late words
    after them, tasks that change group, phases, several counters, ties in time."""
    tasks = [f"T{i}" for i in range(6)]
    locks = ["a", "b"]
    states = ["running", "sleeping", "gil", "waiting", "receiving", "done", "failed"]
    events = [Event(0, "", Kind.PHASE, ("start", "one", "threads"))]
    t = 0
    for _ in range(count):
        t += rng.choice((0, 0, 1, 5, 20))
        task = rng.choice(tasks)
        kind = rng.choice(
            (Kind.STATE, Kind.STATE, Kind.LINE, Kind.OP, Kind.LOCALS, Kind.LOCK, Kind.LOCK,
             Kind.COUNTER, Kind.NOTE, Kind.PROGRESS, Kind.START, Kind.END, Kind.PHASE,
             Kind.GO)
        )  # fmt: skip
        data: Any
        if kind == Kind.STATE:
            state = rng.choice(states)
            data = state if rng.random() < 0.7 else (state, rng.choice(("", "why")))
        elif kind == Kind.LINE:
            data = rng.randrange(1, 40)
        elif kind == Kind.OP:
            data = (rng.randrange(1, 40), rng.randrange(0, 30, 2))
        elif kind == Kind.LOCALS:
            data = (("x", rng.randrange(3)), ("y", "s"))
        elif kind == Kind.LOCK:
            action = rng.choice(("wait", "acquired", "released", "gave up"))
            data = (action, rng.choice(locks), rng.choice((None, None, rng.choice(tasks))))
        elif kind == Kind.COUNTER:
            data = (rng.choice(("balance", "n")), rng.randrange(-5, 100))
        elif kind == Kind.NOTE:
            data = (rng.choice(("read", "wrote", "took")), {"i": rng.randrange(9)})
        elif kind == Kind.PROGRESS:
            data = (rng.randrange(1000), rng.choice((0, 1000)))
        elif kind == Kind.START:
            data = rng.choice(({"mode": "threads"}, {"mode": "asyncio"}, None, {"label": "x"}))
        elif kind == Kind.END:
            data = (rng.choice(("succeeded", "failed", "cancelled", "odd")), None)
        elif kind == Kind.PHASE:
            data = (rng.choice(("start", "end")), rng.choice(("one", "two")), "threads")
            task = ""
        else:
            data = "line"
        events.append(Event(t, task, kind, data))
    return events


@pytest.mark.parametrize("seed", range(8))
def test_the_cursor_agrees_with_a_fold_on_random_runs(seed: int) -> None:
    """The same as above on random runs of every kind of event (see _random_events)."""
    rng = random.Random(seed)
    history = History(_random_events(rng, 400), -3)
    for t_ns in _moments(history, rng, 30):
        _same(history.until(t_ns), _fold(history, t_ns), t_ns)


def test_a_wait_shows_its_holder_only_from_when_it_was_known() -> None:
    """A wait that began with no holder known: the lock's acquisition names the holder in
    the waiting span's detail, from then on, not before (and the fold agrees throughout)."""
    events = [
        Event(0, "B", Kind.STATE, "running"),
        Event(10, "B", Kind.LOCK, ("wait", "a", None)),
        Event(10, "B", Kind.STATE, "waiting"),
        Event(20, "C", Kind.LOCK, ("acquired", "a", None)),
        Event(30, "C", Kind.LOCK, ("released", "a", None)),
        Event(40, "B", Kind.LOCK, ("acquired", "a", None)),
        Event(40, "B", Kind.STATE, "running"),
    ]
    history = History(events, 0)
    assert history.until(15).tasks["B"].spans[-1].detail == "waiting for lock 'a'"
    assert history.until(25).tasks["B"].spans[-1].detail == "waiting for lock 'a' held by C"
    for t_ns in range(-1, 45):
        _same(history.until(t_ns), _fold(history, t_ns), t_ns)


def test_a_cursor_move_folds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, not timed: wherever the cursor goes in a run of 100,000 events, `until`
    folds no event (it reads the index built once), and its lists are views of the whole
    run's, not copies."""
    saved = runfile.parse(big_run(100_000))
    history = History(saved.events, 0)
    fed: list[int] = []

    def counted(self: Lanes, events: Any) -> None:
        fed.append(len(list(events)))

    monkeypatch.setattr(Lanes, "feed", counted)
    span = history.end_ns - history.start_ns
    for i in range(21):
        lanes = history.until(history.start_ns + span * i // 20)
        for lane in lanes.tasks.values():
            if 2 < len(lane.spans) < len(history.whole.tasks[lane.name].spans):
                assert isinstance(lane.spans, Prefix)
    assert fed == []


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
