"""The processes and asyncio phases of a `Run`: a process pool, or coroutines on an event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import sys
import threading
from collections.abc import Callable
from time import perf_counter_ns
from typing import Any, Protocol

from threadtruth_gui.engine import task_status
from threadtruth_gui.engine.context import RunContext, TaskContext
from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.linewatch import LineWatcher
from threadtruth_gui.engine.plan import Phase, PhaseStats, TaskSpec

LOOP_THREAD = "threadtruth-loop"  # the name of a private loop's thread (never the window's)
POLL_S = 0.01  # how often the driver samples threads and memory while a phase runs
_UNWIND_S = 2.0  # how long a cancelled asyncio phase may take to finish its coroutines


class PhaseRun(Protocol):
    """The parts of a `Run` (engine/runner.py) that its processes and asyncio phases use."""

    context: RunContext
    _lock: threading.Lock
    _results: dict[str, dict[str, Any]]
    _watcher: LineWatcher | None
    _future: concurrent.futures.Future[None] | None

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None: ...
    @property
    def cancelled(self) -> bool: ...
    def _sample(self, stats: PhaseStats) -> None: ...
    def _end(
        self,
        ctx: TaskContext,
        status: str,
        error: str | None,
        extra: dict[str, Any] | None = None,
    ) -> None: ...
    async def _work_async(self, spec: TaskSpec, prefix: tuple[Any, ...]) -> None: ...


# -- processes -------------------------------------------------------------------------------
def run_process_phase(run: PhaseRun, phase: Phase, stats: PhaseStats) -> None:
    contexts = {}
    futures: dict[concurrent.futures.Future[Any], TaskContext] = {}
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=len(phase.tasks), mp_context=multiprocessing.get_context("spawn")
    )
    try:
        for spec in phase.tasks:
            ctx = contexts[spec.name] = TaskContext(run.context, spec.name)
            ctx.record(Kind.START, dict(spec.info))
            ctx.record(Kind.STATE, State.STARTING)
            futures[pool.submit(_timed, spec.target, spec.args)] = ctx
        pending = set(futures)
        while pending and not run.cancelled:
            done, pending = concurrent.futures.wait(pending, timeout=POLL_S)
            run._sample(stats)
            for future in done:
                _process_done(run, futures[future], future, stats)
    finally:
        if pending := {f for f in futures if not f.done()}:
            # a cancelled run: stop the workers now rather than wait out their work
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        for ctx in contexts.values():
            if ctx.task not in run._results:
                run._end(ctx, "cancelled", None)


def _process_done(
    run: PhaseRun, ctx: TaskContext, future: concurrent.futures.Future[Any], stats: PhaseStats
) -> None:
    try:
        t_start, t_end, returned = future.result()
    except BaseException as exc:  # the work raised (even SystemExit), or the process died
        run._end(ctx, "failed", task_status.describe(exc))
        return
    ctx.record_at(t_start, Kind.STATE, State.RUNNING)  # perf_counter is system-wide here
    stats.work_start_ns = min(t_start, stats.work_start_ns or t_start)
    stats.work_end_ns = max(t_end, stats.work_end_ns)
    status, extra = task_status.status_of(returned)
    with run._lock:
        run._results[ctx.task] = {**extra, "status": status}
    ctx.record_at(max(t_end, t_start), Kind.END, (status, None))


def _timed(target: Callable[..., Any], args: tuple[Any, ...]) -> tuple[int, int, Any]:
    """In a worker process: run the target and say when its work began and ended."""
    t_start = perf_counter_ns()
    returned = target(*args)
    return t_start, perf_counter_ns(), returned


# -- asyncio ---------------------------------------------------------------------------------
def run_async_phase(run: PhaseRun, phase: Phase, stats: PhaseStats) -> None:
    loop, own_thread = (None if phase.own_loop else run.loop), None
    if loop is None:
        loop = asyncio.new_event_loop()
        watched = all(spec.watch_lines for spec in phase.tasks)  # one loop thread: all or none
        own_thread = threading.Thread(
            target=_loop_thread,
            args=(run, loop, watched),
            name=LOOP_THREAD,
            daemon=True,
        )
        own_thread.start()
    unwound = threading.Event()
    try:
        run._future = asyncio.run_coroutine_threadsafe(_async_phase(run, phase, unwound), loop)
        if run.cancelled:
            run._future.cancel()
        while True:
            try:
                run._future.result(POLL_S)
                break
            except concurrent.futures.TimeoutError:
                run._sample(stats)
            except concurrent.futures.CancelledError:
                # the future says cancelled at once; the coroutines are still unwinding
                # on their loop (and recording their ends): wait for them, a while
                unwound.wait(_UNWIND_S)
                break
    finally:
        run._future = None
        if own_thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            own_thread.join()
            loop.close()


def rewatch(watcher: LineWatcher | None) -> None:
    """After the line watcher raised RunCancelled in a coroutine: CPython unsets a thread's
    trace function when it raises, and the loop's other coroutines run on this thread too
    (an edited one may never await: it would loop unwatched, past every cancel). On a
    private loop's thread (never the window's) the watcher is installed again."""
    on_own_loop = threading.current_thread().name == LOOP_THREAD
    if watcher is not None and on_own_loop and sys.gettrace() is None:
        watcher.install()


def _loop_thread(run: PhaseRun, loop: asyncio.AbstractEventLoop, watched: bool) -> None:
    asyncio.set_event_loop(loop)
    watcher = run._watcher if watched else None
    if watcher is not None:
        # our own loop thread runs only scenario coroutines: safe to watch; the GUI's
        # loop is never watched (it would slow every Qt callback)
        watcher.install()
    loop.run_forever()
    # let cancelled tasks and closed transports finish before the loop closes
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    # asyncio.to_thread's worker threads end here too, not at interpreter exit
    loop.run_until_complete(loop.shutdown_default_executor())
    if watcher is not None:
        watcher.uninstall()


async def _async_phase(run: PhaseRun, phase: Phase, unwound: threading.Event) -> None:
    try:
        await _async_lanes(run, phase)
    finally:
        unwound.set()


async def _async_lanes(run: PhaseRun, phase: Phase) -> None:
    async def lanes(shared: Any) -> None:
        prefix = () if phase.shared is None else (shared,)
        tasks = [asyncio.ensure_future(run._work_async(spec, prefix)) for spec in phase.tasks]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    if phase.shared is None:
        await lanes(None)
    else:
        async with phase.shared() as shared:
            await lanes(shared)
