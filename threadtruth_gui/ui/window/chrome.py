"""The window's chrome: window-wide keys, the mode toggles, toolbars, the menu bar's width
and the first size."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QMenuBar,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from threadtruth_gui.ui import theme
from threadtruth_gui.ui.examples_menu import add_examples_menu

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


#: a menu's entries: (text, key or "", slot), None for a separator
MenuEntry = tuple[str, str, Callable[[], object]] | None


def add_menu_entries(window: QWidget, menu: QMenu, entries: list[MenuEntry]) -> None:
    """Fill `menu`; each entry's key is the window's too, so that it works with the menu bar
    hidden (the lecture preset)."""
    for entry in entries:
        if entry is None:
            menu.addSeparator()
            continue
        text, key, slot = entry
        action = QAction(text, window)
        if key:
            action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _=False, f=slot: f())
        menu.addAction(action)
        window.addAction(action)


def header_row(window: QMainWindow, menu_bar: QMenuBar) -> QToolBar:
    """The menus and the run controls on one row (it saves a row of the 720 px a projector
    has; a menu bar's corner widget was given 120 px less than the row has): the controls'
    toolbar, returned."""
    toolbar = chrome_toolbar("Controls")
    toolbar.setFont(theme.body_font(theme.BODY_PT - 1))  # 14 pt: the row is full
    header = QWidget()
    row = QHBoxLayout(header)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(8)
    row.addWidget(menu_bar)
    row.addStretch(1)
    row.addWidget(toolbar)
    window.setMenuWidget(header)
    # as wide as its menus, not the 270 px its size hint asks: the rest is the controls'
    menu_bar.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
    return toolbar


def add_control(toolbar: QToolBar, menu: QMenu, action: QAction) -> None:
    """A run control: on the header row and in the Run menu."""
    toolbar.addAction(action)
    menu.addAction(action)
    button = toolbar.widgetForAction(action)
    if button is not None:  # (the style sheet would give it the application's font)
        button.setFont(theme.body_font(theme.BODY_PT - 1, bold=True))
        button.setProperty("max_scale", 1.0)  # the row is full at 1280 px


def mode_toggles(
    window: QWidget, relabel: Callable[[], object]
) -> tuple[QAction, QAction, QAction]:
    """The three modes of the next run: step (S), bytecode (B) and predict (P)."""
    step = mode_toggle(
        window,
        "S",
        "Be the scheduler: the next run stops every thread before each line; press a "
        "thread's number (or click its lane or card) to run it one line; Space runs to the end",
        relabel,
    )
    bytecode = mode_toggle(
        window,
        "B",
        "Bytecode: show the stepped thread's line as CPython instructions; in step mode "
        "a thread's number key then runs one instruction instead of one line",
        relabel,
    )
    predict = mode_toggle(
        window, "P", "Before each run, ask the class to predict the outcome", relabel
    )
    return step, bytecode, predict


class FileMenuHost(Protocol):
    """What the File menu's entries call on the window."""

    def save_run(self, path: str | None = None) -> bool: ...
    def open_run(self, path: str | None = None) -> bool: ...
    def replay_run(self) -> bool: ...
    def export_file(self, kind: str, path: str | None = None) -> bool: ...
    def close(self) -> bool: ...
    def trace_program(self, path: str | None = None) -> bool: ...
    def open_lecture(self) -> bool: ...
    def close_lecture(self) -> None: ...
    def export_handout(self, out_dir: str | None = None) -> bool: ...


def file_menu(window: QWidget, menu_bar: QMenuBar) -> QMenu:
    """File: save, open and replay runs, the exports, the examples, quit (`window` is the
    main window: a FileMenuHost)."""
    host = cast(FileMenuHost, window)
    menu = menu_bar.addMenu("&File")
    menu.setFont(theme.body_font())
    entries: list[MenuEntry] = [
        ("&Save run…", "Ctrl+Shift+S", host.save_run),
        ("&Open run…", "Ctrl+O", host.open_run),
        ("&Replay run", "Ctrl+R", host.replay_run),
        ("&Trace a program…", "Ctrl+Shift+O", host.trace_program),
        None,
        ("Open &lecture…", "", lambda: host.open_lecture()),  # (made after the menu)
        ("Close l&ecture", "", lambda: host.close_lecture()),
        ("Export the lecture's &handout…", "", lambda: host.export_handout()),
        None,
        ("Export the window as &PNG…", "Ctrl+S", lambda: host.export_file("window-png")),
        (
            "Export the &timeline as PNG…",
            "Ctrl+Alt+S",
            lambda: host.export_file("timeline-png"),
        ),
        ("Export the timeline as S&VG…", "", lambda: host.export_file("timeline-svg")),
        ("Export an animated &GIF of the run…", "", lambda: host.export_file("gif")),
        ("Export a &Chrome trace (Perfetto)…", "", lambda: host.export_file("trace")),
        ("Export the events as &CSV…", "", lambda: host.export_file("csv")),
        None,
        ("&Quit", "Ctrl+Q", host.close),
    ]
    add_menu_entries(window, menu, entries)
    add_examples_menu(menu, host.open_run, host.trace_program)
    return menu
