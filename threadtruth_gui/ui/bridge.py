"""The one place where running scenario code meets the GUI thread.

Workers only append to the run's Recorder. A single GUI-thread QTimer drains it about
60 times a second, folds the batch into the live Trace and emits one `updated` signal;
there is no signal per event and no worker ever touches a widget.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from time import perf_counter, perf_counter_ns
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Signal, Slot

from threadtruth_gui.engine.deadlock import DeadlockWatch
from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.gate import StepGate
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Phase, Plan
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.runs.child import ProcessRun
from threadtruth_gui.runs.traced import TracedRun
from threadtruth_gui.runs.traced_gate import RemoteGate
from threadtruth_gui.runs.traced_verdict import result_of

FRAME_MS = 16
# Runs with more tasks than this run in a child process: a thousand busy threads in the
# window's own process hold the GIL the window needs to paint, and coroutines that many on
# the window's loop leave it no time (benchmarks/gui_responsiveness.py).
IN_PROCESS_MAX_TASKS = 200


def _gui_loop() -> asyncio.AbstractEventLoop | None:
    """The qasync loop when the app runs on one (asyncio scenarios then run on it)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


# Reset never waits for a run: it cancels it and gives the window back at once; a timer
# joins the run as it ends (tasks stop at their next line, sleep, lock wait or await).
REAP_MS = 20
STOP_GRACE_S = 1.0  # a reset run still going this long is stopped by force
FORCE_AGAIN_S = 0.5  # ...and forced again this often while it still goes
# ...or this long when it runs the lecturer's edited code (the playground): an endless loop
# in a lane with no line watching (lost-updates, thread-cost) sees no cancel of its own
EDITED_GRACE_S = 0.15
# ...and one still going this long is reported: a call that cannot be interrupted (a demo
# server that is starting may take its 10 s start-up limit, then 2 s to stop)
STUCK_S = 15.0


class Stoppable(Protocol):
    """What the bridge needs of a run it joins after a stop: a `Run`, or a dialog's own
    worker (`interrupt`: stop it by force, as far as Python allows)."""

    @property
    def finished(self) -> bool: ...
    def cancel(self) -> None: ...
    def join(self, timeout: float | None = None) -> bool: ...
    def interrupt(self) -> object: ...


@dataclass
class _Stopping:
    """A run that was reset and has not ended yet."""

    run: ProcessRun | Stoppable
    since: float
    grace: float = STOP_GRACE_S
    forced: int = 0  # times it was stopped by force so far
    told: bool = False


def _on_window_loop(run: ProcessRun | Stoppable) -> bool:
    """Whether coroutines of `run` run on the window's own loop (they unwind only while it
    turns) and that loop can turn now (not from inside one of its tasks)."""
    return (
        isinstance(run, Run)
        and run.loop is not None
        and any(ph.mode == "asyncio" and not ph.own_loop for ph in run.plan.phases)
        and asyncio.current_task(run.loop) is None
    )


def _force(run: ProcessRun | Stoppable) -> None:
    """Stop a cancelled run that did not end: kill its child process, or raise RunCancelled
    in its lane threads (what Python allows: a thread cannot be killed)."""
    if isinstance(run, ProcessRun):
        run.kill()
    else:
        run.interrupt()


def describe_phase(phase: Phase, phases: int, index: int, in_child: bool, window_loop: bool) -> str:
    """What runs in `phase`, in words for the status bar: threads, coroutines or processes.
    `window_loop`: the run was given the window's loop for its coroutines."""
    n = len(phase.tasks)
    if phase.mode == "sequential":
        what = f"{n:,} tasks one after another, all on one thread"
    elif phase.mode == "threads":
        what = f"{n} real threads, one per task"
    elif phase.mode == "processes":
        what = f"{n} worker processes (spawned), one per task"
    elif window_loop and not in_child and not phase.own_loop:
        what = f"{n} coroutines on the window's own event loop (one thread)"
    else:
        what = f"{n} coroutines on one event loop, in one worker thread"
    where = "; in a separate process, so that the window stays responsive" if in_child else ""
    which = f"{phase.label} ({index + 1} of {phases}): " if phases > 1 else ""
    return f"Running {which}{what}{where}."


class RunBridge(QObject):
    started = Signal()
    updated = Signal()  # once per frame while live; `last_batch` holds the new events
    finished = Signal(object)  # RunResult, after the last batch
    failed = Signal(str)  # the run could not start or could not be stopped
    phaseStarted = Signal(str)  # a phase (mode) of the run began: what runs now, in words

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scenario: Scenario | None = None
        self.params: dict[str, Any] = {}
        self.run: Run | ProcessRun | None = None
        self.lanes: Lanes | None = None
        self.result: RunResult | None = None
        self.last_batch: list[Event] = []
        self.in_child = False  # whether this run is in a child process
        # set while the lecturer steps the tasks (a traced program's is in its process)
        self.gate: StepGate | RemoteGate | None = None
        # keep a deadlock the run finds standing until `break_deadlock()` (the next run on)
        self.hold_deadlock = False
        self.resetting = False  # in shutdown(), while the window's loop turns
        self.stopping: list[_Stopping] = []  # runs reset and not ended yet
        self._reaper = QTimer(self)
        self._reaper.setInterval(REAP_MS)
        self._reaper.timeout.connect(self._reap)
        self._cursor = 0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._drain)

    @property
    def running(self) -> bool:
        return self.run is not None and self.result is None

    def start(
        self,
        scenario: Scenario,
        params: dict[str, Any],
        plan: Plan | None = None,
        stepping: bool = False,
    ) -> None:
        """Run `scenario`; `plan` is one the caller already made from the same params.
        With `stepping` every traced task waits before each line for a step (`gate`)."""
        self.reset()
        try:
            self.scenario, self.params = scenario, scenario.resolve(params)
            plan = plan if plan is not None else scenario.plan(self.params)
            self.in_child = in_child_process(plan, stepping)
            self.gate = None
            started: ProcessRun | Run
            if self.in_child:
                started = ProcessRun(scenario.id, self.params, plan)
            else:
                if isinstance(plan.monitor, DeadlockWatch):
                    plan.monitor.hold = self.hold_deadlock
                started = Run(plan, loop=_gui_loop())  # coroutines on the window's own loop
                if stepping:
                    self.gate = started.context.gate = StepGate(started.context.cancelled)
            self.run = started
            started.start()
        except Exception as exc:  # shown by the window, never swallowed
            self.run = None
            self.failed.emit(f"Could not start {scenario.id}: {exc}")
            return
        if self.run is not started:  # reset meanwhile (a signal's close, mid start): gone
            return
        self.lanes = Lanes(started.recorder.t0_ns)
        self._cursor = 0
        self._timer.start()
        self.started.emit()

    def start_traced(self, run: TracedRun) -> None:
        """Trace a program (File ▸ Trace a program): the same live path as a child-process
        scenario run; its result and verdict come from its report (`result_of`). A run
        made with `step=True` waits for steps through `gate`."""
        self.reset()
        self.scenario, self.params = None, {"script": str(run.script), "args": run.args}
        self.in_child = True
        self.gate = RemoteGate(run) if run.step else None
        self.run = run
        try:
            run.start()
        except Exception as exc:  # shown by the window, never swallowed
            self.run = None
            self.failed.emit(f"Could not start {run.script.name}: {exc}")
            return
        self.lanes = Lanes(run.recorder.t0_ns)
        self._cursor = 0
        self._timer.start()
        self.started.emit()

    def traced(self) -> TracedRun | None:
        """The traced program on screen (running or ended), if that is what the bridge has."""
        return self.run if isinstance(self.run, TracedRun) else None

    def traced_deadlock_held(self) -> bool:
        """Whether a running traced program holds a deadlock that is not broken yet."""
        run = self.traced()
        if run is None or not self.running or not run.deadlock_found():
            return False
        found = run.deadlock()
        return found is not None and not found["broken"]

    def held_deadlock(self) -> DeadlockWatch | None:
        """The running run's deadlock watch while it holds a deadlock it found."""
        monitor = self.run.plan.monitor if self.run is not None and self.running else None
        return monitor if isinstance(monitor, DeadlockWatch) and monitor.held else None

    def break_deadlock(self) -> bool:
        """Break the held deadlock, by the run's own monitor (as when it breaks one at once);
        False when none is held."""
        if self.traced_deadlock_held():
            run = self.traced()
            assert run is not None
            run.break_deadlock()
            return True
        watch = self.held_deadlock()
        if watch is None:
            return False
        watch.break_now()
        return True

    def phase_text(self, label: str | None = None) -> str:
        """What the phase `label` (default: the first) runs, in words."""
        run = self.run
        if run is None:
            return ""
        if isinstance(run, TracedRun):
            return (
                f"Tracing {run.script.name} in a process of its own"
            )
        phases = run.plan.phases
        index = next((i for i, ph in enumerate(phases) if ph.label == label), 0)
        window_loop = isinstance(run, Run) and run.loop is not None
        return describe_phase(phases[index], len(phases), index, self.in_child, window_loop)

    def reset(self, into: RunBridge | None = None) -> None:
        """Stop the current run (if any) and give the window back at once: the run is
        cancelled here and joined by a timer as it ends (`stopping` holds it meanwhile);
        one still going after STOP_GRACE_S is stopped by force. Never waits on a thread.
        `into`: the bridge that joins it instead (a dialog's bridge hands its run to the
        window's, so that the window's close waits for it too)."""
        self._timer.stop()
        run, self.run = self.run, None
        self.lanes = None
        self.result = None
        self.last_batch = []
        if run is not None:
            (into or self).retire(run)

    def retire(self, run: ProcessRun | Stoppable) -> None:
        """Cancel `run` and join it as it ends, without waiting for it here (as Reset does);
        `shutdown()` waits for it. The window's dialogs hand their stopped runs here too."""
        run.cancel()
        edited = getattr(getattr(run, "plan", None), "edit", None) is not None
        grace = EDITED_GRACE_S if edited else STOP_GRACE_S
        self.stopping.append(_Stopping(run, perf_counter(), grace))
        self._reap()  # one that had ended already is joined now
        if self.stopping:
            self._reaper.start()

    def shutdown(self) -> None:
        """Reset, then wait until every reset run has ended (the window is closing: nothing
        of a run may be left to end with the app). The window's loop turns meanwhile if a
        run's coroutines are on it (`resetting` is True then: a start must wait)."""
        self.reset()
        self.resetting = True
        try:
            while self.stopping:
                entry = min(self.stopping, key=lambda e: e.since)
                if perf_counter() - entry.since > STUCK_S:
                    break  # reported by _reap; there is nothing more to do
                if _on_window_loop(entry.run):
                    # only the loop's own work: no key or click is handled mid-close
                    QCoreApplication.processEvents(
                        QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents, 5
                    )
                else:
                    entry.run.join(0.005)
                self._reap()
        finally:
            self.resetting = False

    @Slot()
    def _reap(self) -> None:
        now = perf_counter()
        for entry in list(self.stopping):
            if entry.run.finished:
                entry.run.join(0)  # a child's pipes closed and its temp folder removed
                self.stopping.remove(entry)
            elif now - entry.since > entry.grace + entry.forced * FORCE_AGAIN_S:
                # forced, and again each FORCE_AGAIN_S while it has not ended: an exception
                # raised into a thread can land where the thread absorbs it
                entry.forced += 1
                _force(entry.run)
            elif not entry.told and now - entry.since > STUCK_S:
                entry.told = True
                self.failed.emit(
                    f"A reset run is still stuck after {STUCK_S:.0f} s, in a call that "
                    "cannot be interrupted; it is stopped as soon as that call returns."
                )
        if not self.stopping:
            self._reaper.stop()

    @Slot()
    def _drain(self) -> None:
        run, lanes = self.run, self.lanes
        if run is None or lanes is None:
            self._timer.stop()
            return
        ended = run.finished  # read first: every event of an ended run is then in the log
        batch = run.recorder.since(self._cursor)
        if batch:
            self._cursor += len(batch)
            lanes.feed(batch)
            for ev in batch:
                if ev.kind == Kind.PHASE and ev.data[0] == "start":
                    self.phaseStarted.emit(self.phase_text(ev.data[1]))
        self.last_batch = batch
        if not ended:
            lanes.advance(perf_counter_ns())  # sleeping lanes keep growing between events
        self.updated.emit()
        if ended and isinstance(run, TracedRun):
            self._timer.stop()
            self.result = result_of(run)
            self.finished.emit(self.result)
        elif ended and self.scenario is not None:
            self._timer.stop()
            try:
                self.result, _ = self.scenario.finish(run, self.params, lanes)
            except Exception as exc:  # a broken verdict must not leave the window "running"
                self.run = None
                self.failed.emit(f"Could not sum up the run: {type(exc).__name__}: {exc}")
                return
            self.finished.emit(self.result)


def in_child_process(plan: Plan, stepping: bool = False) -> bool:
    """Whether a run started from the window goes to a child process: more tasks than
    IN_PROCESS_MAX_TASKS, or threads that never block (`Plan.busy_threads`), would take
    the GIL the window needs; a stepped run stays (its gate is in this process)."""
    big = len(plan.tasks) > IN_PROCESS_MAX_TASKS
    return (big or plan.busy_threads) and not stepping


_SPARE: list[RunBridge] = []  # joins the runs of a dialog opened without a window


def bridge_of(obj: QObject) -> RunBridge:
    """The bridge of the window that `obj` (a dialog) belongs to: the dialog hands it the
    runs it stops (`retire`), so that the window's close waits for them too. Without a
    window, one the application keeps."""
    parent = obj.parent()
    while parent is not None:
        bridge = getattr(parent, "bridge", None)
        if isinstance(bridge, RunBridge):
            return bridge
        parent = parent.parent()
    if not _SPARE:
        _SPARE.append(RunBridge(QCoreApplication.instance()))
    return _SPARE[0]
