"""The many-runs dialog: real runs in the background, a histogram, cancel, no leftovers."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from threadtruth_gui.runs.many import Outcome
from threadtruth_gui.ui.main_window import MainWindow
from threadtruth_gui.ui.many_dialog import ManyRunsDialog


def many_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("threadtruth-")]


def _many_open(qtbot, delay: float) -> tuple[MainWindow, ManyRunsDialog]:  # type: ignore[no-untyped-def]
    """A window with bank-race's delay set, and its many-runs dialog opened (it starts)."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.set_params({"delay": delay})
    win.open_many_runs()
    dialog = win.many_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    return win, dialog


def test_many_runs_show_lock_off_beside_lock_on(qtbot) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.set_params({"delay": 0.02})
    assert win.many_action.shortcut().toString() == "M"
    win.many_action.trigger()
    dialog = win.many_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.cancel()  # the automatic start used 200 runs; start again with 10
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    dialog.runs.setValue(10)
    with qtbot.waitSignal(dialog.finished_runs, timeout=30_000):
        dialog.start()
    off, on = dialog.counts["lock off"], dialog.counts["lock on"]
    assert sum(off.values()) == sum(on.values()) == 10
    overdraft = Outcome(-100, "both paid, overdraft", False)
    # the lock forces one ATM at a time: only the two serial outcomes, whatever the timing
    assert set(on) <= {Outcome(400, "B denied", True), Outcome(500, "A denied", True)}
    # without it, a run pays once only when a thread is kept off the CPU for the whole 20 ms
    # window (measured: 600 of 600 runs overdrew with a 10 ms window on two busy cores);
    # five of ten runs would have to lose that race for this bound to fail
    assert off[overdraft] >= 6
    assert dialog.progress.value() == dialog.progress.maximum() == 20
    assert dialog.histogram.counts == dialog.counts
    assert many_threads() == []
    win.close()


def test_cancelling_many_runs_stops_at_once(qtbot) -> None:
    win, dialog = _many_open(qtbot, 0.2)
    qtbot.waitUntil(lambda: dialog.running, timeout=5_000)
    with qtbot.waitSignal(dialog.finished_runs, timeout=5_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert "Cancelled" in dialog.status.text()
    assert sum(sum(c.values()) for c in dialog.counts.values()) < 400
    assert many_threads() == []
    win.close()


def test_a_cancelled_batchs_last_signals_do_not_count_in_the_next(qtbot) -> None:
    """The worker's signals cross to the GUI thread queued: a batch cancelled and ended
    before the GUI thread read them must not add to (nor end) the batch started next."""
    import time

    win, dialog = _many_open(qtbot, 0.02)
    time.sleep(0.3)  # no events handled: its progress waits in the queue
    dialog.cancel()
    while dialog.running:
        time.sleep(0.01)
    dialog.runs.setValue(10)
    with qtbot.waitSignal(dialog.finished_runs, timeout=30_000):
        dialog.start()
    assert [sum(c.values()) for c in dialog.counts.values()] == [10, 10]
    assert dialog.progress.value() == 20
    win.close()
