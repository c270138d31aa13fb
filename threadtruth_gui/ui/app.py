"""Application bootstrap: one QApplication on a qasync event loop, one central error handler."""

from __future__ import annotations

import asyncio
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING, Any

import qasync
from PySide6.QtCore import (
    QSettings,
    QTimer,
)

from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.runs import child
from threadtruth_gui.ui import shutdown
from threadtruth_gui.ui.main_window import MainWindow
from threadtruth_gui.ui.qtapp import application as application  # (its old home)

if TYPE_CHECKING:
    from threadtruth_gui.lecture.deck import Deck

# `--exit-when-done` without `--run`: the run starts by itself this long after the window
# opens, unless Space or PageDown started it first
AUTOSTART_S = 5.0


def install_error_handler(window: MainWindow) -> None:
    """Exceptions raised in GUI-thread slots reach the window instead of vanishing."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        traceback.print_exception(kind, exc, tb)
        window.show_error(f"Internal error: {kind.__name__}: {exc}")

    sys.excepthook = hook


def run_app(
    scenario_id: str | None = None,
    params: dict[str, Any] | None = None,
    autorun: bool = False,
    exit_when_done: bool = False,
    lecture: Deck | None = None,
) -> int:
    """Open the window (on `scenario_id` with `params`) and run the event loop until it closes.

    With `autorun` the run starts at once. With `exit_when_done` (for scripts and tests)
    "running" is printed when the tasks are live, and the verdict when the first run ends,
    however it was started (autorun, Space, PageDown); then the window closes, with exit
    status 1 if that run failed to complete. Without `autorun` it starts the run itself
    after AUTOSTART_S seconds if no key has started it: a script never waits forever.
    Without `exit_when_done` nothing is printed to stdout. `lecture`: a deck opened on its
    first slide (`threadtruth lecture`), with the presenter view.
    """
    with shutdown.deferred():  # a signal while the window is made closes it once made
        app = application()
        window = MainWindow(QSettings("threadtruth", "threadtruth"))
        install_error_handler(window)
        if scenario_id:
            window.select(scenario_id)
            window.set_params(params or {})
        screen = window.screen().availableGeometry()
        if window.width() >= screen.width() or window.height() >= screen.height():
            window.showMaximized()  # a projector's screen: all of it, frame included
        else:
            window.show()
        if lecture is not None:  # after the window is shown: a second screen's full screen
            window.lecture.open(lecture)
        status = 0
        started = False
        if exit_when_done:
            # a script waits for the run's end: a deadlock is broken at once, as in the CLI,
            # even when the saved settings put the window in the lecture preset (which holds it)
            window.presenter.hold_action.setChecked(False)

            def done(result: RunResult) -> None:
                verdict = result.verdict.headline if result.verdict else "finished"
                print(verdict, flush=True)
                QTimer.singleShot(0, window.close)

            def failed(text: str) -> None:
                nonlocal status
                status = 1
                QTimer.singleShot(0, window.close)

            def running() -> None:
                nonlocal started
                started = True
                print("running", flush=True)

            def start_if_idle() -> None:
                if not started:
                    window.start_run()

            window.bridge.started.connect(running)
            window.bridge.finished.connect(done)
            window.bridge.failed.connect(failed)
            if not autorun:
                # a script must not wait for a key nobody will press: start it ourselves
                print(
                    f"threadtruth: press Space or PageDown to start; the run starts by itself "
                    f"in {AUTOSTART_S:g} s",
                    file=sys.stderr,
                    flush=True,
                )
                QTimer.singleShot(int(AUTOSTART_S * 1000), start_if_idle)
        # Ctrl+C in the terminal, SIGTERM (kill, a shutdown) and SIGHUP (a logout, the terminal
        # closed) close the window like the close button does: the run is cancelled, child
        # processes stopped, temp folders removed, exit status 0. The close is posted to the
        # loop, never run inside whatever the handler interrupted; one that came while the
        # window was being made closes it as soon as the loop turns (nothing is started).
        signalled = shutdown.close_on_signal(lambda: QTimer.singleShot(0, window.close))
        if autorun and not signalled:
            QTimer.singleShot(0, window.start_run)
        # the timer gives the interpreter a chance to run the Python signal handler
        wake = QTimer()
        wake.start(200)
        wake.timeout.connect(lambda: None)

        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        closed = asyncio.Event()
        app.aboutToQuit.connect(closed.set)
        with loop:
            loop.run_until_complete(closed.wait())
        child.stop_all()  # a child run Reset could not stop in time: killed, its folder removed
        return status
