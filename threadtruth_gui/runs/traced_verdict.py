"""A traced program's verdict and run result, in words, from its report (runs/traced.py).

Every word comes from what was measured: the tasks' statuses, the waits and their
longest, the cycle, the exit code. Nothing here knows the program.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.runs.traced import TracedRun

TRACE_SCENARIO = "trace"  # a traced run's "scenario" in a RunResult and its exports


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('s') else 's'}"


def counts(report: dict[str, Any]) -> str:
    """ "4 threads, 12 waits, longest 310 ms on Queue producer_consumer.py:17"."""
    kinds: dict[str, int] = {}
    for task in report.get("tasks", []):
        kinds[task.get("kind", "thread")] = kinds.get(task.get("kind", "thread"), 0) + 1
    parts = [_plural(n, kind) for kind, n in kinds.items()]
    locks = report.get("locks", [])
    waits = sum(int(lock.get("waits", 0)) for lock in locks)
    parts.append(_plural(waits, "wait"))
    longest = max(locks, key=lambda lock: lock.get("max_wait_s", 0.0), default=None)
    if longest is not None and longest.get("max_wait_s", 0.0) > 0:
        parts[-1] += (
            f", longest {_ms(longest['max_wait_s'])} on {longest.get('kind', 'Lock')} "
            f"{longest['name']}"
        )
    return ", ".join(parts)


def verdict_of(report: dict[str, Any], script: str) -> Verdict:
    """What the program did, in one headline and a detail line (`script`: its file name)."""
    detail = f"{counts(report)}."
    deadlock = report.get("deadlock")
    tasks = report.get("tasks", [])
    failed = [t for t in tasks if t.get("status") == "failed"]
    if deadlock is not None:
        stuck = ", ".join(edge["task"] for edge in deadlock.get("cycle", []))
        if deadlock.get("broken"):
            victims = [t["name"] for t in tasks if t.get("status") == "deadlocked"]
            who = ", ".join(victims) or "no thread"
            went_on = sum(1 for t in tasks if t.get("status") == "done")
            broke = f"{who}'s wait raised; the others went on ({went_on} done)."
            return Verdict(False, f"Deadlock broken: {who} deadlocked", f"{broke} {detail}")
        ended = "ended" if report.get("cancelled") else "left"
        cycle = f"Each waited for a lock another held, until the program was {ended}."
        return Verdict(False, f"Deadlock: {stuck}", f"{cycle} {detail}")
    if failed:
        first = failed[0]
        error = str(first.get("error", "an exception"))
        kind, _, rest = error.partition(": ")
        where = rest[rest.rfind(" (") :] if rest.endswith(")") and " (" in rest else ""
        more = f" (+{len(failed) - 1} more)" if len(failed) > 1 else ""
        exit_code = report.get("exit_code")
        code = f" Exit code {exit_code}." if exit_code is not None else ""
        return Verdict(
            False, f"Failed: {kind} in {first['name']}{where}{more}", f"{error}.{code} {detail}"
        )
    if report.get("cancelled") and report.get("exit_code") is None:
        ended = "the program was ended before it finished"
        return Verdict(False, "Ended by Reset", f"{ended}. {detail}")
    if report.get("error"):
        return Verdict(False, "The trace failed", f"{report['error']}. {detail}")
    exit_code = report.get("exit_code")
    return Verdict(exit_code == 0, f"Ended: exit code {exit_code}", detail)


def result_of(run: TracedRun) -> RunResult:
    """The finished traced run as a RunResult (tasks, duration, the report as its outcome)
    with its verdict: what the window shows and exports."""
    return result_of_report(run.report(), str(run.script), run.args, len(run.recorder))


def result_of_report(
    report: dict[str, Any], script: str, args: list[str], events: int
) -> RunResult:
    """A traced run's RunResult from its report alone: a live run's, or one read from a
    saved `.ttrun` file (runs/tracefile.py), whose program is never run again."""
    return RunResult(
        scenario=TRACE_SCENARIO,
        params={"script": script, "args": list(args)},
        outcome=report,
        tasks=[dict(task) for task in report["tasks"]],
        duration_s=float(report["duration_s"]),
        events=events,
        verdict=verdict_of(report, Path(script).name),
        cancelled=bool(report.get("cancelled")),
        error=report.get("error"),
    )
