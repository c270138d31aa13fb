"""thread-cost: what one idle thread costs, against one idle coroutine, measured.

N tasks that do nothing but wait until all N exist: the time to start them and the growth of
the process's resident memory, per task. Coroutines first, then threads, in one process.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path
from time import perf_counter_ns
from typing import Any

from threadtruth_gui.engine.context import RunContext, current
from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.interp import python_label
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.measure import rss_bytes
from threadtruth_gui.engine.plan import Phase, PhaseStats, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.scenarios import _effects

if sys.platform != "win32":
    import resource

TASKS = Param(
    "tasks",
    "Tasks",
    "int",
    1000,
    10,
    10_000,
    10,
    slider=True,
    help="N: how many idle threads, then how many idle coroutines",
)
_MARGIN = 200  # tasks kept free for everything else the system runs
# one run's start-up times differ by this much from run to run on a busy machine: a thread
# and a coroutine within it are "about as long"
_SAME = 0.15


class Room:
    """Every task waits here, idle, until all N are in; then they all leave."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.inside = 0
        self.full_ns = 0
        self._lock = threading.Lock()
        self._full = threading.Event()
        self._afull: asyncio.Event | None = None

    def enter(self) -> None:
        _idle()
        with self._lock:
            self.inside += 1
            if self.inside == self.n:
                self.full_ns = perf_counter_ns()
                self._full.set()
        self._full.wait()

    async def enter_async(self) -> None:
        _idle()
        if self._afull is None:
            self._afull = asyncio.Event()
        self.inside += 1  # one loop, one thread: no lock needed between awaits
        if self.inside == self.n:
            self.full_ns = perf_counter_ns()
            self._afull.set()
        await self._afull.wait()

    def release(self) -> None:
        """Let waiting threads go (a cancelled run)."""
        self._full.set()


def _idle() -> None:
    ctx = current()
    if ctx is not None:
        ctx.record(Kind.STATE, State.SLEEPING)  # on the timeline: idle, not running


def idle_thread(room):
    room.enter()  # exist, do nothing, until every thread has started


async def idle_coroutine(room):
    await room.enter_async()  # the same, as a coroutine


def _plan(params: dict[str, Any]) -> Plan:
    n = params["tasks"]
    rooms = {"coroutines": Room(n), "threads": Room(n)}
    phases = [
        Phase(
            "asyncio",
            [
                TaskSpec(
                    f"C{i}",
                    idle_coroutine,
                    (rooms["coroutines"],),
                    {"mode": "coroutines"},
                    watch_lines=False,
                )
                for i in range(1, n + 1)
            ],
            label="coroutines",
            own_loop=True,
        ),
        Phase(
            "threads",
            [
                TaskSpec(
                    f"T{i}",
                    idle_thread,
                    (rooms["threads"],),
                    {"mode": "threads"},
                    watch_lines=False,
                )
                for i in range(1, n + 1)
            ],
            label="threads",
        ),
    ]
    base: dict[str, int] = {}

    def sample(run: RunContext) -> None:
        rss = rss_bytes()
        if rss is None:
            return  # not measured: the memory track shows no value rather than 0
        start = base.setdefault("rss", rss)
        run.recorder.record("", Kind.COUNTER, ("memory", round((rss - start) / 2**20, 2)))

    def outcome(stats: dict[str, PhaseStats]) -> dict[str, Any]:
        out: dict[str, Any] = {"tasks": n, "python": python_label()}
        for key, room in rooms.items():
            phase = stats.get(key)
            if phase is None or not room.full_ns:
                out[key] = None
                continue
            start_s = (room.full_ns - phase.start_ns) / 1e9
            growth = phase.rss_growth  # None: the OS did not say
            out[key] = {
                "start_all_s": round(start_s, 4),
                "start_per_task_us": round(start_s / n * 1e6, 2),
                "rss_growth_kib": None if growth is None else growth // 1024,
                "rss_per_task_kib": None if growth is None else round(growth / 1024 / n, 2),
                "peak_threads": phase.peak_threads,
            }
        return out

    return Plan(
        phases,
        outcome=outcome,
        code=[idle_thread, idle_coroutine],
        monitor=sample,
        # the memory track starts at 0 growth only where memory can be read at all
        counters={"memory": 0.0} if rss_bytes() is not None else {},
        on_cancel=rooms["threads"].release,
    )


def room_for_threads() -> tuple[int, str]:
    """How many more threads this process may start, and the limit that says so."""
    limits: list[tuple[int, str]] = []
    mine = threading.active_count()
    if sys.platform != "win32":  # Windows has no per-user limit of processes
        soft, _hard = resource.getrlimit(resource.RLIMIT_NPROC)
        if soft != resource.RLIM_INFINITY:
            limits.append((soft - _user_tasks(), f"RLIMIT_NPROC is {soft:,}"))
    try:
        threads_max = int(Path("/proc/sys/kernel/threads-max").read_text())
        running = int(Path("/proc/loadavg").read_text().split()[3].split("/")[1])
        limits.append((threads_max - running, f"kernel.threads-max is {threads_max:,}"))
    except (OSError, ValueError, IndexError):
        pass
    pids = _cgroup_pids()
    if pids is not None:
        limits.append(pids)
    if not limits:
        return 1_000_000, "no limit found"
    free, why = min(limits)
    return max(0, free - mine), why


def _user_tasks() -> int:
    """Threads of this user's processes (what RLIMIT_NPROC counts), as psutil reads them on
    each system; processes it may not look into are left out (best effort)."""
    import psutil  # here, not at startup: it costs ~30 ms to import

    uid, total = os.getuid(), 0
    for proc in psutil.process_iter():
        try:
            if proc.uids().real == uid:
                total += proc.num_threads()
        except (psutil.Error, OSError):
            continue
    return total


def _cgroup_pids() -> tuple[int, str] | None:
    try:
        line = Path("/proc/self/cgroup").read_text().splitlines()[0]
        folder = Path("/sys/fs/cgroup") / line.split(":", 2)[2].lstrip("/")
        top = (folder / "pids.max").read_text().strip()
        if top == "max":
            return None
        used = int((folder / "pids.current").read_text())
        return int(top) - used, f"the cgroup allows {int(top):,} tasks"
    except (OSError, ValueError, IndexError):
        return None


def _check(params: dict[str, Any]) -> None:
    free, why = room_for_threads()
    if params["tasks"] + _MARGIN > free:
        raise ValueError(
            f"--tasks: {params['tasks']:,} threads will not fit: {why}, and about "
            f"{free:,} more can start here (keeping {_MARGIN} spare). Choose fewer."
        )


def _verdict(result: RunResult, lanes: Lanes) -> Verdict:
    out = result.outcome
    failed = [task for task in result.tasks if task.get("status") == "failed"]
    if result.error:
        return Verdict(False, "The run failed", result.error)
    if failed:
        first = failed[0]
        return Verdict(
            False,
            f"{len(failed):,} of {len(result.tasks):,} tasks failed",
            f"first: {first['name']}: {first.get('error') or 'no error given'}",
        )
    t, c = out.get("threads"), out.get("coroutines")
    if not t or not c:
        missing = " and ".join(k for k in ("coroutines", "threads") if not out.get(k))
        return Verdict(False, "Incomplete", f"the {missing} did not all start")
    ts, cs = t["start_per_task_us"], c["start_per_task_us"]
    python = out.get("python") or "a Python this run did not record"
    if ts > cs * (1 + _SAME):
        started = f"starting a thread took {_times(ts / max(cs, 0.01))} as long as a coroutine"
    elif ts * (1 + _SAME) < cs:
        started = f"starting a coroutine took {_times(cs / ts)} as long as a thread"
    else:
        started = f"a thread and a coroutine took about as long to start (within {_SAME:.0%})"
    tm, cm = t.get("rss_per_task_kib"), c.get("rss_per_task_kib")
    if tm is None or cm is None:
        memory = "memory was not measured (the system did not say)"
    else:
        more = "more than" if tm > cm else "no more than"
        memory = f"each thread {tm:.1f} KiB of memory, {more} a coroutine's {cm:.1f} KiB"
    good = ts > cs * (1 + _SAME)
    why = (
        f"; on {python} a thread is an OS thread with its own stack, a coroutine a Python object"
        if good
        else f" (measured on {python})"
    )
    return Verdict(
        good,
        f"Thread {ts:.0f} µs · coroutine {cs:.0f} µs",
        f"{started}; {memory}{why}",
    )


def _times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def _figures(result: RunResult) -> list[tuple[str, str]]:
    t, c = result.outcome.get("threads"), result.outcome.get("coroutines")
    n = result.outcome["tasks"]
    rows = []
    for name, m in (("thread", t), ("coroutine", c)):
        if m:
            rows.append(
                (
                    f"to start one {name} (all {n:,}: {m['start_all_s']:.2f} s)",
                    f"{m['start_per_task_us']:.1f} µs",
                )
            )
            if m.get("rss_per_task_kib") is None:
                rows.append((f"memory per {name}: the system did not say", "not measured"))
            else:
                rows.append(
                    (
                        f"memory per {name} (all: {m['rss_growth_kib']:,} KiB)",
                        f"{m['rss_per_task_kib']:.1f} KiB",
                    )
                )
    if t:
        rows.append(("threads of this process at the peak", f"{t['peak_threads']:,}"))
    return rows


SCENARIO = Scenario(
    id="thread-cost",
    title="What a thread costs",
    summary="N idle threads against N idle coroutines.\nTime to start, memory: measured per task.",
    description=(
        "N tasks that do nothing but wait until all N exist: first as coroutines on one "
        "event loop, then as threads. The time until the last one is in, and the growth of "
        "the process's resident memory, divided by N: the cost of one idle task as this app "
        "runs it (its bookkeeping included). The memory track shows the growth live. A thread "
        "is an OS thread with its own stack; N beyond what the system allows is refused."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(TASKS,),
    order=42,
    figures=_figures,
    check=_check,
    checks_machine=True,
    counter_format=lambda v: f"{v:,.1f} MiB",
    effect=_effects.thread_cost,
)
