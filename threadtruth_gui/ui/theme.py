"""Colours, fonts and state styles, chosen to survive screen-sharing and colour blindness.

Task colours are the Okabe-Ito palette; every state also has its own fill pattern and a
text label, so no meaning depends on hue alone.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QWidget

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.runner import Plan

#: Okabe-Ito, in the order tasks are given them (A, B, C, ...)
TASK_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]

BODY_PT = 15  # default body text; at least 14 pt for a shared screen
CODE_PT = 15
BIG_PT = 40  # the balance figure

#: the themes. Every colour is one QColor object, changed in place by `use`, so widgets
#: that read theme.BG and friends when they paint follow a switch at once.
THEMES: dict[str, dict[str, str]] = {
    "light": {
        "BG": "#FFFFFF",
        "PANEL": "#F4F5F7",
        "TEXT": "#1B1F24",
        "MUTED": "#57606A",
        "GRID": "#D0D7DE",
        "GOOD": "#1A7F37",
        "BAD": "#CF222E",
        "GOOD_BG": "#DAFBE1",
        "BAD_BG": "#FFEBE9",
        "WAIT": "#9A3B00",
        "SELECTED": "#DDF4FF",
        "BAND": "#E6EAEF",
        "KEYWORD": "#8250DF",
        "NUMBER": "#0550AE",
        "STRING": "#0A3069",
        "COMMENT": "#57606A",
    },
    "dark": {
        "BG": "#0D1117",
        "PANEL": "#161B22",
        "TEXT": "#E6EDF3",
        "MUTED": "#9DA7B3",
        "GRID": "#30363D",
        "GOOD": "#56D364",
        "BAD": "#FF7B72",
        "GOOD_BG": "#12261E",
        "BAD_BG": "#3A1618",
        "WAIT": "#FFA657",
        "SELECTED": "#1F3A5F",
        "BAND": "#21262D",
        "KEYWORD": "#D2A8FF",
        "NUMBER": "#79C0FF",
        "STRING": "#A5D6FF",
        "COMMENT": "#9DA7B3",
    },
    # black and white at full contrast; meaning is never carried by hue alone (✔/✘ signs,
    # state patterns and labels), so yellow and cyan only add emphasis
    "high-contrast": {
        "BG": "#000000",
        "PANEL": "#000000",
        "TEXT": "#FFFFFF",
        "MUTED": "#FFFFFF",
        "GRID": "#FFFFFF",
        "GOOD": "#00FFFF",
        "BAD": "#FFFF00",
        "GOOD_BG": "#000000",
        "BAD_BG": "#000000",
        "WAIT": "#FFFF00",
        "SELECTED": "#333333",
        "BAND": "#222222",
        "KEYWORD": "#FFFF00",
        "NUMBER": "#00FFFF",
        "STRING": "#FFFFFF",
        "COMMENT": "#FFFFFF",
    },
}
THEME_NAMES = tuple(THEMES)
current_theme = "light"
font_scale = 1.0  # body_font and code_font sizes are multiplied by this

_light = THEMES["light"]
BG = QColor(_light["BG"])
PANEL = QColor(_light["PANEL"])
TEXT = QColor(_light["TEXT"])
MUTED = QColor(_light["MUTED"])
GRID = QColor(_light["GRID"])
GOOD = QColor(_light["GOOD"])
BAD = QColor(_light["BAD"])
GOOD_BG = QColor(_light["GOOD_BG"])
BAD_BG = QColor(_light["BAD_BG"])
WAIT = QColor(_light["WAIT"])
SELECTED = QColor(_light["SELECTED"])
BAND = QColor(_light["BAND"])
KEYWORD = QColor(_light["KEYWORD"])
NUMBER = QColor(_light["NUMBER"])
STRING = QColor(_light["STRING"])
COMMENT = QColor(_light["COMMENT"])


@dataclass(frozen=True)
class StateStyle:
    label: str
    color: QColor
    pattern: Qt.BrushStyle  # drawn over the fill so states differ without colour


STATE_STYLES: dict[str, StateStyle] = {
    State.RUNNING: StateStyle("running", QColor("#009E73"), Qt.BrushStyle.NoBrush),
    State.CONNECTING: StateStyle(
        "waiting for the first byte", QColor("#F0E442"), Qt.BrushStyle.Dense5Pattern
    ),
    State.RECEIVING: StateStyle("receiving", QColor("#0072B2"), Qt.BrushStyle.NoBrush),
    State.SLEEPING: StateStyle("sleeping", QColor("#56B4E9"), Qt.BrushStyle.HorPattern),
    State.PAUSED: StateStyle("paused (step mode)", QColor("#BBBBBB"), Qt.BrushStyle.Dense7Pattern),
    State.WAITING: StateStyle("waiting for a lock", QColor("#D55E00"), Qt.BrushStyle.BDiagPattern),
    State.AWAITING: StateStyle(
        "awaiting (the loop runs others)", QColor("#56B4E9"), Qt.BrushStyle.Dense4Pattern
    ),
    State.GIL: StateStyle("waiting for the GIL", QColor("#E69F00"), Qt.BrushStyle.Dense4Pattern),
    State.STALLED: StateStyle(
        "due, but the loop is blocked", QColor("#882255"), Qt.BrushStyle.VerPattern
    ),
    State.STARTING: StateStyle(
        "starting a process", QColor("#DDCC77"), Qt.BrushStyle.Dense6Pattern
    ),
    State.DONE: StateStyle("done", QColor("#6E7781"), Qt.BrushStyle.NoBrush),
    State.DENIED: StateStyle("denied", QColor("#CC79A7"), Qt.BrushStyle.DiagCrossPattern),
    State.FAILED: StateStyle("failed", QColor("#CF222E"), Qt.BrushStyle.CrossPattern),
    State.CANCELLED: StateStyle("cancelled", QColor("#8C959F"), Qt.BrushStyle.Dense6Pattern),
}


def task_color(index: int) -> QColor:
    return QColor(TASK_COLORS[index % len(TASK_COLORS)])


def plan_colors(plan: Plan) -> dict[str, QColor]:
    """A colour per task; with several phases, one per phase (a comparison of modes)."""
    if plan.phases is not None and len(plan.phases) > 1:
        return {
            spec.name: task_color(i) for i, phase in enumerate(plan.phases) for spec in phase.tasks
        }
    return {spec.name: task_color(i) for i, spec in enumerate(plan.all_tasks())}


#: the fonts shipped in threadtruth_gui/resources/fonts (DejaVu 2.37, see its LICENSE), so
#: that text looks, wraps and is cut the same on every machine and in the golden snapshots
BODY_FAMILY = "DejaVu Sans"
CODE_FAMILY = "DejaVu Sans Mono"
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
)
#: glyph hinting set here, not left to this machine's fontconfig (which moves glyph
#: edges and line heights): vertical only, what Debian and most desktops default to
HINTING = QFont.HintingPreference.PreferVerticalHinting
_fonts_registered = False


def register_fonts() -> None:
    """Add the shipped fonts to Qt's font database (once; needs a QGuiApplication).
    A font that cannot be read falls back to what the system has, with a warning."""
    global _fonts_registered
    if _fonts_registered:
        return
    _fonts_registered = True
    folder = resources.files("threadtruth_gui") / "resources" / "fonts"
    for name in FONT_FILES:
        file = folder / name
        if isinstance(file, Path):  # installed as files (a wheel, or an editable install)
            added = QFontDatabase.addApplicationFont(str(file))
        else:  # imported from a zip: from the bytes
            added = QFontDatabase.addApplicationFontFromData(QByteArray(file.read_bytes()))
        if added < 0:
            warnings.warn(f"threadtruth: could not load the font {name}", stacklevel=2)


def body_font(points: float = BODY_PT, bold: bool = False) -> QFont:
    register_fonts()
    font = QFont(BODY_FAMILY)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setHintingPreference(HINTING)
    font.setPointSizeF(points * font_scale)
    font.setBold(bold)
    return font


def code_font(points: float = CODE_PT) -> QFont:
    register_fonts()
    font = QFont(CODE_FAMILY)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setFixedPitch(True)
    font.setHintingPreference(HINTING)
    font.setPointSizeF(points * font_scale)
    return font


def use(name: str) -> None:
    """Switch the colours in place (widgets that paint with theme.X follow at once)."""
    global current_theme
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r} (themes: {', '.join(THEMES)})")
    current_theme = name
    for key, value in THEMES[name].items():
        globals()[key].setRgba(QColor(value).rgba())


def apply(window: QWidget) -> None:
    """Give `window` (and so its children and dialogs) the theme's palette and style sheet.
    Set on the window, not the application: an application style sheet set again after
    a palette change was measured to reset fonts set on widgets to the default 9 pt."""
    window.setStyleSheet(style_sheet())
    window.setPalette(palette())  # after: a new style sheet re-polishes the palette


def palette() -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: PANEL,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BG,
        QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: PANEL,
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.ToolTipBase: BG,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.Highlight: SELECTED,
        QPalette.ColorRole.HighlightedText: TEXT,
        QPalette.ColorRole.PlaceholderText: MUTED,
    }
    for role, color in roles.items():
        pal.setColor(role, color)
    return pal


def style_sheet() -> str:
    """Rules by role, so that a theme switch restyles every widget at once."""
    border = 3 if current_theme == "high-contrast" else 2
    return (
        f"QLabel[role='muted'] {{ color: {MUTED.name()}; }}"
        f"QLabel[role='bad'] {{ color: {BAD.name()}; }}"
        f"#taskCard {{ background: {BG.name()}; }}"
        f"BytecodeView {{ background: {PANEL.name()}; }}"
        f"#prediction {{ background: {PANEL.name()}; }}"
        f"QSlider::groove:horizontal {{ background: {GRID.name()}; height: 6px;"
        " border-radius: 3px; }"
        f"QSlider::handle:horizontal {{ background: {TEXT.name()}; width: 18px;"
        " margin: -7px 0; border-radius: 9px; }"
        f"QListWidget, QTableWidget {{ background: {BG.name()}; color: {TEXT.name()};"
        f" alternate-background-color: {PANEL.name()}; }}"
        "QToolBar QToolButton { padding: 6px 14px; font-weight: bold; }"
        f"QToolBar QToolButton:checked {{ background: {GOOD_BG.name()};"
        f" border: {border}px solid {GOOD.name()}; border-radius: 6px; }}"
    )


def role(widget: QWidget, name: str) -> None:
    """Style `widget` by role ("muted", "bad"): the theme's style sheet colours it."""
    widget.setProperty("role", name)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
