"""The lecture's "which tool when" table, filled from the runs made during the lecture.

Threads, asyncio and processes (rows) × I/O-bound, CPU-bound and memory per task
(columns). Every figure is read from a run's measured outcome, on this machine; a cell
whose scenario has not run yet says "not run yet", and one that no scenario measures
says so. Used by the window's summary slide and by the handout (no Qt here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from threadtruth_gui.engine.result import RunResult

ROWS = ("threads", "asyncio", "processes")
COLUMNS = ("I/O-bound: downloads", "CPU-bound: Python arithmetic", "memory per task")
NOT_RUN = "not run yet"
NO_SCENARIO = "no scenario measures it"
FAILED = "its run failed"


@dataclass(frozen=True)
class Cell:
    text: str  # the figure in words, or NOT_RUN / NO_SCENARIO
    source: str | None = None  # the scenario whose run gave it (or would give it)
    measured: bool = False  # the text is a figure from a run of this lecture

    @property
    def missing(self) -> bool:
        return not self.measured


def _downloads(mode: str) -> Callable[[Mapping[str, RunResult]], Cell]:
    """A download mode's total time, from its own scenario or from downloads-compare."""
    own = f"downloads-{mode}"

    def cell(runs: Mapping[str, RunResult]) -> Cell:
        for scenario in (own, "downloads-compare"):
            run = runs.get(scenario)
            got = _mode(run, mode)
            if run is not None and got is not None:
                files = run.outcome.get("files", "?")
                text = f"{files} file{'' if files == 1 else 's'} in {got['total_s']:.2f} s"
                sequential = _mode(run, "sequential")
                alone = runs.get("downloads-sequential")
                if sequential is None and alone is not None and _same_files(alone, run):
                    sequential = _mode(alone, "sequential")  # (only the same files compare)
                if sequential is not None and got["total_s"] > 0:
                    times = sequential["total_s"] / got["total_s"]
                    text += f" (×{times:.1f} vs one after another)"
                return Cell(text, scenario, True)
        failed = runs.get(own)
        return Cell(FAILED if failed is not None and failed.error else NOT_RUN, own)

    return cell


_FILES = ("n", "size", "latency", "rate", "fail")  # what makes two download runs comparable


def _same_files(a: RunResult, b: RunResult) -> bool:
    return all(a.params.get(k) == b.params.get(k) for k in _FILES)


def _mode(run: RunResult | None, mode: str) -> dict[str, Any] | None:
    if run is None or run.cancelled or run.error:
        return None
    got = run.outcome.get("modes", {}).get(mode)
    return got if isinstance(got, dict) and "total_s" in got else None


def _gil(key: str, what: str) -> Callable[[Mapping[str, RunResult]], Cell]:
    def cell(runs: Mapping[str, RunResult]) -> Cell:
        run = runs.get("gil-cpu")
        if run is not None and run.error:
            return Cell(FAILED, "gil-cpu")
        if run is None or run.cancelled or key not in run.outcome:
            return Cell(NOT_RUN, "gil-cpu")
        workers = run.outcome.get("workers", "?")
        return Cell(f"×{run.outcome[key]:.2f} with {workers} {what} vs one", "gil-cpu", True)

    return cell


def _memory(kind: str, what: str) -> Callable[[Mapping[str, RunResult]], Cell]:
    def cell(runs: Mapping[str, RunResult]) -> Cell:
        run = runs.get("thread-cost")
        if run is not None and run.error:
            return Cell(FAILED, "thread-cost")
        got = run.outcome.get(kind) if run is not None and not run.cancelled else None
        if not isinstance(got, dict) or "rss_per_task_kib" not in got:
            return Cell(NOT_RUN, "thread-cost")
        kib, us = got["rss_per_task_kib"], got["start_per_task_us"]
        text = f"{kib:.1f} KiB a {what}, {us:.0f} µs to start"
        return Cell(text, "thread-cost", True)

    return cell


def _none(_runs: Mapping[str, RunResult]) -> Cell:
    return Cell(NO_SCENARIO)


_TABLE: dict[str, tuple[Callable[[Mapping[str, RunResult]], Cell], ...]] = {
    "threads": (
        _downloads("threads"),
        _gil("threads_speedup", "threads"),
        _memory("threads", "thread"),
    ),
    "asyncio": (_downloads("asyncio"), _none, _memory("coroutines", "coroutine")),
    "processes": (_none, _gil("processes_speedup", "processes"), _none),
}


def which_tool(runs: Mapping[str, RunResult]) -> list[tuple[str, list[Cell]]]:
    """The table's rows, each (row name, its cells in COLUMNS order), from `runs`: the
    latest finished run of each scenario in this lecture, by scenario id."""
    return [(row, [fill(runs) for fill in _TABLE[row]]) for row in ROWS]


def measured_count(table: list[tuple[str, list[Cell]]]) -> int:
    return sum(cell.measured for _row, cells in table for cell in cells)
