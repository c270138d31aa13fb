"""Scenario panels: what sits between the verdict and the timeline, per kind of scenario.

Each panel is told about a new plan (`setup`), fed the live trace once per frame
(`update_from`) and given the result at the end (`finish`). Which panel a scenario gets
is the UI's choice (`panel_for`), not the scenario's.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QScrollArea, QWidget

from threadtruth_gui.engine.scenario import Scenario

__all__ = ["PanelName", "bring_into_view", "panel_for"]

PanelName = Literal["account", "transfers", "figures"]


def panel_for(scenario: Scenario) -> PanelName:
    """The panel a scenario is shown with, from what it is: downloads get the transfers
    panel (files, bytes, speed), a scenario with measured figures the big read-out, and any
    other (the bank and its races, or one added later) the account with its task cards."""
    if scenario.id.startswith("downloads"):
        return "transfers"
    if scenario.figures is not None:
        return "figures"
    return "account"


def bring_into_view(widget: QWidget, margin: int = 8) -> None:
    """Scroll the column a panel sits in so that `widget` shows, once the layout has made
    room for it: on a small screen (1280x720, lecture text) what a panel has just shown
    (a stopped thread's variables, a deadlock's graph) can sit below the fold."""
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if isinstance(parent, QScrollArea):
        scroll = parent
        QTimer.singleShot(0, widget, lambda: scroll.ensureWidgetVisible(widget, 0, margin))
