"""The issue-5 scenarios in the window: each runs, shows its figures and its verdict."""

from __future__ import annotations

import time
from itertools import pairwise

import pytest
from PySide6.QtCore import Qt, QTimer


def _run(qtbot, window, scenario: str, params: dict, timeout_ms: int = 20_000) -> None:
    window.select(scenario)
    window.set_params(params)
    with qtbot.waitSignal(window.bridge.finished, timeout=timeout_ms):
        window.start_run()


def test_asyncio_race_in_five_keys_on_the_windows_own_loop(qtbot, window) -> None:
    window.select("asyncio-race")
    window.set_params({"lock": False, "delay": 0.0})
    qtbot.keyClick(window, Qt.Key.Key_S)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    gate = window.bridge.gate
    assert gate is not None
    qtbot.waitUntil(lambda: gate.parked == {"A", "B"}, timeout=5000)
    for key, name in ((Qt.Key.Key_1, "A"), (Qt.Key.Key_2, "B")):
        qtbot.keyClick(window, key)
        assert gate.steps[-1].unit == "await"
        qtbot.waitUntil(lambda n=name: gate.settled(n), timeout=5000)
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.verdict.headline() == "Overdraft: -$100"
    window.step_action.setChecked(False)


def test_deadlock_is_drawn_and_the_run_ends(qtbot, window) -> None:
    _run(qtbot, window, "deadlock", {"variant": "opposite order", "delay": 0.1})
    assert window.verdict.headline() == "Deadlock"
    assert window.figures.graph.isVisible()
    edges = {(e["task"], e["holds"], e["waits_for"]) for e in window.figures.graph.cycle}
    assert edges == {("A", "L1", "L2"), ("B", "L2", "L1")}
    assert ("yes", "deadlocked") in [(v, n) for n, v in window.figures.shown()]
    window.reset_run()  # Reset works after a broken deadlock
    assert window.bridge.run is None


def test_lost_updates_shows_the_count(qtbot, window) -> None:
    _run(qtbot, window, "lost-updates", {"variant": "with lock", "threads": 2, "times": 20_000})
    assert window.verdict.headline() == "Nothing lost"
    values = dict(window.figures.shown())
    assert values["counted at the end"] == "40,000"


def test_blocking_in_async_does_not_freeze_the_window(qtbot, window) -> None:
    window.select("blocking-in-async")
    window.set_params({"variant": "time.sleep (blocks)", "block": 0.6, "beats": 2})
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    with qtbot.waitSignal(window.bridge.finished, timeout=20_000):
        window.start_run()
    timer.stop()
    assert window.verdict.headline().startswith("The loop froze for 0.")
    gaps = [b - a for a, b in pairwise(ticks)]
    assert max(gaps) < 0.4  # the scenario's loop froze for 0.6 s; the window's did not


@pytest.mark.parametrize("scenario", ["gil-cpu", "thread-cost"])
def test_the_measuring_scenarios_finish_in_the_window(qtbot, window, scenario) -> None:
    params = {"gil-cpu": {"workers": 2, "limit": 40_000}, "thread-cost": {"tasks": 300}}
    _run(qtbot, window, scenario, params[scenario], timeout_ms=30_000)
    assert window.bridge.result is not None and window.bridge.result.verdict is not None
    assert len(window.figures.shown()) >= 3
    if scenario == "thread-cost":
        assert window.bridge.in_child  # 600 tasks: run in a child process
