"""The figures panel: what a measuring scenario found, as a few big numbers.

Used by the scenarios whose result is a measurement (the GIL, lost updates, a blocked loop,
a deadlock, the cost of a thread). While the run goes it counts the tasks in each state;
at the end it shows the scenario's figures, and for a deadlock the wait-for graph.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.panels import bring_into_view
from threadtruth_gui.ui.widgets.waitfor import WaitForGraph

Figures = Callable[[RunResult], list[tuple[str, str]]]
_MAX_ROWS = 8


class FiguresPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figures: Figures | None = None
        self.live = QLabel()
        self.live.setWordWrap(True)
        self.live.setFont(theme.body_font(theme.BODY_PT + 1))
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(18)
        self._grid.setVerticalSpacing(6)
        self._labels: list[tuple[QLabel, QLabel]] = []
        for row in range(_MAX_ROWS):
            name, value = QLabel(), QLabel()
            name.setWordWrap(True)
            theme.role(name, "muted")
            value.setFont(theme.body_font(theme.BODY_PT + 4, bold=True))
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._grid.addWidget(value, row, 0)
            self._grid.addWidget(name, row, 1)
            self._labels.append((name, value))
        self._grid.setColumnStretch(1, 1)
        self.graph = WaitForGraph()
        self.graph.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.live)
        layout.addLayout(self._grid)
        layout.addWidget(self.graph, 1)
        layout.addStretch(0)
        self._colors: dict[str, QColor] = {}
        self._show([])

    def _show(self, figures: list[tuple[str, str]]) -> None:
        for i, (name, value) in enumerate(self._labels):
            text = figures[i] if i < len(figures) else ("", "")
            name.setText(text[0])
            value.setText(text[1])
            name.setVisible(i < len(figures))
            value.setVisible(i < len(figures))

    def shown(self) -> list[tuple[str, str]]:
        return [(n.text(), v.text()) for n, v in self._labels if v.isVisibleTo(self)]

    def setup(self, plan: Plan, colors: dict[str, QColor]) -> None:
        self._colors = dict(colors)
        self._show([])
        self.graph.show_cycle([], colors)
        self.live.setText(
            f"{len(plan.tasks):,} tasks. Press Space to run; the figures come from the run itself."
        )

    def update_from(self, lanes: Lanes) -> None:
        self.live.show()
        states = Counter(track.state for track in lanes.tasks.values() if track.state)
        parts = [f"{count} {state}" for state, count in states.most_common()]
        self.live.setText("Now: " + ", ".join(parts) if parts else "Starting…")
        held, broken = None, False
        for track in lanes.tasks.values():
            for note in track.notes:
                if note.what == "deadlock" and not self.graph.cycle:
                    self.graph.show_cycle(list(note.data.get("cycle", [])), self._colors)
                    bring_into_view(self.graph)
                if note.what == "deadlock" and not note.data.get("victim"):
                    held = note
                broken = broken or note.what == "deadlock broken"
        if held is not None and not broken and not any(t.status for t in lanes.tasks.values()):
            self.live.setText(
                f"Deadlocked: {held.data.get('text', '')}. Neither can ever go on. D breaks it."
            )

    def finish(self, result: RunResult, lanes: Lanes) -> None:
        self.update_from(lanes)
        self.live.hide()  # how the tasks ended is the verdict's to say, with the figures
        if self.figures is not None:
            self._show(self.figures(result)[:_MAX_ROWS])
        cycle = result.outcome.get("cycle")
        self.graph.show_cycle(list(cycle) if isinstance(cycle, list) else [], self._colors)
