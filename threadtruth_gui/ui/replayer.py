"""Replay in the window: give a saved schedule's steps to a gated run, one per tick.

Each step waits until the task it was given to has stopped again (or blocked, or ended),
and at least `pace_ms`, so the class can follow the interleaving; then the next is given.
When the schedule runs out, every task runs freely to its end.
"""

from __future__ import annotations

from time import monotonic

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from threadtruth_gui.engine.events import Event
from threadtruth_gui.engine.gate import SETTLE_TIMEOUT_S, StepGate
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.runs import runfile

PACE_MS = 250


class Replayer(QObject):
    progress = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self.gate: StepGate | None = None
        self.tasks: list[str] = []
        self.schedule: list[tuple[str, str]] = []
        self.index = 0
        self._given_at = 0.0

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(
        self, gate: StepGate, tasks: list[str], schedule: list[tuple[str, str]], pace_ms: int
    ) -> None:
        self.gate, self.tasks, self.schedule = gate, list(tasks), list(schedule)
        self.index, self._given_at = 0, monotonic()
        self._timer.start(pace_ms)

    def stop(self) -> None:
        self._timer.stop()
        self.gate = None

    @Slot()
    def _tick(self) -> None:
        gate = self.gate
        if gate is None or gate.free or gate.cancelled.is_set():
            self.stop()
            return
        if self.index == 0:
            if not all(t in gate.parked or t in gate.ended for t in self.tasks):
                return  # the threads are still on their way to their first line
        else:
            task = self.schedule[self.index - 1][0]
            if not gate.settled(task):
                if monotonic() - self._given_at < SETTLE_TIMEOUT_S:
                    return
                self.progress.emit(f"Replay: {task} did not stop again; running to the end.")
                self._finish(gate)
                return
        if self.index >= len(self.schedule):
            self.progress.emit("Replay: schedule done; every thread runs to its end.")
            self._finish(gate)
            return
        task, unit = self.schedule[self.index]
        result = gate.grant(task, unit)
        self.index += 1
        self._given_at = monotonic()
        what = {"line": "one line", "op": "one instruction", "await": "to its next await"}[unit]
        note = "" if result == "stepped" else f" ({result})"
        self.progress.emit(
            f"Replay: step {self.index} of {len(self.schedule)}: {task} runs {what}{note}"
        )

    def _finish(self, gate: StepGate) -> None:
        self.stop()
        gate.release()


def replay_message(
    replayed: runfile.SavedRun, result: RunResult, events: list[Event]
) -> tuple[bool, str]:
    """(same outcome, what to tell the class) at the end of a replay in the window. Times
    and resource figures are not compared: they differ between any two runs."""
    same_schedule = runfile.schedule_of(events, gated=True) == replayed.schedule
    why = runfile.explain(replayed, result.outcome, same_schedule)
    if why:
        return False, why
    order = "in the recorded order" if same_schedule else "(the steps ran in another order)"
    return True, (
        f"Replay done: the same outcome as the recorded run, "
        f"{len(replayed.schedule)} steps {order}."
    )
