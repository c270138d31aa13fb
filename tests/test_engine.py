"""Engine tests: what really happened on real threads (no Qt)."""

from __future__ import annotations

import inspect
import itertools
import sys
import threading
import time
from bisect import bisect_right

import pytest

from threadtruth_gui.engine.context import ObservedLock, RunContext, TaskContext, enter_task
from threadtruth_gui.engine.events import Kind, Recorder, State
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import describe, money, story
from threadtruth_gui.engine.plan import Phase, Plan, TaskSpec
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.scenarios import all_scenarios, get

DELAY = 0.15


def statuses(result) -> dict[str, str]:
    return {t["name"]: t["status"] for t in result.tasks}


def test_registry_finds_both_bank_scenarios() -> None:
    ids = [s.id for s in all_scenarios()]
    assert ids[:2] == ["bank-race", "bank-deposit"]
    with pytest.raises(KeyError, match="unknown scenario"):
        get("nope")


def test_recorder_keeps_every_event_from_many_threads_in_order() -> None:
    rec = Recorder()

    def work(name: str) -> None:
        for i in range(5000):
            rec.record(name, Kind.LINE, i)

    threads = [threading.Thread(target=work, args=(f"T{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = rec.events()
    assert len(events) == 40_000
    for i in range(8):  # each thread's own events are all there, in its own time order
        mine = [e for e in events if e.task == f"T{i}"]
        assert [e.data for e in mine] == list(range(5000))
        assert all(a.t_ns <= b.t_ns for a, b in itertools.pairwise(mine))
    assert rec.since(39_990) == events[39_990:]


def test_bank_race_without_lock_overdraws_to_minus_100() -> None:
    result, lanes = get("bank-race").run({"lock": False, "delay": DELAY})
    assert result.outcome["final_balance"] == -100
    assert statuses(result) == {"A": "succeeded", "B": "succeeded"}
    checks = [lanes.first_note(n, "checked") for n in "AB"]
    pays = [lanes.first_note(n, "withdrew") for n in "AB"]
    assert all(c is not None and c.data["balance"] == 1000 for c in checks)
    assert max(c.t_ns for c in checks) < min(p.t_ns for p in pays)  # both checked first
    assert next(v for _, v in lanes.counters["balance"]) == 1000
    assert [v for _, v in lanes.counters["balance"]][-1] == -100
    assert result.verdict is not None and not result.verdict.good
    assert result.verdict.headline == "Overdraft: -$100"


def test_bank_race_with_lock_ends_at_400_and_denies_b_after_waiting() -> None:
    result, lanes = get("bank-race").run({"lock": True, "delay": DELAY})
    assert result.outcome["final_balance"] == 400
    assert statuses(result) == {"A": "succeeded", "B": "denied"}
    b_states = [s.state for s in lanes.tasks["B"].spans]
    assert b_states == [State.RUNNING, State.WAITING, State.RUNNING, State.DENIED]
    waiting = lanes.tasks["B"].spans[1]
    assert waiting.detail == "waiting for lock 'account' held by A"
    assert (waiting.end_ns - waiting.start_ns) / 1e9 > DELAY * 0.8
    assert lanes.first_note("B", "checked").data == {"balance": 400, "amount": 500}
    assert result.verdict.good and result.verdict.headline == "Correct: $400"


def test_bank_deposit_without_lock_loses_an_update() -> None:
    result, _lanes = get("bank-deposit").run({"lock": False, "delay": DELAY})
    final = result.outcome["final_balance"]
    assert final != 800
    assert final in (300, 1500)  # the later write overwrote the earlier one
    assert result.outcome["lost_update"] is True
    assert statuses(result) == {"A": "succeeded", "B": "succeeded"}
    assert result.verdict.headline.startswith("Lost update")


def test_bank_deposit_with_lock_ends_at_800() -> None:
    result, _ = get("bank-deposit").run({"lock": True, "delay": DELAY})
    assert result.outcome["final_balance"] == 800
    assert result.outcome["lost_update"] is False
    assert result.verdict.good


def test_line_tracing_is_scoped_to_the_scenario_functions() -> None:
    scenario = get("bank-race")
    params = scenario.resolve({"lock": True, "delay": 0.05})
    plan = scenario.plan(params)
    allowed: set[int] = set()
    for fn in plan.code:
        lines, first = inspect.getsourcelines(fn)
        allowed.update(range(first, first + len(lines)))
    run_lines = [e for e in _events_of(scenario, params) if e.kind == Kind.LINE]
    assert run_lines, "no line events recorded"
    assert {e.data for e in run_lines} <= allowed
    assert sys.gettrace() is None  # the calling thread was never traced


def _events_of(scenario, params):
    run = Run(scenario.plan(params))
    run.start()
    run.join(5)
    return run.recorder.events()


def test_cancel_stops_a_long_sleep_quickly_and_joins_every_thread() -> None:
    run = get("bank-race").start({"lock": True, "delay": 2.0})
    time.sleep(0.1)
    t0 = time.perf_counter()
    assert run.stop(timeout=2.0)
    assert time.perf_counter() - t0 < 0.5
    assert not run.alive
    result = run.result("bank-race", {})
    assert {t["status"] for t in result.tasks} == {"cancelled"}
    assert result.cancelled


def test_a_failing_task_is_reported_not_lost() -> None:
    def boom() -> None:
        raise ValueError("card swallowed")

    run = Run(
        Plan([Phase("threads", [TaskSpec("A", boom)])], outcome=lambda _stats: {}, code=[boom])
    )
    run.start()
    assert run.join(5)
    result = run.result("x", {})
    assert result.tasks[0]["status"] == "failed"
    assert result.tasks[0]["error"] == "ValueError: card swallowed"
    lanes = run.lanes()
    assert lanes.tasks["A"].state == State.FAILED


def test_observed_lock_is_a_real_mutual_exclusion() -> None:
    lock = ObservedLock("L")
    ctx = RunContext(Recorder())
    inside = []
    overlap = []

    def work(name: str) -> None:
        enter_task(TaskContext(ctx, name))
        for _ in range(200):
            with lock:
                inside.append(name)
                if len(inside) > 1:
                    overlap.append(tuple(inside))
                time.sleep(0)
                inside.remove(name)

    threads = [threading.Thread(target=work, args=(n,)) for n in "ABC"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlap == []
    acquired = [e for e in ctx.recorder.events() if e.kind == Kind.LOCK and e.data[0] == "acquired"]
    assert len(acquired) == 600


def test_param_validation_rejects_bad_values() -> None:
    scenario = get("bank-race")
    assert scenario.resolve({"lock": "on", "delay": "0.5"}) == {
        "lock": True,
        "delay": 0.5,
        "balance": 1000,
        "amounts": "600,500",
    }
    for bad in ({"delay": -1}, {"delay": 2.5}, {"delay": "x"}, {"lock": "maybe"}, {"nope": 1}):
        with pytest.raises(ValueError):
            scenario.resolve(bad)


def test_narration_and_money() -> None:
    assert money(-100) == "-$100"
    assert money(1000) == "$1,000"
    assert describe("checked", {"balance": 1000, "amount": 600})[0] == (
        "checked $1,000 ≥ $600 → yes"
    )
    assert describe("denied", {"balance": 400}) == ("denied: balance $400", "bad")
    _, lanes = get("bank-race").run({"lock": True, "delay": 0.05})
    texts = [line.text for line in story(lanes.tasks["B"])]
    assert texts[0] == "waiting for lock 'account' held by A"
    assert texts[-1] == "denied: balance $400"


def test_trace_counter_at() -> None:
    lanes = Lanes(0)
    rec = [(10, 1000), (50, 400), (90, -100)]
    from threadtruth_gui.engine.events import Event

    lanes.feed(Event(t, "", Kind.COUNTER, ("balance", v)) for t, v in rec)
    assert lanes.counter_at("balance", 5) is None
    assert lanes.counter_at("balance", 10) == 1000
    assert lanes.counter_at("balance", 89) == 400
    assert lanes.counter_at("balance", 1000) == -100


def test_occupancy_counts_tasks_per_state_even_when_events_arrive_late() -> None:
    from threadtruth_gui.engine.events import Event

    lanes = Lanes(0)
    events = [
        Event(10, "T1", Kind.START, {"mode": "threads"}),
        Event(10, "T1", Kind.STATE, State.CONNECTING),
        Event(30, "T1", Kind.STATE, State.RECEIVING),
        Event(50, "T1", Kind.END, ("done", None)),
        # T2's events come after T1's in the log, though they happened in between
        Event(20, "T2", Kind.START, {"mode": "threads"}),
        Event(20, "T2", Kind.STATE, State.CONNECTING),
        Event(40, "T2", Kind.END, ("failed", "HTTP 404")),
    ]
    lanes.feed(events)
    occupancy = lanes.occupancy["threads"]

    def at(t: int) -> dict[str, int]:
        return occupancy.counts[bisect_right(occupancy.times, t) - 1]

    assert occupancy.times == sorted(occupancy.times)
    assert at(15) == {State.CONNECTING: 1}
    assert at(25) == {State.CONNECTING: 2}
    assert at(35) == {State.RECEIVING: 1, State.CONNECTING: 1}
    assert at(45) == {State.RECEIVING: 1, State.FAILED: 1}
    assert at(60) == {State.DONE: 1, State.FAILED: 1}
