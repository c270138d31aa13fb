"""Colours, fonts and state styles, chosen to survive screen-sharing and colour blindness.

Task colours are the Okabe-Ito palette; every state also has its own fill pattern and a
text label, so no meaning depends on hue alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.runner import Plan

#: Okabe-Ito, in the order tasks are given them (A, B, C, ...)
TASK_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]

BODY_PT = 15  # default body text; at least 14 pt for a shared screen
CODE_PT = 15
BIG_PT = 40  # the balance figure

BG = QColor("#FFFFFF")
PANEL = QColor("#F4F5F7")
TEXT = QColor("#1B1F24")
MUTED = QColor("#57606A")
GRID = QColor("#D0D7DE")
GOOD = QColor("#1A7F37")
BAD = QColor("#CF222E")
GOOD_BG = QColor("#DAFBE1")
BAD_BG = QColor("#FFEBE9")


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


def body_font(points: float = BODY_PT, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def code_font(points: float = CODE_PT) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(points)
    return font
