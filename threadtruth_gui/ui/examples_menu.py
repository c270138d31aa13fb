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


def add_examples_menu(file_menu: QMenu, open_run: Callable[[str], object]) -> QMenu:
    """Add the Examples submenu to `file_menu` (below Open run…, else at its end): one entry
    per sample run, by title, calling `open_run(path)`."""
    menu = QMenu("&Examples", file_menu)
    menu.setFont(file_menu.font())
    for example in assets.examples():
        path = example.file
        if not isinstance(path, Path):  # resources inside a zip: no file to open
            continue
        action = menu.addAction(example.title)
        action.setToolTip(path.name)
        action.triggered.connect(lambda _=False, p=str(path): open_run(p))
    menu.setEnabled(not menu.isEmpty())
    actions = file_menu.actions()
    opens = [i for i, a in enumerate(actions) if a.shortcut() == _OPEN_KEY]
    if opens and opens[0] + 1 < len(actions):
        file_menu.insertMenu(actions[opens[0] + 1], menu)
    else:
        file_menu.addMenu(menu)
    return menu
