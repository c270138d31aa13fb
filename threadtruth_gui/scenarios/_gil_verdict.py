"""gil-cpu's verdict and figures, every claim computed from what the run measured.

"Ran at once" is measured, not assumed: each worker reports the CPU time its own thread (or
process) spent; added up over a phase and divided by the phase's wall time, that is how
many cores were busy at once on average. One core at a time gives at most 1.0; from
`AT_ONCE` on, a second core was busy for a good part of the phase.

A speedup is one run's wall time against another's, on a machine that does other things
too: within `NOISE` of ×1.00 it is called "no faster", not a gain or a loss.
"""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.result import RunResult, Verdict

AT_ONCE = 1.25  # cores busy on average: from here on, workers ran at the same time
NOISE = 0.15  # ±15%: what one run's wall time varies by on a busy machine
BUSY = 0.8  # a lone thread that got less of a core than this shared the machine
# the phases: outcome key of its wall time, the runner's mode of its tasks
PHASES = {
    "one thread": ("one_thread_s", "sequential"),
    "threads": ("threads_s", "threads"),
    "processes": ("processes_work_s", "processes"),  # their work, start-up left out
}
_NOT_RECORDED = "a Python this run did not record"


def cores_busy(result: RunResult) -> dict[str, float | None]:
    """Per phase: its workers' CPU time added up, over its wall time (None: not measured,
    e.g. a run saved before CPU time was recorded, or a worker that did not finish)."""
    out, n = result.outcome, result.outcome.get("workers")
    busy: dict[str, float | None] = {}
    for key, (wall_key, mode) in PHASES.items():
        cpu = [t["cpu_s"] for t in result.tasks if t.get("mode") == mode and "cpu_s" in t]
        wall = out.get(wall_key)
        busy[key] = round(sum(cpu) / wall, 2) if wall and cpu and len(cpu) == n else None
    return busy


def failed_workers(result: RunResult) -> list[dict[str, Any]]:
    return [t for t in result.tasks if t.get("status") != "done"]


def _phase_of(task: dict[str, Any]) -> str:
    return next((k for k, (_w, mode) in PHASES.items() if mode == task.get("mode")), "?")


def _speed(x: float, what: str) -> str:
    if abs(x - 1) <= NOISE:
        return f"no faster than one (×{x:.2f}, within the ±{NOISE:.0%} a run varies)"
    if x < 1:
        return f"slower than one thread (×{x:.2f})"
    return f"×{x:.2f} faster than one thread{what}"


def _cores(c: float) -> str:
    return f"{c:.1f} core{'s' if round(c, 1) != 1 else ''}"


def verdict(result: RunResult, gil_waits: int) -> Verdict:
    out = result.outcome
    n = out["workers"]
    python = out.get("python") or _NOT_RECORDED
    gil = out.get("gil", True)
    measured_on = f"Measured on {python}, GIL {'on' if gil else 'off'}."
    if result.error:
        return Verdict(False, "The run failed", f"{result.error}. {measured_on}")
    failed = failed_workers(result)
    if failed:
        first = failed[0]
        phases = sorted({_phase_of(t) for t in failed}, key=list(PHASES).index)
        why = first.get("error") or f"it ended {first.get('status')}"
        return Verdict(
            False,
            f"{len(failed)} of {len(result.tasks)} workers failed",
            f"{', '.join(t['name'] for t in failed)} ({' and '.join(phases)}) did not count: "
            f"{first['name']}: {why}. Without every count the times compare nothing. "
            + measured_on,
        )
    t, p = out.get("threads_speedup"), out.get("processes_speedup")
    if t is None or p is None:
        return Verdict(False, "Incomplete", f"a phase was not timed. {measured_on}")
    busy = cores_busy(result)
    tc, pc, sc = busy["threads"], busy["processes"], busy["one thread"]
    cores = out.get("cores") or out.get("cpu_count") or 1

    # On a busy machine one thread alone got less than a core. Processes then ran at once
    # when they got well over what it got AND the clock agrees (two measures, since the
    # load may change between phases). Threads are judged on cores alone: with the GIL
    # they cannot pass one core, whatever the load did.
    alone = sc if sc is not None and sc < BUSY else None

    def at_once(c: float, clock: float) -> bool:
        relative = alone is not None and c >= AT_ONCE * alone and clock >= 1 + NOISE
        return c >= AT_ONCE or relative

    if tc is None:
        threads = f"{n} threads: {_speed(t, '')}; their CPU time was not recorded"
    elif tc >= AT_ONCE:
        threads = f"{n} threads kept {_cores(tc)} busy at once: {_speed(t, '')}"
    else:
        turns = f", taking turns for the GIL ({gil_waits:,} waits)" if gil_waits else ""
        threads = f"{n} threads kept {_cores(tc)} busy{turns}: " + _speed(
            t, " by the clock, not from running at once"
        )
    if pc is None:
        procs = f"{n} processes: their CPU time was not recorded"
    elif pc >= AT_ONCE:
        procs = f"{n} processes kept {_cores(pc)} busy at once (of {cores})"
    elif at_once(pc, p):
        assert alone is not None
        procs = (
            f"{n} processes kept {_cores(pc)} busy, {pc / alone:.1f}× what one thread got "
            "alone: they ran at once, on the cores the machine left free"
        )
    elif p >= 1 + NOISE:
        procs = (
            f"{n} processes kept {_cores(pc)} busy: not clearly at once, though the clock "
            f"gave ×{p:.2f} (the machine's load changed between the phases)"
        )
    else:
        procs = f"{n} processes kept {_cores(pc)} busy: they did not run at once this time"
        if cores < 2:
            procs += f" (this machine lets the app use {cores} core)"
    busy_machine = ""
    if alone is not None:
        busy_machine = f" The machine was busy: one thread alone got {alone:.2f} of a core."
    detail = f"{threads}. {procs}.{busy_machine} {measured_on}"
    if gil:
        good = pc is not None and at_once(pc, p) and (tc is None or tc < AT_ONCE)
    else:  # no GIL: the threads are what should run at once
        good = tc is not None and tc >= AT_ONCE
    head = f"Threads ×{t:.2f} · processes ×{p:.2f}"
    return Verdict(good, head if gil else f"No GIL: {head[0].lower()}{head[1:]}", detail)


def figures(result: RunResult) -> list[tuple[str, str]]:
    out = result.outcome
    n = out["workers"]
    busy = cores_busy(result)
    broken = {_phase_of(t) for t in failed_workers(result)}

    def s(key: str, value: float | None) -> str:
        if key in broken:
            return "failed"
        return f"{value:.2f} s" if value is not None else "not measured"

    def x(key: str, value: float | None) -> str:
        return f"×{value:.2f}" if value is not None and key not in broken else "—"

    def c(key: str) -> str:
        value = busy[key]
        if value is None or key in broken:
            return "cores busy not measured"
        return f"{value:.2f} cores busy"

    python = out.get("python") or _NOT_RECORDED
    cores = out.get("cores") or out["cpu_count"]
    return [
        (f"one thread: the {n} counts one after another", s("one thread", out["one_thread_s"])),
        (
            f"{n} threads at once: speedup {x('threads', out['threads_speedup'])}, "
            f"{c('threads')} (CPU time ÷ wall time)",
            s("threads", out["threads_s"]),
        ),
        (
            f"{n} processes at once, start-up included: speedup "
            f"{x('processes', out['processes_speedup'])}, {c('processes')} (of {cores})",
            s("processes", out["processes_s"]),
        ),
        ("cores this machine lets the app use", str(cores)),
        (f"GIL, as measured on {python}", "on" if out["gil"] else "off (free-threaded)"),
    ]
