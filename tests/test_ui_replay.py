"""The window: bytecode steps, saving, opening and replaying runs, the prediction pause."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from threadtruth_gui.scenarios import bank_race


def _step_and_wait(qtbot, window, key, name: str) -> None:
    gate = window.bridge.gate
    qtbot.keyClick(window, key)
    qtbot.waitUntil(lambda: gate.settled(name), timeout=5000)
    qtbot.wait(40)  # one drain of the recorder into the trace


def test_bytecode_steps_split_the_deduction_and_the_view_follows(qtbot, window) -> None:
    from PySide6.QtCore import Qt

    window.set_params({"lock": False, "delay": 0.0})
    window.step_action.setChecked(True)
    window.start_run()
    gate = window.bridge.gate
    qtbot.waitUntil(lambda: gate.parked == {"A", "B"}, timeout=5000)
    for _ in range(4):  # both read $1000, check it, pass the sleep(0)
        _step_and_wait(qtbot, window, Qt.Key.Key_1, "A")
        _step_and_wait(qtbot, window, Qt.Key.Key_2, "B")
    deduct = inspect.getsourcelines(bank_race.withdraw)[1] + 7
    assert window.bridge.lanes.tasks["A"].line == deduct
    qtbot.keyClick(window, Qt.Key.Key_B)  # bytecode on: 1 now runs one instruction
    assert window.bytecode.isVisible()
    names = []
    for _ in range(5):
        _step_and_wait(qtbot, window, Qt.Key.Key_1, "A")
        view = window.bytecode
        names.append(view.instructions[view.current].opname)
    # A has read the balance and computed the new one, and stands before its write
    view = window.bytecode
    ran = [ins.opname for ins in view.instructions[: view.current]]
    to_run = [ins.opname for ins in view.instructions[view.current :]]
    assert "LOAD_ATTR" in ran and "BINARY_OP" in ran
    assert "STORE_ATTR" in to_run
    assert len(set(names)) == 5  # each key press moved A by exactly one instruction
    assert gate.steps[-1].unit == "op"
    qtbot.keyClick(window, Qt.Key.Key_B)  # back to lines: B runs its whole deduction
    _step_and_wait(qtbot, window, Qt.Key.Key_2, "B")
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.verdict.headline() == "Lost update: $400"
    window.step_action.setChecked(False)


def test_save_open_and_replay_in_the_window(qtbot, window, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    window.set_params({"lock": False, "delay": 0.0})
    window.step_action.setChecked(True)
    window.start_run()
    gate = window.bridge.gate
    qtbot.waitUntil(lambda: gate.parked == {"A", "B"}, timeout=5000)
    for _ in range(3):
        _step_and_wait(qtbot, window, Qt.Key.Key_1, "A")
        _step_and_wait(qtbot, window, Qt.Key.Key_2, "B")
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.verdict.headline() == "Overdraft: -$100"
    window.step_action.setChecked(False)
    path = tmp_path / "race.ttrun"
    assert window.save_run(str(path))
    assert path.exists()

    window.set_params({"lock": True, "delay": 0.5})  # something else on screen
    window.reset_run()
    assert window.open_run(str(path))
    assert window.params() == {"lock": False, "delay": 0.0, "balance": 1000, "amounts": "600,500"}
    assert window.verdict.headline() == "Overdraft: -$100"
    assert window.balance.value() == -100
    assert window.bridge.run is None  # opening re-runs nothing

    with qtbot.waitSignal(window.bridge.finished, timeout=20_000):
        assert window.replay_run()
    assert window.verdict.headline() == "Overdraft: -$100"
    assert "the same outcome as the recorded run" in window.statusBar().currentMessage()
    window.reset_run()
    assert window.bridge.run is None


def test_opening_a_bad_file_says_why_and_changes_nothing(qtbot, window, tmp_path: Path) -> None:
    window.set_params({"lock": True, "delay": 0.0})
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        window.start_run()
    headline = window.verdict.headline()
    bad = tmp_path / "bad.ttrun"
    bad.write_text('{"format": "threadtruth-run", "version": 3}', encoding="utf-8")
    assert not window.open_run(str(bad))
    assert "newer threadtruth" in window.statusBar().currentMessage()
    assert window.verdict.headline() == headline
    assert window.params() == {"lock": True, "delay": 0.0, "balance": 1000, "amounts": "600,500"}
    assert not window.save_run(str(tmp_path / "missing" / "x.ttrun"))
    assert "does not exist" in window.statusBar().currentMessage()


def test_prediction_pause_asks_first_then_reveals(qtbot, window) -> None:
    from PySide6.QtCore import Qt

    window.set_params({"lock": True, "delay": 0.0})
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.predict_action.isChecked()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.prediction.isVisible()
    assert window.bridge.run is None  # nothing runs before the class has answered
    assert window.prediction.buttons[0].text()[4:] == "$400: A paid, B denied"
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_3)  # "-$100: both paid"
    final = window.bridge.result.outcome["final_balance"]
    assert final in (400, 500)  # the lock is on
    assert window.verdict.note.startswith("Your prediction, -$100: wrong")
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.prediction.isVisible()
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Escape)  # run without predicting
    assert window.verdict.note == ""
    window.predict_action.setChecked(False)


def test_the_cursor_at_t_shows_the_balance_recorded_at_t(qtbot, window) -> None:
    window.set_params({"lock": False, "delay": 0.2})
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        window.start_run()
    lanes = window.bridge.lanes
    series = lanes.counters["balance"]
    assert [v for _t, v in series][-1] == -100
    first_write_s = lanes.seconds(series[1][0])
    window.timeline.setFocus()
    window.set_cursor(first_write_s / 2)  # both are in their processing delay
    assert window.balance.value() == 1000
    assert set(window.code.markers()) == {"A", "B"}  # both stand on their sleep line
    assert {c.status.text() for c in window.cards.values()} == {"sleeping"}
    window.set_cursor(lanes.seconds(series[1][0]))  # the first deduction
    assert window.balance.value() in (400, 500)
    window.set_cursor(None)  # back to the end
    assert window.balance.value() == -100
    assert window.code.markers() == {}


def test_playback_moves_the_cursor_to_the_end(qtbot, window) -> None:
    window.set_params({"lock": True, "delay": 0.05})
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        window.start_run()
    window.playback.set_speed(2.0)
    window.toggle_playback()
    assert window.playback.playing
    qtbot.waitUntil(lambda: not window.playback.playing, timeout=5000)
    end = window.bridge.lanes.seconds(window.bridge.lanes.end_ns)
    assert window.timeline.cursor_s == pytest.approx(end, abs=0.02)
    assert window.balance.value() == 400
