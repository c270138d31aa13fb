"""Where a worker's time went, measured in the worker itself (a thread or a process).

`measured(target, *args)` runs the target and adds to the dict it returns: its wall time,
its CPU time, how long the OS kept it runnable but waiting for a core (Linux's schedstat),
and how many times it went to sleep (voluntary context switches). Pure-Python work sleeps
only to wait for a GIL that another thread holds; a load on the machine takes cores away
(queued time, involuntary switches) but puts no worker to sleep, so the waits and the
time blocked (wall - cpu - queued) do not depend on the load.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any

from threadtruth_gui.engine.context import run_queue_wait_ns


def measured(target: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    waits = resource.getrusage(resource.RUSAGE_THREAD).ru_nvcsw
    queued, cpu, wall = run_queue_wait_ns(), time.thread_time_ns(), time.perf_counter_ns()
    out = target(*args)
    wall = time.perf_counter_ns() - wall
    cpu = time.thread_time_ns() - cpu
    after = run_queue_wait_ns()
    waits = resource.getrusage(resource.RUSAGE_THREAD).ru_nvcsw - waits
    assert queued is not None and after is not None, "no /proc/thread-self/schedstat"
    return {
        **out,
        "wall_s": wall / 1e9,
        "cpu_s": cpu / 1e9,
        "queued_s": (after - queued) / 1e9,
        "waits": waits,
    }


def blocked_s(task: dict[str, Any]) -> float:
    """The time a worker measured by `measured` was neither running nor queued."""
    return float(task["wall_s"] - task["cpu_s"] - task["queued_s"])
