"""What scenario code calls while it runs: `sleep`, `report`, `counter` and `ObservedLock`.

Each worker runs with a `TaskContext` in a context variable, so these helpers know which
task and which run they belong to without being passed around. Outside a run they behave
like their plain counterparts and record nothing.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

from threadtruth_gui.engine.events import Kind, Recorder, State


class RunCancelled(Exception):
    """Raised inside a worker when its run is cancelled (Reset, window closed)."""


class TaskFailed(Exception):
    """A task failed for a reason worth showing as it is ("HTTP 404", "no data for 5 s").

    `fields` join the task's entry in the result (e.g. bytes received, verified=False).
    """

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.fields = fields


class Lockish(Protocol):
    def locked(self) -> bool: ...


class Gate(Protocol):
    """What a run's tasks ask of the step gate (engine/gate.py's `StepGate`), declared here
    so that the context, which the gate needs, does not import the gate back."""

    free: bool  # everyone runs without stopping
    running_unit: dict[str, str]  # the unit of the step each task is running

    def before_line(self, ctx: TaskContext) -> None: ...
    def before_op(self, ctx: TaskContext) -> None: ...
    def try_go(self, ctx: TaskContext) -> bool: ...
    def set_blocked(self, task: str, blocked: bool, lock: Lockish | None = None) -> None: ...
    def task_ended(self, task: str) -> None: ...


@dataclass
class RunContext:
    recorder: Recorder
    cancelled: threading.Event = field(default_factory=threading.Event)
    received: dict[str, int] = field(default_factory=dict)  # bytes so far, per task
    gate: Gate | None = None  # when set, traced tasks run one line per step given
    ticks: dict[str, int] = field(default_factory=dict)  # last `tick()` per task
    states: dict[str, str] = field(default_factory=dict)  # the last state recorded per task
    # step mode: the locals a stopped thread shows ({name: format}; None: every small one)
    show_locals: Mapping[str, Callable[[Any], str] | None] | None = None
    # (task, shared name) -> the value that task last read or wrote (see `read`)
    seen: dict[tuple[str, str], Any] = field(default_factory=dict)
    queued: dict[str, int | None] = field(default_factory=dict)  # run-queue ns at a tick
    threads: dict[str, threading.Thread] = field(default_factory=dict)  # that ran each task
    begun: dict[str, int] = field(default_factory=dict)  # when each task began (perf ns)
    cpu_at_end: dict[str, int] = field(default_factory=dict)  # a thread's own CPU ns, at its end
    released_ns: int = 0  # a phase's threads started together: when they were let go


@dataclass(frozen=True)
class TaskContext:
    run: RunContext
    task: str
    # a coroutine: the gate steps it at its awaits (`gate.stepped`), never at traced lines,
    # which would park the whole event loop
    is_async: bool = False

    def record(self, kind: str, data: Any = None) -> None:
        if kind == Kind.STATE:
            self.run.states[self.task] = data if isinstance(data, str) else data[0]
        self.run.recorder.record(self.task, kind, data)

    def record_at(self, t_ns: int, kind: str, data: Any = None) -> None:
        if kind == Kind.STATE:
            self.run.states[self.task] = data if isinstance(data, str) else data[0]
        self.run.recorder.record_at(t_ns, self.task, kind, data)


_current: ContextVar[TaskContext | None] = ContextVar("threadtruth_task", default=None)


def current() -> TaskContext | None:
    return _current.get()


def leave_task() -> None:
    """This thread (or coroutine) runs no task of a run from here on."""
    _current.set(None)


def enter_task(ctx: TaskContext) -> None:
    """Bind the calling thread (or asyncio task context) to `ctx`."""
    _current.set(ctx)


def sleep(seconds: float) -> None:
    """Block this thread for `seconds`, like `time.sleep`, but wake at once on cancel.

    It waits on a `threading.Event`, which releases the GIL exactly as `time.sleep` does;
    the difference is that Reset does not have to wait out a long processing delay.
    """
    ctx = _current.get()
    if ctx is None:
        time.sleep(seconds)
        return
    ctx.record(Kind.STATE, State.SLEEPING)
    if seconds <= 0:
        time.sleep(0)  # like time.sleep(0): give up the GIL once (an Event wait would not)
        if ctx.run.cancelled.is_set():
            raise RunCancelled
    elif ctx.run.cancelled.wait(seconds):
        raise RunCancelled
    ctx.record(Kind.STATE, State.RUNNING)


def report(what: str, **data: Any) -> None:
    """Record what the code just did (shown on the task's card), like a print."""
    ctx = _current.get()
    if ctx is not None:
        ctx.record(Kind.NOTE, (what, data))


def received(nbytes: int, total: int = 0) -> None:
    """Record that this task received `nbytes` more bytes (of `total`, if known).

    Raises RunCancelled once the run is cancelled, so a download stops at its next chunk.
    """
    ctx = _current.get()
    if ctx is None:
        return
    if ctx.run.cancelled.is_set():  # each chunk is a point where Reset can stop a download
        raise RunCancelled
    done = ctx.run.received.get(ctx.task)
    if done is None:
        done = 0
        ctx.record(Kind.STATE, State.RECEIVING)
    done += nbytes
    ctx.run.received[ctx.task] = done
    ctx.record(Kind.PROGRESS, (done, total))


_GIL_GAP_NS = 300_000  # a gap this long between two ticks of a busy thread: it was not running


def run_queue_wait_ns(native_id: int | None = None) -> int | None:
    """How long a thread of this process (default: the calling one) has waited, runnable,
    for a CPU: Linux's schedstat (ns on a CPU, ns on the run queue, slices). None where the
    system does not say."""
    where = "thread-self" if native_id is None else f"self/task/{native_id}"
    path = f"/proc/{where}/schedstat"
    try:
        with open(path, "rb") as f:
            return int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None


def gap_state(
    task: str, last_ns: int, ticks: dict[str, int], queued_ns: int | None, gap_ns: int
) -> tuple[str, str]:
    """What a thread that made no progress from `last_ns` for `gap_ns` was doing, from what
    was measured: another of this run's threads ticked in the gap (it held the GIL); or the
    OS kept this thread waiting on the run queue for most of the gap (`queued_ns`); or it
    slept without either, which for pure-Python work is a wait for a GIL held by a thread
    outside this run (the window, the run's driver). Only the first is "waiting for the
    GIL"; the others are "paused by the OS or the app" (the hover says which)."""
    others = any(t > last_ns for name, t in ticks.items() if name != task)
    if others:
        return State.GIL, "another thread of this run held the GIL"
    if queued_ns is None:
        return State.DESCHEDULED, "no other thread of this run ran (the OS's run queue unread)"
    if 2 * queued_ns >= gap_ns:
        return State.DESCHEDULED, f"runnable, queued by the OS for {queued_ns / 1e6:.1f} ms"
    # not "waiting for the GIL": no worker of this run had it (the window or the run's
    # driver may have; the class sees no thread of the lesson that held it)
    return State.DESCHEDULED, "no worker of this run ran: the window or the driver held the GIL"


def tick() -> None:
    """Called often by CPU-bound scenario code (every ~10 µs of work): a gap between two
    ticks means the thread was runnable but not running. The gap is recorded as a span of
    what was measured (`gap_state`): waiting for the GIL (another worker had it), or paused
    by the OS or the app (the window or the driver had it).
    A no-op outside a run (in a process)."""
    ctx = _current.get()
    if ctx is None:
        return
    if ctx.run.cancelled.is_set():  # CPU-bound code has no other place to stop at
        raise RunCancelled
    now = time.perf_counter_ns()
    ticks = ctx.run.ticks
    last = ticks.get(ctx.task)
    ticks[ctx.task] = now
    if last is None:
        ctx.run.queued[ctx.task] = run_queue_wait_ns()
    elif now - last > _GIL_GAP_NS:
        before, queued = ctx.run.queued.get(ctx.task), run_queue_wait_ns()
        ctx.run.queued[ctx.task] = queued
        waited = queued - before if queued is not None and before is not None else None
        state, why = gap_state(ctx.task, last, ticks, waited, now - last)
        ctx.record_at(last, Kind.STATE, (state, why))
        ctx.record(Kind.STATE, State.RUNNING)


def counter(name: str, value: float) -> None:
    """Record a new value of a shared quantity (drawn as a counter track)."""
    ctx = _current.get()
    if ctx is not None:
        ctx.run.seen[(ctx.task, name)] = value
        ctx.record(Kind.COUNTER, (name, value))


def read(name: str, value: Any) -> None:
    """Record that this task read the shared `name` and saw `value`, at the moment it read it
    (told as "read balance $1,000"). A read that sees what this task itself last read or
    wrote of `name` tells nothing new and is not recorded again."""
    ctx = _current.get()
    if ctx is None:
        return
    key = (ctx.task, name)
    seen = ctx.run.seen
    if key in seen and seen[key] == value:
        return
    seen[key] = value
    ctx.record(Kind.NOTE, ("read", {name: value}))


class Deadlocked(TaskFailed):
    """Raised in a thread whose lock wait was part of a deadlock the run has broken."""


class _Observed:
    """What both observed locks share: a name, the holder, and recorded acquire/release."""

    _lock: threading.Lock | asyncio.Lock

    def __init__(self, name: str) -> None:
        self.name = name
        self.holder: str | None = None

    def _took(self, ctx: TaskContext | None) -> None:
        self.holder = ctx.task if ctx else None
        if ctx is not None:
            ctx.record(Kind.LOCK, ("acquired", self.name, ctx.task))

    def release(self) -> None:
        ctx = _current.get()
        self.holder = None
        if ctx is not None:
            ctx.record(Kind.LOCK, ("released", self.name, ctx.task))
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()


class ObservedLock(_Observed):
    """A real `threading.Lock` whose waits, acquisitions and releases are recorded.

    Mutual exclusion is the wrapped lock's own; this class only watches it. A blocked
    acquire waits in short slices so that a cancelled run can still end, and so that a
    deadlock found in the wait-for graph (engine/deadlock.py) can be broken.
    """

    _SLICE_S = 0.05

    _lock: threading.Lock

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._lock = threading.Lock()
        # task -> (since, timed): who waits for this lock, since when (perf_counter_ns),
        # and whether with a timeout (a wait with a timeout cannot deadlock)
        self.waiting: dict[str, tuple[int, bool]] = {}
        self._broken: dict[str, str] = {}  # task -> why its wait was broken
        self._guard = threading.Lock()  # waiting and _broken change together

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        ctx = _current.get()
        if self._lock.acquire(blocking=False):
            self._took(ctx)
            return True
        if not blocking:
            return False
        if ctx is None:
            if not self._lock.acquire(timeout=timeout):
                return False
            self._took(ctx)
            return True
        ctx.record(Kind.LOCK, ("wait", self.name, self.holder))
        ctx.record(Kind.STATE, State.WAITING)
        timed = timeout >= 0
        deadline = time.monotonic() + timeout if timed else None
        with self._guard:
            self.waiting[ctx.task] = (time.perf_counter_ns(), timed)
        gate = ctx.run.gate
        if gate is not None:
            gate.set_blocked(ctx.task, True, self)
        try:
            while True:
                left = self._SLICE_S if deadline is None else deadline - time.monotonic()
                if left <= 0:
                    ctx.record(Kind.LOCK, ("gave up", self.name, self.holder))
                    ctx.record(Kind.STATE, State.RUNNING)
                    return False
                if self._lock.acquire(timeout=min(left, self._SLICE_S)):
                    break
                if ctx.run.cancelled.is_set():
                    raise RunCancelled
                with self._guard:
                    why = self._broken.pop(ctx.task, None)
                if why is not None:
                    raise Deadlocked(why)
        finally:
            with self._guard:
                self.waiting.pop(ctx.task, None)
                self._broken.pop(ctx.task, None)
            if gate is not None:
                gate.set_blocked(ctx.task, False)
        self._took(ctx)
        ctx.record(Kind.STATE, State.RUNNING)
        return True

    def break_wait(self, task: str, why: str) -> None:
        """Make `task`'s wait for this lock end with `Deadlocked(why)` (from another thread);
        nothing if that wait has ended meanwhile."""
        with self._guard:
            if task in self.waiting:
                self._broken[task] = why

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class ObservedAsyncLock(_Observed):
    """A real `asyncio.Lock` whose waits, acquisitions and releases are recorded.

    A coroutine waiting for it tells the step gate it is blocked, as a thread waiting for
    an ObservedLock does, so a step given to it moves the schedule on.
    """

    _lock: asyncio.Lock

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._lock = asyncio.Lock()  # binds to the loop that first waits for it

    async def acquire(self) -> bool:
        ctx = _current.get()
        # free, with nobody woken and about to take it: no wait to report
        if ctx is None or not (self._lock.locked() or getattr(self._lock, "_waiters", None)):
            await self._lock.acquire()
            self._took(ctx)
            return True
        ctx.record(Kind.LOCK, ("wait", self.name, self.holder))
        ctx.record(Kind.STATE, State.WAITING)
        gate = ctx.run.gate
        if gate is not None:
            gate.set_blocked(ctx.task, True, self)
        try:
            await self._lock.acquire()
        finally:
            if gate is not None:
                gate.set_blocked(ctx.task, False)
        self._took(ctx)
        ctx.record(Kind.STATE, State.RUNNING)
        return True

    async def __aenter__(self) -> bool:
        return await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
