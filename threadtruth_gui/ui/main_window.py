"""The main window: scenario list, scenario panel, code pane, shared timeline, controls."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QTimer, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QMenuBar,
    QWidget,
)

from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.plan import Edit, Plan
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.runs import runfile
from threadtruth_gui.runs.tracefile import SavedTrace
from threadtruth_gui.scenarios import all_scenarios, get
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.panels import panel_for
from threadtruth_gui.ui.panels.account import AccountPanel
from threadtruth_gui.ui.panels.figures import FiguresPanel
from threadtruth_gui.ui.panels.traced import TracedPanel
from threadtruth_gui.ui.panels.transfers import TransfersPanel
from threadtruth_gui.ui.params import ParamBar
from threadtruth_gui.ui.presenter import Presenter
from threadtruth_gui.ui.timeline import TimelineView
from threadtruth_gui.ui.widgets.balance_bar import BalanceBar
from threadtruth_gui.ui.widgets.playback import PlaybackBar
from threadtruth_gui.ui.widgets.scenario_list import ScenarioList
from threadtruth_gui.ui.widgets.task_card import TaskCard
from threadtruth_gui.ui.window import (
    CodeColumn,
    CursorController,
    DialogsController,
    ExportsController,
    RunController,
    SavedRunsController,
    ShownRun,
    StateColumn,
    SteppingController,
)
from threadtruth_gui.ui.window.chrome import (
    add_control,
    chrome_toolbar,
    file_menu,
    first_size,
    fit_menu_bar,
    header_row,
    mode_toggles,
    window_key,
)
from threadtruth_gui.ui.window.columns import code_spans, columns_of, share_width
from threadtruth_gui.ui.window.editing import EditingController, add_edit_actions
from threadtruth_gui.ui.window.lecture import LectureController
from threadtruth_gui.ui.window.saved_trace import show_saved_trace
from threadtruth_gui.ui.window.tracing import TracingController, unless_traced

if TYPE_CHECKING:  # imported when first opened (ui/window/dialogs.py): less at startup
    from threadtruth_gui.ui.compare_dialog import CompareDialog
    from threadtruth_gui.ui.many_dialog import ManyRunsDialog


class MainWindow(QMainWindow):
    # made in _build; declared here for the controllers' protocols, checked before _build
    scenario_list: ScenarioList
    run_menu: QMenu
    code_box: CodeColumn
    column_scroll: StateColumn

    def __init__(self, settings: QSettings | None = None) -> None:
        """`settings`: where presenter settings persist (None: defaults, nothing saved)."""
        super().__init__()
        self._menu_bar = QMenuBar()
        theme.apply(self)  # the palette and the role style sheet of the current theme
        self.setWindowTitle("threadtruth — the truth about threads")
        self.setFont(theme.body_font())
        self.resize(*first_size())
        self.bridge = RunBridge(self)
        self.scenario: Scenario | None = None
        self.colors: dict[str, QColor] = {}
        # the run on screen and what works on it: each controller says what to show by signals
        self.shown = ShownRun(self.bridge)
        self.time_cursor = CursorController(self, self.shown, self.bridge, self)
        self.exports = ExportsController(self, self, self.shown)
        self.saved_runs = SavedRunsController(self, self, self.shown, self.bridge)
        self.replayer = self.saved_runs.replayer
        self.stepping = SteppingController(self, self.bridge, self.replayer, self)
        self.dialogs = DialogsController(self, self)
        parts = (self.time_cursor, self.stepping, self.saved_runs)
        self.runs = RunController(self, self.bridge, self.shown, parts, self)
        self.start_run = self.runs.start_run
        self.reset_run = self.runs.reset_run
        self.leave_run_modes = self.runs.leave_modes
        self.break_deadlock = self.runs.break_deadlock  # D
        traced = self._traced  # what works on a scenario's run only says so for a program's
        self.open_many_runs = unless_traced(traced, self.dialogs.open_many_runs, "Many runs")
        self.open_compare = unless_traced(traced, self.dialogs.open_compare, "A/B compare")
        for controller in (
            self.time_cursor,
            self.exports,
            self.saved_runs,
            self.stepping,
            self.dialogs,
            self.runs,
        ):
            controller.status.connect(self._status)
        for controller in (self.exports, self.saved_runs, self.runs):
            controller.error.connect(self.show_error)
        self._show_bytecode = self.stepping.show_bytecode
        self.time_cursor.atEnd.connect(self._show_bytecode)
        self.step_task = self.stepping.step_task
        self.set_cursor = self.time_cursor.set_cursor
        self.toggle_playback = self.time_cursor.toggle_playback
        self.export_file = self.exports.export_file
        self.save_run = self.saved_runs.save_run  # a traced program's too (runs/tracefile.py)
        self.open_run = self.saved_runs.open_run
        self.replay_run = unless_traced(traced, self.saved_runs.replay_run, "Replay")
        self._build()
        self.tracing = TracingController(self, self.bridge, self)  # File ▸ Trace a program
        self.tracing.status.connect(self._status)
        self.tracing.error.connect(self.show_error)
        self.saved_runs.open_trace = partial(show_saved_trace, self, self.tracing)
        self.trace_again, self.traced_panel = self.tracing.again, self.tracing.panel
        box = self.code_box
        self.editing = EditingController(self, self.bridge, box.code, box.edit_bar, self)
        self.editing.status.connect(self._status)
        self.editing.error.connect(self.show_error)
        add_edit_actions(self, self.run_menu, self.editing)
        self.scenario_list.select(all_scenarios()[0].id)
        self.presenter = Presenter(self, settings)
        self.lecture = LectureController(self, self.presenter.view_menu)  # .session: the handout's
        self.scenario_list.chosen.connect(self.lecture.on_chosen)  # a scenario leaves a lecture
        self.open_lecture, self.close_lecture = self.lecture.ask_open, self.lecture.close
        self.export_handout = self.lecture.export_handout
        fit_menu_bar(self._menu_bar)  # every menu is there now (the presenter adds View)
        self.toolbar.setProperty("max_scale", 1.0)
        self._menu_bar.setProperty("max_scale", 1.0)
        self.presenter.load()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        # The run controls share the menus' row, which saves a row of the 720 px a
        # projector has (a menu bar's corner widget was given 120 px less than the row has)
        self.toolbar = header_row(self, self._menu_bar)
        # Every key is the window's (an action added to the window), so it works with the
        # toolbar or menu bar hidden (lecture preset), in full screen, and whatever has focus.
        self.run_action = window_key(self, "▶ Run", "Space", self.start_run)
        self.reset_action = window_key(self, "⟲ Reset", "R", self.reset_run)
        self.many_action = window_key(self, "∑ Many (M)", "M", self.open_many_runs)
        self.many_action.setToolTip("Run this scenario many times and count the outcomes")
        self.compare_action = window_key(self, "A/B (C)", "C", self.open_compare)
        self.compare_action.setToolTip("Run two variants (lock off and on, …) on one time axis")
        modes = mode_toggles(self, self._relabel_step)
        self.step_action, self.bytecode_action, self.predict_action = modes
        self._relabel_step()
        step = self.time_cursor.step
        keys: list[tuple[str, str, Callable[[], object]]] = [
            ("Cancel the question, or the time cursor back to the end", "Esc", self.escape),
            ("Fold or unfold the download groups", "E", self._fold_key),
            ("Fit the whole run on the timeline", "Home", self._fit_timeline),
            ("Time cursor back", "Left", partial(step, -1, False)),
            ("Time cursor forward", "Right", partial(step, +1, False)),
            ("Time cursor back a big step", "Shift+Left", partial(step, -1, True)),
            ("Time cursor forward a big step", "Shift+Right", partial(step, +1, True)),
            ("Settings back to this scenario's defaults", "Shift+R", self.restore_defaults),
            # D: break a deadlock held on screen (View ▸ Hold a deadlock; on in the lecture
            # preset)
            ("Break the deadlock now", "D", self.break_deadlock),
        ]
        for entry in keys:
            window_key(self, *entry)
        self._build_menu()
        for number in range(1, 10):  # 1..9 step the first nine tasks
            step = partial(self.stepping.step_number, number)
            window_key(self, f"Step task {number}", str(number), step)
        for action in (
            self.run_action,
            self.reset_action,
            self.step_action,
            self.bytecode_action,
            self.predict_action,
            self.many_action,
            self.compare_action,
        ):
            add_control(self.toolbar, self.run_menu, action)
        # the scenario's own knobs on a row of their own: toggles, sliders, choices, numbers
        self.settings_bar = chrome_toolbar("Settings", self)
        self.addToolBarBreak()
        self.text_bar = chrome_toolbar("Sources", self)
        self.param_bar = ParamBar(self.settings_bar, self.settings_bar, self.text_bar, self)
        self.param_bar.changed.connect(self.on_param_changed)
        self.param_bar.refused.connect(self.show_error)  # a refused field says why

        self.scenario_list = ScenarioList(all_scenarios())
        self.scenario_list.setMinimumWidth(180)
        self.scenario_list.chosen.connect(self.select)

        # what the run did, in a column of its own; the code above what happened
        scroll = self.column_scroll = StateColumn()
        self.title, self.description = scroll.title, scroll.description
        self.verdict, self.prediction = scroll.verdict, scroll.prediction
        self.prediction.answered.connect(self.runs.on_predicted)
        self.prediction.cancelled.connect(self.runs.on_prediction_skipped)
        self.account, self.transfers = scroll.account, scroll.transfers
        self.figures, self.panels = scroll.figures, scroll.panels
        self.code_box = CodeColumn()
        self.code, self.bytecode = self.code_box.code, self.code_box.bytecode
        self.narration = self.code_box.narration
        self.narration.timeClicked.connect(self.time_cursor.narration_clicked)

        self.timeline = TimelineView()
        self.timeline.laneClicked.connect(self.step_task)
        self.timeline.cursorMoved.connect(self.set_cursor)
        self.account.task_clicked.connect(self.step_task)
        self.playback = PlaybackBar()
        self.playback.moved.connect(self.set_cursor)
        window_key(self, "Play back", "K", self.toggle_playback)

        views = (self.scenario_list, scroll, self.code_box, self.timeline)
        self.columns, self.split = columns_of(*views)
        self.setCentralWidget(self.columns)
        self.statusBar().setFont(theme.body_font(theme.BODY_PT - 1))
        # the modes that are on, then play back and "every view at t", at the status bar's
        # end: a row saved
        self.modes_label = QLabel()
        self.modes_label.setFont(theme.body_font(theme.BODY_PT - 1, bold=True))
        self.modes_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.modes_label)
        self.statusBar().addPermanentWidget(self.playback)

    def menuBar(self) -> QMenuBar:
        """The menus (File, Run, View), in the header row beside the run controls."""
        return self._menu_bar

    def fit_split(self) -> None:
        """The timeline gets the height its lanes need (at most half), the views above it
        the rest: at 1280×720 the balance, cards and code stay on screen."""
        total = sum(self.split.sizes())
        if total <= 0:
            return
        # the code keeps six lines (with its header); the lanes may thin down to make room
        code = 6 * self.code.fontMetrics().lineSpacing() + 60
        least = self.timeline.minimumSizeHint().height()
        lanes = max(least, min(self.timeline.sizeHint().height(), total // 2, total - code))
        self.split.setSizes([total - lanes, lanes])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_split()

    def _build_menu(self) -> None:
        file_menu(self, self.menuBar())
        self.run_menu = self.menuBar().addMenu("&Run")
        self.run_menu.setFont(theme.body_font())
        self.menuBar().setFont(theme.body_font())

    # -- views of the current panel (the tests read these) ------------------------------------
    @property
    def balance(self) -> BalanceBar:
        return self.account.balance

    @property
    def cards(self) -> dict[str, TaskCard]:
        return self.account.cards

    @property
    def panel(self) -> AccountPanel | TransfersPanel | FiguresPanel | TracedPanel:
        current = self.panels.currentWidget()
        if isinstance(current, TransfersPanel | FiguresPanel | TracedPanel):
            return current
        return self.account

    @property
    def many_dialog(self) -> ManyRunsDialog | None:
        return self.dialogs.many

    @many_dialog.setter
    def many_dialog(self, dialog: ManyRunsDialog | None) -> None:
        self.dialogs.many = dialog

    @property
    def compare_dialog(self) -> CompareDialog | None:
        return self.dialogs.compare

    @property
    def opened(self) -> runfile.SavedRun | None:
        """A run loaded from a .ttrun file, on screen while nothing runs."""
        return self.shown.opened

    @opened.setter
    def opened(self, saved: runfile.SavedRun | None) -> None:
        self.shown.opened = saved

    # -- scenario and parameters ----------------------------------------------------------
    @Slot(str)
    def select(self, scenario_id: str) -> None:
        if self.bridge.resetting:  # (as start_run)
            QTimer.singleShot(0, lambda: self.select(scenario_id))
            return
        scenario = get(scenario_id)
        if self.scenario is not None and scenario.id == self.scenario.id:
            return
        self.bridge.reset()
        self.scenario = scenario
        if self.scenario_list.current_id() != scenario.id:
            self.scenario_list.select(scenario.id)
        self.title.setText(scenario.title)
        self.title.setToolTip("")  # a traced program's path, shown before: not this
        self.description.setText(code_spans(scenario.description))
        self.param_bar.build(scenario)
        self.column_scroll.show_panel(panel_for(scenario))
        self.figures.figures = scenario.figures
        self.show_ready()

    def params(self) -> dict[str, Any]:
        return self.param_bar.values()

    def set_params(self, params: dict[str, Any]) -> None:
        self.param_bar.set_values(params)

    def control(self, name: str) -> Any:
        return self.param_bar.control(name)

    @Slot()
    def on_param_changed(self) -> None:
        self.statusBar().clearMessage()  # "Finished in…" was about the run now cleared
        if self.runs.pending_start is not None:
            # changed while the class is asked to predict: ask again, for the run that the
            # settings now make (the answer must start that run, not the one asked about)
            self.prediction.hide()
            self.runs.pending_start = None
            self.verdict.show()
            self.show_ready()
            self.start_run()
            return
        if self.bridge.running:
            self.runs.pending_note = "Settings changed: they apply to the next run (Space)."
            self._status(self.runs.pending_note)
        else:
            # the code pane must show the variant that the next Space runs, at once
            self.opened = None
            self.show_ready()

    def plan_for_params(self, to_run: bool = True) -> tuple[Plan, dict[str, Any]] | None:
        """The plan for the current settings, or None after showing what is wrong
        (`to_run`: it is about to run, so a run file's edited code is asked about)."""
        assert self.scenario is not None
        try:
            params = self.scenario.resolve(self.params())
            plan = self.editing.plan(self.scenario.id, self.scenario.plan(params), to_run)
            return None if plan is None else (plan, params)  # None: the edit is marked wrong
        except ValueError as exc:
            self.show_error(str(exc).removeprefix("--"))
            return None

    def allow_edit(self, edit: Edit) -> bool:
        """Whether edited code may run: asked once for a run file's (untrusted input)."""
        return self.editing.allow(edit)

    def show_ready(self) -> None:
        """The scenario as it stands before a run: code, idle panel, empty timeline."""
        if self.scenario is None:  # a traced program (File ▸ Trace a program)
            self.tracing.ready()
            return
        planned = self.plan_for_params(to_run=False)
        if planned is None:
            self.runs.showing_result = False
            self.time_cursor.forget()
            return
        self.setup_views(planned[0])
        self.verdict.show_idle(self._ready_text())
        self.clear_run_views()

    def clear_run_views(self) -> None:
        """No run on the timeline or in the narration (the panels are set up apart)."""
        self.runs.showing_result = False
        self.time_cursor.forget()
        self.timeline.set_lanes(None, self.colors)
        self.narration.set_lines([], 0, "The story of the run appears here as it happens.")

    def setup_views(self, plan: Plan) -> None:
        self.stepping.setup(plan)
        self.runs.lanes_fitted = -1
        self.editing.show(plan)  # the file's code, or the lecturer's edit
        self.colors = theme.plan_colors(plan)
        self.panel.setup(plan, self.colors)
        counter = next(iter(plan.counters), None)
        label = (counter or "").replace("_", " ").capitalize()
        fmt = self.scenario.counter_format if self.scenario is not None else money
        self.timeline.set_counter(counter, label, fmt)
        self.column_scroll.fit()

    def _relabel_step(self) -> None:
        # on or off is shown by the button's checked frame; the words stay short so the
        # row fits 1280 px beside the menus
        modes = (
            (self.step_action, "Step (S)"),
            (self.bytecode_action, "Bytecode (B)"),
            (self.predict_action, "Predict (P)"),
        )
        for action, text in modes:  # ☑/☐ are as wide as each other: the row never jumps
            action.setText(("☑ " if action.isChecked() else "☐ ") + text)
        if not hasattr(self, "bytecode"):
            return  # still building the window
        # the modes that are on, where the lecture preset (no toolbar) still shows them
        on = [text.split(" (")[0] for action, text in modes if action.isChecked()]
        self.modes_label.setText("  ·  ".join(on) + " on" if on else "")
        self.modes_label.setVisible(bool(on))
        self._show_below_code()
        self._show_bytecode()
        runs = self.runs
        if not self.bridge.running and not runs.showing_result and runs.pending_start is None:
            self.verdict.show_idle(self._ready_text())

    def _ready_text(self) -> str:
        """What Space will do now, in the verdict's place before a run."""
        if self.scenario is None:
            return self.tracing.ready_text()
        if self.predict_action.isChecked():
            return "Press Space: the class predicts first, then the run starts."
        if self.step_action.isChecked():
            return "Step mode: Space starts with every thread stopped before its first line."
        return "Press Space to run."

    # -- running --------------------------------------------------------------------------
    @Slot()
    def escape(self) -> None:
        """Esc: cancel the prediction question; else the time cursor back to the end."""
        if self.prediction.isVisible():
            self.prediction.cancel()
        elif not self.timeline.cursor_to_end():
            self.setFocus()  # out of a text field: the keys are the window's again

    def _fold_key(self) -> None:
        self.timeline.toggle_folds()

    def _fit_timeline(self) -> None:
        self.timeline.fit()

    def trace_program(self, path: str | None = None, args: tuple[str, ...] = ()) -> bool:
        """File ▸ Trace a program… (`path` None: asked), or a program of File ▸ Examples."""
        return self.tracing.ask() if path is None else self.tracing.trace(path, args)

    def _traced(self, what: str) -> bool:
        """Whether a traced program is shown (then the status bar says `what` is not for it)."""
        return hasattr(self, "tracing") and self.tracing.refuse(what)

    @Slot()
    def restore_defaults(self) -> None:
        """Shift+R: this scenario's own demo settings again."""
        if self.scenario is None:
            return
        self.param_bar.set_values({p.name: p.default for p in self.scenario.params})
        self._status(f"Settings back to the defaults of {self.scenario.id}.", 4000)

    @Slot(str)
    def show_error(self, text: str) -> None:
        """The one place errors are shown: the status bar, in red, and on stderr."""
        print(f"threadtruth: {text}", file=sys.stderr)
        self.statusBar().setStyleSheet(f"color: {theme.BAD.name()}; font-weight: bold;")
        self.statusBar().showMessage(text)

    def _status(self, text: str, timeout_ms: int = 0) -> None:
        self.statusBar().setStyleSheet("")
        self.statusBar().showMessage(text, timeout_ms)

    def show_saved(self, saved: runfile.SavedRun | SavedTrace, lanes: Lanes) -> None:
        """An opened run, whole: its lanes, panel, story and verdict (nothing is re-run)."""
        self.timeline.set_lanes(lanes, self.colors)
        self.timeline.refresh(force=True)
        self.fit_split()
        self.panel.update_from(lanes)
        self.panel.finish(saved.result, lanes)
        self.narration.show_lanes(lanes, True)
        if saved.result.verdict is not None:
            self.verdict.show_verdict(saved.result.verdict)  # the status bar says it is saved
        else:
            self.verdict.show_idle("Opened a saved run (it had no verdict).")
        self.runs.showing_result = True
        self.time_cursor.forget()

    # -- presenter mode -------------------------------------------------------------------
    def restyle(self) -> None:
        """After a theme or text-size change: what draws its own colours or sizes again."""
        self.balance.refit()  # (it paints with the theme's sizes, not a font of its own)
        self.column_scroll.fit()
        fit_menu_bar(self._menu_bar)
        for dialog in self.dialogs.open():  # open dialogs switch theme with the window
            theme.apply(dialog)
            for child in dialog.findChildren(QWidget):  # what paints with theme colours
                child.update()
        self.verdict.restyle()
        self.code.rehighlight()
        self.narration.set_cursor(self.narration.cursor_ns)
        self.timeline.update()
        self.lecture.restyle()
        lanes = self.bridge.lanes
        if lanes is not None:
            self.panel.update_from(lanes)
        self.update()

    def set_chrome(self, visible: bool) -> None:
        """The lecture preset hides what the scenario does not need: menu bar, scenario
        list, description, the controls toolbar, playback bar and narration (every key
        keeps working; the scenario's own settings stay in view)."""
        header = self.menuWidget()
        if header is not None:  # the menus and the run controls
            header.setVisible(visible)
        self.scenario_list.setVisible(visible)
        self.description.setVisible(visible)
        self.column_scroll.set_scroll_bar(visible)
        self.toolbar.setVisible(visible)  # Space, R, S, B, P, M keep working
        self.playback.setVisible(visible)  # K still plays back
        self._show_below_code()
        share_width(self.columns, max(self.width(), 800), visible)

    def _show_below_code(self) -> None:
        lecture = hasattr(self, "presenter") and self.presenter.lecture
        self.code_box.show_below(self.bytecode_action.isChecked(), lecture)

    def show_status(self, text: str, timeout_ms: int = 3000) -> None:
        self._status(text, timeout_ms)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.presenter.save_on_close()
        self.lecture.shutdown()
        self.dialogs.close_all()
        self.replayer.stop()
        self.bridge.shutdown()  # the reset run's threads joined, a child reaped: none left
        super().closeEvent(event)
