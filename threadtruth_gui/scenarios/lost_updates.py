"""lost-updates: threads add 1 to a shared count, many times; how many additions survive?

Three real variants, measured: read/call/write loses updates, `+=` alone on CPython 3.11
almost never does (and why), a lock loses none. Lines are not traced here: a trace function
runs Python code between bytecodes and would change where threads can switch.

The threads start together, and the default work spans many switch intervals: with 200,000
additions each, a thread on a fast machine ran its whole loop within one 5 ms interval, the
threads never overlapped, and 2 runs in 5 lost nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from threadtruth_gui.engine.context import RunContext, run_queue_wait_ns
from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.interp import gil_enabled, python_label
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Phase, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Effect, Param, Scenario

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
    1_000_000,  # ~20 ms a thread on a fast laptop: 4 and more switch intervals each
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


_RAN_NS = 200_000  # a thread that got this much CPU in a sample interval ran in it
_MIN_INTERVAL_NS = 2_000_000  # samples closer than this are skipped (merged into the next)


class Turns:
    """Who ran, measured: at each of the run's samples (~every 10 ms, on the driver thread)
    each worker's own CPU clock says how much it ran since the last sample. Under the GIL
    only one of them runs Python at a time, so they are never all drawn "running" at once.
    A worker is "runnable (takes turns for the GIL)" where nothing more was measured: from
    its start, and after each sample until the next (the sampler needs the GIL too, and
    may wait tens of ms for it). For a sample interval:

    - it ran, and so did another worker: "runnable (takes turns for the GIL)";
    - it ran, and no other worker did: "running";
    - it did not run, and another worker did: "waiting for the GIL";
    - none ran: queued by the OS for most of the interval (its run-queue time says so):
      "paused by the OS or the app" (the hover says which: queued by the OS, or a GIL held
      by a thread outside the run: its driver, or the window when it runs there).

    The state is drawn from the start of the interval it describes. Where a thread's CPU
    clock cannot be read (not Linux), nothing is sampled and the lanes show what the runner
    recorded.
    """

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.last: dict[str, tuple[int, int, int | None]] = {}  # t, cpu ns, run-queue ns
        self.cpu_ns: dict[str, int] = {}  # CPU time per worker, as last read
        self.ended: set[str] = set()  # workers whose end was counted in a sample
        self.sampled_at = 0

    def sample(self, run: RunContext) -> None:
        now = time.perf_counter_ns()
        if now - self.sampled_at < _MIN_INTERVAL_NS:
            return  # too soon to say (the runner samples after each thread start)
        self.sampled_at = now
        seen: dict[str, tuple[int, int, int, int | None]] = {}  # since, now, ran ns, queued
        for name in self.names:
            thread = run.threads.get(name)
            if thread is None or thread.ident is None or not thread.is_alive():
                continue
            try:
                cpu = time.clock_gettime_ns(time.pthread_getcpuclockid(thread.ident))
            except (AttributeError, OSError):
                return  # no per-thread CPU clock here: nothing measured, nothing drawn
            now = time.perf_counter_ns()
            self.cpu_ns[name] = cpu
            # a new thread's CPU clock starts near 0: its first interval is from its start
            # (and not before the threads were let go: waiting to start is not a GIL wait)
            begun = max(run.begun.get(name, now), run.released_ns)
            before = self.last.get(name) or (begun, 0, None)
            queued = run_queue_wait_ns(thread.native_id)
            self.last[name] = (now, cpu, queued)
            waited = queued - before[2] if queued is not None and before[2] is not None else None
            seen[name] = (before[0], now, cpu - before[1], waited)
        # ran: at least 0.2 ms of CPU, or half the interval (a thread born just before)
        ran = {
            name
            for name, (since, now, cpu, _) in seen.items()
            if cpu >= min(_RAN_NS, (now - since) // 2)
        }
        # a thread that ended since the last sample ran in this interval too, if its clock
        # moved: without it, the one left would be drawn "running" alone
        for name in self.names:
            end_cpu = run.cpu_at_end.get(name)
            if name in seen or name in self.ended or end_cpu is None:
                continue
            self.ended.add(name)
            if end_cpu - self.last.get(name, (0, 0, None))[1] >= _RAN_NS:
                ran.add(name)
        for name, (since, now, _, waited) in seen.items():
            others = bool(ran - {name})
            if name in ran:
                state: Any = State.TURNS if others else State.RUNNING
            elif others:
                state = (State.GIL, "another thread of this run held the GIL")
            elif waited is not None and 2 * waited >= now - since:
                state = (State.DESCHEDULED, f"queued by the OS for {waited / 1e6:.1f} ms")
            else:
                state = (State.DESCHEDULED, "a thread outside the run held the GIL")
            run.recorder.record_at(since, name, Kind.STATE, state)
            if state != State.TURNS:  # measured up to now; from now on, not known yet
                run.recorder.record_at(now, name, Kind.STATE, State.TURNS)


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
    # not "running": only one of them holds the GIL at a time (Turns measures who ran)
    start_as = State.TURNS if gil_enabled() else State.RUNNING
    loops: dict[str, tuple[int, int, int]] = {}  # each thread's loop: start, end, CPU ns

    def timed(name: str, *args: Any) -> Any:
        start, cpu = time.perf_counter_ns(), time.thread_time_ns()
        try:
            return target(*args)
        finally:
            loops[name] = (start, time.perf_counter_ns(), time.thread_time_ns() - cpu)

    tasks = [
        TaskSpec(
            name,
            timed,
            (name, shared, times, *extra),
            {"label": f"+1, {times:,} times"},
            state=start_as,
            watch_lines=False,
        )
        for name in names
    ]
    expected = times * len(names)

    turns = Turns(names)

    def sample(run: RunContext) -> None:
        run.recorder.record("", Kind.COUNTER, ("count", shared.count))
        turns.sample(run)

    def outcome(_stats: Any) -> dict[str, Any]:
        actual = shared.count
        return {
            "variant": variant,
            "expected": expected,
            "actual": actual,
            "lost": expected - actual,
            "lost_percent": round(100 * (expected - actual) / expected, 3),
            "switch_interval_s": sys.getswitchinterval(),
            "gil": gil_enabled(),
            # did any two threads' loops run at the same time (taking turns for the GIL)?
            "overlapped": overlapped(list(loops.values())),
            "loop_cpu_s": round(max((c for _, _, c in loops.values()), default=0) / 1e9, 4),
        }

    return Plan(
        # all at once: else each start waits for the GIL the started ones hold, and
        # threads of a few ms of work each hardly overlap (measured: 0 lost in 1 run of 4)
        [Phase("threads", tasks, start_together=True)],
        outcome=outcome,
        code=[target, log] if target is add_read_call_write else [target],
        counters={"count": 0},
        monitor=sample,  # also called once after the threads have ended: the final count
        busy_threads=True,  # the window runs it in a child process: it keeps its GIL
    )


def overlapped(loops: list[tuple[int, int, int]]) -> bool:
    """Whether any two of these (start, end, ...) spans of time overlap."""
    spans = sorted((start, end) for start, end, _ in loops)
    return any(later[0] < earlier[1] for earlier, later in pairwise(spans))


def _effect(result: RunResult) -> Effect:
    """The variant's point, and whether this run made it; if not, why, as measured."""
    out = result.outcome
    lost = out["lost"]
    if out["variant"] == VARIANTS[2]:
        why = f"{lost:,} lost with the lock" if lost else ""
        return Effect("nothing lost with the lock", lost == 0, why)
    if out["variant"] == VARIANTS[1] and out["gil"]:
        why = f"{lost:,} lost: a thread was switched out inside `+=` ({python_label()})"
        return Effect("nothing lost by += alone", lost == 0, why if lost else "")
    return Effect("lost updates", lost > 0, "" if lost > 0 else _why_none_lost(result))


def _why_none_lost(result: RunResult) -> str:
    out = result.outcome
    if not out.get("overlapped", True):
        return (
            "this time the threads did not overlap: each ran its "
            f"{result.params['times']:,} additions in one turn "
            f"({out['loop_cpu_s'] * 1000:.1f} ms of CPU; on {python_label()} a waiting "
            f"thread asks for the GIL after {out['switch_interval_s'] * 1000:g} ms). "
            "More additions make them overlap"
        )
    return (
        "the threads overlapped, yet no thread was switched out between its read and its "
        "write while another added"
    )


def _verdict(result: RunResult, lanes: Lanes) -> Verdict:
    out = result.outcome
    lost, expected, actual = out["lost"], out["expected"], out["actual"]
    counted = f"{actual:,} of {expected:,} additions counted"
    effect = _effect(result)
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
            f"on {python_label()} with the GIL a thread switches only at a call or a "
            "backward jump, and `shared.count += 1` has neither between its read and its "
            "write. Not atomic, only lucky: no GIL (3.13t) or a call inside loses updates"
        )
        if not out["gil"]:
            why = f"{python_label()} has no GIL, yet none were lost this time"
        return Verdict(True, "Nothing lost (this time)", f"{counted}; {why}")
    return Verdict(True, "Nothing lost (this time)", f"{counted}; {effect.why_not}")


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
        "write; CPython with the GIL (3.10 to 3.13) switches threads only at calls and "
        "backward jumps, so it almost never loses one; the verdict names the Python it ran "
        "on. That is luck, not atomicity. 'with lock' loses none. "
        "The count track samples the shared count every 10 ms; lines are not traced, since "
        "tracing would add switch points."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(VARIANT, THREADS, TIMES),
    order=21,
    figures=_figures,
    counter_format=lambda v: f"{v:,.0f}",
    effect=_effect,
)
