"""The step gate: the lecturer (or a schedule) as the scheduler of real threads.

With a gate on the run, every traced task stops before each line of scenario code until
it is granted a step; a step runs exactly one line (a line that blocks, on a lock or in
a sleep, takes as long as it takes). A task waiting for a lock someone else holds is
"blocked": a step given to it moves the schedule on, and it carries on by itself once
the lock is free, up to its next line. Tasks wait on a Condition, never in the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from time import monotonic

from threadtruth_gui.engine.context import RunCancelled

_SLICE_S = 0.05  # how often a parked task looks at the cancel flag
SETTLE_TIMEOUT_S = 10.0  # a step that takes longer than this is reported, not waited for


@dataclass
class Step:
    task: str
    result: str  # "stepped", "blocked", "ended", "timeout"


@dataclass
class StepGate:
    cancelled: threading.Event
    free: bool = False  # everyone runs without stopping (Run to end)
    steps: list[Step] = field(default_factory=list)  # what each step given did, in order

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._allow: dict[str, int] = {}
        self.parked: set[str] = set()
        self.blocked: set[str] = set()
        self.ended: set[str] = set()

    # -- called by the running tasks ---------------------------------------------------------
    def before_line(self, task: str, on_pause: Callable[[bool], None] | None = None) -> None:
        """Wait for a step. `on_pause(True)` is called when the task has to wait, and
        `on_pause(False)` when it goes on (the runner records them as the paused state)."""
        with self._cond:
            paused = not self.free and self._allow.get(task, 0) <= 0
            if paused and on_pause is not None:
                on_pause(True)
            while not self.free and self._allow.get(task, 0) <= 0:
                if task not in self.parked:
                    self.parked.add(task)
                    self._cond.notify_all()
                self._cond.wait(_SLICE_S)
                if self.cancelled.is_set():
                    self.parked.discard(task)
                    raise RunCancelled
            self.parked.discard(task)
            if not self.free:
                self._allow[task] -= 1
            if paused and on_pause is not None:
                on_pause(False)
            self._cond.notify_all()

    def set_blocked(self, task: str, blocked: bool) -> None:
        with self._cond:
            (self.blocked.add if blocked else self.blocked.discard)(task)
            self._cond.notify_all()

    def task_ended(self, task: str) -> None:
        with self._cond:
            self.ended.add(task)
            self.parked.discard(task)
            self.blocked.discard(task)
            self._cond.notify_all()

    # -- called by whoever schedules ---------------------------------------------------------
    def wait_ready(self, tasks: list[str], timeout: float = SETTLE_TIMEOUT_S) -> bool:
        """Wait until every task has stopped at its first line (or ended)."""
        deadline = monotonic() + timeout
        with self._cond:
            while not all(t in self.parked or t in self.ended for t in tasks):
                left = deadline - monotonic()
                if left <= 0 or self.cancelled.is_set():
                    return False
                self._cond.wait(min(left, _SLICE_S))
        return True

    def step(self, task: str, timeout: float = SETTLE_TIMEOUT_S) -> Step:
        """Let `task` run one line and wait until it stops again (or blocks, or ends)."""
        with self._cond:
            if task in self.ended:
                return self._note(task, "ended")
            if task in self.blocked:
                return self._note(task, "blocked")
            self._allow[task] = self._allow.get(task, 0) + 1
            self._cond.notify_all()
            deadline = monotonic() + timeout
            while True:
                if task in self.ended:
                    return self._note(task, "stepped")
                if self._allow.get(task, 0) <= 0 and (task in self.parked or task in self.blocked):
                    return self._note(task, "blocked" if task in self.blocked else "stepped")
                left = deadline - monotonic()
                if left <= 0 or self.cancelled.is_set():
                    return self._note(task, "timeout")
                self._cond.wait(min(left, _SLICE_S))

    def grant(self, task: str) -> str:
        """Give `task` one step without waiting for it (the window's way): "granted",
        "blocked" (it waits for a lock; nothing changes) or "ended"."""
        with self._cond:
            if task in self.ended:
                return self._note(task, "ended").result
            if task in self.blocked:
                return self._note(task, "blocked").result
            self._allow[task] = self._allow.get(task, 0) + 1
            self._cond.notify_all()
            return self._note(task, "stepped").result

    def settled(self, task: str) -> bool:
        """True when `task` has used its steps and stopped again (or blocked, or ended)."""
        with self._cond:
            if task in self.ended:
                return True
            used = self._allow.get(task, 0) <= 0
            return used and (task in self.parked or task in self.blocked)

    def release(self) -> None:
        """Run to the end: every task runs freely from here."""
        with self._cond:
            self.free = True
            self._cond.notify_all()

    def _note(self, task: str, result: str) -> Step:
        step = Step(task, result)
        self.steps.append(step)
        return step


def run_schedule(gate: StepGate, tasks: list[str], schedule: list[str]) -> list[Step]:
    """Give the steps of `schedule` in order, then let every task run freely."""
    try:
        if gate.wait_ready(tasks):
            for task in schedule:
                if gate.cancelled.is_set():
                    break
                gate.step(task)
    finally:
        gate.release()
    return list(gate.steps)
