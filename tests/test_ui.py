"""The main window driven as a lecturer drives it (pytest-qt, offscreen)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QToolButton

from threadtruth_gui.engine.events import State
from threadtruth_gui.ui.main_window import MainWindow

RUN_TIMEOUT_MS = 10_000


def scenario_threads() -> list[threading.Thread]:
    """Every thread a run made: the driver and one per lane."""
    return [t for t in threading.enumerate() if t.name.startswith("threadtruth-")]


def lane_threads() -> list[str]:
    return sorted(t.name for t in scenario_threads() if t.name != "threadtruth-run")


def click_action(qtbot, win: MainWindow, action) -> None:
    button = win.toolbar.widgetForAction(action)
    assert isinstance(button, QToolButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def run_and_wait(qtbot, win: MainWindow, *, click: bool = True) -> None:
    with qtbot.waitSignal(win.bridge.finished, timeout=RUN_TIMEOUT_MS):
        if click:
            click_action(qtbot, win, win.run_action)
        else:
            qtbot.keyClick(win, Qt.Key.Key_Space)


def test_body_text_is_at_least_14pt(window: MainWindow) -> None:
    assert window.font().pointSizeF() >= 14
    assert window.cards["A"].body.font().pointSizeF() >= 14
    assert window.code.font().pointSizeF() >= 14


def test_run_without_lock_overdraws_and_every_view_shows_it(qtbot, window: MainWindow) -> None:
    window.set_params({"lock": False, "delay": 0.2})
    run_and_wait(qtbot, window)
    assert window.verdict.headline() == "Overdraft: -$100"
    assert window.balance.value() == -100
    lanes = window.bridge.lanes
    assert list(lanes.tasks) == ["A", "B"]
    assert [t.state for t in lanes.tasks.values()] == [State.DONE, State.DONE]
    assert any(s.state == State.SLEEPING for s in lanes.tasks["A"].spans)
    assert window.timeline.visible_range()[1] >= 0.2
    story_a = window.cards["A"].story_text()
    assert story_a[:2] == ["read balance $1,000", "checked $1,000 ≥ $600 → yes"]
    assert story_a[-1] == "withdrew $600"
    # B checks its own copy, $1,000 (its `-=` may then read what A left: told if new)
    assert window.cards["B"].story_text()[:2] == [
        "read balance $1,000",
        "checked $1,000 ≥ $500 → yes",
    ]
    assert window.cards["B"].status.text() == "✔ succeeded"
    assert window.code.markers() == {}  # finished tasks leave the code pane


def test_flip_lock_with_L_and_rerun_with_space(qtbot, window: MainWindow) -> None:
    window.set_params({"delay": 0.2})
    assert window.params()["lock"] is False
    qtbot.keyClick(window, Qt.Key.Key_L)
    assert window.params()["lock"] is True
    run_and_wait(qtbot, window, click=False)
    assert window.verdict.headline() == "Correct: $400"
    assert window.balance.value() == 400
    assert window.cards["B"].story_text()[-1] == "denied: balance $400"
    assert window.cards["B"].status.text() == "✘ denied"
    waits = [s for s in window.bridge.lanes.tasks["B"].spans if s.state == State.WAITING]
    assert len(waits) == 1 and "held by A" in waits[0].detail


def test_code_markers_follow_real_line_tracing(qtbot, window: MainWindow) -> None:
    window.set_params({"lock": False, "delay": 1.0})
    click_action(qtbot, window, window.run_action)
    # while both threads sleep, both markers sit on the sleep line of withdraw()
    qtbot.waitUntil(lambda: len(window.code.markers()) == 2, timeout=RUN_TIMEOUT_MS)
    lines = set(window.code.markers().values())
    assert len(lines) == 1
    assert window.code.line_text(lines.pop()).strip().startswith("sleep(delay)")
    click_action(qtbot, window, window.reset_action)


def test_deposit_scenario_shows_a_lost_update(qtbot, window: MainWindow) -> None:
    window.select("bank-deposit")
    window.set_params({"lock": False, "delay": 0.1})
    run_and_wait(qtbot, window)
    assert window.verdict.headline().startswith("Lost update")
    assert window.balance.value() != 800
    window.control("lock").set_value(True)
    run_and_wait(qtbot, window)
    assert window.verdict.headline() == "Correct: $800"
    assert window.balance.value() == 800


def test_reset_mid_run_stops_every_thread(qtbot, window: MainWindow) -> None:
    window.set_params({"lock": True, "delay": 2.0})
    click_action(qtbot, window, window.run_action)
    qtbot.waitUntil(
        lambda: lane_threads() == ["threadtruth-A", "threadtruth-B"], timeout=RUN_TIMEOUT_MS
    )
    qtbot.waitUntil(
        lambda: window.bridge.lanes is not None and "B" in window.bridge.lanes.tasks,
        timeout=RUN_TIMEOUT_MS,
    )
    t0 = time.perf_counter()
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert time.perf_counter() - t0 < 1.0
    # the window does not wait for them: they end at their next line, a moment later
    qtbot.waitUntil(lambda: scenario_threads() == [], timeout=2_000)
    assert not window.bridge.running
    assert "Press Space to run" in window.verdict.text()
    assert window.balance.value() == 1000
    assert window.cards["A"].status.text() == "ready"
    assert window.timeline.visible_range()[1] <= 1.0  # an empty timeline again


def test_close_mid_run_leaves_no_thread(qtbot) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.set_params({"delay": 2.0})
    win.start_run()
    qtbot.waitUntil(
        lambda: lane_threads() == ["threadtruth-A", "threadtruth-B"], timeout=RUN_TIMEOUT_MS
    )
    t0 = time.perf_counter()
    win.close()
    assert time.perf_counter() - t0 < 1.0
    # the window does not wait for them: they end at their next line, a moment later
    qtbot.waitUntil(lambda: scenario_threads() == [], timeout=2_000)


def test_app_process_closed_mid_run_exits_0_quickly() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "threadtruth_gui",
            "gui",
            "bank-race",
            "--run",
            "--exit-when-done",  # prints "running" once the run started
            "--delay",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "running"  # printed once the run started
            t0 = time.perf_counter()
            proc.send_signal(signal.SIGINT)  # handled like closing the window
            _out, stderr = proc.communicate(timeout=10)
            elapsed = time.perf_counter() - t0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, stderr
    assert elapsed < 5
    assert "Traceback" not in stderr


def test_window_fits_1280x720(qtbot) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    for scenario in ("bank-race", "downloads-compare"):
        win.select(scenario)
        win.resize(1280, 720)
        win.show()
        qtbot.waitExposed(win)
        qtbot.wait(50)
        assert (win.width(), win.height()) == (1280, 720), scenario


def test_switching_scenario_restores_its_demo_defaults(qtbot, window: MainWindow) -> None:
    window.set_params({"lock": True, "delay": 0.0})
    window.select("bank-deposit")
    # a delay of 0 set for bank-race must not make bank-deposit's race look "correct"
    assert window.params() == {
        "lock": False,
        "delay": 1.0,
        "balance": 1000,
        "deposit": 500,
        "withdraw": 700,
    }
    window.select("bank-race")
    assert window.params() == {"lock": False, "delay": 1.0, "balance": 1000, "amounts": "600,500"}
    # the controls of the scenario left behind are gone, not hidden
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert len([a for a in window.findChildren(QAction) if a.shortcut().toString() == "L"]) == 1
    assert len([a for a in window.actions() if a.shortcut().toString() == "L"]) == 1


def test_a_failing_verdict_is_shown_and_the_window_recovers(qtbot, window: MainWindow) -> None:
    scenario = window.scenario

    def broken(result, lanes):
        raise ZeroDivisionError("verdict bug")

    window.scenario = dataclasses.replace(scenario, verdict=broken)
    window.set_params({"delay": 0.05})
    with qtbot.waitSignal(window.bridge.failed, timeout=RUN_TIMEOUT_MS) as blocker:
        window.start_run()
    assert "verdict bug" in blocker.args[0]
    assert "verdict bug" in window.statusBar().currentMessage()
    assert not window.bridge.running
    window.scenario = scenario
    run_and_wait(qtbot, window)  # and Space works again
    assert window.verdict.headline() == "Overdraft: -$100"
