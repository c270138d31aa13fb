"""Ctrl+C, SIGTERM and SIGHUP for the window: close it as its close button does, whenever
they come (no Qt here: this is set up before Qt is imported).

A Python signal handler runs between two bytecodes of the main thread, wherever it is: in
the middle of importing PySide6 (an exception raised there aborts the interpreter), of
building the window, or of one of the window's own slots. So the handler never acts on
the spot. Until the window exists a signal is only noted (`deferred`); then the window's
close is posted to its event loop, once, and runs there like a click on the close button,
however early the signal came (before the loop turned, a close could not quit it).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SHUTDOWN_SIGNALS = tuple(
    getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)
)

_noted: list[int] = []  # signals that came before the window could close
_close: list[Callable[[], None]] = []  # what closes the window, once it exists


def _handle(signum: int, _frame: FrameType | None) -> None:
    if _close:
        close = _close.pop()  # once: a second signal must not start a second close
        close()
    elif not _noted:
        _noted.append(signum)


@contextmanager
def deferred() -> Iterator[None]:
    """While the window is made and runs: a shutdown signal is noted, and once the window
    can close (`close_on_signal`), it closes it. The handlers found are put back after."""
    before: dict[int, Any] = {sig: signal.signal(sig, _handle) for sig in SHUTDOWN_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        _noted.clear()
        _close.clear()


def close_on_signal(post_close: Callable[[], None]) -> bool:
    """From now on a shutdown signal calls `post_close` (once), which must only post the
    close to the event loop. True if a signal came already: it is called now."""
    for sig in SHUTDOWN_SIGNALS:
        if signal.getsignal(sig) is not _handle:
            signal.signal(sig, _handle)  # (run_app called without `deferred`)
    _close[:] = [post_close]
    if _noted:
        _handle(_noted.pop(), None)
        return True
    return False
