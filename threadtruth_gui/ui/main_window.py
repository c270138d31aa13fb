"""The main window: scenario list, scenario panel, code pane, shared timeline, controls."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSlider,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.narrate import money, story, task_caption
from threadtruth_gui.engine.runner import Plan, RunResult
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.scenarios import all_scenarios, get
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.widgets.balance_bar import BalanceBar
from threadtruth_gui.ui.widgets.code_pane import CodePane
from threadtruth_gui.ui.widgets.scenario_list import ScenarioList
from threadtruth_gui.ui.widgets.task_card import TaskCard
from threadtruth_gui.ui.widgets.timeline import TimelineView
from threadtruth_gui.ui.widgets.verdict import VerdictBanner


class _ParamControl:
    """A toolbar control for one scenario parameter (a toggle or a slider)."""

    def __init__(self, param: Param, window: MainWindow, toolbar: QToolBar) -> None:
        self.param = param
        self.widgets: list[QWidget] = []
        self.action: QAction | None = None
        self.slider: QSlider | None = None
        if param.kind == "bool":
            action = QAction(window)
            action.setCheckable(True)
            action.setChecked(bool(param.default))
            if param.key:
                action.setShortcut(QKeySequence(param.key))
            action.toggled.connect(window.on_param_changed)
            action.toggled.connect(self._relabel)
            toolbar.addAction(action)
            button = toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setObjectName(f"param_{param.name}")
            self.action = action
            self._relabel()
        else:
            label = QLabel(f"  {param.label}:")
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"param_{param.name}")
            step = param.step or 0.1
            self._step = step
            slider.setRange(round((param.minimum or 0) / step), round((param.maximum or 1) / step))
            slider.setValue(round(float(param.default) / step))
            slider.setFixedWidth(220)
            slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self._value_label = QLabel()
            self._value_label.setMinimumWidth(70)
            slider.valueChanged.connect(self._show_value)
            slider.valueChanged.connect(window.on_param_changed)
            for w in (label, slider, self._value_label):
                toolbar.addWidget(w)
                self.widgets.append(w)
            self.slider = slider
            self._show_value()

    def _relabel(self) -> None:
        assert self.action is not None
        state = "ON" if self.action.isChecked() else "OFF"
        key = f"  ({self.param.key})" if self.param.key else ""
        self.action.setText(f"{self.param.label}: {state}{key}")

    def _show_value(self) -> None:
        self._value_label.setText(f"{self.value():.1f}{self.param.unit}")

    def value(self) -> Any:
        if self.action is not None:
            return self.action.isChecked()
        assert self.slider is not None
        return round(self.slider.value() * self._step, 6)

    def set_value(self, value: Any) -> None:
        if self.action is not None:
            self.action.setChecked(bool(value))
        elif self.slider is not None:
            self.slider.setValue(round(float(value) / self._step))


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("threadtruth — the truth about threads")
        self.setFont(theme.body_font())
        self.resize(1600, 1000)
        self.bridge = RunBridge(self)
        self.bridge.started.connect(self._on_started)
        self.bridge.updated.connect(self._on_updated)
        self.bridge.finished.connect(self._on_finished)
        self.bridge.failed.connect(self.show_error)
        self.scenario: Scenario | None = None
        self.cards: dict[str, TaskCard] = {}
        self.colors: dict[str, QColor] = {}
        self._counter: str | None = None
        self._controls: dict[str, _ParamControl] = {}
        self._param_actions: list[QAction] = []
        self._build()
        self.scenario_list.select(all_scenarios()[0].id)

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.toolbar = QToolBar("Controls")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setStyleSheet(
            "QToolButton { padding: 6px 14px; font-weight: bold; }"
            f"QToolButton:checked {{ background: {theme.GOOD_BG.name()};"
            f" border: 2px solid {theme.GOOD.name()}; border-radius: 6px; }}"
        )
        self.addToolBar(self.toolbar)
        self.run_action = QAction("▶ Run  (Space)", self)
        self.run_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.run_action.triggered.connect(self.start_run)
        self.reset_action = QAction("⟲ Reset  (R)", self)
        self.reset_action.setShortcut(QKeySequence("R"))
        self.reset_action.triggered.connect(self.reset_run)
        self.toolbar.addAction(self.run_action)
        self.toolbar.addAction(self.reset_action)
        self.toolbar.addSeparator()

        self.scenario_list = ScenarioList(all_scenarios())
        self.scenario_list.setMinimumWidth(200)
        self.scenario_list.chosen.connect(self.select)

        self.title = QLabel()
        self.title.setFont(theme.body_font(theme.BODY_PT + 9, bold=True))
        self.title.setWordWrap(True)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet(f"color: {theme.MUTED.name()};")
        self.verdict = VerdictBanner()
        self.balance = BalanceBar(money)
        self.cards_row = QHBoxLayout()
        self.cards_row.setSpacing(12)
        panel = QWidget()
        panel_layout = QVBoxLayout(panel)
        panel_layout.setContentsMargins(12, 8, 12, 8)
        panel_layout.addWidget(self.title)
        panel_layout.addWidget(self.verdict)
        panel_layout.addWidget(self.balance)
        panel_layout.addLayout(self.cards_row, 1)

        self.code = CodePane()
        code_box = QWidget()
        code_layout = QVBoxLayout(code_box)
        code_layout.setContentsMargins(4, 8, 4, 4)
        code_header = QLabel("Code that runs")
        code_header.setToolTip(
            "The real source of the functions the threads execute. Each thread's marker is "
            "on the line it last reached, as reported by sys.settrace line tracing."
        )
        code_header.setFont(theme.body_font(theme.BODY_PT, bold=True))
        code_layout.addWidget(code_header)
        code_layout.addWidget(self.code, 1)
        code_layout.addWidget(self.description)

        self.timeline = TimelineView()
        self.timeline.set_counter("balance", "Balance", money)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.scenario_list)
        top.addWidget(panel)
        top.addWidget(code_box)
        top.setSizes([220, 560, 820])
        top.setChildrenCollapsible(False)
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.timeline)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setChildrenCollapsible(False)
        self.setCentralWidget(main)
        self.statusBar().setFont(theme.body_font(theme.BODY_PT - 1))

    # -- scenario and parameters ----------------------------------------------------------
    @Slot(str)
    def select(self, scenario_id: str) -> None:
        scenario = get(scenario_id)
        if self.scenario is not None and scenario.id == self.scenario.id:
            return
        self.bridge.reset()
        self.scenario = scenario
        if self.scenario_list.current_id() != scenario.id:
            self.scenario_list.select(scenario.id)
        self.title.setText(scenario.title)
        self.description.setText(scenario.description)
        self._build_controls(scenario)
        self._show_ready()

    def _build_controls(self, scenario: Scenario) -> None:
        for control in self._controls.values():
            for w in control.widgets:
                w.deleteLater()
        for action in self._param_actions:
            self.toolbar.removeAction(action)
        self._controls = {}
        before = set(self.toolbar.actions())
        for param in scenario.params:
            self._controls[param.name] = _ParamControl(param, self, self.toolbar)
        self._param_actions = [a for a in self.toolbar.actions() if a not in before]

    def params(self) -> dict[str, Any]:
        return {name: c.value() for name, c in self._controls.items()}

    def set_params(self, params: dict[str, Any]) -> None:
        for name, value in params.items():
            self._controls[name].set_value(value)

    def control(self, name: str) -> _ParamControl:
        return self._controls[name]

    @Slot()
    def on_param_changed(self) -> None:
        if self.bridge.running:
            self._status("The change applies to the next run.", 4000)
        else:
            self._show_ready()

    def _preview_plan(self) -> Plan:
        assert self.scenario is not None
        return self.scenario.plan(self.scenario.resolve(self.params()))

    def _show_ready(self) -> None:
        """The scenario as it stands before a run: code, idle cards, starting balance."""
        plan = self._preview_plan()
        self._setup_views(plan)
        self.verdict.show_idle("Press Space to run.")
        self.timeline.set_trace(None, self.colors)

    def _setup_views(self, plan: Plan) -> None:
        self.code.show_functions(plan.code)
        self.colors = {spec.name: theme.task_color(i) for i, spec in enumerate(plan.tasks)}
        for card in self.cards.values():
            self.cards_row.removeWidget(card)
            card.deleteLater()
        self.cards = {}
        for spec in plan.tasks:
            card = TaskCard(spec.name, task_caption(spec.info), self.colors[spec.name])
            self.cards[spec.name] = card
            self.cards_row.addWidget(card, 1)
        self._counter = next(iter(plan.counters), None)
        if self._counter is not None:
            start = plan.counters[self._counter]
            self.balance.setup(self._counter.capitalize(), start, -0.5 * start, 1.5 * start)
        else:
            self.balance.clear()

    # -- running --------------------------------------------------------------------------
    @Slot()
    def start_run(self) -> None:
        if self.scenario is None:
            return
        if self.bridge.running:
            self._status("Already running: Reset (R) stops it.", 3000)
            return
        self.bridge.reset()
        self._setup_views(self._preview_plan())
        self.bridge.start(self.scenario, self.params())

    @Slot()
    def reset_run(self) -> None:
        was_running = self.bridge.running
        self.bridge.reset()
        if self.scenario is not None:
            self._show_ready()
        self._status("Stopped and reset." if was_running else "Reset.", 3000)

    @Slot()
    def _on_started(self) -> None:
        self.verdict.show_idle("Running… watch the code markers and the lanes.")
        self.timeline.set_trace(self.bridge.trace, self.colors)
        self._status("Running on real threads.")

    @Slot()
    def _on_updated(self) -> None:
        trace = self.bridge.trace
        if trace is None:
            return
        self.timeline.refresh()
        if not self.bridge.last_batch and self.bridge.result is None:
            return  # nothing new but the clock: only the timeline moves
        markers: dict[str, int | None] = {}
        for name, track in trace.tasks.items():
            markers[name] = None if track.state in State.FINAL else track.line
            card = self.cards.get(name)
            if card is not None:
                card.set_story(story(track), track.status, track.state)
        self.code.set_markers(markers, self.colors)
        if self._counter is not None and trace.counters.get(self._counter):
            self.balance.set_value(trace.counters[self._counter][-1][1])

    @Slot(object)
    def _on_finished(self, result: RunResult) -> None:
        self._on_updated()
        if result.verdict is not None:
            self.verdict.show_verdict(result.verdict)
        failed = [t for t in result.tasks if t["status"] == "failed"]
        for task in failed:
            self.show_error(f"Thread {task['name']} failed: {task.get('error', '')}")
        if not failed:
            self._status(
                f"Finished in {result.duration_s:.2f} s · {result.events} events recorded. "
                "Space runs again."
            )

    @Slot(str)
    def show_error(self, text: str) -> None:
        """The one place errors are shown: the status bar, in red, and on stderr."""
        print(f"threadtruth: {text}", file=sys.stderr)
        self.statusBar().setStyleSheet(f"color: {theme.BAD.name()}; font-weight: bold;")
        self.statusBar().showMessage(text)

    def _status(self, text: str, timeout_ms: int = 0) -> None:
        self.statusBar().setStyleSheet("")
        self.statusBar().showMessage(text, timeout_ms)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.bridge.reset()
        super().closeEvent(event)
