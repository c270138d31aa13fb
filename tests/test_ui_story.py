"""The window tells the race while it happens, and holds a deadlock on screen (pytest-qt)."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt

from threadtruth_gui.ui.main_window import MainWindow

RUN_TIMEOUT_MS = 10_000


def _narrated(window: MainWindow) -> list[str]:
    return [window.narration.item(i).text() for i in range(window.narration.count())]


def test_five_keys_show_both_threads_own_copy_and_tell_the_reads_in_order(
    qtbot, window: MainWindow
) -> None:
    window.set_params({"lock": False, "delay": 0.0})
    qtbot.keyClick(window, Qt.Key.Key_S)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    gate = window.bridge.gate
    assert gate is not None
    qtbot.waitUntil(lambda: gate.parked == {"A", "B"}, timeout=RUN_TIMEOUT_MS)
    # two tasks, nothing reported yet: the placeholder does not blame the number of tasks
    qtbot.waitUntil(lambda: window.narration.count() == 1, timeout=RUN_TIMEOUT_MS)
    assert "up to" not in _narrated(window)[0]
    qtbot.keyClick(window, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: gate.settled("A"), timeout=RUN_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_2)  # well within the narration's 0.25 s: still told
    for name, amount in (("A", "$600"), ("B", "$500")):
        qtbot.waitUntil(
            lambda n=name, a=amount: (
                window.cards[n].locals_text()
                == ["balance = $1,000", f"amount = {a}", "account.balance = $1,000"]
            ),
            timeout=RUN_TIMEOUT_MS,
        )
        assert window.cards[name].locals.isVisible()
    qtbot.waitUntil(lambda: len(_narrated(window)) == 2, timeout=RUN_TIMEOUT_MS)
    told = _narrated(window)
    assert told[0].endswith("A  read balance $1,000")
    assert told[1].endswith("B  read balance $1,000")
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.verdict.headline() == "Overdraft: -$100"
    told = _narrated(window)
    first_withdrawal = next(i for i, line in enumerate(told) if "withdrew" in line)
    assert first_withdrawal >= 2  # both reads are told before any withdrawal
    assert not window.cards["A"].locals.isVisible()  # a finished thread has no frame
    qtbot.keyClick(window, Qt.Key.Key_S)


def test_a_free_run_shows_no_locals(qtbot, window: MainWindow) -> None:
    window.set_params({"lock": False, "delay": 0.0})
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS):
        window.start_run()
    assert window.cards["A"].locals_text() == []
    assert not window.cards["A"].locals.isVisible()


def _deadlocked_lanes_grow(qtbot, window: MainWindow) -> float:
    """Start the deadlock scenario and wait until it is held; the waits' length then."""
    from threadtruth_gui.engine.events import State

    window.select("deadlock")
    window.set_params({"variant": "opposite order", "delay": 0.05})
    window.start_run()
    qtbot.waitUntil(lambda: window.bridge.held_deadlock() is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.figures.graph.isVisible(), timeout=RUN_TIMEOUT_MS)

    def waited() -> float:
        lanes = window.bridge.lanes
        assert lanes is not None
        spans = [track.spans[-1] for track in lanes.tasks.values()]
        assert [s.state for s in spans] == [State.WAITING, State.WAITING]
        return min(lanes.end_ns - s.start_ns for s in spans) / 1e9

    first = waited()
    qtbot.waitUntil(lambda: waited() > first + 0.3, timeout=RUN_TIMEOUT_MS)  # still stuck
    assert window.bridge.running and window.bridge.held_deadlock() is not None
    assert "D breaks it" in window.figures.live.text()
    return waited()


def test_lecture_preset_holds_the_deadlock_until_D(qtbot, window: MainWindow) -> None:
    window.presenter.toggle_lecture(True)
    assert window.presenter.hold_action.isChecked()
    _deadlocked_lanes_grow(qtbot, window)
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_D)
    assert window.verdict.headline() == "Deadlock"
    assert window.figures.graph.isVisible()
    window.presenter.toggle_lecture(False)
    assert not window.presenter.hold_action.isChecked()


def test_reset_and_close_end_a_held_deadlock_at_once(qtbot, window: MainWindow) -> None:
    window.presenter.hold_action.setChecked(True)  # the window toggle, without the preset
    _deadlocked_lanes_grow(qtbot, window)
    t0 = time.perf_counter()
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert time.perf_counter() - t0 < 1.0
    assert not window.bridge.running
    _deadlocked_lanes_grow(qtbot, window)
    t0 = time.perf_counter()
    window.close()
    assert time.perf_counter() - t0 < 1.0
    assert [t.name for t in threading.enumerate() if t.name.startswith("threadtruth-")] == []


def test_without_hold_the_deadlock_is_broken_at_once(qtbot, window: MainWindow) -> None:
    window.select("deadlock")
    window.set_params({"variant": "opposite order", "delay": 0.05})
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS):
        window.start_run()
    assert window.verdict.headline() == "Deadlock"
