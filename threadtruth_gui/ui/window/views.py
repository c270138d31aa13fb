"""What the window's controllers need of the window: its run views, as a Protocol (the
controllers never import the window)."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QColor

from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.ui.panels.account import AccountPanel
from threadtruth_gui.ui.panels.figures import FiguresPanel
from threadtruth_gui.ui.panels.traced import TracedPanel
from threadtruth_gui.ui.panels.transfers import TransfersPanel
from threadtruth_gui.ui.timeline import TimelineView
from threadtruth_gui.ui.widgets.code_pane import CodePane
from threadtruth_gui.ui.widgets.narration import NarrationPanel
from threadtruth_gui.ui.widgets.playback import PlaybackBar


class RunViews(Protocol):
    """The views that show a run: the controllers draw on these."""

    timeline: TimelineView
    playback: PlaybackBar
    narration: NarrationPanel
    code: CodePane
    colors: dict[str, QColor]

    @property
    def panel(self) -> AccountPanel | TransfersPanel | FiguresPanel | TracedPanel: ...

    @property
    def scenario(self) -> Scenario | None: ...
