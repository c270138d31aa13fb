"""Run a scenario's tasks: on real threads, one after another, or as asyncio coroutines.

A run is a list of phases executed in order by one driver thread, so that a comparison
(sequential, then threads, then asyncio) shares one time axis. Every task is a lane.
A `Run` is driven from outside (the GUI timer or the CLI) and never calls back into it:
the caller polls `finished` and reads the recorder.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import threading
import time
from collections.abc import Awaitable
from time import perf_counter_ns
from typing import Any, Protocol

from threadtruth_gui.engine import task_status
from threadtruth_gui.engine.context import (
    RunCancelled,
    RunContext,
    TaskContext,
    enter_task,
)
from threadtruth_gui.engine.events import Kind, Recorder
from threadtruth_gui.engine.gate import stepped
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.linewatch import LineWatcher, code_objects
from threadtruth_gui.engine.measure import peak, rss_bytes, thread_count
from threadtruth_gui.engine.phases import POLL_S, rewatch, run_async_phase, run_process_phase
from threadtruth_gui.engine.plan import Phase, PhaseStats, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult


class RunHandle(Protocol):
    """What the window and `Scenario.finish` need of a run, in this process or another."""

    plan: Plan
    recorder: Recorder

    def start(self) -> None: ...
    def cancel(self) -> None: ...
    def join(self, timeout: float | None = None) -> bool: ...
    def stop(self, timeout: float = 5.0) -> bool: ...
    @property
    def finished(self) -> bool: ...
    @property
    def cancelled(self) -> bool: ...
    def result(self, scenario: str, params: dict[str, Any]) -> RunResult: ...
    def lanes(self) -> Lanes: ...


class Run:
    """One execution of a plan, on a driver thread that runs the phases in order.

    `loop`: an event loop already running on another thread (the GUI's qasync loop) to run
    asyncio phases on; without it each asyncio phase gets a private loop on its own thread.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        watch_lines: bool = True,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.plan = plan
        self.recorder = Recorder()
        self.context = RunContext(self.recorder, show_locals=plan.show_locals)
        self._watcher = LineWatcher(code_objects(plan.code)) if watch_lines else None
        self._loop = loop
        self._driver: threading.Thread | None = None
        # set by the driver as its very last step. Thread.join/is_alive are not enough: on
        # 3.11 a join interrupted by Ctrl+C marks a still-running thread as stopped, and
        # the CLI would exit before cleanup (temp folder, demo server) had run.
        self._done = threading.Event()
        self._results: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        # lanes inside their task's own code: the only place interrupt() may raise in
        self._in_task: dict[str, threading.Thread] = {}
        self._future: concurrent.futures.Future[None] | None = None
        self.stats: dict[str, PhaseStats] = {}
        self.error: str | None = None
        self._cancel_hooked = False
        self._t_start = 0
        self._t_end = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The running loop given for asyncio phases (the window's), if any."""
        return self._loop

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._driver is not None:
            raise RuntimeError("a Run can be started once")
        self._t_start = perf_counter_ns()
        for name, value in self.plan.counters.items():
            self.recorder.record("", Kind.COUNTER, (name, value))
        self._driver = threading.Thread(target=self._drive, name="threadtruth-run", daemon=True)
        self._driver.start()

    def cancel(self) -> None:
        """Ask every task to stop at its next line, sleep, lock wait or await."""
        if self.finished:
            return  # nothing to stop; a finished run keeps its verdict
        self.context.cancelled.set()
        future = self._future
        if future is not None:
            future.cancel()  # thread-safe: cancels the phase's task on its loop

    def interrupt(self) -> list[str]:
        """The last resort for a cancelled run whose threads did not stop: raise
        RunCancelled in every lane thread of a threads phase still running its task (never
        the driver, which must still clean up, nor a loop's thread, nor the main thread).
        It lands at the thread's next bytecode; a call blocked in C returns first. The
        lanes it was raised in, by name."""
        if not self.cancelled or self.finished:
            return []
        hit = []
        # Under the lock a lane cannot leave its task's code (it takes the lock to do so),
        # so the exception is raised in a live lane thread that is still in its task: never
        # in _end, in threading's own clean-up, or in a new thread that reuses the ident.
        with self._lock:
            for name, thread in self._in_task.items():
                ident = thread.ident
                if thread is threading.main_thread() or ident is None or not thread.is_alive():
                    continue
                exc = ctypes.py_object(RunCancelled)
                if ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), exc) == 1:
                    hit.append(name)
        return hit

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run to end; True when it has within `timeout` seconds."""
        if self._driver is not None:
            self._done.wait(timeout)
        return not self.alive

    def stop(self, timeout: float = 5.0) -> bool:
        self.cancel()
        return self.join(timeout)

    @property
    def alive(self) -> bool:
        return self._driver is not None and not self._done.is_set()

    @property
    def finished(self) -> bool:
        return self._driver is not None and self._done.is_set()

    @property
    def cancelled(self) -> bool:
        return self.context.cancelled.is_set()

    # -- the driver ----------------------------------------------------------------------------
    def _drive(self) -> None:
        phases = self.plan.phases
        try:
            if self.plan.setup is not None and not self.cancelled:
                self.plan.setup()
            for phase in phases:
                if self.cancelled:
                    break
                self._run_phase(phase)
        except Exception as exc:  # setup failed: shown as the run's error, never lost
            self.error = task_status.describe(exc)
        finally:
            for spec in self.plan.tasks:  # tasks that never started
                if spec.name not in self._results:
                    status = "cancelled" if self.cancelled else "failed"
                    self._end(TaskContext(self.context, spec.name), status, self.error)
            if self.plan.cleanup is not None:
                try:
                    self.plan.cleanup()
                except Exception as exc:
                    self.error = self.error or f"cleanup failed: {exc}"
            self._t_end = perf_counter_ns()
            self._done.set()

    def _run_phase(self, phase: Phase) -> None:
        stats = PhaseStats(phase.label, phase.mode)
        stats.base_threads = stats.peak_threads = thread_count()
        stats.base_rss = stats.peak_rss = rss_bytes()
        self.stats[phase.label] = stats
        self.recorder.record("", Kind.PHASE, ("start", phase.label, phase.mode))
        stats.start_ns = perf_counter_ns()
        if phase.mode == "sequential":
            for spec in phase.tasks:
                if self.cancelled:
                    break
                self._sample(stats)
                self._work(spec)
        elif phase.mode == "processes":
            run_process_phase(self, phase, stats)
        elif phase.mode == "threads":
            go = threading.Event() if phase.start_together else None
            lanes = [
                threading.Thread(
                    target=self._work,
                    args=(spec, go, True),
                    name=f"threadtruth-{spec.name}",
                    daemon=True,
                )
                for spec in phase.tasks
            ]
            started: list[threading.Thread] = []
            try:
                for lane in lanes:
                    if self.cancelled:
                        break  # Reset while thousands start: stop starting more
                    lane.start()
                    started.append(lane)
                    if go is None:  # (started together: nothing runs yet to sample)
                        self._sample(stats)
            except RuntimeError as exc:  # "can't start new thread": the system's limit
                self.error = f"could not start thread {len(started) + 1} of {len(lanes)}: {exc}"
                self.context.cancelled.set()
                self._sample(stats)  # the plan's on_cancel lets the started ones go
            if go is not None:
                self.context.released_ns = perf_counter_ns()
                go.set()
                self._sample(stats)
            for lane in started:
                while lane.is_alive():
                    lane.join(POLL_S)
                    self._sample(stats)
        else:
            run_async_phase(self, phase, stats)
        stats.end_ns = perf_counter_ns()
        ran = {id(t) for spec in phase.tasks if (t := self.context.threads.get(spec.name))}
        stats.task_threads = len(ran)
        self._sample(stats)
        self.recorder.record("", Kind.PHASE, ("end", phase.label, phase.mode))

    def _sample(self, stats: PhaseStats) -> None:
        """Called by the driver every few ms while a phase runs: peaks, monitor, cancel hook."""
        stats.peak_threads = max(stats.peak_threads, thread_count())
        stats.peak_rss = peak(stats.peak_rss, rss_bytes())
        if self.plan.monitor is not None and not self.cancelled:
            try:
                self.plan.monitor(self.context)
            except Exception as exc:
                self.error = self.error or f"monitor failed: {task_status.describe(exc)}"
        if self.cancelled and not self._cancel_hooked:
            self._cancel_hooked = True
            if self.plan.on_cancel is not None:
                try:
                    self.plan.on_cancel()
                except Exception as exc:
                    self.error = self.error or f"stopping failed: {exc}"

    # -- one lane --------------------------------------------------------------------------------
    def _work(self, spec: TaskSpec, go: threading.Event | None = None, lane: bool = False) -> None:
        """One task on this thread: a lane of its own (`lane`, a threads phase: interrupt()
        may stop it), or the driver (a sequential phase: never interrupted)."""
        ctx = self._begin(spec)
        status, error, extra = "succeeded", None, dict[str, Any]()
        try:
            while go is not None and not go.wait(POLL_S):  # start_together: all at once
                if self.cancelled:
                    raise RunCancelled
            watcher = self._watcher if spec.watch_lines else None
            if watcher is not None:
                watcher.install()
            if lane:
                with self._lock:
                    self._in_task[spec.name] = threading.current_thread()
            try:
                returned = spec.target(*spec.args)
            finally:
                with self._lock:  # from here interrupt() leaves this lane alone; one it
                    self._in_task.pop(spec.name, None)  # raised already lands below,
                if watcher is not None:  # at the next call, still inside this try
                    watcher.uninstall()
                # for samplers of who ran: this thread's clock can't be read once it ended
                self.context.cpu_at_end[spec.name] = time.thread_time_ns()
            status, extra = task_status.status_of(returned)
        except RunCancelled:
            status = "cancelled"
        except Exception as exc:  # a failing task is shown, never lost
            status, error, extra = "failed", task_status.describe(exc), task_status.fields_of(exc)
            if self.cancelled:  # e.g. the server was stopped under it by the cancel
                status, error = "cancelled", None
        except BaseException as exc:  # SystemExit, KeyboardInterrupt: end the lane, then go on
            self._end(ctx, "failed", task_status.describe(exc))
            raise
        self._end(ctx, status, error, extra)

    async def _work_async(self, spec: TaskSpec, prefix: tuple[Any, ...]) -> None:
        ctx = self._begin(spec, is_async=True)
        status, error, extra = "succeeded", None, dict[str, Any]()
        try:
            awaitable: Awaitable[Any] = spec.target(*prefix, *spec.args)
            gate = self.context.gate if spec.watch_lines else None
            if (gate is not None or spec.observe) and asyncio.iscoroutine(awaitable):
                awaitable = stepped(awaitable, gate, ctx, spec.observe)  # one step per resume
            status, extra = task_status.status_of(await awaitable)
        except asyncio.CancelledError:
            status = "cancelled"
        except RunCancelled:  # raised by the line watcher, which that unset: set it again
            status = "cancelled"
            rewatch(self._watcher if spec.watch_lines else None)
        except Exception as exc:
            status, error, extra = "failed", task_status.describe(exc), task_status.fields_of(exc)
            if self.cancelled:
                status, error = "cancelled", None
        self._end(ctx, status, error, extra)

    def _begin(self, spec: TaskSpec, is_async: bool = False) -> TaskContext:
        ctx = TaskContext(self.context, spec.name, is_async)
        enter_task(ctx)
        self.context.threads[spec.name] = threading.current_thread()
        ctx.record(Kind.START, dict(spec.info))
        self.context.begun[spec.name] = perf_counter_ns()
        ctx.record(Kind.STATE, spec.state)
        return ctx

    def _end(
        self,
        ctx: TaskContext,
        status: str,
        error: str | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        with self._lock:
            if ctx.task in self._results:
                return
            entry: dict[str, Any] = {}
            if ctx.task in self.context.received:
                entry["bytes"] = self.context.received[ctx.task]
            self._results[ctx.task] = {**entry, **(extra or {}), "status": status}
            if error:
                self._results[ctx.task]["error"] = error
        ctx.record(Kind.END, (status, error))
        if self.context.gate is not None:
            self.context.gate.task_ended(ctx.task)

    # -- the result ------------------------------------------------------------------------------
    def result(self, scenario: str, params: dict[str, Any]) -> RunResult:
        """Sum up a finished run (call after `finished` is True)."""
        if not self.finished:
            raise RuntimeError("the run has not finished")
        tasks = []
        modes = {spec.name: phase.mode for phase in self.plan.phases for spec in phase.tasks}
        for spec in self.plan.tasks:
            entry: dict[str, Any] = {"name": spec.name, **spec.info, "mode": modes[spec.name]}
            entry.update(self._results.get(spec.name, {"status": "failed"}))
            tasks.append(entry)
        return RunResult(
            scenario=scenario,
            params=params,
            outcome=self.plan.outcome(self.stats),
            tasks=tasks,
            duration_s=self.duration_s,
            events=len(self.recorder),
            verdict=None,
            cancelled=self.cancelled,
            error=self.error,
        )

    @property
    def duration_s(self) -> float:
        """The run's one duration: from its first phase's start to its last phase's end, the
        span of the timeline's axis. Setup and cleanup (starting the demo server, removing a
        temporary folder) are not part of it; a run that never began a phase falls back to
        start-to-end."""
        stats = [st for st in self.stats.values() if st.end_ns]
        if not stats:
            return (self._t_end - self._t_start) / 1e9
        return (max(st.end_ns for st in stats) - min(st.start_ns for st in stats)) / 1e9

    def lanes(self) -> Lanes:
        lanes = Lanes(self.recorder.t0_ns)
        lanes.feed(self.recorder.events())
        return lanes
