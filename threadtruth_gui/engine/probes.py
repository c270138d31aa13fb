"""Probes for a traced program: its threads, locks, waits, sleeps and processes, as events.

`Probes.install()` (and `probes_async.install()`, for asyncio) runs in the child process
of `threadtruth trace`, before the user's script is imported. It replaces the
constructors of `threading.Lock`, `RLock`, `Condition`, `Semaphore`, `BoundedSemaphore`,
`Event` and of `queue.Queue` (and its Lifo and Priority kinds). An object made by the
program's own code (a file under the script's folder, not the standard library nor
site-packages) is observed and named by where it was made (`bank.py:12`); one made by a
library is the plain object, so a pool's or a queue's inner locks stay out of the story.

Threads get a lane each as they start (`Thread._bootstrap_inner`), processes as they
start (`multiprocessing.process.BaseProcess.start`). What is not seen is said, not
guessed: threads started by C code, locks taken inside C code, a program that replaces
the line hook.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, SupportsIndex

from threadtruth_gui.engine.context import (
    Deadlocked,
    ObservedLock,
    RunContext,
    TaskContext,
    current,
    enter_task,
)
from threadtruth_gui.engine.deadlock import WaitedFor
from threadtruth_gui.engine.events import Kind, Recorder, State

# what the program's objects are called in lanes, the JSON and the help
LOCK, RLOCK, CONDITION, SEMAPHORE, BOUNDED, EVENT, QUEUE = (
    "Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event", "Queue"
)  # fmt: skip
ASYNC_LOCK, ASYNC_SEMAPHORE, ASYNC_EVENT, ASYNC_QUEUE = (
    "asyncio.Lock", "asyncio.Semaphore", "asyncio.Event", "asyncio.Queue"
)  # fmt: skip

# lanes of these kinds (a START event's "kind")
THREAD, TASK, PROCESS = "thread", "task", "process"


class Probes:
    """The traced program's run: its recorder, its own files, its observed objects."""

    def __init__(self, script: str, recorder: Recorder | None = None) -> None:
        self.script = os.path.realpath(script)
        self.root = os.path.dirname(self.script) + os.sep
        self.run = RunContext(recorder or Recorder())
        # the wait-for graph's nodes: Lock, RLock, asyncio.Lock, and a thread being joined
        self.locks: list[WaitedFor] = []
        self.objects: list[tuple[str, str]] = []  # (name, kind) of every observed object
        self.contexts: dict[int, TaskContext] = {}  # thread ident -> its lane's context
        self.threads: dict[str, threading.Thread] = {}  # lane name -> thread
        self._names: set[str] = set()
        self._sites: dict[str, int] = {}  # how many objects each site made so far
        self._own: dict[str, bool] = {}  # file name -> is it the program's own
        self._skip = tuple(
            os.path.realpath(p) + os.sep
            for p in {
                sys.prefix,
                sys.base_prefix,
                sys.exec_prefix,
                *(sysconfig.get_paths().get(k, "") for k in ("stdlib", "purelib", "platlib")),
                os.path.dirname(os.path.dirname(os.path.abspath(__file__))),  # threadtruth_gui
            }
            if p
        )
        self.pid = os.getpid()
        # a thread's end as its run() ended it: lane -> (status, error text)
        self.ended: dict[str, tuple[str, str | None]] = {}
        self.processes: list[tuple[TaskContext, Any]] = []  # started, not yet seen to end

    # -- the program's own files -----------------------------------------------------------
    def own(self, filename: str) -> bool:
        """Whether `filename` is the program's own: under the script's folder, and neither
        the standard library, site-packages nor this app."""
        known = self._own.get(filename)
        if known is None:
            if filename.startswith("<"):
                known = False
            else:
                path = os.path.realpath(filename)
                parts = path[len(self.root) :].split(os.sep)
                known = (
                    path.startswith(self.root)
                    and not path.startswith(self._skip)
                    # a virtualenv or installed packages inside the script's folder
                    and not {"site-packages", "dist-packages"} & set(parts)
                )
            self._own[filename] = known
        return known

    def short(self, filename: str) -> str:
        """A file of the program as the lecturer knows it: its path from the script's folder."""
        path = os.path.realpath(filename)
        return path[len(self.root) :] if path.startswith(self.root) else os.path.basename(path)

    def site(self, frame: FrameType | None) -> str | None:
        """The name of an object made at `frame`'s line ("bank.py:12", then "bank.py:12 #2"
        for the next one made there), or None when that code is not the program's own."""
        if frame is None or not self.own(frame.f_code.co_filename):
            return None
        where = f"{self.short(frame.f_code.co_filename)}:{frame.f_lineno}"
        made = self._sites.get(where, 0) + 1
        self._sites[where] = made
        return where if made == 1 else f"{where} #{made}"

    def observed(self, name: str, kind: str) -> str:
        self.objects.append((name, kind))
        return name

    # -- lanes -----------------------------------------------------------------------------
    def lane_name(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self._names:
            n += 1
            name = f"{wanted} #{n}"
        self._names.add(name)
        return name

    def open_lane(self, wanted: str, kind: str, is_async: bool = False, **info: Any) -> TaskContext:
        """A new lane: its START (with its kind) and its first state, running."""
        ctx = TaskContext(self.run, self.lane_name(wanted), is_async=is_async)
        ctx.record(Kind.START, {"kind": kind, **info})
        ctx.record(Kind.STATE, State.RUNNING)
        return ctx

    def bind_thread(self, thread: threading.Thread) -> TaskContext:
        """The calling thread (`thread`) gets a lane: it runs under its context from now on."""
        label = "daemon thread" if thread.daemon else "thread"  # the lane's caption
        ctx = self.open_lane(thread.name, THREAD, label=label)
        self.contexts[threading.get_ident()] = ctx
        self.threads[ctx.task] = thread
        enter_task(ctx)
        return ctx

    # -- installing ------------------------------------------------------------------------
    def install(self, on_thread: Callable[[TaskContext], None] | None = None) -> None:
        """Patch the constructors and entry points (see the module's docstring). Threads
        made from here on are lanes; `on_thread` runs in each as it starts (line watching)."""
        _patch_threads(self, on_thread)
        _patch_sync(self)
        _patch_sleep(self)
        _patch_processes(self)


def caller(depth: int = 2) -> FrameType | None:
    try:
        return sys._getframe(depth)
    except ValueError:
        return None


# -- threads ---------------------------------------------------------------------------------
def _patch_threads(probes: Probes, on_thread: Callable[[TaskContext], None] | None) -> None:
    bootstrap = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def _bootstrap_inner(self: threading.Thread) -> None:
        if getattr(self, "_threadtruth_own", False):  # the tracer's own helper threads
            bootstrap(self)
            return
        ctx = probes.bind_thread(self)
        if on_thread is not None:
            on_thread(ctx)
        run = self.run

        def watched_run() -> None:  # its failure seen here, whatever excepthook it has
            try:
                run()
            except SystemExit:
                raise
            except BaseException as exc:
                probes.ended[ctx.task] = end_of(probes, exc)
                raise

        self.run = watched_run  # type: ignore[method-assign]
        try:
            bootstrap(self)
        finally:
            end = probes.ended.pop(ctx.task, None)
            ctx.record(Kind.END, end if end is not None else ("done", None))

    threading.Thread._bootstrap_inner = _bootstrap_inner  # type: ignore[attr-defined]
    join = threading.Thread.join

    def joining(self: threading.Thread, timeout: float | None = None) -> None:
        """A join is a wait for the thread's end, which that thread "holds": a node of the
        wait-for graph (a main thread holding a lock the thread waits for deadlocks)."""
        ctx = current()
        if ctx is None or not self.is_alive() or self is threading.current_thread():
            join(self, timeout)
            return
        ended = next(
            (c for c in probes.contexts.values() if probes.threads.get(c.task) is self), None
        )
        node = WaitNode(f"{self.name}'s end (join)")
        node.holder = ended.task if ended is not None else self.name
        node.waiting[ctx.task] = (time.perf_counter_ns(), timeout is not None)
        probes.locks.append(node)
        ctx.record(Kind.STATE, (State.WAITING, f"waiting for {self.name} to end (join)"))
        blocked(ctx, True)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while self.is_alive():
                left = _SLICE_S if deadline is None else min(_SLICE_S, deadline - time.monotonic())
                if left <= 0:
                    break
                join(self, left)
                why = node.broken(ctx.task)
                if why is not None:
                    raise Deadlocked(why)
        finally:
            node.waiting.pop(ctx.task, None)
            with contextlib.suppress(ValueError):
                probes.locks.remove(node)
            blocked(ctx, False)
            ctx.record(Kind.STATE, State.RUNNING)

    threading.Thread.join = joining  # type: ignore[method-assign]


_SLICE_S = 0.05  # a join waits in slices, so that a deadlock through it can be broken


class WaitNode:
    """Something a traced program waits for that one task holds, as the wait-for graph
    (engine/deadlock.py) sees it: a thread's end (join), an asyncio.Lock. Breaking a wait
    for it marks it broken; `on_break` wakes a waiter that cannot poll (a coroutine)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.holder: str | None = None
        self.waiting: dict[str, tuple[int, bool]] = {}
        self.on_break: dict[str, Callable[[], None]] = {}
        self._broken: dict[str, str] = {}
        self._guard = threading.Lock()

    def break_wait(self, task: str, why: str) -> None:
        with self._guard:
            if task not in self.waiting:
                return
            self._broken[task] = why
            wake = self.on_break.get(task)
        if wake is not None:
            wake()

    def broken(self, task: str) -> str | None:
        """Why `task`'s wait was broken (once), or None."""
        with self._guard:
            return self._broken.pop(task, None)


def end_of(probes: Probes, exc: BaseException | None) -> tuple[str, str]:
    """A lane's END for an exception: deadlocked (its wait was broken to end a deadlock)
    or failed, with the exception and its line."""
    status = "deadlocked" if isinstance(exc, Deadlocked) else "failed"
    return status, error_text(probes, exc)


def error_text(probes: Probes, exc: BaseException | None) -> str:
    """ "ValueError: bad amount (bank.py:14)": an exception and the line of the program's own
    code it was raised at (the innermost such frame)."""
    if exc is None:
        return "failed"
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if probes.own(code.co_filename):
            where = f" ({probes.short(code.co_filename)}:{tb.tb_lineno})"
        tb = tb.tb_next
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text + where


# -- locks, conditions, semaphores, events, queues --------------------------------------------
class TracedLock(ObservedLock):
    """A program's `threading.Lock()`: observed, named by where it was made."""

    def _is_owned(self) -> bool:  # Condition's check: a plain Lock is owned when locked
        return self._lock.locked()


class TracedRLock(ObservedLock):
    """A program's `threading.RLock()`: re-entrant for its owner; only the first acquire and
    the last release are recorded, as only they change who holds it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._owner: int | None = None
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        me = threading.get_ident()
        if self._owner == me:
            self._count += 1
            return True
        if not super().acquire(blocking, timeout):
            return False
        self._owner, self._count = me, 1
        return True

    __enter__ = acquire

    def release(self) -> None:
        if self._owner != threading.get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner = None
            super().release()

    def _is_owned(self) -> bool:
        return self._owner == threading.get_ident()

    def _release_save(self) -> int:  # Condition.wait: give the lock up whole
        count, self._count, self._owner = self._count, 0, None
        super().release()
        return count

    def _acquire_restore(self, count: int) -> None:
        super().acquire()
        self._owner, self._count = threading.get_ident(), count


def _waiting(ctx: TaskContext, name: str, kind: str) -> None:
    ctx.record(Kind.LOCK, ("wait", name, None))
    ctx.record(Kind.STATE, (State.WAITING, f"waiting on {kind} {name}"))
    blocked(ctx, True)


def _woke(ctx: TaskContext, name: str) -> None:
    blocked(ctx, False)
    ctx.record(Kind.LOCK, ("woke", name, None))
    ctx.record(Kind.STATE, State.RUNNING)


def blocked(ctx: TaskContext, on: bool) -> None:
    """Step mode: a thread waiting on a queue, an event, a condition, a semaphore or a join
    is blocked, as one waiting for a held lock is: a step cannot move it (one given would
    be kept, and run once it wakes, without stopping), and it goes on by itself."""
    gate = ctx.run.gate
    if gate is not None:
        gate.set_blocked(ctx.task, on)


def _patch_sync(probes: Probes) -> None:
    def lock_maker(plain: Any, traced: type[ObservedLock], kind: str) -> Any:
        """threading.Lock or RLock as the program calls it: an observed lock for its own
        code (a node of the wait-for graph), the plain one for a library's."""

        def make() -> Any:
            name = probes.site(caller())
            if name is None:
                return plain()
            lock = traced(probes.observed(name, kind))
            probes.locks.append(lock)
            return lock

        make.__name__ = make.__qualname__ = kind
        return make

    Lock = lock_maker(threading.Lock, TracedLock, LOCK)
    RLock = lock_maker(threading.RLock, TracedRLock, RLOCK)

    class Condition(threading.Condition):
        _tt_name: str | None = None

        def __init__(self, lock: Any = None) -> None:
            name = probes.site(caller())
            if name is not None and lock is None:
                lock = TracedRLock(f"{name} (its lock)")
                probes.locks.append(lock)
            super().__init__(lock)
            if name is not None:
                self._tt_name = probes.observed(name, CONDITION)

        def wait(self, timeout: float | None = None) -> bool:
            ctx = current()
            if self._tt_name is None or ctx is None:
                return super().wait(timeout)
            _waiting(ctx, self._tt_name, CONDITION)
            try:
                return super().wait(timeout)
            finally:
                _woke(ctx, self._tt_name)

    def counted(cls: Any, kind: str) -> None:
        """Observe semaphores in place: BoundedSemaphore's __init__ calls Semaphore's by
        name, so a subclass put in Semaphore's place would break it."""
        init = cls.__init__

        def __init__(self: Any, value: int = 1) -> None:
            name = probes.site(caller())  # None when called by the other's __init__
            init(self, value)
            if name is not None:
                self._tt_name = probes.observed(name, kind)

        cls.__init__ = __init__
        cls._tt_name = None

    plain_acquire = threading.Semaphore.acquire

    def acquire(self: Any, blocking: bool = True, timeout: float | None = None) -> bool:
        ctx = current()
        name = self._tt_name
        if name is None or ctx is None:
            return plain_acquire(self, blocking, timeout)
        if plain_acquire(self, False):  # free: no wait to tell
            return True
        if not blocking:
            return False
        kind = BOUNDED if isinstance(self, threading.BoundedSemaphore) else SEMAPHORE
        _waiting(ctx, name, kind)
        try:
            return plain_acquire(self, True, timeout)
        finally:
            _woke(ctx, name)

    counted(threading.Semaphore, SEMAPHORE)
    counted(threading.BoundedSemaphore, BOUNDED)
    threading.Semaphore.acquire = threading.Semaphore.__enter__ = acquire  # type: ignore[method-assign]

    class Event(threading.Event):
        _tt_name: str | None = None

        def __init__(self) -> None:
            name = probes.site(caller())
            super().__init__()
            if name is not None:
                self._tt_name = probes.observed(name, EVENT)

        def wait(self, timeout: float | None = None) -> bool:
            ctx = current()
            if self._tt_name is None or ctx is None or self.is_set():
                return super().wait(timeout)
            _waiting(ctx, self._tt_name, EVENT)
            try:
                return super().wait(timeout)
            finally:
                _woke(ctx, self._tt_name)

    made = {
        "Lock": Lock,
        "RLock": RLock,
        "Condition": Condition,
        "Event": Event,
    }
    for name, value in made.items():  # the module's own code calls them by these names too
        setattr(threading, name, value)
    _observe_queues(probes)


def _observe_queues(probes: Probes) -> None:
    """queue.Queue observed in place (its Lifo and Priority kinds inherit it), so that
    `isinstance(q, queue.Queue)` holds as it does untraced."""
    cls = queue.Queue
    init, get, put = cls.__init__, cls.get, cls.put

    def __init__(self: Any, maxsize: int = 0) -> None:
        name = probes.site(caller())
        init(self, maxsize)
        if name is not None:
            self._tt_name = probes.observed(name, QUEUE)

    def observed_get(self: Any, block: bool = True, timeout: float | None = None) -> Any:
        ctx, name = current(), self._tt_name
        if name is None or ctx is None or not block or self._qsize():
            return get(self, block, timeout)
        _waiting(ctx, name, QUEUE)
        try:
            return get(self, block, timeout)
        finally:
            _woke(ctx, name)

    def observed_put(
        self: Any, item: Any, block: bool = True, timeout: float | None = None
    ) -> None:
        ctx, name = current(), self._tt_name
        if name is None or ctx is None or not block or not 0 < self.maxsize <= self._qsize():
            put(self, item, block, timeout)
            return
        _waiting(ctx, name, QUEUE)
        try:
            put(self, item, block, timeout)
        finally:
            _woke(ctx, name)

    cls._tt_name = None  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[method-assign]
    cls.get = observed_get  # type: ignore[method-assign]
    cls.put = observed_put  # type: ignore[method-assign]


# -- sleeping ----------------------------------------------------------------------------------
def _patch_sleep(probes: Probes) -> None:
    plain = time.sleep

    def sleep(seconds: float | SupportsIndex) -> None:
        ctx = current()
        if ctx is None or ctx.is_async:
            plain(seconds)
            return
        ctx.record(Kind.STATE, State.SLEEPING)
        try:
            plain(seconds)
        finally:
            ctx.record(Kind.STATE, State.RUNNING)

    time.sleep = sleep


# -- processes ---------------------------------------------------------------------------------
def _patch_processes(probes: Probes) -> None:
    import multiprocessing.process

    base = multiprocessing.process.BaseProcess
    start = base.start

    def started(self: Any) -> None:
        start(self)
        if os.getpid() != probes.pid:
            return
        ctx = probes.open_lane(f"{self.name} (pid {self.pid})", PROCESS, label="process")
        probes.processes.append((ctx, self))

    base.start = started  # type: ignore[method-assign]
