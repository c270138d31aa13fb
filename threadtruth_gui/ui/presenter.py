"""Presenter mode: themes, font scale, full screen, clicker keys, the lecture preset, and
settings that persist between sessions (QSettings).

Kept apart from the main window: it only changes how the window looks and which keys do
what, never what runs (holding a deadlock on screen only delays when the app breaks it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QByteArray, QObject, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QKeySequence
from PySide6.QtWidgets import QMenuBar, QWidget

from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.widgets.playback import PlaybackBar


class PresentedWindow(Protocol):
    """What the presenter needs of the window it presents (it never imports the window)."""

    bridge: RunBridge
    playback: PlaybackBar
    colors: dict[str, QColor]

    @property
    def scenario(self) -> Scenario | None: ...
    def menuBar(self) -> QMenuBar: ...
    def addAction(self, action: QAction, /) -> None: ...
    def restyle(self) -> None: ...
    def set_chrome(self, visible: bool) -> None: ...
    def show_status(self, text: str, timeout_ms: int = 3000) -> None: ...
    def select(self, scenario_id: str) -> None: ...
    def start_run(self) -> None: ...
    def reset_run(self) -> None: ...
    def step_task(self, name: str) -> None: ...
    def isFullScreen(self) -> bool: ...
    def showNormal(self) -> None: ...
    def showFullScreen(self) -> None: ...
    def saveGeometry(self) -> QByteArray: ...
    def restoreGeometry(self, geometry: QByteArray | bytes, /) -> bool: ...


SCALES = (0.8, 0.9, 1.0, 1.15, 1.3, 1.4, 1.6, 1.8, 2.0)
LECTURE_SCALE = 1.4  # 15 pt body text becomes 21 pt


def scale_fonts(root: QWidget, scale: float, current: float) -> None:
    """Size every font set on `root` and its children at `scale` × its size at scale 1
    (`current`: the scale they have now; each widget's size at scale 1 is remembered the
    first time, so that sizes never drift)."""
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
            # the window's chrome (menus, run controls, settings rows) grows less, or not at
            # all: a row of controls must still fit the screen's width ("max_scale")
            cap = widget.property("max_scale")
            cap = float(cap) if isinstance(cap, float) else SCALES[-1]
            base = widget.property("base_pt")
            if not isinstance(base, float):
                base = widget.font().pointSizeF() / min(current, cap)
                widget.setProperty("base_pt", base)
            font = QFont(widget.font())
            font.setPointSizeF(max(4.0, base * min(scale, cap)))
            widget.setFont(font)


class Presenter(QObject):
    def __init__(self, window: PresentedWindow, settings: QSettings | None) -> None:
        assert isinstance(window, QWidget)  # its fonts and palette are the presenter's to set
        super().__init__(window)
        self.window = window
        self.settings = settings  # None: nothing is read or written (tests, shots)
        self.lecture = False
        self._before_lecture = 1.0
        self._clicker_turn = 0
        # a lecture's PageDown and PageUp (each True when it handled the key)
        self.clicker: tuple[Callable[[], bool], Callable[[], bool]] | None = None
        self.applied = theme.font_scale  # the scale this window's fonts were made at
        self._build_menu()

    # -- menu and keys ----------------------------------------------------------------------
    def _build_menu(self) -> None:
        w = self.window
        menu = self.view_menu = w.menuBar().addMenu("&View")
        self.theme_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for name in theme.THEME_NAMES:
            action = QAction(f"{name.capitalize()} theme", self)
            action.setCheckable(True)
            action.setChecked(name == theme.current_theme)
            action.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            group.addAction(action)
            menu.addAction(action)
            self.theme_actions[name] = action
        cycle = self._action(menu, "Next theme", "Ctrl+T", self.next_theme)
        cycle.setToolTip("light → dark → high contrast")
        menu.addSeparator()
        bigger = self._action(menu, "Bigger text", "Ctrl+=", lambda: self.step_scale(+1))
        bigger.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self._action(menu, "Smaller text", "Ctrl+-", lambda: self.step_scale(-1))
        self._action(menu, "Normal text size", "Ctrl+0", lambda: self.set_scale(1.0))
        menu.addSeparator()
        self.lecture_action = self._action(menu, "Lecture preset", "Ctrl+L", self.toggle_lecture)
        self.lecture_action.setCheckable(True)
        self._action(menu, "Full screen", "F11", self.toggle_full_screen)
        menu.addSeparator()
        self.hold_action = self._action(menu, "Hold a deadlock until D", "", lambda: None)
        self.hold_action.setCheckable(True)
        self.hold_action.setToolTip(
            "Keep a deadlock the run finds standing, its wait-for graph on screen and the "
            "threads stuck, until D breaks it (on in the lecture preset)"
        )
        self.hold_action.toggled.connect(self._hold_deadlock)
        # a presentation clicker sends PageDown / PageUp
        self._action(None, "Run, or the next step", "PgDown", self.clicker_next)
        self._action(None, "Reset", "PgUp", self.clicker_back)

    def _action(self, menu, text: str, key: str, slot) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)  # works with the menu bar hidden
        if menu is not None:
            menu.addAction(action)
        return action

    # -- what they do -------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        theme.use(name)
        theme.apply(self.window)
        self.theme_actions[name].setChecked(True)
        self.window.restyle()
        self._save("theme", name)

    def next_theme(self) -> None:
        names = theme.THEME_NAMES
        self.set_theme(names[(names.index(theme.current_theme) + 1) % len(names)])

    def set_scale(self, scale: float) -> None:
        scale = min(max(scale, SCALES[0]), SCALES[-1])
        if abs(scale - self.applied) < 1e-6:
            theme.font_scale = scale
            return
        theme.font_scale = scale
        scale_fonts(self.window, scale, self.applied)
        self.applied = scale
        self.window.restyle()
        self._save("font_scale", scale)
        self.window.show_status(f"Text size {round(scale * 100)}%  (Ctrl+= / Ctrl+- / Ctrl+0)")

    def step_scale(self, direction: int) -> None:
        now = theme.font_scale
        if direction > 0:
            bigger = [s for s in SCALES if s > now + 1e-6]
            self.set_scale(bigger[0] if bigger else SCALES[-1])
        else:
            smaller = [s for s in SCALES if s < now - 1e-6]
            self.set_scale(smaller[-1] if smaller else SCALES[0])

    def toggle_lecture(self, on: bool | None = None, remember: bool = True) -> None:
        """Big text (at least 20 pt) and only what the scenario needs on screen.
        `remember=False`: not kept for the next start (a lecture deck turns it on for
        itself; the plain window opens as the lecturer left it)."""
        if not remember:
            settings, self.settings = self.settings, None
            try:
                self.toggle_lecture(on)
            finally:
                self.settings = settings
            return
        on = not self.lecture if on is None else on
        if on == self.lecture:
            return
        self.lecture = on
        self.lecture_action.setChecked(on)
        if on:
            self._before_lecture = theme.font_scale
            self.set_scale(max(theme.font_scale, LECTURE_SCALE))
        else:
            self.set_scale(self._before_lecture)
        self.window.set_chrome(visible=not on)
        self.hold_action.setChecked(on)  # a lecture holds a deadlock until D breaks it
        self._save("lecture", on)

    def _hold_deadlock(self, on: bool) -> None:
        self.window.bridge.hold_deadlock = on

    def toggle_full_screen(self) -> None:
        w = self.window
        w.showNormal() if w.isFullScreen() else w.showFullScreen()

    def clicker_next(self) -> None:
        """PageDown: start the run; in step mode, step the threads in turn (A, B, A, B…)."""
        if self.clicker is not None and self.clicker[0]():
            return  # a lecture: the next thing of its slide
        w = self.window
        gate = w.bridge.gate
        if w.bridge.running and gate is not None and not gate.free:
            names = list(w.colors)
            if names:
                w.step_task(names[self._clicker_turn % len(names)])
                self._clicker_turn += 1
            return
        if not w.bridge.running:
            self._clicker_turn = 0
            w.start_run()

    def clicker_back(self) -> None:
        """PageUp: reset the run (in a lecture: the slide before, reset)."""
        if self.clicker is None or not self.clicker[1]():
            self.window.reset_run()

    # -- settings -----------------------------------------------------------------------------
    def _save(self, key: str, value: object) -> None:
        if self.settings is not None:
            self.settings.setValue(key, value)

    def load(self) -> None:
        """Apply what the last session left (theme, text size, lecture preset, speed)."""
        s = self.settings
        if s is None:
            return
        name = str(s.value("theme", "light"))
        if name in theme.THEMES and name != theme.current_theme:
            self.set_theme(name)
        try:
            scale = float(s.value("font_scale", 1.0))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            scale = 1.0
        if str(s.value("lecture", "false")).lower() == "true":
            self.toggle_lecture(True)
        else:
            self.set_scale(scale)
        speed = s.value("playback_speed")
        if speed is not None:
            with contextlib.suppress(TypeError, ValueError):
                self.window.playback.set_speed(float(speed))
        geometry = s.value("geometry")
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        scenario = s.value("scenario")
        if isinstance(scenario, str):
            with contextlib.suppress(KeyError):
                self.window.select(scenario)

    def save_on_close(self) -> None:
        if self.settings is None:
            return
        self.settings.setValue("geometry", self.window.saveGeometry())
        self.settings.setValue("playback_speed", self.window.playback.speed_factor())
        if self.window.scenario is not None:
            self.settings.setValue("scenario", self.window.scenario.id)
        self.settings.sync()
