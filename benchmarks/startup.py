"""Startup: process start to the first painted main window, against a bare PySide6 window.

Both are measured in the same run, alternated, as fresh processes with
QT_QPA_PLATFORM=offscreen: the parent starts the clock, spawns the child, and stops the
clock when the child reports its window's first paint. Goal (issue 2): ratio <= 3x.

As a user starts it: with bytecode caches, which pip writes at install and Python at the
first start (kept here in a temporary PYTHONPYCACHEPREFIX, not in the tree). This machine
sets PYTHONDONTWRITEBYTECODE=1, so every module would otherwise be compiled at every start;
that figure is printed too, for comparison.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

REPEATS = 7

_CHILD = r"""
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

class _FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            sys.stdout.write("painted\n")
            sys.stdout.flush()
            QApplication.instance().exit(0)
        return False

if sys.argv[1] == "threadtruth":
    from threadtruth_gui.ui.app import application
    from threadtruth_gui.ui.main_window import MainWindow
    app = application()
    window = MainWindow()
else:
    from PySide6.QtWidgets import QLabel, QMainWindow
    app = QApplication([])
    window = QMainWindow()
    window.setCentralWidget(QLabel("bare window"))
    window.resize(1600, 1000)
spy = _FirstPaint()
window.installEventFilter(spy)
window.show()
app.exec()
"""


def _once(kind: str, cache: str | None) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cache is not None:
        env["PYTHONPYCACHEPREFIX"] = cache
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    t0 = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, kind], stdout=subprocess.PIPE, env=env, text=True
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - t0
        proc.wait(timeout=30)
    if line.strip() != "painted":
        raise SystemExit(f"{kind}: the child did not paint (exit {proc.returncode})")
    return elapsed


def _measure(cache: str | None) -> tuple[float, float]:
    app, bare = [], []
    _once("bare", cache)  # warm the file cache (and the bytecode cache) for both
    _once("threadtruth", cache)
    for _ in range(REPEATS):
        bare.append(_once("bare", cache))
        app.append(_once("threadtruth", cache))
    return statistics.median(app), statistics.median(bare)


def main() -> None:
    print(f"startup to first paint, median of {REPEATS} fresh processes (offscreen)")
    with tempfile.TemporaryDirectory(prefix="threadtruth-pyc-") as cache:
        a, b = _measure(cache)
    print("  with bytecode caches (as installed):")
    print(f"  threadtruth main window  {a * 1000:7.0f} ms")
    print(f"  anchor bare QMainWindow  {b * 1000:7.0f} ms")
    verdict = "met" if a / b <= 3 else "MISSED"
    print(f"  ratio                    {a / b:7.2f}x   (goal: <= 3x: {verdict})")
    a, b = _measure(None)
    print(
        f"  compiling every module at every start: {a * 1000:.0f} ms vs {b * 1000:.0f} ms, "
        f"ratio {a / b:.2f}x"
    )


if __name__ == "__main__":
    main()
