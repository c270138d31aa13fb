"""The race told while it happens: each stopped thread's own locals, and reads told where
they happen (engine only: no Qt)."""

from __future__ import annotations

from threadtruth_gui.engine.events import Kind
from threadtruth_gui.engine.gate import StepGate
from threadtruth_gui.engine.linewatch import frame_locals
from threadtruth_gui.engine.narrate import narration
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.scenarios import get


def _stepped_bank_race() -> tuple[Run, StepGate]:
    scenario = get("bank-race")
    run = Run(scenario.plan(scenario.resolve({"lock": False, "delay": 0})))
    gate = run.context.gate = StepGate(run.context.cancelled)
    run.start()
    return run, gate


def test_a_stopped_thread_shows_its_own_copy_of_the_balance() -> None:
    run, gate = _stepped_bank_race()
    try:
        assert gate.wait_ready(["A", "B"])
        lanes = run.lanes()
        # stopped before its first line: nothing read yet, only its argument
        assert lanes.tasks["A"].locals == (("amount", "$600"),)
        assert gate.step("A").result == "stepped"
        assert gate.step("B").result == "stepped"
        lanes = run.lanes()
        assert lanes.tasks["A"].locals == (("balance", "$1,000"), ("amount", "$600"))
        assert lanes.tasks["B"].locals == (("balance", "$1,000"), ("amount", "$500"))
        told = [(t.task, t.text) for t in narration(lanes)]
        assert told == [("A", "read balance $1,000"), ("B", "read balance $1,000")]
    finally:
        gate.release()
        assert run.join(10)
    lanes = run.lanes()
    assert lanes.tasks["A"].locals == () and lanes.tasks["B"].locals == ()  # ended


def test_the_five_key_race_is_told_in_the_true_order() -> None:
    result, lanes = get("bank-race").run({"lock": False, "delay": 0}, schedule=["A", "B"])
    assert result.outcome["final_balance"] == -100
    told = [(t.task, t.text) for t in narration(lanes)]
    assert told[:2] == [("A", "read balance $1,000"), ("B", "read balance $1,000")]
    first_withdrawal = next(i for i, (_task, text) in enumerate(told) if "withdrew" in text)
    assert first_withdrawal > 1
    assert result.verdict is not None
    assert result.verdict.detail == "both threads read $1,000 before either withdrew"


def test_a_free_run_records_no_locals() -> None:
    _result, _lanes, events = get("bank-race").execute({"delay": 0})
    assert not [ev for ev in events if ev.kind == Kind.LOCALS]
    assert [ev for ev in events if ev.kind == Kind.LINE]  # it was line-traced all the same


def test_a_read_that_sees_nothing_new_is_not_told_again() -> None:
    _result, lanes = get("bank-deposit").run({"lock": True, "delay": 0})
    for name in "AB":
        texts = [line.text for line in narration(lanes) if line.task == name]
        # each reads the balance, writes it, and reads back its own write (`report`):
        # the first read is told, the read of what it wrote itself is not (B may wait for
        # the lock before its read, so the read need not be its first line)
        assert len([t for t in texts if t.startswith("read")]) == 1, texts
        assert texts[-1].startswith("wrote balance")


def test_frame_locals_keeps_small_values_and_formats_what_it_is_told() -> None:
    import sys

    def f(amount: int, account: object) -> list[tuple[tuple[str, str], ...]]:
        balance = 1000
        name = "x" * 40
        frame = sys._getframe()
        assert balance and name  # both bound before the frame is read
        chosen = {"balance": lambda v: f"${v:,}", "missing": None}
        return [frame_locals(frame, None), frame_locals(frame, chosen)]

    every, chosen = f(600, object())
    assert dict(every)["amount"] == "600" and dict(every)["balance"] == "1000"
    assert "account" not in dict(every)  # not a small plain value
    assert dict(every)["name"].endswith("…") and len(dict(every)["name"]) == 24
    assert chosen == (("balance", "$1,000"),)  # unbound names are left out


def test_a_held_deadlock_stands_until_broken_then_breaks_the_usual_way() -> None:
    import time

    from threadtruth_gui.engine.deadlock import DeadlockWatch
    from threadtruth_gui.engine.events import State

    scenario = get("deadlock")
    params = scenario.resolve({"variant": "opposite order", "delay": 0.05})
    plan = scenario.plan(params)
    watch = plan.monitor
    assert isinstance(watch, DeadlockWatch) and not watch.hold  # the CLI breaks it at once
    watch.hold = True
    run = Run(plan)
    run.start()
    try:
        deadline = time.monotonic() + 10
        while not watch.held and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watch.held
        time.sleep(0.3)  # many looks of the monitor later: still standing
        assert watch.held and not run.finished
        lanes = run.lanes()
        assert [t.state for t in lanes.tasks.values()] == [State.WAITING, State.WAITING]
        watch.break_now()
        assert run.join(10)
    finally:
        run.stop()
    result, lanes = scenario.finish(run, params)
    status = {t["name"]: t["status"] for t in result.tasks}
    assert status[result.outcome["victim"]] == "failed"
    assert sorted(status.values()) == ["failed", "succeeded"]
    assert result.verdict is not None and result.verdict.headline == "Deadlock"
    told = [t.text for t in narration(lanes)]
    assert any(t.endswith("neither can go on") for t in told)
    assert "the app ends its wait: the deadlock is broken" in told
