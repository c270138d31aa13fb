"""Run a scenario's tasks on real threads: start, observe, cancel, join, and sum up.

A `Run` is driven from outside (the GUI timer or the CLI) and never calls back into it:
the caller polls `finished` and reads the recorder.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any

from threadtruth_gui.engine.context import RunCancelled, RunContext, TaskContext, enter_task
from threadtruth_gui.engine.events import Kind, Recorder, State
from threadtruth_gui.engine.trace import Trace
from threadtruth_gui.engine.tracing import LineTracer, code_objects

#: what a worker may return to say how it ended (anything else counts as "succeeded")
STATUSES = ("succeeded", "denied", "failed", "cancelled")


@dataclass
class TaskSpec:
    """One worker: `target(*args)` runs on its own thread named `name`."""

    name: str
    target: Callable[..., Any]
    args: tuple[Any, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)  # shown on the card, e.g. amount


@dataclass
class Plan:
    """What a scenario hands the runner for one run."""

    tasks: list[TaskSpec]
    outcome: Callable[[], dict[str, Any]]  # read after every task has ended
    code: list[Callable[..., Any]]  # the functions shown in the code pane, and traced
    counters: dict[str, float] = field(default_factory=dict)  # starting values, e.g. balance


@dataclass
class Verdict:
    good: bool
    headline: str  # "Overdraft: -$100"
    detail: str  # "both threads checked $1000 before either withdrew"


@dataclass
class RunResult:
    scenario: str
    params: dict[str, Any]
    outcome: dict[str, Any]
    tasks: list[dict[str, Any]]
    duration_s: float
    events: int
    verdict: Verdict | None
    cancelled: bool

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "params": self.params,
            "outcome": self.outcome,
            "tasks": self.tasks,
            "duration_s": round(self.duration_s, 6),
            "events": self.events,
            "cancelled": self.cancelled,
        }
        if self.verdict is not None:
            out["verdict"] = {
                "good": self.verdict.good,
                "headline": self.verdict.headline,
                "detail": self.verdict.detail,
            }
        return out


class Run:
    """One execution of a plan. Threads are real `threading.Thread`s, started in order."""

    def __init__(self, plan: Plan, *, trace_lines: bool = True) -> None:
        self.plan = plan
        self.recorder = Recorder()
        self.context = RunContext(self.recorder)
        self._tracer = LineTracer(code_objects(plan.code)) if trace_lines else None
        self._threads: list[threading.Thread] = []
        self._status: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        self._t_start = 0
        self._t_end = 0
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            raise RuntimeError("a Run can be started once")
        self._t_start = perf_counter_ns()
        for name, value in self.plan.counters.items():
            self.recorder.record("", Kind.COUNTER, (name, value))
        for spec in self.plan.tasks:
            thread = threading.Thread(
                target=self._work, args=(spec,), name=f"threadtruth-{spec.name}", daemon=True
            )
            self._threads.append(thread)
        for thread in self._threads:
            thread.start()

    def cancel(self) -> None:
        """Ask every task to stop at its next line, sleep or lock wait."""
        self.context.cancelled.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every thread; True when all have ended within `timeout` seconds."""
        deadline = None if timeout is None else perf_counter_ns() + int(timeout * 1e9)
        for thread in self._threads:
            left = None if deadline is None else max(0.0, (deadline - perf_counter_ns()) / 1e9)
            thread.join(left)
        return not self.alive

    def stop(self, timeout: float = 5.0) -> bool:
        self.cancel()
        return self.join(timeout)

    @property
    def alive(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    @property
    def finished(self) -> bool:
        return bool(self._threads) and not self.alive

    @property
    def cancelled(self) -> bool:
        return self.context.cancelled.is_set()

    # -- the worker wrapper --------------------------------------------------------------
    def _work(self, spec: TaskSpec) -> None:
        ctx = TaskContext(self.context, spec.name)
        enter_task(ctx)
        ctx.record(Kind.START, dict(spec.info))
        ctx.record(Kind.STATE, State.RUNNING)
        status, error = "succeeded", None
        try:
            if self._tracer is not None:
                self._tracer.install(ctx)
            try:
                returned = spec.target(*spec.args)
            finally:
                if self._tracer is not None:
                    self._tracer.uninstall()
            if isinstance(returned, str) and returned in STATUSES:
                status = returned
        except RunCancelled:
            status = "cancelled"
        except Exception as exc:  # a scenario bug is shown as a failed task, never lost
            status = "failed"
            error = f"{type(exc).__name__}: {exc}"
            self._errors[spec.name] = "".join(traceback.format_exception(exc))
        with self._lock:
            self._status[spec.name] = status
            self._t_end = max(self._t_end, perf_counter_ns())
        ctx.record(Kind.END, (status, error))

    # -- the result ------------------------------------------------------------------------
    def result(self, scenario: str, params: dict[str, Any]) -> RunResult:
        """Sum up a finished run (call after `finished` is True)."""
        if not self.finished:
            raise RuntimeError("the run has not finished")
        events = self.recorder.events()
        tasks = []
        for spec in self.plan.tasks:
            entry: dict[str, Any] = {"name": spec.name, **spec.info}
            entry["status"] = self._status.get(spec.name, "failed")
            if spec.name in self._errors:
                entry["error"] = self._errors[spec.name].strip().splitlines()[-1]
            tasks.append(entry)
        return RunResult(
            scenario=scenario,
            params=params,
            outcome=self.plan.outcome(),
            tasks=tasks,
            duration_s=(self._t_end - self._t_start) / 1e9,
            events=len(events),
            verdict=None,
            cancelled=self.cancelled,
        )

    def trace(self) -> Trace:
        trace = Trace(self.recorder.t0_ns)
        trace.feed(self.recorder.events())
        return trace
