"""Qt user interface. Only this package imports Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadtruth_gui.lazy import exports

if TYPE_CHECKING:
    from threadtruth_gui.ui.app import run_app
    from threadtruth_gui.ui.gif import write_gif_headless
    from threadtruth_gui.ui.shot import take_shot
    from threadtruth_gui.ui.theme import THEME_NAMES

# the names other layers use, and the module each is defined in (the same as __all__:
# tests/test_contracts.py checks it)
_WHERE = {
    "run_app": "app",
    "write_gif_headless": "gif",
    "take_shot": "shot",
    "THEME_NAMES": "theme",
}
__all__ = [
    "THEME_NAMES",
    "run_app",
    "take_shot",
    "write_gif_headless",
]
__getattr__ = exports(__name__, _WHERE)
