"""File ▸ Examples: the sample runs in resources/examples, each opened like File ▸ Open run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

from threadtruth_gui import assets

#: the File menu's Open run… key: Examples goes right below it, whatever the window's
#: menu code looks like
_OPEN_KEY = QKeySequence("Ctrl+O")


def add_examples_menu(
    file_menu: QMenu,
    open_run: Callable[[str], object],
    trace: Callable[[str], object] | None = None,
) -> QMenu:
    """Add the Examples submenu to `file_menu` (below Open run…, else at its end): one entry
    per sample run, by title, calling `open_run(path)`; then, with `trace`, a "Programs"
    part: one entry per example program, by title, calling `trace(path)` (it traces at once)."""
    menu = QMenu("&Examples", file_menu)
    menu.setFont(file_menu.font())
    for example in assets.examples():
        path = example.file
        if not isinstance(path, Path):  # resources inside a zip: no file to open
            continue
        action = menu.addAction(example.title)
        action.setToolTip(path.name)
        action.triggered.connect(lambda _=False, p=str(path): open_run(p))
    if trace is not None and assets.programs():
        menu.addSection("Programs (traced at once)")
    for program in assets.programs() if trace is not None else []:
        script = program.file
        if not isinstance(script, Path):  # inside a zip: no file to run
            continue
        action = menu.addAction(program.title)
        action.setToolTip(f"Trace {script.name}")
        action.triggered.connect(lambda _=False, p=str(script): trace(p) if trace else None)
    menu.setEnabled(not menu.isEmpty())
    actions = file_menu.actions()
    opens = [i for i, a in enumerate(actions) if a.shortcut() == _OPEN_KEY]
    if opens and opens[0] + 1 < len(actions):
        file_menu.insertMenu(actions[opens[0] + 1], menu)
    else:
        file_menu.addMenu(menu)
    return menu
