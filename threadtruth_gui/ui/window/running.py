"""A run from the window: Space (after the class's prediction, when P is on), Reset, and
what the views show as the bridge reports the run starting, going and ending."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QColor

from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.panels import panel_for
from threadtruth_gui.ui.panels.account import AccountPanel
from threadtruth_gui.ui.panels.figures import FiguresPanel
from threadtruth_gui.ui.panels.traced import TracedPanel
from threadtruth_gui.ui.panels.transfers import TransfersPanel
from threadtruth_gui.ui.timeline import TimelineView
from threadtruth_gui.ui.widgets.code_pane import CodePane
from threadtruth_gui.ui.widgets.narration import NarrationPanel
from threadtruth_gui.ui.widgets.prediction import PredictionPanel
from threadtruth_gui.ui.widgets.verdict import VerdictBanner
from threadtruth_gui.ui.window.cursor import CursorController
from threadtruth_gui.ui.window.saved import SavedRunsController
from threadtruth_gui.ui.window.shown import ShownRun, live_markers
from threadtruth_gui.ui.window.stepping import SteppingController, steppable


def step_hint(colors: dict[str, QColor]) -> str:
    """The verdict's words while the threads wait for steps: which key steps which."""
    if not colors:  # a traced program's lanes appear as its threads start
        return "Step mode: each thread stops before its first line. Space: all to the end."
    numbers = ", ".join(f"{i} = {name}" for i, name in enumerate(list(colors)[:9], 1))
    return f"Step mode: {numbers} runs one line. Space: all to the end."


class RunHost(Protocol):
    """What a run needs of the window: its views, toggles and how it sets them up."""

    colors: dict[str, QColor]
    verdict: VerdictBanner
    prediction: PredictionPanel
    timeline: TimelineView
    code: CodePane
    narration: NarrationPanel
    step_action: QAction
    predict_action: QAction

    @property
    def scenario(self) -> Scenario | None: ...
    @property
    def panel(self) -> AccountPanel | TransfersPanel | FiguresPanel | TracedPanel: ...
    def plan_for_params(self) -> tuple[Plan, dict[str, Any]] | None: ...
    def setup_views(self, plan: Plan) -> None: ...
    def show_ready(self) -> None: ...
    def clear_run_views(self) -> None: ...
    def fit_split(self) -> None: ...
    def trace_again(self) -> None: ...


class RunController(QObject):
    status = Signal(str, int)  # what to say in the status bar, for how long (0: until next)
    error = Signal(str)  # what went wrong: the window shows it as an error

    def __init__(
        self,
        host: RunHost,
        bridge: RunBridge,
        shown: ShownRun,
        parts: tuple[CursorController, SteppingController, SavedRunsController],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.host, self.bridge, self.shown = host, bridge, shown
        self.time_cursor, self.stepping, self.saved_runs = parts
        self.showing_result = False  # a finished run's verdict is on screen
        self.pending_note = ""  # said after the run: settings changed while it ran
        self.predicted: tuple[Any, str] | None = None  # the class's answer: (value, label)
        self.choices: list[tuple[Any, str]] = []
        self.pending_start: tuple[Plan, dict[str, Any], bool] | None = None  # asked, not run
        self.lanes_fitted = -1  # the timeline height the split was last fitted to
        # why Space must not run now, if anything says so (a lecture's slide without a run)
        self.guard: Callable[[], str | None] | None = None
        bridge.started.connect(self._on_started)
        bridge.updated.connect(self._on_updated)
        bridge.finished.connect(self._on_finished)
        bridge.failed.connect(self._on_failed)
        bridge.phaseStarted.connect(self._on_phase)

    def _status(self, text: str, timeout_ms: int = 0) -> None:
        self.status.emit(text, timeout_ms)

    @Slot()
    def start_run(self) -> None:
        why = self.guard() if self.guard is not None else None
        if why:
            self._status(why, 4000)
            return
        if self.bridge.running:  # in step mode: let every thread run to its end
            gate = self.bridge.gate
            if gate is not None and not gate.free:
                gate.release()
                self._status("Running every thread to the end.")
                return
        if self.host.scenario is None:  # a traced program is shown: trace it again
            self.host.trace_again()
            return
        if self.bridge.resetting:  # called from the loop a reset is turning: after it
            QTimer.singleShot(0, self.start_run)
            return
        if self.bridge.running:
            self._status("Already running: Reset (R) stops it.", 3000)
            return
        planned = self.host.plan_for_params()
        if planned is None:
            return  # bad settings: the message is shown and nothing changes
        if self.host.prediction.isVisible():
            keys = self.host.prediction.keys_hint()
            self._status(f"Answer first: {keys} (Esc runs without predicting).", 4000)
            return
        self.saved_runs.stop_replay()
        self.bridge.reset()
        self.pending_note = ""
        self.host.setup_views(planned[0])
        stepping = self.host.step_action.isChecked() and steppable(planned[0])
        self.predicted = None
        if self.host.predict_action.isChecked() and self.host.scenario.predict is not None:
            question, self.choices = self.host.scenario.predict(planned[1])
            self.pending_start = (planned[0], planned[1], stepping)
            self.host.clear_run_views()  # nothing of the last run may give the answer away
            self.host.verdict.hide()  # the question takes its place until it is answered
            self.host.prediction.ask(question, [label for _value, label in self.choices])
            keys = self.host.prediction.keys_hint()
            self._status(f"Prediction: the class answers {keys}; then the run starts.")
            return
        self.bridge.start(self.host.scenario, planned[1], planned[0], stepping=stepping)

    @Slot(int)
    def on_predicted(self, index: int) -> None:
        self.predicted = self.choices[index]
        self._start_pending()

    @Slot()
    def on_prediction_skipped(self) -> None:
        self.predicted = None
        self._start_pending()

    def _start_pending(self) -> None:
        self.host.verdict.show()
        pending, self.pending_start = self.pending_start, None
        if pending is not None and self.host.scenario is not None:
            plan, params, _asked = pending
            # S may have been pressed while the class thought: the step mode of now
            stepping = self.host.step_action.isChecked() and steppable(plan)
            self.bridge.start(self.host.scenario, params, plan, stepping=stepping)

    def leave_modes(self) -> None:
        """No replay goes on and no question waits (Reset; a traced program replacing the
        scenario)."""
        self.saved_runs.stop_replay()
        self.pending_start = None
        self.host.prediction.hide()
        self.host.verdict.show()

    @Slot()
    def reset_run(self) -> None:
        was_running = self.bridge.running
        self.leave_modes()
        self.bridge.reset()
        self.host.show_ready()  # (a traced program's: Space traces it again)
        self._status("Stopped and reset." if was_running else "Reset.", 3000)

    def break_deadlock(self) -> None:
        """D: break the deadlock held on screen, as the run's monitor breaks one at once."""
        if self.bridge.break_deadlock():
            self._status("Deadlock broken: one thread's wait ends with an exception.", 4000)
        else:
            self._status("No deadlock is held (View ▸ Hold a deadlock until D).", 4000)

    @Slot()
    def _on_started(self) -> None:
        self.showing_result = False
        self.time_cursor.forget()
        self.host.verdict.show_idle("Running… watch the code markers and the lanes.")
        self.host.timeline.set_lanes(self.bridge.lanes, self.host.colors)
        replaying = self.saved_runs.replaying
        if replaying is not None:
            steps = len(replaying.schedule)
            self.host.verdict.show_idle(f"Replaying the recorded interleaving: {steps} steps.")
            self._status("Replay: the threads wait for their recorded turns.")
            return
        if self.bridge.gate is not None:
            self.host.verdict.show_idle(step_hint(self.host.colors))
            self._status("Every thread waits before its next line.")
            return
        self._status(self.bridge.phase_text())  # the first phase; _on_phase: the next ones

    @Slot(str)
    def _on_phase(self, text: str) -> None:
        """A new phase (mode) began: the status bar names what runs now."""
        if self.bridge.gate is None and self.saved_runs.replaying is None:
            self._status(text)

    @Slot()
    def _on_updated(self) -> None:
        lanes = self.bridge.lanes
        if lanes is None:
            return
        self.host.timeline.refresh()
        if not self.bridge.last_batch and self.bridge.result is None:
            return  # nothing new but the clock: only the timeline moves
        wanted = self.host.timeline.sizeHint().height()
        if wanted != self.lanes_fitted:  # new lanes, or a legend row: the timeline's room
            self.lanes_fitted = wanted
            self.host.fit_split()
        self.host.code.set_markers(live_markers(lanes, self.host.code.file), self.host.colors)
        self.host.panel.update_from(lanes)
        self.stepping.show_bytecode()
        self._narrate(lanes)
        held = "Deadlocked: neither thread can ever go on. D breaks it."
        verdict = self.host.verdict
        if self.bridge.held_deadlock() is not None and verdict.idle_text() not in ("", held):
            # the banner must not say "Running…" over threads that can never go on
            verdict.show_idle(held)

    def _narrate(self, lanes: Lanes, force: bool = False) -> None:
        """The narration, at most 4 times a second while a run goes (it is rebuilt whole)."""
        self.host.narration.show_lanes(lanes, force)

    @Slot(object)
    def _on_finished(self, result: RunResult) -> None:
        self._on_updated()
        if self.bridge.lanes is not None:
            self._narrate(self.bridge.lanes, force=True)
        self.host.timeline.refresh(force=True)  # the last frame is never skipped
        if self.bridge.lanes is not None:
            self.host.panel.finish(result, self.bridge.lanes)
        self.showing_result = True
        self.shown.opened = None
        replayed = self.saved_runs.take_replay()
        if result.verdict is not None:
            self.host.verdict.show_verdict(result.verdict, self.prediction_note(result))
        self.predicted = None
        if replayed is not None:
            self.saved_runs.say_replayed(replayed, result)
            return
        if result.error:
            self.error.emit(f"The run failed: {result.error}")
            return
        failed = [t for t in result.tasks if t["status"] == "failed"]
        if failed and self.host.scenario is not None and panel_for(self.host.scenario) == "account":
            for task in failed:
                self.error.emit(f"Thread {task['name']} failed: {task.get('error', '')}")
            return
        self._status(
            f"Finished in {result.duration_s:.2f} s · {result.events} events."
            + (f"  {self.pending_note}" if self.pending_note else "")
        )

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self.host.verdict.show_idle("The run stopped with an error (see below). R resets.")
        self.error.emit(text)

    def prediction_note(self, result: RunResult) -> str:
        if self.predicted is None or self.host.scenario is None:
            return ""
        value, label = self.predicted
        scenario = self.host.scenario
        actual = result.outcome.get(scenario.predict_key)
        right = actual == value if scenario.predicted is None else scenario.predicted(value, result)
        value_text, _, how = label.partition(": ")  # "$400: A paid, B denied"
        said = f"{value_text} ({how})" if how else label
        if right:
            return f"Your prediction, {said}: right ✔"
        shown = money(actual) if isinstance(actual, (int, float)) else str(actual)
        if actual != value:  # the value alone tells them apart: keep the note short
            said = value_text
            if result.verdict is not None and shown in result.verdict.headline:
                # the headline just above says what it was (and the cards how): one line
                # less, which card B needs at 1280x720 in the lecture preset
                return f"Your prediction, {said}: wrong ✘"
        if scenario.classify is not None:  # the same balance can end two ways: say which
            shown += f", {scenario.classify(result)[0]}"
        return f"Your prediction, {said}: wrong ✘ (it was {shown})"
