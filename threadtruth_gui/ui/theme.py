"""Colours, fonts and state styles, chosen to survive screen-sharing and colour blindness.

Task colours are the Okabe-Ito palette; every state also has its own fill pattern and a
text label, so no meaning depends on hue alone.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from threadtruth_gui import assets
from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.plan import Plan

#: Okabe-Ito, in the order tasks are given them (A, B, C, ...)
TASK_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]

BODY_PT = 15  # default body text; at least 14 pt for a shared screen
CODE_PT = 15
BIG_PT = 32  # the balance figure

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
        # strings and comments must differ from plain text (and from a white base: the
        # bug this fixed); comments are italic as well, so hue is never the only cue
        "STRING": "#FFB3FF",
        "COMMENT": "#C8C8C8",
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
class Role:
    """Text drawn in colour `fg` on colour `bg` (keys of every theme)."""

    fg: str
    bg: str
    where: str  # what on screen draws it, for the reader and the contrast test's messages


#: Every kind of text on screen and the background it sits on. The style sheet, the palette
#: and the widgets that paint their own text take their colours from here, and
#: tests/test_theme_contrast.py checks each pair in each theme, so a role without a colour,
#: or a colour too close to its background, fails there instead of in front of a class.
ROLES: dict[str, Role] = {
    # the window and its chrome
    "window": Role("TEXT", "PANEL", "window, labels, section headers (Code that runs, ...)"),
    "muted": Role("MUTED", "PANEL", "secondary labels: description, hints, captions"),
    "bad": Role("BAD", "PANEL", "labels that report a failure"),
    "status": Role("TEXT", "PANEL", "status bar"),
    "status_error": Role("BAD", "PANEL", "status bar showing an error"),
    "menu": Role("TEXT", "BG", "menu bar and menus"),
    "menu_selected": Role("TEXT", "SELECTED", "the menu entry under the pointer"),
    "tooltip": Role("TEXT", "BG", "tool tips"),
    "dialog": Role("TEXT", "PANEL", "many-runs and A/B compare dialogs"),
    # the toolbars: the controls row and the scenario's own parameters (ui/params.py)
    "toolbar": Role("TEXT", "PANEL", "toolbar labels and slider values"),
    "button": Role("TEXT", "PANEL", "toolbar and dialog buttons"),
    "button_checked": Role("TEXT", "GOOD_BG", "a toggle that is ON (it also says ON)"),
    "slider_handle": Role("TEXT", "PANEL", "slider handle on the toolbar"),
    "input": Role("TEXT", "BG", "spin boxes, line edits, combo boxes, tables"),
    "placeholder": Role("MUTED", "BG", "placeholder text in a line edit"),
    "selection": Role("TEXT", "SELECTED", "selected text and selected rows"),
    # the scenario list
    "list_title": Role("TEXT", "BG", "scenario title"),
    "list_summary": Role("MUTED", "BG", "scenario summary"),
    "list_title_selected": Role("TEXT", "SELECTED", "title of the chosen scenario"),
    "list_summary_selected": Role("MUTED", "SELECTED", "summary of the chosen scenario"),
    # the code pane
    "code": Role("TEXT", "BG", "code text"),
    "code_keyword": Role("KEYWORD", "BG", "code keywords (bold too)"),
    "code_string": Role("STRING", "BG", "code string literals"),
    "code_comment": Role("COMMENT", "BG", "code comments (italic too)"),
    "code_number": Role("NUMBER", "BG", "code numbers"),
    "code_line_number": Role("MUTED", "PANEL", "line numbers in the code gutter"),
    # the verdict banner
    "verdict_idle": Role("MUTED", "PANEL", "verdict banner before a run"),
    "verdict_good": Role("GOOD", "GOOD_BG", "verdict headline, ✔"),
    "verdict_good_detail": Role("TEXT", "GOOD_BG", "verdict detail under a ✔"),
    "verdict_bad": Role("BAD", "BAD_BG", "verdict headline, ✘"),
    "verdict_bad_detail": Role("TEXT", "BAD_BG", "verdict detail under a ✘"),
    # task cards and narration (both on the base colour)
    "card": Role("TEXT", "BG", "task card name and story"),
    "card_muted": Role("MUTED", "BG", "task card status before it ends"),
    "card_good": Role("GOOD", "BG", "✔ succeeded, good story lines"),
    "card_bad": Role("BAD", "BG", "✘ denied / failed, bad story lines"),
    "card_wait": Role("WAIT", "BG", "story lines about waiting"),
    "narration": Role("TEXT", "BG", "What happened: told lines"),
    "narration_future": Role("MUTED", "BG", "What happened: lines after the cursor"),
    "narration_good": Role("GOOD", "BG", "What happened: good lines"),
    "narration_bad": Role("BAD", "BG", "What happened: bad lines"),
    "narration_wait": Role("WAIT", "BG", "What happened: waiting lines"),
    # every other line of What happened is on the panel colour (alternating rows)
    "narration_alt": Role("TEXT", "PANEL", "What happened: told lines, odd rows"),
    "narration_future_alt": Role("MUTED", "PANEL", "What happened: later lines, odd rows"),
    "narration_good_alt": Role("GOOD", "PANEL", "What happened: good lines, odd rows"),
    "narration_bad_alt": Role("BAD", "PANEL", "What happened: bad lines, odd rows"),
    "narration_wait_alt": Role("WAIT", "PANEL", "What happened: waiting lines, odd rows"),
    # the timeline's own text (the state colours are drawn under a light box; see timeline)
    "timeline": Role("TEXT", "BG", "timeline lane names, balance labels"),
    "timeline_lane": Role("TEXT", "PANEL", "lane names on a striped lane"),
    "timeline_muted": Role("MUTED", "BG", "time axis, legend, captions"),
    "timeline_bad": Role("BAD", "BG", "negative balances, failed tasks"),
}

#: the least contrast (WCAG 2 ratio) every role must reach in each theme
MIN_CONTRAST = {"light": 4.5, "dark": 4.5, "high-contrast": 7.0}


def fg(role_name: str) -> QColor:
    """The text colour of `role_name` in the current theme (the shared, switching QColor)."""
    color: QColor = globals()[ROLES[role_name].fg]
    return color


def bg(role_name: str) -> QColor:
    """The background colour of `role_name` in the current theme."""
    color: QColor = globals()[ROLES[role_name].bg]
    return color


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
    State.TURNS: StateStyle(
        "runnable (takes turns for the GIL)", QColor("#44AA99"), Qt.BrushStyle.Dense6Pattern
    ),
    State.DESCHEDULED: StateStyle(
        "paused by the OS or the app", QColor("#999933"), Qt.BrushStyle.FDiagPattern
    ),
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
    if len(plan.phases) > 1:
        return {
            spec.name: task_color(i) for i, phase in enumerate(plan.phases) for spec in phase.tasks
        }
    return {spec.name: task_color(i) for i, spec in enumerate(plan.tasks)}


#: the fonts shipped in resources/fonts (DejaVu 2.37, see its LICENSE), so
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
    folder = assets.fonts()
    for name in FONT_FILES:
        file = folder / name
        if isinstance(file, Path):  # files on disk (a checkout, a wheel, an editable install)
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

    The style sheet is set on the window, not the application: an application style sheet
    set again after a palette change was measured to reset fonts set on widgets to the
    default 9 pt. The palette goes to the application as well as the window: once a window
    has a style sheet, Qt's style-sheet style re-polishes every child and gives each one
    without a colour rule the *application* palette, so a palette set on the window alone
    never reached the code pane, labels, toolbars or status bar (they stayed light, and
    the code pane's white base swallowed high contrast's white strings).
    """
    pal = palette()
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setPalette(pal)
    QToolTip.setPalette(pal)  # tool tips are windows of their own
    window.setStyleSheet(style_sheet())
    window.setPalette(pal)  # after: a new style sheet re-polishes the palette


def palette() -> QPalette:
    """The Qt palette, from the roles (what widgets without a style-sheet rule draw with)."""
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: bg("window"),
        QPalette.ColorRole.WindowText: fg("window"),
        QPalette.ColorRole.Base: bg("input"),
        QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.Text: fg("input"),
        QPalette.ColorRole.Button: bg("button"),
        QPalette.ColorRole.ButtonText: fg("button"),
        QPalette.ColorRole.BrightText: fg("bad"),
        QPalette.ColorRole.ToolTipBase: bg("tooltip"),
        QPalette.ColorRole.ToolTipText: fg("tooltip"),
        QPalette.ColorRole.Highlight: bg("selection"),
        QPalette.ColorRole.HighlightedText: fg("selection"),
        QPalette.ColorRole.PlaceholderText: fg("placeholder"),
        QPalette.ColorRole.Link: NUMBER,
        # the frames and bevels Fusion derives from these
        QPalette.ColorRole.Light: GRID,
        QPalette.ColorRole.Midlight: GRID,
        QPalette.ColorRole.Mid: MUTED,
        QPalette.ColorRole.Dark: MUTED,
        QPalette.ColorRole.Shadow: GRID,
    }
    for role_, color in roles.items():
        pal.setColor(role_, color)
    return pal


def _colors(role_name: str, background: bool = True) -> str:
    """`color` (and `background`) of a style-sheet rule, from a role."""
    text = f"color: {fg(role_name).name()};"
    return f"{text} background: {bg(role_name).name()};" if background else text


def style_sheet() -> str:
    """Rules by role, so that a theme switch restyles every widget at once.

    Every widget that shows text gets its colours here explicitly, from ROLES: relying on
    the palette alone left whatever the style-sheet style re-polished in its default light
    colours (see `apply`).
    """
    border = 3 if current_theme == "high-contrast" else 2
    line = MUTED.name() if current_theme == "high-contrast" else GRID.name()
    sel = f"selection-color: {fg('selection').name()};" + (
        f" selection-background-color: {bg('selection').name()};"
    )
    return (
        # the window, its labels (section headers) and the dialogs
        f"QMainWindow, QDialog {{ {_colors('window')} }}"
        f"QLabel {{ {_colors('window', background=False)} }}"
        f"QDialog QLabel {{ {_colors('dialog', background=False)} }}"
        f"QStatusBar {{ {_colors('status')} }}"
        f"QStatusBar QLabel {{ {_colors('status', background=False)} }}"
        # menus and tool tips
        f"QMenuBar {{ {_colors('menu')} }}"
        f"QMenuBar::item {{ background: transparent; {_colors('menu', background=False)} }}"
        f"QMenuBar::item:selected {{ {_colors('menu_selected')} }}"
        f"QMenu {{ {_colors('menu')} border: 1px solid {line}; }}"
        f"QMenu::item {{ padding: 6px 28px 6px 24px; {_colors('menu', background=False)} }}"
        f"QMenu::item:selected {{ {_colors('menu_selected')} }}"
        f"QMenu::item:disabled {{ color: {MUTED.name()}; }}"
        f"QToolTip {{ {_colors('tooltip')} border: 1px solid {line}; padding: 4px; }}"
        # toolbars: the controls row and the scenario's parameter rows
        f"QToolBar {{ {_colors('toolbar')} border: none; spacing: 4px; }}"
        f"QToolBar QLabel {{ {_colors('toolbar', background=False)} }}"
        f"QToolButton, QPushButton {{ {_colors('button')} border: 1px solid {line};"
        " border-radius: 6px; padding: 4px 10px; }"
        "QToolBar QToolButton { padding: 3px 6px; font-weight: bold; }"
        f"QToolButton:hover, QPushButton:hover {{ border-color: {TEXT.name()}; }}"
        f"QToolButton:checked {{ {_colors('button_checked')}"
        f" border: {border}px solid {GOOD.name()}; border-radius: 6px; }}"
        f"QToolButton:disabled, QPushButton:disabled {{ color: {MUTED.name()}; }}"
        f"QToolBarExtension {{ background: {bg('button').name()}; }}"
        f"QSlider {{ background: transparent; }}"
        f"QSlider::groove:horizontal {{ background: {line}; height: 6px; border-radius: 3px; }}"
        f"QSlider::handle:horizontal {{ background: {fg('slider_handle').name()};"
        f" border: 2px solid {bg('slider_handle').name()};"
        " width: 18px; margin: -7px 0; border-radius: 9px; }"
        # combo boxes: text colours only, as a border or background here makes Qt draw
        # them itself and drop the style's arrow (the palette gives their base); a field
        # one types in (line edit, number box: its +/- stay, measured) gets a border in
        # the muted text colour (3:1 and more on every panel), as the style's frame (a
        # shade darker) vanished on a dark or black panel: "Balance: 1000" read as a label
        f"QComboBox {{ {_colors('input', background=False)} {sel} }}"
        f"QAbstractSpinBox {{ {_colors('input')} {sel} border: 1px solid {MUTED.name()};"
        " border-radius: 4px; padding: 2px 4px; }"
        f"QLineEdit {{ {_colors('input')} {sel} border: 1px solid {MUTED.name()};"
        " border-radius: 4px; padding: 2px 4px; }"
        f"QComboBox QAbstractItemView {{ {_colors('input')} {sel} }}"
        # lists, tables and text views
        f"QListWidget, QTableWidget, QTableView, QTreeView {{ {_colors('input')} {sel}"
        f" alternate-background-color: {PANEL.name()}; }}"
        f"QHeaderView::section {{ {_colors('window')} border: 1px solid {line};"
        " padding: 4px; }"
        f"QPlainTextEdit, QTextEdit, QTextBrowser {{ {_colors('code')} {sel} }}"
        # the panels that paint a background of their own
        f"#taskCard {{ background: {bg('card').name()}; }}"
        f"BytecodeView {{ background: {PANEL.name()}; }}"
        f"#prediction {{ background: {PANEL.name()}; }}"
        # any label given a role with `role(label, name)`: its text colour follows the theme
        + "".join(f"QLabel[role='{name}'] {{ color: {fg(name).name()}; }}" for name in ROLES)
    )


def role(widget: QWidget, name: str) -> None:
    """Style `widget` by role (a key of ROLES: "muted", "card_good", ...): the theme's
    style sheet colours it, now and after every theme switch."""
    if name not in ROLES:
        raise KeyError(f"no role {name!r} in theme.ROLES")
    if widget.property("role") == name:
        return  # re-polishing is not free, and cards set their status often
    widget.setProperty("role", name)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
