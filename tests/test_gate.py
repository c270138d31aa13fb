"""The lecturer as the scheduler: real threads, one line per step."""

from __future__ import annotations

import inspect
import json

from _cli import cli

from threadtruth_gui.engine.gate import StepGate
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.scenarios import bank_race, get

ABAB = ["A", "B"] * 4


def test_schedule_abab_at_delay_0_overdraws_every_time_without_the_lock() -> None:
    finals = [
        get("bank-race").run({"lock": False, "delay": 0}, schedule=ABAB)[0].outcome["final_balance"]
        for _ in range(20)
    ]
    assert finals == [-100] * 20  # the race needs no sleep, only this interleaving


def test_schedule_abab_with_the_lock_ends_at_400_and_b_is_blocked() -> None:
    result, _ = get("bank-race").run({"lock": True, "delay": 0}, schedule=ABAB)
    assert result.outcome["final_balance"] == 400
    assert [t["status"] for t in result.tasks] == ["succeeded", "denied"]
    assert result.schedule is not None
    assert {s["result"] for s in result.schedule if s["task"] == "B"} == {"blocked"}
    assert {s["result"] for s in result.schedule if s["task"] == "A"} == {"stepped"}


def test_a_stepped_thread_blocked_on_a_held_lock_does_not_advance() -> None:
    scenario = get("bank-race")
    params = scenario.resolve({"lock": True, "delay": 0})
    run = Run(scenario.plan(params))
    gate = run.context.gate = StepGate(run.context.cancelled)
    run.start()
    try:
        assert gate.wait_ready(["A", "B"])
        with_line = inspect.getsourcelines(bank_race.withdraw_with_lock)[1] + 1
        assert gate.step("A").result == "stepped"  # A takes the lock
        assert gate.step("B").result == "blocked"  # B runs into it
        lanes = run.lanes()
        assert lanes.tasks["B"].line == with_line
        for _ in range(3):  # more steps for B change nothing while A holds the lock
            assert gate.step("B").result == "blocked"
        assert run.lanes().tasks["B"].line == with_line
    finally:
        gate.release()
        assert run.join(10)
    result, _ = scenario.finish(run, params)
    assert result.outcome["final_balance"] == 400


def test_stepping_then_cancel_leaves_no_thread() -> None:
    scenario = get("bank-race")
    params = scenario.resolve({"lock": False, "delay": 0})
    run = Run(scenario.plan(params))
    gate = run.context.gate = StepGate(run.context.cancelled)
    run.start()
    assert gate.wait_ready(["A", "B"])
    gate.step("A")
    assert run.stop(timeout=2)  # parked threads wake on the cancel and end


def test_cli_schedule_json() -> None:
    proc = cli("run", "bank-race", "--delay", "0", "--schedule", "A,B,A,B", "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["outcome"]["final_balance"] == -100
    assert [s["task"] for s in out["schedule"]] == ["A", "B", "A", "B"]


def test_window_step_mode_reproduces_minus_100_at_delay_0_by_keys(qtbot, window) -> None:
    from PySide6.QtCore import Qt, QTimer

    window.set_params({"lock": False, "delay": 0.0})
    qtbot.keyClick(window, Qt.Key.Key_S)  # step mode on
    assert window.step_action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_Space)  # start: both threads stop at their first line
    gate = window.bridge.gate
    assert gate is not None
    qtbot.waitUntil(lambda: gate.parked == {"A", "B"}, timeout=5000)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    for key in [Qt.Key.Key_1, Qt.Key.Key_2]:  # each reads $1000: S, Space, 1, 2, Space
        name = "A" if key == Qt.Key.Key_1 else "B"
        before = len(gate.steps)
        qtbot.keyClick(window, key)
        assert len(gate.steps) == before + 1 and gate.steps[-1].task == name
        qtbot.waitUntil(lambda n=name: gate.settled(n), timeout=5000)
    qtbot.wait(200)  # the threads wait at their gates meanwhile
    assert gate.parked == {"A", "B"}
    assert len(ticks) > 5  # and the window's own timer kept firing
    timer.stop()
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Space)  # run to the end
    assert window.verdict.headline() == "Overdraft: -$100"
    qtbot.keyClick(window, Qt.Key.Key_S)  # step mode off again


def test_window_step_into_a_held_lock_says_who_holds_it(qtbot, window) -> None:
    from PySide6.QtCore import Qt

    window.set_params({"lock": True, "delay": 0.0})
    window.step_action.setChecked(True)
    window.start_run()
    gate = window.bridge.gate
    assert gate is not None
    qtbot.waitUntil(lambda: gate.parked == {"A", "B"}, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_1)  # A takes the lock
    qtbot.waitUntil(lambda: gate.settled("A"), timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_2)  # B runs into it
    qtbot.waitUntil(lambda: "B" in gate.blocked, timeout=5000)
    qtbot.wait(50)  # one drain of the recorder into the trace
    qtbot.keyClick(window, Qt.Key.Key_2)
    assert "B is blocked: waiting for the lock 'account' held by A" in (
        window.statusBar().currentMessage()
    )
    window.reset_run()
    assert window.bridge.run is None
    window.step_action.setChecked(False)


def test_two_steps_are_enough_for_the_overdraft_at_delay_0() -> None:
    """S, Space, 1, 2, Space in the window: each thread reads $1000, then both run freely."""
    finals = [
        get("bank-race")
        .run({"lock": False, "delay": 0}, schedule=["A", "B"])[0]
        .outcome["final_balance"]
        for _ in range(20)
    ]
    assert finals == [-100] * 20
