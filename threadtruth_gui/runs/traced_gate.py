"""Step mode for a traced program: the window's side of a step gate that is in the child.

The program's threads wait at the gate in their own process (runs/traced_child.py, the
same `StepGate` as the scenarios'); a step goes to it as a command, and the child sends
the gate's state back (`TracedRun.gate_told`) with its events, every FLUSH_S. `RemoteGate`
answers the window's questions (grant a step, has the task used it) from that state, as
`StepGate` answers them in-process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from threadtruth_gui.engine.events import Kind
from threadtruth_gui.engine.probes import PROCESS

if TYPE_CHECKING:
    from threadtruth_gui.runs.traced import TracedRun

FREE = "free"  # a lane step mode does not stop: a process (its lines are not traced)


class RemoteGate:
    """The gate of a traced program run with `step=True`, seen from the window."""

    def __init__(self, run: TracedRun) -> None:
        self.run = run
        self.free = False  # released: every thread and task runs to its end
        self._asked = 0  # step commands sent; the child counts those it took in
        self._seen = 0  # events of the run read so far
        self.ended: set[str] = set()
        self._processes: set[str] = set()

    def _read(self) -> None:
        new = self.run.recorder.since(self._seen)
        self._seen += len(new)
        for ev in new:
            if ev.kind == Kind.END:
                self.ended.add(ev.task)
            elif ev.kind == Kind.START and (ev.data or {}).get("kind") == PROCESS:
                self._processes.add(ev.task)

    def grant(self, task: str, unit: str = "line") -> str:
        """Give `task` one step, without waiting: "stepped", "blocked" (it waits for a lock
        another holds: nothing changes), "ended", or FREE (a process: never stopped)."""
        self._read()
        if task in self.ended:
            return "ended"
        if task in self._processes:
            return FREE
        told = self.run.gate_told
        if told is not None and task in told["blocked"]:
            return "blocked"
        self._asked += 1
        self.run.step_task(task, unit)
        return "stepped"

    def settled(self, task: str) -> bool:
        """Whether `task` has used its steps and stopped again (or blocked, or ended), as
        the child last said after taking in every step sent."""
        self._read()
        if task in self.ended:
            return True
        told: dict[str, Any] | None = self.run.gate_told
        if told is None or told["seq"] < self._asked:
            return False
        used = not told["queued"].get(task)
        return used and (task in told["parked"] or task in told["blocked"])

    def parked(self) -> list[str]:
        """The tasks waiting for a step now (as the child last said)."""
        told = self.run.gate_told
        return list(told["parked"]) if told is not None else []

    def release(self) -> None:
        """Run to the end: every thread and task runs freely from here."""
        self.free = True
        self.run.release_steps()
