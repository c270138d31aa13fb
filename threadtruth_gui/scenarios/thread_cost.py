"""thread-cost: what one idle thread costs, against one idle coroutine, measured.

N tasks that do nothing but wait until all N exist: the time to start them and the growth of
the process's resident memory, per task. Coroutines first, then threads, in one process.
"""

from __future__ import annotations

import asyncio
import os
import resource
import threading
from pathlib import Path
from time import perf_counter_ns
from typing import Any

from threadtruth_gui.engine.context import RunContext, current
from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.runner import Phase, PhaseStats, Plan, RunResult, TaskSpec, Verdict
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.engine.trace import Trace
from threadtruth_gui.scenarios import _effects

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
                    trace=False,
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
                    f"T{i}", idle_thread, (rooms["threads"],), {"mode": "threads"}, trace=False
                )
                for i in range(1, n + 1)
            ],
            label="threads",
        ),
    ]
    base = {"rss": 0}

    def sample(run: RunContext) -> None:
        rss = _rss_kib()
        if not base["rss"]:
            base["rss"] = rss
        run.recorder.record("", Kind.COUNTER, ("memory", round((rss - base["rss"]) / 1024, 2)))

    def outcome(stats: dict[str, PhaseStats]) -> dict[str, Any]:
        out: dict[str, Any] = {"tasks": n}
        for key, room in rooms.items():
            phase = stats.get(key)
            if phase is None or not room.full_ns:
                out[key] = None
                continue
            start_s = (room.full_ns - phase.start_ns) / 1e9
            out[key] = {
                "start_all_s": round(start_s, 4),
                "start_per_task_us": round(start_s / n * 1e6, 2),
                "rss_growth_kib": phase.rss_growth // 1024,
                "rss_per_task_kib": round(phase.rss_growth / 1024 / n, 2),
                "peak_threads": phase.peak_threads,
            }
        return out

    return Plan(
        tasks=[spec for phase in phases for spec in phase.tasks],
        outcome=outcome,
        code=[idle_thread, idle_coroutine],
        phases=phases,
        monitor=sample,
        counters={"memory": 0.0},
        on_cancel=rooms["threads"].release,
    )


def _rss_kib() -> int:
    try:
        return (
            int(Path("/proc/self/statm").read_text().split()[1])
            * os.sysconf("SC_PAGE_SIZE")
            // 1024
        )
    except (OSError, ValueError, IndexError):
        return 0


def room_for_threads() -> tuple[int, str]:
    """How many more threads this process may start, and the limit that says so."""
    limits: list[tuple[int, str]] = []
    mine = threading.active_count()
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
    """Threads of this user's processes (what RLIMIT_NPROC counts), best effort."""
    uid, total = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    total += sum(1 for _ in (entry / "task").iterdir())
            except OSError:
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


def _verdict(result: RunResult, trace: Trace) -> Verdict:
    t, c = result.outcome.get("threads"), result.outcome.get("coroutines")
    if not t or not c:
        return Verdict(False, "Incomplete", "a phase did not finish")
    ratio_time = t["start_per_task_us"] / max(c["start_per_task_us"], 0.01)
    return Verdict(
        t["start_per_task_us"] > c["start_per_task_us"],
        f"Thread {t['start_per_task_us']:.0f} µs · coroutine {c['start_per_task_us']:.0f} µs",
        f"starting a thread took {ratio_time:.0f}× as long as a coroutine, and "
        f"{t['rss_per_task_kib']:.1f} KiB against {c['rss_per_task_kib']:.1f} KiB of memory: "
        "each thread is an OS thread with its own stack; a coroutine is a Python object",
    )


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
            rows.append(
                (
                    f"memory per {name} (all: {m['rss_growth_kib']:,} KiB)",
                    f"{m['rss_per_task_kib']:.1f} KiB",
                )
            )
    if t:
        rows.append(("threads alive at the peak", f"{t['peak_threads']:,}"))
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
    panel="figures",
    figures=_figures,
    check=_check,
    counter_format=lambda v: f"{v:,.1f} MiB",
    effect=_effects.thread_cost,
)
