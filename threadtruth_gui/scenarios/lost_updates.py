"""lost-updates: threads add 1 to a shared count, many times; how many additions survive?

Three real variants, measured: read/call/write loses updates, `+=` alone on CPython 3.11
almost never does (and why), a lock loses none. Lines are not traced here: a trace function
runs Python code between bytecodes and would change where threads can switch.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from threadtruth_gui.engine.context import RunContext
from threadtruth_gui.engine.events import Kind
from threadtruth_gui.engine.runner import Plan, RunResult, TaskSpec, Verdict
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.engine.trace import Trace

VARIANTS = ("read, call, write", "+= alone", "with lock")
VARIANT = Param(
    "variant",
    "Code",
    "choice",
    VARIANTS[0],
    choices=VARIANTS,
    key="V",
    help="which increment the threads run",
)
THREADS = Param("threads", "Threads", "int", 4, 2, 8, 1)
TIMES = Param(
    "times",
    "Additions per thread",
    "int",
    200_000,
    1_000,
    2_000_000,
    10_000,
    help="how many times each thread adds 1",
)


class Shared:
    count = 0


def log(value):
    pass  # any call: a point where CPython may switch threads


def add_read_call_write(shared, times):
    for _ in range(times):
        value = shared.count  # read
        log(value)  # call
        shared.count = value + 1  # write


def add_in_place(shared, times):
    for _ in range(times):
        shared.count += 1  # read, add, write: no call in between


def add_with_lock(shared, times, lock):
    for _ in range(times):
        with lock:
            shared.count += 1


def _plan(params: dict[str, Any]) -> Plan:
    shared = Shared()
    lock = threading.Lock()
    variant, times = params["variant"], params["times"]
    variants: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
        VARIANTS[0]: (add_read_call_write, ()),
        VARIANTS[1]: (add_in_place, ()),
        VARIANTS[2]: (add_with_lock, (lock,)),
    }
    target, extra = variants[variant]
    names = [chr(ord("A") + i) for i in range(params["threads"])]
    tasks = [
        TaskSpec(
            name, target, (shared, times, *extra), {"label": f"+1, {times:,} times"}, trace=False
        )
        for name in names
    ]
    expected = times * len(names)

    def sample(run: RunContext) -> None:
        run.recorder.record("", Kind.COUNTER, ("count", shared.count))

    def outcome(_stats: Any) -> dict[str, Any]:
        actual = shared.count
        return {
            "variant": variant,
            "expected": expected,
            "actual": actual,
            "lost": expected - actual,
            "lost_percent": round(100 * (expected - actual) / expected, 3),
            "switch_interval_s": sys.getswitchinterval(),
            "gil": _gil_enabled(),
        }

    return Plan(
        tasks=tasks,
        outcome=outcome,
        code=[target, log] if target is add_read_call_write else [target],
        counters={"count": 0},
        monitor=sample,  # also called once after the threads have ended: the final count
    )


def _gil_enabled() -> bool:
    check = getattr(sys, "_is_gil_enabled", None)
    return bool(check()) if check is not None else True


def _verdict(result: RunResult, trace: Trace) -> Verdict:
    out = result.outcome
    lost, expected, actual = out["lost"], out["expected"], out["actual"]
    counted = f"{actual:,} of {expected:,} additions counted"
    if out["variant"] == VARIANTS[2]:
        if lost == 0:
            return Verdict(True, "Nothing lost", f"{counted}: the lock made each += whole")
        return Verdict(False, f"Lost {lost:,} with a lock?", counted)
    if lost > 0:
        return Verdict(
            False,
            f"Lost {lost:,} updates ({out['lost_percent']:g}%)",
            f"{counted}: a thread switched out between its read and its write, and "
            "wrote back a stale count",
        )
    if out["variant"] == VARIANTS[1]:
        why = (
            "on CPython 3.10+ with the GIL a thread switches only at a call or a backward "
            "jump, and `shared.count += 1` has neither between its read and its write. "
            "Not atomic, only lucky: no GIL (3.13t) or a call inside loses updates"
        )
        if not out["gil"]:
            why = "this build has no GIL, yet none were lost this time"
        return Verdict(True, "Nothing lost (this time)", f"{counted}; {why}")
    return Verdict(True, "Nothing lost (this time)", f"{counted}; run it again, or add threads")


def _figures(result: RunResult) -> list[tuple[str, str]]:
    out = result.outcome
    return [
        (
            f"{out['expected'] // max(1, len(result.tasks)):,} each × {len(result.tasks)} threads",
            f"{out['expected']:,}",
        ),
        ("counted at the end", f"{out['actual']:,}"),
        ("lost", f"{out['lost']:,}  ({out['lost_percent']:g}%)"),
        ("wall time", f"{result.duration_s:.2f} s"),
        (
            "switch interval",
            f"{out['switch_interval_s'] * 1000:g} ms" + ("" if out["gil"] else " (no GIL)"),
        ),
    ]


SCENARIO = Scenario(
    id="lost-updates",
    title="Lost updates: count += 1",
    summary="Threads add 1 to one shared count, many times.\n"
    "Read/call/write loses thousands; += alone, measured.",
    description=(
        "Each thread adds 1 to a shared count, many times. 'read, call, write' copies the "
        "count, calls a function, writes copy + 1: a switch at that call loses every "
        "addition the other threads made meanwhile. '+= alone' has no call between read and "
        "write; on CPython 3.11 with the GIL threads switch only at calls and backward jumps, "
        "so it almost never loses one. That is luck, not atomicity. 'with lock' loses none. "
        "The count track samples the shared count every 10 ms; lines are not traced, since "
        "tracing would add switch points."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(VARIANT, THREADS, TIMES),
    order=21,
    panel="figures",
    figures=_figures,
    counter_format=lambda v: f"{v:,.0f}",
)
