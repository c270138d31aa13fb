"""The playground in the window: Ctrl+E, edit, Space runs the edit; errors where they
happened; Reset stops an endless loop; the edit saved, opened and replayed; A/B original
vs edited; Restore original."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from threadtruth_gui.ui.main_window import MainWindow
from threadtruth_gui.ui.window.editing import OWN_RIGHTS

RUN_MS = 20_000
SLEEP = "    sleep(delay)  # processing: the other ATM runs now"
READ = "    balance = account.balance"


def _press(
    win: MainWindow, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
):
    target = QApplication.focusWidget() or win
    QTest.keyClick(target, key, mods)


def _edit(qtbot, win: MainWindow, change) -> str:  # type: ignore[no-untyped-def]
    """Ctrl+E, put `change(text)` in the pane as if typed, Esc: the keys are the window's."""
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    _press(win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert win.editing.editing and not win.code.isReadOnly()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.code, timeout=2000)
    text = change(win.code.toPlainText())
    win.code.selectAll()
    win.code.insertPlainText(text)  # one edit, as typing or a paste makes
    _press(win, Qt.Key.Key_Escape)
    assert not win.editing.editing and win.code.isReadOnly()
    return text


def sleep_first(text: str) -> str:
    assert SLEEP in text
    return text.replace(SLEEP + "\n", "").replace(READ, SLEEP + "\n" + READ)


def _run(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(win.bridge.finished, timeout=RUN_MS):
        _press(win, Qt.Key.Key_Space)


# each thread runs its lines up to and including its sleep, then the other does; then A
# to its end, then B (as tests/test_edits.py forces them through the engine)
ORIGINAL_TURNS = ["A"] * 4 + ["B"] * 4 + ["A"] * 8 + ["B"] * 8
EDITED_TURNS = ["A", "B"] + ["A"] * 8 + ["B"] * 8


def _stepped(qtbot, win: MainWindow, turns: list[str]) -> None:  # type: ignore[no-untyped-def]
    """A step-mode run given `turns` one at a time, each step waited for."""
    win.step_action.setChecked(True)
    with qtbot.waitSignal(win.bridge.started, timeout=RUN_MS):
        _press(win, Qt.Key.Key_Space)
    gate = win.bridge.gate
    assert gate is not None
    qtbot.waitUntil(lambda: all(gate.settled(t) for t in "AB"), timeout=RUN_MS)
    for task in turns:
        win.step_task(task)
        qtbot.waitUntil(lambda task=task: gate.settled(task), timeout=RUN_MS)
    # the turns take every thread to its end: the run finishes by itself
    qtbot.waitUntil(lambda: win.bridge.result is not None, timeout=RUN_MS)
    assert not win.bridge.running
    win.step_action.setChecked(False)


@pytest.fixture
def win(window: MainWindow) -> MainWindow:
    window.select("bank-race")
    window.set_params({"lock": False, "delay": 0.3})
    return window


def test_an_edit_runs_the_sleep_before_the_check_ends_at_400_and_restore_runs_the_original(
    qtbot, win: MainWindow
) -> None:
    win.set_params({"delay": 0.05})
    _stepped(qtbot, win, ORIGINAL_TURNS)
    assert win.bridge.result.outcome["final_balance"] == -100  # the original races
    assert not win.code_box.edit_bar.isVisible()
    text = _edit(qtbot, win, sleep_first)
    bar = win.code_box.edit_bar
    assert bar.badge.isVisible() and bar.restore.isVisible()
    # the same turns (each thread runs past its sleep, then the other): with the sleep
    # before the read there is no window between read and write, and B reads $400
    _stepped(qtbot, win, EDITED_TURNS)
    assert win.bridge.result.outcome["final_balance"] == 400
    assert win.bridge.run.plan.edit is not None
    assert win.code.toPlainText() == text and win.code.numbered_from is not None
    assert "$400" in win.verdict.headline()
    # a free run of the edit: one ATM at a time, whichever wakes first (no overdraft)
    _run(qtbot, win)
    assert win.bridge.result.outcome["final_balance"] in (400, 500)
    # Restore original: the file's code, and it races again
    bar.restore.click()
    assert not bar.isVisible() and win.editing.edited is None
    assert win.code.numbered_from is None and SLEEP in win.code.toPlainText()
    _stepped(qtbot, win, ORIGINAL_TURNS)
    assert win.bridge.result.outcome["final_balance"] == -100
    assert win.bridge.run.plan.edit is None


def test_an_edit_is_kept_for_the_code_it_was_made_for(qtbot, win: MainWindow) -> None:
    text = _edit(qtbot, win, sleep_first)
    win.set_params({"lock": True})  # two functions shown now: the original ones
    assert win.editing.edited is None and not win.code_box.edit_bar.isVisible()
    assert "your edit of withdraw comes back" in win.statusBar().currentMessage()
    assert "withdraw_with_lock" in win.code.toPlainText()
    win.set_params({"lock": False})
    assert win.code.toPlainText() == text and win.code_box.edit_bar.badge.isVisible()


def test_a_syntax_error_runs_nothing_and_is_marked_at_its_line_and_column(
    qtbot, win: MainWindow
) -> None:
    text = _edit(qtbot, win, lambda t: t.replace("if balance < amount:", "if balance < amount"))
    started: list[object] = []
    win.bridge.started.connect(lambda: started.append(1))
    _press(win, Qt.Key.Key_Space)
    qtbot.wait(200)
    assert not started and not win.bridge.running
    first = win.code.numbered_from
    assert first is not None
    line = first + text.splitlines().index("    if balance < amount")
    assert win.code.error_at() == (line, 24)
    message = win.statusBar().currentMessage()
    assert f"line {line}, column 24" in message and "Nothing ran" in message


def test_a_syntax_error_is_marked_while_typing_and_cleared_when_fixed(qtbot, win: MainWindow):
    win.editing.toggle()
    code = win.code
    first = code.numbered_from
    assert first is not None
    cursor = code.textCursor()
    cursor.movePosition(cursor.MoveOperation.End)
    code.setTextCursor(cursor)
    QTest.keyClick(code, Qt.Key.Key_Return)
    QTest.keyClicks(code, "    x = (1 +")
    last = first + code.blockCount() - 1
    qtbot.waitUntil(lambda: code.error_at() is not None, timeout=3000)
    assert code.error_at() == (last, 9) and not win.bridge.running
    QTest.keyClicks(code, " 2)")
    assert code.error_at() is None  # typing clears it; the check finds nothing now
    qtbot.wait(600)
    assert code.error_at() is None
    win.editing.toggle()


def test_the_editable_pane_keeps_the_keys_it_types_with(qtbot, win: MainWindow) -> None:
    """Space, letters and digits are the window's keys (Run, Reset, Lock, steps): while
    the pane is edited they are typed; Esc gives them back."""
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    _press(win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.code, timeout=2000)
    QTest.keyClicks(win.code, "# R L S B P M C D E K 1 2 ")
    QTest.keyClick(win.code, Qt.Key.Key_Space)
    assert "# R L S B P M C D E K 1 2  " in win.code.toPlainText()
    assert not win.bridge.running and win.params()["lock"] is False
    assert not win.step_action.isChecked() and win.many_dialog is None
    _press(win, Qt.Key.Key_Escape)
    assert win.code.isReadOnly()
    _press(win, Qt.Key.Key_L)  # the window's again
    assert win.params()["lock"] is True


def test_an_exception_goes_on_the_card_with_its_edited_line(qtbot, win: MainWindow) -> None:
    text = _edit(qtbot, win, lambda t: t.replace(READ, READ + "\n    amount = amount / 0"))
    _run(qtbot, win)
    line = win.code.numbered_from + text.splitlines().index("    amount = amount / 0")
    lanes = win.bridge.lanes
    assert lanes.tasks["A"].error == f"ZeroDivisionError: division by zero (line {line})"
    card = win.cards["A"]
    qtbot.waitUntil(lambda: f"line {line}" in card.body.text(), timeout=2000)
    assert "failed" in card.status.text()


@pytest.mark.parametrize(
    "loop", ["while True:\n        pass", "x = 0\n    while True:\n        x += 1"]
)
def test_an_endless_loop_is_reset_within_half_a_second(qtbot, win: MainWindow, loop: str) -> None:
    _edit(qtbot, win, lambda t: t.replace(READ, "    " + loop + "\n" + READ))
    with qtbot.waitSignal(win.bridge.started, timeout=RUN_MS):
        _press(win, Qt.Key.Key_Space)
    qtbot.wait(300)
    run = win.bridge.run
    assert run is not None and run.plan.edit is not None and not run.finished  # it loops
    t0 = time.perf_counter()
    _press(win, Qt.Key.Key_R)
    assert run.join(2)
    took = time.perf_counter() - t0
    print(f"Reset of an endless loop ({loop.splitlines()[-1].strip()}): {took * 1000:.1f} ms")
    assert took < 0.5, f"Reset to the run finished took {took:.3f} s"
    lanes = [t for t in threading.enumerate() if t.name.startswith("threadtruth")]
    assert not lanes, lanes


def test_an_endless_loop_in_a_coroutine_never_freezes_the_window(qtbot, window: MainWindow):
    """asyncio-race's coroutines run on the window's own loop: an edited one that never
    awaits would hold the window's thread, and Reset could never be handled. Edited
    coroutines run on a loop of their own."""
    window.select("asyncio-race")
    _edit(qtbot, window, lambda t: t.replace(READ, "    while True:\n        pass\n" + READ, 1))
    with qtbot.waitSignal(window.bridge.started, timeout=RUN_MS):
        _press(window, Qt.Key.Key_Space)
    run = window.bridge.run
    assert run is not None and run.plan.edit is not None
    qtbot.wait(300)  # the window still turns its loop (this wait returns)
    assert not run.finished
    t0 = time.perf_counter()
    _press(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: run.finished and not window.bridge.stopping, timeout=5000)
    took = time.perf_counter() - t0
    print(f"Reset of an endless loop in a coroutine: {took * 1000:.0f} ms")
    assert took < 0.5, f"Reset to the run finished took {took:.3f} s"


def test_an_endless_loop_in_an_unwatched_lane_of_a_child_run_is_reset_within_half_a_second(
    qtbot, window: MainWindow
) -> None:
    """lost-updates watches no lines (it runs in a child process): the loop sees no
    cancel, and the reset run is stopped by force after the playground's short grace."""
    window.select("lost-updates")
    _edit(qtbot, window, lambda t: t.replace("    for _ in range(times):", "    while True:", 1))
    with qtbot.waitSignal(window.bridge.started, timeout=RUN_MS):
        _press(window, Qt.Key.Key_Space)
    run = window.bridge.run
    assert run is not None and window.bridge.in_child and run.plan.edit is not None
    qtbot.wait(1500)  # the child has started its threads, which loop
    assert not run.finished
    t0 = time.perf_counter()
    _press(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: run.finished and not window.bridge.stopping, timeout=5000)
    took = time.perf_counter() - t0
    print(f"Reset of an endless loop in a child run: {took * 1000:.0f} ms")
    assert took < 0.5, f"Reset to the run finished took {took:.3f} s"


def test_an_edited_run_saved_opens_and_replays_its_edited_code(
    qtbot, win: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    win.set_params({"delay": 0.05})
    text = _edit(qtbot, win, sleep_first)
    _stepped(qtbot, win, EDITED_TURNS)  # stepped: the file's schedule is exact
    assert win.bridge.result.outcome["final_balance"] == 400
    path = tmp_path / "edited.ttrun"
    assert win.save_run(str(path))
    win.bridge.reset()
    win.editing.restore()  # the window forgets the edit: only the file has it now
    assert win.editing.edited is None
    assert win.open_run(str(path))
    assert win.code.toPlainText() == text and win.code_box.edit_bar.badge.isVisible()
    # a file's code is untrusted input: it runs only once the lecturer says yes
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def ask(_parent, title: str, _text: str) -> QMessageBox.StandardButton:
            asked.append(title)
            return button

        return ask

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    win.reset_run()  # showing the scenario again asks nothing: nothing is about to run
    assert asked == [] and win.code.toPlainText() == text
    assert not win.replay_run() and not win.bridge.running
    _press(win, Qt.Key.Key_Space)
    assert not win.bridge.running and len(asked) == 2
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    with qtbot.waitSignal(win.bridge.finished, timeout=RUN_MS):
        assert win.replay_run()
    assert len(asked) == 3
    assert win.bridge.result.outcome["final_balance"] == 400
    assert win.bridge.run.plan.edit is not None
    lines = {track.line for track in win.bridge.lanes.tasks.values()}
    assert lines and all(line is None or line >= win.code.numbered_from for line in lines)


def test_a_b_compare_puts_the_original_beside_the_edit(qtbot, win: MainWindow) -> None:
    _edit(qtbot, win, sleep_first)
    win.open_compare()
    dialog = win.compare_dialog
    assert dialog is not None
    assert [side[2] for side in dialog.sides] == ["original", "edited"]
    qtbot.waitUntil(lambda: dialog.finished_both, timeout=2 * RUN_MS)
    results = dialog.results
    assert results[0].outcome["final_balance"] == -100  # both read $1,000, then slept
    # one ATM at a time, whichever woke first: no overdraft
    assert results[1].outcome["final_balance"] in (400, 500)
    assert "original" in dialog.heads[0].text() and "edited" in dialog.heads[1].text()
    dialog.close()


def test_the_first_ctrl_e_says_whose_rights_the_code_runs_with_once(qtbot, win: MainWindow):
    bar = win.code_box.edit_bar
    assert not bar.isVisible()
    win.set_params({"delay": 0.0})
    _run(qtbot, win)
    win.editing.toggle()
    # as Reset: the finished run is gone (its markers were on the file's line numbers)
    assert win.shown.run() is None and win.code.markers() == {}
    assert win.statusBar().currentMessage() == OWN_RIGHTS
    assert bar.isVisible() and "editing" in bar.badge.text() and not bar.restore.isVisible()
    win.editing.toggle()
    assert not bar.isVisible()  # nothing edited: no marker
    win.editing.toggle()
    assert OWN_RIGHTS not in win.statusBar().currentMessage()
    win.editing.toggle()


def test_the_code_of_a_run_that_is_going_is_not_edited(qtbot, win: MainWindow) -> None:
    with qtbot.waitSignal(win.bridge.started, timeout=RUN_MS):
        win.start_run()
    win.editing.toggle()
    assert not win.editing.editing and win.code.isReadOnly()
    assert "Reset (R) first" in win.statusBar().currentMessage()
    win.reset_run()


def test_a_scenario_whose_code_cannot_be_edited_says_why(qtbot, window: MainWindow) -> None:
    window.select("gil-cpu")
    window.editing.toggle()
    assert not window.editing.editing and window.code.isReadOnly()
    assert "cannot be edited" in window.statusBar().currentMessage()


@pytest.mark.parametrize("lecture", [False, True])
def test_the_edited_marker_and_restore_are_in_view_at_1280x720(
    qtbot, make_window, lecture: bool
) -> None:
    win = make_window((1280, 720), lecture=lecture)
    win.select("bank-race")
    _edit(qtbot, win, sleep_first)
    bar = win.code_box.edit_bar
    shown = win.rect()
    for widget in (bar.badge, bar.restore):
        assert widget.isVisible()
        box = widget.rect().translated(widget.mapTo(win, widget.rect().topLeft()))
        assert shown.contains(box), (widget, box, shown)
    assert win.code.height() > 4 * win.code.fontMetrics().lineSpacing()  # the code still shows
