"""Open run files the way a user would, in a child process: `python tests/_open_runs.py
FILE...` (or file names on stdin, one a line, with no FILE given).

Each file is opened by the CLI's loader (`runfile.load`, what `threadtruth replay` calls)
and by the window (File ▸ Open): loaded and painted (events processed, as on screen), the
cursor moved to a few places and back to the end, the timeline grabbed (painted) at each.
Any exception, also one raised inside a paint event or a slot (they reach sys.excepthook,
not the caller), is reported. A crash of the process
(a segfault in a paint) ends it with a signal status, which the parent test sees.

Prints one JSON object per file: {"file", "cli", "window"}, each "ok", "refused: <line>"
or "error: <exception>"; the last line is {"done": count}. With `--window-only` first,
the CLI's loader is not asked ("cli" is "-"): the caller asked it already.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_raised: list[str] = []


def _hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    _raised.append("".join(traceback.format_exception(kind, exc, tb))[-1500:])


def _one_line(text: str) -> bool:
    return "\n" not in text and 0 < len(text) <= 600


def _cli(path: str) -> str:
    from threadtruth_gui.runs import runfile

    try:
        runfile.load(path)
    except runfile.RunFileError as exc:
        return f"refused: {exc}" if _one_line(str(exc)) else f"error: not one line: {exc!r}"
    except BaseException:  # everything else is the finding
        return "error: " + traceback.format_exc()[-1500:]
    return "ok"


def _screen(win) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """What a refused file must leave as it was: the run, scenario and settings shown."""
    return (win.opened, win.scenario, win.timeline._lanes, repr(win.params()))


def _window(win, app, path: str) -> str:  # type: ignore[no-untyped-def]
    _raised.clear()
    before, screen = win.statusBar().currentMessage(), _screen(win)
    try:
        opened = win.open_run(path)
        app.processEvents()  # laid out and painted, as on screen
        if opened:
            timeline = win.shown.history()
            end_s = 0.0
            if timeline is not None:
                end_s = (timeline.end_ns - timeline.start_ns) / 1e9
            for t_s in (0.0, end_s / 2, None):  # None: back to the end
                win.set_cursor(t_s)
                win.timeline.grab()  # the timeline painted with the cursor there
            app.processEvents()  # what else the cursor changed (panels, narration), painted
    except BaseException:  # everything else is the finding
        return "error: " + traceback.format_exc()[-1500:]
    if _raised:
        return "error: " + _raised[0]
    message = win.statusBar().currentMessage()
    if not opened:
        if message == before or not _one_line(message):
            return f"error: refused without one line: {message!r}"
        if _screen(win) != screen:
            return "error: refused, but the screen changed"
        return f"refused: {message}"
    return "ok"


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from threadtruth_gui.ui import theme
    from threadtruth_gui.ui.main_window import MainWindow

    ask_cli = argv[:1] != ["--window-only"]
    argv = argv if ask_cli else argv[1:]
    files = argv or [line.strip() for line in sys.stdin if line.strip()]
    sys.excepthook = _hook
    app = QApplication.instance() or QApplication([])
    theme.register_fonts()
    win = MainWindow()
    win.resize(960, 640)
    win.show()
    app.processEvents()
    count = 0
    for path in files:
        cli = _cli(path) if ask_cli else "-"
        row = {"file": Path(path).name, "cli": cli, "window": _window(win, app, path)}
        print(json.dumps(row), flush=True)
        count += 1
    win.close()
    app.processEvents()
    print(json.dumps({"done": count}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
