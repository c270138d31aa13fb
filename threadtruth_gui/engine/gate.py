"""The step gate: the lecturer (or a schedule) as the scheduler of real threads and coroutines.

With a gate on the run, every traced task stops before each line of scenario code until
it is granted a step. A step's *unit* is chosen per step:

- "line": run one line (a line that blocks, on a lock or in a sleep, takes as long as it takes);
- "op": run one bytecode instruction (`balance -= amount` is read, compute, write);
- "await": a coroutine runs from where it is to its next `await` that suspends.

Threads park in `before_line`/`before_op`, called by the line tracer, on a Condition, never
in the GUI thread. Coroutines park in `stepped()`, which drives the coroutine the way an
asyncio Task does and polls the gate between resumptions, so the event loop (the window's
own, under qasync) keeps running while they wait.

A task waiting for a lock that another task holds is "blocked": a step given to it moves the
schedule on, and it carries on by itself once the lock is free, up to its next line. A step
given to a blocked task whose lock has just been freed counts as a step: the task takes the
lock and runs its next line, so a schedule replays the same way however fast the waiter wakes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Coroutine, Generator
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

from threadtruth_gui.engine.clip import quoted
from threadtruth_gui.engine.context import Gate, Lockish, RunCancelled, TaskContext
from threadtruth_gui.engine.events import Kind, State

_SLICE_S = 0.05  # how often a parked thread looks at the cancel flag
_ASYNC_POLL_S = 0.01  # how often a parked coroutine looks at the gate
SETTLE_TIMEOUT_S = 10.0  # a step that takes longer than this is reported, not waited for
UNITS = ("line", "op", "await")


@dataclass
class Step:
    task: str
    result: str  # "stepped", "blocked", "ended", "timeout"
    unit: str = "line"

    def to_json(self) -> dict[str, str]:
        return {"task": self.task, "unit": self.unit, "result": self.result}


def parse_step(text: str) -> tuple[str, str]:
    """ "A" -> ("A", "line"); "A:op" -> ("A", "op"). Raise ValueError saying why not."""
    task, _, unit = text.strip().partition(":")
    task, unit = task.strip(), (unit.strip() or "line")
    if not task:
        raise ValueError(f"a step needs a task name, not {quoted(text)}")
    if unit not in UNITS:
        raise ValueError(f"step {quoted(text)}: the unit must be one of {', '.join(UNITS)}")
    return task, unit


@dataclass
class StepGate:
    cancelled: threading.Event
    free: bool = False  # everyone runs without stopping (Run to end)
    steps: list[Step] = field(default_factory=list)  # what each step given did, in order

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        # steps granted and not yet taken, each with its unit, in order, per task
        self._queue: dict[str, deque[str]] = {}
        # the unit of the step a task is running now: where it stops next (default: line)
        self.running_unit: dict[str, str] = {}
        self._skip_op: set[str] = set()
        self._blocked_on: dict[str, Lockish] = {}
        self.parked: set[str] = set()
        self.blocked: set[str] = set()
        self.ended: set[str] = set()

    # -- called by the running threads (from the line tracer) ---------------------------------
    def before_line(self, ctx: TaskContext) -> None:
        """At a line event. In "op" units the instruction that follows parks instead."""
        task = ctx.task
        if self.running_unit.get(task, "line") == "op":
            return
        self._park(ctx, "line")
        if self.running_unit.get(task, "line") == "op" and not self.free:
            # switched to instructions while parked here: this step runs the line's first
            # instruction, so the opcode event that follows at once must not park again
            self._skip_op.add(task)

    def before_op(self, ctx: TaskContext) -> None:
        """At an opcode event (only traced while the gate is closed)."""
        task = ctx.task
        if self.running_unit.get(task, "line") != "op":
            return
        if task in self._skip_op:
            self._skip_op.discard(task)
            return
        self._park(ctx, "op")

    def _park(self, ctx: TaskContext, at: str) -> None:
        """Wait for a step; the wait shows as the paused state."""
        task = ctx.task
        with self._cond:
            paused = not self.free and not self._queue.get(task)
            if paused:
                ctx.record(Kind.STATE, State.PAUSED)
            while not self.free and not self._queue.get(task):
                if task not in self.parked:
                    self.parked.add(task)
                    self._cond.notify_all()
                self._cond.wait(_SLICE_S)
                if self.cancelled.is_set():
                    self.parked.discard(task)
                    raise RunCancelled
            self._go_on(ctx, at)
            if paused:
                ctx.record(Kind.STATE, State.RUNNING)

    def _go_on(self, ctx: TaskContext, at: str) -> None:
        """The task passes the gate: it runs from here. The GO event (under the condition,
        so in the exact order tasks went) is what a replay's schedule is made of."""
        task = ctx.task
        self.parked.discard(task)
        queue = self._queue.get(task)
        # the unit this step was granted with; released (or cancelled), it runs freely
        free_unit = "await" if at == "await" else "line"
        unit = free_unit if self.free or not queue else queue.popleft()
        self.running_unit[task] = unit
        ctx.record(Kind.GO, unit)
        self._cond.notify_all()

    # -- called by coroutines (from `stepped`) ------------------------------------------------
    def try_go(self, ctx: TaskContext) -> bool:
        """Non-blocking: take a step if one is granted (or the gate is open); else park."""
        task = ctx.task
        with self._cond:
            if self.free or self.cancelled.is_set() or self._queue.get(task):
                self._go_on(ctx, "await")
                return True
            if task not in self.parked:
                self.parked.add(task)
                self._cond.notify_all()
            return False

    # -- called by the scenario's locks ----------------------------------------------------------
    def set_blocked(self, task: str, blocked: bool, lock: Lockish | None = None) -> None:
        with self._cond:
            if blocked:
                self.blocked.add(task)
                if lock is not None:
                    self._blocked_on[task] = lock
            else:
                self.blocked.discard(task)
                self._blocked_on.pop(task, None)
            self._cond.notify_all()

    def task_ended(self, task: str) -> None:
        with self._cond:
            self.ended.add(task)
            self.parked.discard(task)
            self.blocked.discard(task)
            self._blocked_on.pop(task, None)
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

    def _stuck(self, task: str) -> bool:
        """Blocked on a lock that is still held (a freed lock's waiter is about to run)."""
        if task not in self.blocked:
            return False
        lock = self._blocked_on.get(task)
        return lock is None or lock.locked()

    def _give(self, task: str, unit: str) -> Step | None:
        """Grant one step (under the condition); the Step if it could not be given."""
        if unit not in UNITS:
            raise ValueError(f"unknown step unit {unit!r}")
        if task in self.ended:
            return self._note(task, "ended", unit)
        if self._stuck(task):
            return self._note(task, "blocked", unit)
        self._queue.setdefault(task, deque()).append(unit)
        self._cond.notify_all()
        return None

    def step(self, task: str, unit: str = "line", timeout: float = SETTLE_TIMEOUT_S) -> Step:
        """Let `task` run one unit and wait until it stops again (or blocks, or ends)."""
        with self._cond:
            refused = self._give(task, unit)
            if refused is not None:
                return refused
            deadline = monotonic() + timeout
            while True:
                if task in self.ended:
                    return self._note(task, "stepped", unit)
                if not self._queue.get(task) and (task in self.parked or self._stuck(task)):
                    return self._note(task, "blocked" if self._stuck(task) else "stepped", unit)
                left = deadline - monotonic()
                if left <= 0 or self.cancelled.is_set():
                    return self._note(task, "timeout", unit)
                self._cond.wait(min(left, _SLICE_S))

    def grant(self, task: str, unit: str = "line") -> str:
        """Give `task` one step without waiting for it (the window's way): "stepped",
        "blocked" (it waits for a held lock; nothing changes) or "ended"."""
        with self._cond:
            refused = self._give(task, unit)
            return (
                refused.result if refused is not None else self._note(task, "stepped", unit).result
            )

    def settled(self, task: str) -> bool:
        """True when `task` has used its steps and stopped again (or blocked, or ended)."""
        with self._cond:
            if task in self.ended:
                return True
            used = not self._queue.get(task)
            return used and (task in self.parked or self._stuck(task))

    def snapshot(self) -> dict[str, Any]:
        """What `settled` reads, at one moment: a traced program's gate is in its process,
        and the window's proxy of it (runs/traced_gate.py) decides from this."""
        with self._cond:
            return {
                "parked": sorted(self.parked),
                "blocked": sorted(t for t in self.blocked if self._stuck(t)),
                "queued": {task: len(q) for task, q in self._queue.items() if q},
                "free": self.free,
            }

    def release(self) -> None:
        """Run to the end: every task runs freely from here."""
        with self._cond:
            self.free = True
            self._skip_op.clear()
            self._cond.notify_all()

    def _note(self, task: str, result: str, unit: str) -> Step:
        step = Step(task, result, unit)
        self.steps.append(step)
        return step


def run_schedule(gate: StepGate, tasks: list[str], schedule: list[tuple[str, str]]) -> list[Step]:
    """Give the steps of `schedule` ((task, unit) pairs) in order, then let every task
    run freely."""
    try:
        if gate.wait_ready(tasks):
            for task, unit in schedule:
                if gate.cancelled.is_set():
                    break
                gate.step(task, unit)
    finally:
        gate.release()
    return list(gate.steps)


class stepped:  # used like a function: `await stepped(coro, gate, ctx)`
    """Await `coro` one resumption per step: a task of an asyncio scenario under the gate.

    Without a gate it only observes (`observe`): the time the coroutine spends suspended at
    an await is recorded as "awaiting", unless the code said what it waits for (a lock).

    It does what `yield from coro` does (every future the coroutine awaits goes to the
    asyncio Task unchanged, so cancellation and results flow as usual), but before each
    resumption it waits, by polling the gate on the event loop, for a step. So a step runs
    the coroutine from one `await` that suspends to the next. After each suspension the line
    it stopped at is recorded, for the code pane.
    """

    def __init__(
        self,
        coro: Coroutine[Any, Any, Any],
        gate: Gate | None,
        ctx: TaskContext,
        observe: bool = False,
    ) -> None:
        self.coro, self.gate, self.ctx, self.observe = coro, gate, ctx, observe

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, gate, ctx, observe = self.coro, self.gate, self.ctx, self.observe
        states = ctx.run.states
        to_send: Any = None
        to_throw: BaseException | None = None
        try:
            while True:
                paused = False
                while gate is not None and not gate.try_go(ctx):  # park on the loop
                    if not paused:
                        paused = True
                        ctx.record(Kind.STATE, State.PAUSED)
                    try:
                        yield from asyncio.sleep(_ASYNC_POLL_S).__await__()
                    except BaseException as exc:  # cancelled while parked: the coroutine
                        to_throw = exc  # gets it, as it would at its own await
                        break
                if paused:
                    ctx.record(Kind.STATE, State.RUNNING)
                try:
                    awaited = coro.throw(to_throw) if to_throw is not None else coro.send(to_send)
                except StopIteration as stop:
                    return stop.value
                frame = getattr(coro, "cr_frame", None)
                if frame is not None and gate is not None:
                    ctx.record(Kind.LINE, frame.f_lineno)
                if observe and awaited is not None and states.get(ctx.task) == State.RUNNING:
                    ctx.record(Kind.STATE, State.AWAITING)  # suspended: the loop runs others
                to_send, to_throw = None, None
                try:
                    to_send = yield awaited
                except BaseException as exc:
                    to_throw = exc
                if observe and states.get(ctx.task) == State.AWAITING:
                    ctx.record(Kind.STATE, State.RUNNING)
        finally:
            coro.close()
