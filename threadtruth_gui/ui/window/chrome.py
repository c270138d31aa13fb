"""The window's chrome: window-wide keys, the mode toggles, toolbars, the menu bar's width
and the first size."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenuBar, QToolBar, QWidget

from threadtruth_gui.ui import theme

PREFERRED_SIZE = (1600, 1000)
CHROME_SCALE = 1.15  # the settings rows grow with the text up to this much (17 pt)


def window_key(window: QWidget, text: str, key: str, slot: Callable[[], object]) -> QAction:
    """A window-wide key: an action added to the window itself."""
    action = QAction(text, window)
    action.setShortcut(QKeySequence(key))
    action.triggered.connect(lambda _=False: slot())
    window.addAction(action)
    return action


def mode_toggle(window: QWidget, key: str, tip: str, toggled: Callable[[], object]) -> QAction:
    """A mode the key turns on and off (its text is set by the window's relabelling)."""
    action = QAction(window)
    action.setCheckable(True)
    action.setShortcut(QKeySequence(key))
    action.setToolTip(tip)
    action.toggled.connect(lambda _on: toggled())
    window.addAction(action)
    return action


def chrome_toolbar(name: str, window: QMainWindow | None = None) -> QToolBar:
    """A toolbar of the chrome; added to `window`'s toolbar area if given."""
    bar = QToolBar(name)
    bar.setObjectName(name)
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    # its own font, scaled with the rest (a toolbar took the application's 15 pt in
    # the lecture preset, measured, while the window's text was 21 pt), up to 120%: a
    # row of a scenario's settings must fit 1280 px
    bar.setProperty("max_scale", CHROME_SCALE)
    bar.setFont(theme.body_font(theme.BODY_PT * min(1.0, CHROME_SCALE / theme.font_scale)))
    if window is not None:
        window.addToolBar(bar)
    return bar


def fit_menu_bar(bar: QMenuBar) -> None:
    """The menu bar's width: its menus' titles, at the current text size."""
    fm = bar.fontMetrics()
    titles = [action.text().replace("&", "") for action in bar.actions()]
    bar.setMaximumWidth(sum(fm.horizontalAdvance(t) + 24 for t in titles) + 12)


def first_size() -> tuple[int, int]:
    """1600×1000, or the screen's available size where that is smaller (a projector's
    1280×720): the window must open with its timeline on the screen."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return PREFERRED_SIZE
    room = screen.availableGeometry()
    return min(PREFERRED_SIZE[0], room.width()), min(PREFERRED_SIZE[1], room.height())
