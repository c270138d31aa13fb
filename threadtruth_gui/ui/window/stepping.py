"""Step mode: the number keys, a lane or card click run one task a line (an instruction with
B, a coroutine to its next await); the bytecode view follows the stepped task."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QColor

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.probes import TASK
from threadtruth_gui.runs.traced import TracedRun
from threadtruth_gui.runs.traced_gate import FREE
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.replayer import Replayer
from threadtruth_gui.ui.widgets.bytecode_view import BytecodeView
from threadtruth_gui.ui.widgets.prediction import PredictionPanel


class StepViews(Protocol):
    """What stepping needs of the window: its toggles, the question and the bytecode view."""

    colors: dict[str, QColor]
    prediction: PredictionPanel
    bytecode: BytecodeView
    step_action: QAction
    bytecode_action: QAction


def steppable(plan: Plan) -> bool:
    """Step mode fits a few traced threads or coroutines (one number key each)."""
    return (
        len(plan.tasks) <= 9
        and all(spec.watch_lines for spec in plan.tasks)
        and all(phase.mode in ("threads", "asyncio") for phase in plan.phases)
    )


class SteppingController(QObject):
    status = Signal(str, int)  # what to say in the status bar, for how long (0: until next)

    def __init__(
        self, views: StepViews, bridge: RunBridge, replayer: Replayer, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.views, self.bridge, self.replayer = views, bridge, replayer
        self.focus: str | None = None  # the thread the bytecode view follows
        self.code: list[Any] = []  # the functions in the code pane
        # in a lecture, 1-9 during the question count the class's votes (True: counted)
        self.choice_hook: Callable[[int], bool] | None = None

    def setup(self, plan: Plan) -> None:
        """A new plan on screen: its functions, no thread followed, the bytecode view blank."""
        self.code = list(plan.code)
        self.focus = None
        self.views.bytecode.clear("Bytecode: step a thread to see its line as instructions.")

    def step_number(self, number: int) -> None:
        v = self.views
        if v.prediction.isVisible():  # 1-3 answer the question (a lecture: count a vote)
            if self.choice_hook is None or not self.choice_hook(number - 1):
                v.prediction.answer(number - 1)
            return
        names = list(v.colors)
        if 1 <= number <= len(names):
            self.step_task(names[number - 1])

    @Slot(str)
    def step_task(self, name: str) -> None:
        """Let thread `name` run one line (step mode), or say why it cannot."""
        gate = self.bridge.gate
        if gate is None or gate.free or not self.bridge.running:
            if self.views.step_action.isChecked() and not self.bridge.running:
                self.status.emit("Press Space to start the run; then step the threads.", 4000)
            return
        if self.replayer.active:
            self.status.emit("Replaying: Space runs to the end, R stops.", 3000)
            return
        unit = self._unit_for(name)
        result = gate.grant(name, unit)
        self.focus = name
        lanes = self.bridge.lanes
        track = lanes.tasks.get(name) if lanes is not None else None
        if result == "blocked" and track is not None and track.waiting_for is not None:
            lock, holder = track.waiting_for
            self.status.emit(
                f"{name} is blocked: waiting for the lock '{lock}' held by {holder}. "
                "It goes on by itself once the lock is free.",
                0,
            )
        elif result == "blocked":
            self.status.emit(f"{name} is blocked and cannot run now.", 0)
        elif result == "ended":
            self.status.emit(f"{name} has finished.", 0)
        elif result == FREE:
            self.status.emit(f"{name} is a process: step mode does not stop it.", 0)
        else:
            what = {"op": "one instruction", "await": "to its next await"}.get(unit, "one line")
            self.status.emit(f"Stepped {name} {what}. Space runs everything to the end.", 0)

    def _unit_for(self, name: str) -> str:
        run = self.bridge.run
        if isinstance(run, TracedRun):  # its tasks step to their next await, threads a line
            lanes = self.bridge.lanes
            track = lanes.tasks.get(name) if lanes is not None else None
            return "await" if track is not None and track.info.get("kind") == TASK else "line"
        if run is not None:
            for phase in run.plan.phases:
                if phase.mode == "asyncio" and any(s.name == name for s in phase.tasks):
                    return "await"
        return "op" if self.views.bytecode_action.isChecked() else "line"

    @Slot()
    def show_bytecode(self) -> None:
        """Follow the focused thread (the last stepped; else the first) in the bytecode view."""
        v = self.views
        if not v.bytecode_action.isChecked():
            return
        lanes = self.bridge.lanes
        names = list(v.colors)
        name = self.focus or (names[0] if names else None)
        track = lanes.tasks.get(name) if lanes is not None and name is not None else None
        if track is None or name is None:
            return
        if track.state in State.FINAL:
            v.bytecode.clear(f"Thread {name} has finished.")
        elif track.line is not None:
            color = v.colors.get(name, theme.MUTED)
            v.bytecode.show_line(name, color, self.code, track.line, track.offset)
