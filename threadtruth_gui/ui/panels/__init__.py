"""Scenario panels: what sits between the verdict and the timeline, per kind of scenario.

Each panel is told about a new plan (`setup`), fed the live trace once per frame
(`update_from`) and given the result at the end (`finish`).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QScrollArea, QWidget


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
