"""gil-cpu: CPU-bound Python on one thread, on N threads, and in N processes.

The threads take turns holding the GIL, so N threads are no faster than one; N processes
each have their own interpreter and GIL, and run at once on N cores. Each worker ticks as it
goes: a gap between its ticks is time it could not run, drawn as "waiting for the GIL" when
another worker ticked in the gap, else as "paused by the OS or the app" (the run queue, or
the window's own threads: engine.context.tick).

The verdict says only what the run measured (_gil_verdict.py): each worker's own CPU time
over its phase's wall time is how many cores were busy at once, and a failed worker fails
the run, saying why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from math import isqrt
from typing import Any

from threadtruth_gui.engine.context import tick
from threadtruth_gui.engine.interp import gil_enabled, python_label
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Phase, PhaseStats, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.scenarios import _effects, _gil_verdict

WORKERS = Param("workers", "Workers", "int", 2, 2, 8, 1, help="N: threads, then processes")
WORK = Param(
    "limit",
    "Primes below",
    "int",
    250_000,
    10_000,
    5_000_000,
    10_000,
    help="each worker counts the primes below this number (the same work for each)",
)
SWITCH = Param(
    "switch_ms",
    "Switch interval",
    "float",
    5.0,
    0.5,
    20.0,
    0.5,
    " ms",
    slider=True,
    help="sys.setswitchinterval: how long a thread may hold the GIL while others wait",
)
LABELS = ("one thread", "threads", "processes")
# what a terminal sends its whole foreground process group: Ctrl+C, a hang-up
_TERMINAL_SIGNALS = {getattr(signal, n) for n in ("SIGINT", "SIGHUP") if hasattr(signal, n)}


def count_primes(limit):
    found = 0
    for n in range(2, limit):
        tick()  # a gap between two ticks: time without the GIL
        if all(n % d for d in range(2, isqrt(n) + 1)):
            found += 1
    return {"status": "done", "found": found}


def counted(limit: int) -> dict[str, Any]:
    """`count_primes`, and the CPU time its thread (or process) spent on it: added up over
    a phase and divided by the phase's wall time, that says how many cores were busy at
    once. (Module-level: a spawned process imports it by name.)"""
    cpu = time.thread_time()
    returned = count_primes(limit)
    return {**returned, "cpu_s": round(time.thread_time() - cpu, 4)}


def usable_cores() -> int | None:
    """The cores this process may run on (its affinity, where the OS has one)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count()


def _plan(params: dict[str, Any]) -> Plan:
    n, limit = params["workers"], params["limit"]
    labels = {"one thread": "one thread", "threads": f"{n} threads", "processes": f"{n} processes"}
    letters = {"one thread": "S", "threads": "T", "processes": "P"}
    modes = {"one thread": "sequential", "threads": "threads", "processes": "processes"}
    phases = []
    for key in LABELS:
        tasks = [
            TaskSpec(
                f"{letters[key]}{i + 1}",
                counted,
                (limit,),
                {"label": f"primes below {limit:,}", "mode": labels[key]},
                watch_lines=False,
            )
            for i in range(n)
        ]
        phases.append(Phase(modes[key], tasks, label=labels[key]))
    saved: list[float] = []
    tracker_before: list[bool] = []
    masked: list[set[int | signal.Signals]] = []

    def setup() -> None:
        saved.append(sys.getswitchinterval())  # as it is now, when this run begins
        tracker_before.append(_tracker_running())
        sys.setswitchinterval(params["switch_ms"] / 1000)
        if hasattr(signal, "pthread_sigmask"):
            # On the run's driver thread, which starts the pool's processes: they inherit
            # the mask, so a terminal's Ctrl+C or hang-up (sent to the whole process group)
            # does not hit them mid start-up (a traceback each); the app stops them itself.
            # The app's own handlers run on its main thread, which still gets the signal.
            # The resource tracker first: starting it unblocks SIGINT in the calling thread.
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
            masked.append(signal.pthread_sigmask(signal.SIG_BLOCK, _TERMINAL_SIGNALS))

    def cleanup() -> None:
        if saved:
            sys.setswitchinterval(saved[0])
        if tracker_before and not tracker_before[0]:
            stop_resource_tracker()  # the one this run's pool started
        if masked:
            signal.pthread_sigmask(signal.SIG_SETMASK, masked[0])

    def outcome(stats: dict[str, PhaseStats]) -> dict[str, Any]:
        times = {
            key: stats[labels[key]].total_s if labels[key] in stats else None for key in LABELS
        }
        one = times["one thread"]

        def speedup(key: str) -> float | None:
            t = times[key]
            return round(one / t, 3) if one and t else None

        work = stats.get(labels["processes"])
        return {
            "workers": n,
            "python": python_label(),  # the interpreter the verdict's words are true of
            "cpu_count": os.cpu_count(),
            "cores": usable_cores(),
            "gil": gil_enabled(),
            "switch_interval_s": params["switch_ms"] / 1000,
            "one_thread_s": _round(one),
            "threads_s": _round(times["threads"]),
            "processes_s": _round(times["processes"]),
            # their work alone, from the first start of work to the last end (no start-up)
            # (None when no process finished its work: nothing to time)
            "processes_work_s": _round(work.work_s) if work and work.work_end_ns else None,
            "threads_speedup": speedup("threads"),
            "processes_speedup": speedup("processes"),
        }

    return Plan(
        phases,
        outcome=outcome,
        code=[count_primes],
        setup=setup,
        cleanup=cleanup,
    )


def _tracker_running() -> bool:
    from multiprocessing import resource_tracker

    return getattr(resource_tracker._resource_tracker, "_fd", None) is not None


def stop_resource_tracker() -> None:
    """Stop the multiprocessing resource tracker the process pool started (a process of
    its own, which would otherwise live as long as the app does and end only after it):
    the run, or the app a signal closes, leaves no process behind. The next pool starts a
    new one. (No gc.collect() first: a full collection holds the GIL the window needs for
    ~0.1 s; the ended pool's queues, and their semaphores, go by reference counting.)"""
    from multiprocessing import resource_tracker

    if not _tracker_running():
        return
    stop = getattr(resource_tracker._resource_tracker, "_stop", None)
    if stop is not None:  # (CPython's own way to stop it; absent elsewhere: it stays)
        with contextlib.suppress(OSError):
            stop()


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def gil_turns(lanes: Lanes, prefix: str = "T") -> int:
    """How many times a thread of the threads phase waited for the GIL."""
    return sum(
        1
        for name, track in lanes.tasks.items()
        if name.startswith(prefix)
        for span in track.spans
        if span.state == "gil"
    )


def _verdict(result: RunResult, lanes: Lanes) -> Verdict:
    return _gil_verdict.verdict(result, gil_turns(lanes))


SCENARIO = Scenario(
    id="gil-cpu",
    title="The GIL: CPU work on threads",
    summary="Count primes on 1 thread, N threads, N processes.\n"
    "Threads take turns; processes use the cores.",
    description=(
        "Pure-Python arithmetic: N workers each count the primes below a number. That is done "
        "three times: the N counts one after another on one thread, on N threads at once, "
        "and in N processes at once (ProcessPoolExecutor, spawned). "
        "Only the thread holding the GIL runs Python, so the threads take turns, switching "
        "about every switch interval (the slider sets sys.setswitchinterval): the 'waiting "
        "for the GIL' gaps on their lanes. A lone thread's rare gaps are the OS or the app's "
        "own threads, and say so. Each process has its own GIL. The processes' "
        "time includes starting them. How many cores were busy at once is measured: the "
        "workers' CPU time over the wall time. The verdict names the Python it ran on; a "
        "free-threaded build (3.13t) says so."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(WORKERS, WORK, SWITCH),
    order=40,
    figures=_gil_verdict.figures,
    effect=_effects.gil,
)
