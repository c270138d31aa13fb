"""Shared test setup: offscreen Qt, and a guard that fails any test leaving a thread behind."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A suite started in the background (`&`, nohup, benchmarks/loaded_suite.py run so) inherits
# SIGINT ignored, and so would every command a test starts and then stops with Ctrl+C: it
# would rightly ignore it. Handled here, SIGINT is back to its default in what we exec.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="tests/test_snapshots.py: write the window grabs as the new golden PNGs",
    )


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    switch_s = sys.getswitchinterval()
    yield
    deadline = time.monotonic() + 2.0
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            break
        extra[0].join(0.05)
    assert not extra, f"threads left running: {[t.name for t in extra]}"
    # in a random order, a switch interval one test left set (gil-cpu sets it for its run)
    # would change how the next test's threads take turns: put back, and failed
    left = sys.getswitchinterval()
    sys.setswitchinterval(switch_s)
    assert left == switch_s, f"switch interval left at {left * 1000:g} ms, not {switch_s * 1000:g}"


@pytest.fixture
def make_window(qtbot):  # type: ignore[no-untyped-def]
    """Make main windows, shown offscreen (`make(size, lecture=False)`), closed after the
    test; the theme and text size go back to the defaults."""
    from PySide6.QtWidgets import QApplication

    from threadtruth_gui.ui import theme
    from threadtruth_gui.ui.main_window import MainWindow

    theme.register_fonts()  # as ui/app.py does: the shipped fonts, the app-wide default
    QApplication.setFont(theme.body_font())
    made = []

    def make(size: tuple[int, int] = (1400, 900), lecture: bool = False) -> MainWindow:
        win = MainWindow()
        qtbot.addWidget(win)
        if lecture:
            win.presenter.toggle_lecture(True)
        win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()
    theme.use("light")  # a test that switched theme or text size leaves the next one alone
    theme.font_scale = 1.0


@pytest.fixture
def window(make_window):  # type: ignore[no-untyped-def]
    """The main window, shown offscreen at 1400x900, closed after the test."""
    return make_window()
