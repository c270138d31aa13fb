"""The main window: scenario list, scenario panel, code pane, shared timeline, controls."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.runner import Plan, RunResult
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.scenarios import all_scenarios, get
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.many_dialog import ManyRunsDialog
from threadtruth_gui.ui.panels.account import AccountPanel
from threadtruth_gui.ui.panels.transfers import TransfersPanel
from threadtruth_gui.ui.params import ParamBar
from threadtruth_gui.ui.widgets.balance_bar import BalanceBar
from threadtruth_gui.ui.widgets.code_pane import CodePane
from threadtruth_gui.ui.widgets.scenario_list import ScenarioList
from threadtruth_gui.ui.widgets.task_card import TaskCard
from threadtruth_gui.ui.widgets.timeline import TimelineView
from threadtruth_gui.ui.widgets.verdict import VerdictBanner

_MAX_CODE_MARKERS = 64  # beyond this many live tasks the code pane shows none (unreadable)


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
        self.bridge.failed.connect(self._on_failed)
        self.scenario: Scenario | None = None
        self.colors: dict[str, QColor] = {}
        self._showing_result = False
        self._pending_note = ""
        self.many_dialog: ManyRunsDialog | None = None
        self._build()
        self.scenario_list.select(all_scenarios()[0].id)

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.toolbar = self._toolbar("Controls")
        self.run_action = QAction("▶ Run  (Space)", self)
        self.run_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.run_action.triggered.connect(self.start_run)
        self.reset_action = QAction("⟲ Reset  (R)", self)
        self.reset_action.setShortcut(QKeySequence("R"))
        self.reset_action.triggered.connect(self.reset_run)
        self.many_action = QAction("∑ Many runs…  (M)", self)
        self.many_action.setShortcut(QKeySequence("M"))
        self.many_action.setToolTip("Run this scenario many times and count the outcomes")
        self.many_action.triggered.connect(self.open_many_runs)
        self.step_action = QAction(self)
        self.step_action.setCheckable(True)
        self.step_action.setShortcut(QKeySequence("S"))
        self.step_action.setToolTip(
            "Be the scheduler: the next run stops every thread before each line; press a "
            "thread's number (or click its lane or card) to run it one line; Space runs to the end"
        )
        self.step_action.toggled.connect(self._relabel_step)
        self._relabel_step()
        for number in range(1, 10):  # 1..9 step the first nine tasks
            action = QAction(f"Step task {number}", self)
            action.setShortcut(QKeySequence(str(number)))
            action.triggered.connect(lambda _=False, n=number: self.step_number(n))
            self.addAction(action)
        self.toolbar.addAction(self.run_action)
        self.toolbar.addAction(self.reset_action)
        self.toolbar.addAction(self.step_action)
        self.toolbar.addAction(self.many_action)
        self.toolbar.addSeparator()
        self.addToolBarBreak()
        self.settings_bar = self._toolbar("Settings")
        self.addToolBarBreak()
        self.text_bar = self._toolbar("Sources")
        self.param_bar = ParamBar(self.toolbar, self.settings_bar, self.text_bar)
        self.param_bar.changed.connect(self.on_param_changed)

        self.scenario_list = ScenarioList(all_scenarios())
        self.scenario_list.setMinimumWidth(200)
        self.scenario_list.chosen.connect(self.select)

        self.title = QLabel()
        self.title.setFont(theme.body_font(theme.BODY_PT + 9, bold=True))
        self.title.setWordWrap(True)
        self.verdict = VerdictBanner()
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet(f"color: {theme.MUTED.name()};")
        self.account = AccountPanel()
        self.transfers = TransfersPanel()
        self.panels = QStackedWidget()
        self.panels.addWidget(self.account)
        self.panels.addWidget(self.transfers)
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(12, 8, 12, 8)
        column_layout.addWidget(self.title)
        column_layout.addWidget(self.verdict)
        column_layout.addWidget(self.panels, 1)
        column_layout.addWidget(self.description)
        scroll = QScrollArea()  # a small screen scrolls the panel instead of the window growing
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.code = CodePane()
        code_box = QWidget()
        code_layout = QVBoxLayout(code_box)
        code_layout.setContentsMargins(4, 8, 4, 4)
        code_header = QLabel("Code that runs")
        code_header.setToolTip(
            "The real source of the functions the tasks execute. Each task's marker is "
            "on the line it last reached, as reported by sys.settrace line tracing."
        )
        code_header.setFont(theme.body_font(theme.BODY_PT, bold=True))
        code_layout.addWidget(code_header)
        code_layout.addWidget(self.code, 1)

        self.timeline = TimelineView()
        self.timeline.laneClicked.connect(self.step_task)
        self.account.task_clicked.connect(self.step_task)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.scenario_list)
        top.addWidget(scroll)
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

    def _toolbar(self, name: str) -> QToolBar:
        bar = QToolBar(name)
        bar.setObjectName(name)
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.setStyleSheet(
            "QToolButton { padding: 6px 14px; font-weight: bold; }"
            f"QToolButton:checked {{ background: {theme.GOOD_BG.name()};"
            f" border: 2px solid {theme.GOOD.name()}; border-radius: 6px; }}"
        )
        self.addToolBar(bar)
        return bar

    # -- views of the current panel (the tests read these) ------------------------------------
    @property
    def balance(self) -> BalanceBar:
        return self.account.balance

    @property
    def cards(self) -> dict[str, TaskCard]:
        return self.account.cards

    @property
    def panel(self) -> AccountPanel | TransfersPanel:
        return self.transfers if self.panels.currentWidget() is self.transfers else self.account

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
        self.param_bar.build(scenario)
        self.panels.setCurrentWidget(
            self.transfers if scenario.panel == "transfers" else self.account
        )
        self._show_ready()

    def params(self) -> dict[str, Any]:
        return self.param_bar.values()

    def set_params(self, params: dict[str, Any]) -> None:
        self.param_bar.set_values(params)

    def control(self, name: str) -> Any:
        return self.param_bar.control(name)

    @Slot()
    def on_param_changed(self) -> None:
        if self.bridge.running or self._showing_result:
            self._pending_note = "Settings changed: they apply to the next run (Space)."
            self._status(self._pending_note)
        else:
            self._show_ready()

    def _plan_for_params(self) -> tuple[Plan, dict[str, Any]] | None:
        """The plan for the current settings, or None after showing what is wrong."""
        assert self.scenario is not None
        try:
            params = self.scenario.resolve(self.params())
            return self.scenario.plan(params), params
        except ValueError as exc:
            self.show_error(str(exc).removeprefix("--"))
            return None

    def _show_ready(self) -> None:
        """The scenario as it stands before a run: code, idle panel, empty timeline."""
        self._showing_result = False
        planned = self._plan_for_params()
        if planned is None:
            return
        self._setup_views(planned[0])
        self.verdict.show_idle("Press Space to run.")
        self.timeline.set_trace(None, self.colors)

    def _setup_views(self, plan: Plan) -> None:
        self.code.show_functions(plan.code)
        if plan.phases is not None:  # many tasks: one colour per mode, not per task
            self.colors = {
                spec.name: theme.task_color(i)
                for i, phase in enumerate(plan.phases)
                for spec in phase.tasks
            }
        else:
            self.colors = {spec.name: theme.task_color(i) for i, spec in enumerate(plan.tasks)}
        self.panel.setup(plan, self.colors)
        counter = next(iter(plan.counters), None)
        self.timeline.set_counter(counter, (counter or "").capitalize(), money)

    def _relabel_step(self) -> None:
        state = "ON" if self.step_action.isChecked() else "OFF"
        self.step_action.setText(f"Step: {state}  (S)")

    def step_number(self, number: int) -> None:
        names = list(self.colors)
        if 1 <= number <= len(names):
            self.step_task(names[number - 1])

    @Slot(str)
    def step_task(self, name: str) -> None:
        """Let thread `name` run one line (step mode), or say why it cannot."""
        gate = self.bridge.gate
        if gate is None or gate.free or not self.bridge.running:
            if self.step_action.isChecked() and not self.bridge.running:
                self._status("Press Space to start the run; then step the threads.", 4000)
            return
        result = gate.grant(name)
        trace = self.bridge.trace
        track = trace.tasks.get(name) if trace is not None else None
        if result == "blocked" and track is not None and track.waiting_for is not None:
            lock, holder = track.waiting_for
            self._status(
                f"{name} is blocked: waiting for the lock '{lock}' held by {holder}. "
                "It goes on by itself once the lock is free."
            )
        elif result == "blocked":
            self._status(f"{name} is blocked and cannot run now.")
        elif result == "ended":
            self._status(f"{name} has finished.")
        else:
            self._status(f"Stepped {name} one line. Space runs everything to the end.")

    @Slot()
    def open_many_runs(self) -> None:
        if self.scenario is None:
            return
        if self.scenario.panel != "account":
            self._status("Many runs count final balances: open a bank scenario.", 4000)
            return
        planned = self._plan_for_params()
        if planned is None:
            return
        if self.many_dialog is not None:
            self.many_dialog.close()
            self.many_dialog.deleteLater()
        self.many_dialog = ManyRunsDialog(self.scenario, planned[1], self)
        self.many_dialog.resize(900, 560)
        self.many_dialog.show()
        self.many_dialog.start()

    # -- running --------------------------------------------------------------------------
    @Slot()
    def start_run(self) -> None:
        if self.scenario is None:
            return
        if self.bridge.running:
            gate = self.bridge.gate
            if gate is not None and not gate.free:
                gate.release()
                self._status("Running every thread to the end.")
                return
            self._status("Already running: Reset (R) stops it.", 3000)
            return
        planned = self._plan_for_params()
        if planned is None:
            return  # bad settings: the message is shown and nothing changes
        self.bridge.reset()
        self._pending_note = ""
        self._setup_views(planned[0])
        stepping = self.step_action.isChecked() and self.scenario.panel == "account"
        self.bridge.start(self.scenario, planned[1], planned[0], stepping=stepping)

    @Slot()
    def reset_run(self) -> None:
        was_running = self.bridge.running
        self.bridge.reset()
        if self.scenario is not None:
            self._show_ready()
        self._status("Stopped and reset." if was_running else "Reset.", 3000)

    @Slot()
    def _on_started(self) -> None:
        self._showing_result = False
        self.verdict.show_idle("Running… watch the code markers and the lanes.")
        self.timeline.set_trace(self.bridge.trace, self.colors)
        tasks = len(self._task_infos())
        if self.bridge.gate is not None:
            numbers = ", ".join(f"{i} = {name}" for i, name in enumerate(self.colors, 1))
            self.verdict.show_idle(
                f"Step mode: press {numbers} to run one line. Space runs to the end."
            )
            self._status("Every thread waits before its next line.")
            return
        if self.bridge.in_child:
            where = f"{tasks} tasks in a separate process, so that the window stays responsive"
        elif any(t.get("mode") == "asyncio" for t in self._task_infos()):
            where = "coroutines on the window's own event loop"
        else:
            where = "real threads"
        self._status(f"Running: {where}.")

    def _task_infos(self) -> list[dict[str, Any]]:
        run = self.bridge.run
        return [spec.info for spec in run.plan.all_tasks()] if run else []

    @Slot()
    def _on_updated(self) -> None:
        trace = self.bridge.trace
        if trace is None:
            return
        self.timeline.refresh()
        if not self.bridge.last_batch and self.bridge.result is None:
            return  # nothing new but the clock: only the timeline moves
        live = {
            name: track.line
            for name, track in trace.tasks.items()
            if track.state not in State.FINAL and track.line is not None
        }
        self.code.set_markers(live if len(live) <= _MAX_CODE_MARKERS else {}, self.colors)
        self.panel.update_from(trace)

    @Slot(object)
    def _on_finished(self, result: RunResult) -> None:
        self._on_updated()
        self.timeline.refresh(force=True)  # the last frame is never skipped
        if self.bridge.trace is not None:
            self.panel.finish(result, self.bridge.trace)
        self._showing_result = True
        if result.verdict is not None:
            self.verdict.show_verdict(result.verdict)
        if result.error:
            self.show_error(f"The run failed: {result.error}")
            return
        failed = [t for t in result.tasks if t["status"] == "failed"]
        if failed and self.scenario is not None and self.scenario.panel == "account":
            for task in failed:
                self.show_error(f"Thread {task['name']} failed: {task.get('error', '')}")
            return
        self._status(
            f"Finished in {result.duration_s:.2f} s · {result.events} events recorded. "
            "Space runs again." + (f"  {self._pending_note}" if self._pending_note else "")
        )

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.verdict.show_idle("The run stopped with an error (see below). R resets.")
        self.show_error(text)

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
        if self.many_dialog is not None:
            self.many_dialog.close()
        self.bridge.reset()
        super().closeEvent(event)
