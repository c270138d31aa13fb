"""Probes for a traced program's asyncio: a lane per Task, and its locks, semaphores,
events and queues observed (see engine/probes.py, which does the same for threads).

A Task's coroutine is wrapped as it is made (`BaseEventLoop.create_task`, which
`asyncio.run`, `gather`, `create_task` and task groups all go through), so that each step
the loop gives it is seen: running while it runs, awaiting while it is suspended. An event
loop that does not derive from `BaseEventLoop` (uvloop) is not seen.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from threadtruth_gui.engine.context import Deadlocked, TaskContext, current, enter_task
from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.probes import (
    ASYNC_EVENT,
    ASYNC_LOCK,
    ASYNC_QUEUE,
    ASYNC_SEMAPHORE,
    TASK,
    Probes,
    WaitNode,
    blocked,
    caller,
    end_of,
)

# -- asyncio -----------------------------------------------------------------------------------
_DEFAULT_NAME = re.compile(r"Task-\d+")  # asyncio's name for a task not named
# step mode: how often a parked task looks for its step (300 parked tasks polling every
# 10 ms kept a core 97% busy doing nothing)
_POLL_S = 0.05


class _Stepped(Coroutine[Any, Any, Any]):
    """A task's coroutine, stepped as the task steps it: running while it runs, awaiting
    while it is suspended. The lane opens at its first step, when its task has its name."""

    def __init__(self, probes: Probes, coro: Coroutine[Any, Any, Any]) -> None:
        self._probes = probes
        self._coro = coro
        self._ctx: TaskContext | None = None

    def _enter(self) -> TaskContext:
        ctx = self._ctx
        if ctx is None:
            task = asyncio.current_task()
            what = getattr(self._coro, "__name__", "")
            name = task.get_name() if task is not None else "task"
            if _DEFAULT_NAME.fullmatch(name) and what:  # "Task-7": say what it runs
                name = f"{name} {what}()"
            label = f"asyncio task: {what}()" if what and what not in name else "asyncio task"
            ctx = self._probes.open_lane(name, TASK, is_async=True, label=label)
            self._ctx = ctx
            enter_task(ctx)  # the task's own context: its locks and sleeps see its lane
        elif ctx.run.states.get(ctx.task) == State.AWAITING:
            # (a task woken from a wait for a lock, a queue... says so itself, as it goes on)
            ctx.record(Kind.STATE, State.RUNNING)
        return ctx

    def _step(self, how: Callable[[], Any]) -> Any:
        ctx = self._enter()
        try:
            out = how()
        except StopIteration:
            ctx.record(Kind.END, ("done", None))
            raise
        except asyncio.CancelledError:
            ctx.record(Kind.END, ("cancelled", None))
            raise
        except BaseException as exc:
            ctx.record(Kind.END, end_of(self._probes, exc))
            raise
        if ctx.run.states.get(ctx.task) == State.RUNNING:  # not a wait it said it was in
            ctx.record(Kind.STATE, State.AWAITING)
        return out

    def send(self, value: Any) -> Any:
        ctx = self._enter()
        gate = ctx.run.gate
        if gate is not None and not gate.free:  # step mode: resumed only when given a step
            if not gate.try_go(ctx):
                if ctx.run.states.get(ctx.task) != State.PAUSED:
                    ctx.record(Kind.STATE, State.PAUSED)
                return _soon()  # the task looks again then; the coroutine is not resumed
            if ctx.run.states.get(ctx.task) == State.PAUSED:
                ctx.record(Kind.STATE, State.RUNNING)
        return self._step(lambda: self._coro.send(value))

    def throw(self, *args: Any) -> Any:
        return self._step(lambda: self._coro.throw(*args))

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._coro.__await__()

    def __getattr__(self, name: str) -> Any:  # cr_frame, cr_code, __qualname__...
        return getattr(self._coro, name)


def _soon() -> asyncio.Future[None]:
    """A future done in _POLL_S: what a parked task "awaits" (a Task sends its coroutine
    None when a future it yielded is done, so nothing meant for the coroutine is lost)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_later(_POLL_S, lambda: None if future.done() else future.set_result(None))
    future._asyncio_future_blocking = True  # as a `yield from` it does
    return future


def install(probes: Probes) -> None:
    """Wrap each new Task's coroutine, and observe the program's own asyncio objects."""
    loop_class = asyncio.base_events.BaseEventLoop
    create_task = loop_class.create_task

    def create(self: Any, coro: Any, **kwargs: Any) -> Any:
        # a lane for the program's own coroutines, and for any task it named; not for the
        # library's housekeeping (asyncio.run's shutdown_asyncgens, a client's internals)
        code = getattr(coro, "cr_code", None)
        own = code is not None and probes.own(code.co_filename)
        if (own or kwargs.get("name")) and asyncio.iscoroutine(coro) and os.getpid() == probes.pid:
            coro = _Stepped(probes, coro)
        return create_task(self, coro, **kwargs)

    loop_class.create_task = create  # type: ignore[method-assign]
    run_forever = loop_class.run_forever

    def running(self: Any) -> None:
        ctx = current()
        if ctx is not None:  # this thread runs an event loop: busy only if a task can run
            ctx.record(Kind.NOTE, ("event loop", {}))
        run_forever(self)

    loop_class.run_forever = running  # type: ignore[method-assign]

    def named(cls: Any, kind: str) -> None:
        init = cls.__init__

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            self._tt_name = self._tt_node = None
            name = probes.site(caller())
            init(self, *args, **kwargs)
            if name is not None:
                self._tt_name = probes.observed(name, kind)
                if kind == ASYNC_LOCK:  # one holder: a node of the wait-for graph
                    self._tt_node = WaitNode(name)
                    probes.locks.append(self._tt_node)

        cls.__init__ = __init__

    def waits(cls: Any, method: str, kind: str, would_wait: Callable[[Any], bool]) -> None:
        plain = getattr(cls, method)

        async def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            ctx = current()
            name = getattr(self, "_tt_name", None)
            node: WaitNode | None = getattr(self, "_tt_node", None)
            if name is None or ctx is None or not would_wait(self):
                out = await plain(self, *args, **kwargs)
                if node is not None and ctx is not None:
                    node.holder = ctx.task
                    ctx.record(Kind.LOCK, ("acquired", name, ctx.task))
                return out
            ctx.record(Kind.LOCK, ("wait", name, node.holder if node is not None else None))
            ctx.record(Kind.STATE, (State.WAITING, f"waiting on {kind} {name}"))
            blocked(ctx, True)
            if node is not None:  # a deadlock through it can be found, and broken
                task, loop = asyncio.current_task(), asyncio.get_running_loop()
                node.waiting[ctx.task] = (time.perf_counter_ns(), False)
                if task is not None:
                    node.on_break[ctx.task] = _canceller(loop, task)
            try:
                out = await plain(self, *args, **kwargs)
            except asyncio.CancelledError:
                ctx.record(Kind.LOCK, ("woke", name, None))
                why = node.broken(ctx.task) if node is not None else None
                if why is not None:
                    raise Deadlocked(why) from None
                raise
            except BaseException:
                ctx.record(Kind.LOCK, ("woke", name, None))
                raise
            finally:
                blocked(ctx, False)
                if node is not None:
                    node.waiting.pop(ctx.task, None)
                    node.on_break.pop(ctx.task, None)
            if node is not None:
                node.holder = ctx.task
                ctx.record(Kind.LOCK, ("acquired", name, ctx.task))
            else:
                ctx.record(Kind.LOCK, ("woke", name, None))
            ctx.record(Kind.STATE, State.RUNNING)
            return out

        setattr(cls, method, wrapped)

    for cls, kind in (
        (asyncio.Lock, ASYNC_LOCK),
        (asyncio.Semaphore, ASYNC_SEMAPHORE),
        (asyncio.Event, ASYNC_EVENT),
        (asyncio.Queue, ASYNC_QUEUE),
    ):
        named(cls, kind)
    waits(asyncio.Lock, "acquire", ASYNC_LOCK, lambda s: s.locked() or bool(s._waiters))
    waits(asyncio.Semaphore, "acquire", ASYNC_SEMAPHORE, lambda s: s.locked())
    waits(asyncio.Event, "wait", ASYNC_EVENT, lambda s: not s.is_set())
    waits(asyncio.Queue, "get", ASYNC_QUEUE, lambda s: s.empty())
    waits(asyncio.Queue, "put", ASYNC_QUEUE, lambda s: s.full())
    release = asyncio.Lock.release

    def release_lock(self: Any) -> None:
        ctx, name = current(), getattr(self, "_tt_name", None)
        release(self)
        if self._tt_node is not None:
            self._tt_node.holder = None
        if name is not None and ctx is not None:
            ctx.record(Kind.LOCK, ("released", name, ctx.task))

    asyncio.Lock.release = release_lock  # type: ignore[method-assign]


def _canceller(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> Callable[[], None]:
    """Break a task's wait from another thread: cancel it on its loop (its wait raises)."""

    def cancel() -> None:
        loop.call_soon_threadsafe(task.cancel)

    return cancel
