"""The "which tool when" table: every figure read from a run's outcome, "not run yet" where
its scenario has not run, and said where no scenario measures a cell."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.lecture.summary import COLUMNS, NO_SCENARIO, NOT_RUN, ROWS, which_tool
from threadtruth_gui.scenarios import get


def _result(scenario: str, outcome: dict[str, Any], cancelled: bool = False) -> RunResult:
    return RunResult(scenario, {}, outcome, [], 1.0, 0, None, cancelled)


def _cells(runs: dict[str, RunResult]) -> dict[tuple[str, str], str]:
    return {
        (row, column): cell.text
        for row, cells in which_tool(runs)
        for column, cell in zip(COLUMNS, cells, strict=True)
    }


def test_before_any_run_every_measured_cell_says_not_run_yet() -> None:
    cells = _cells({})
    assert len(cells) == len(ROWS) * len(COLUMNS)
    assert set(cells.values()) == {NOT_RUN, NO_SCENARIO}
    assert cells[("processes", COLUMNS[0])] == NO_SCENARIO
    for _row, cells_of in which_tool({}):  # each missing figure names the scenario to run
        for cell in cells_of:
            if cell.text == NOT_RUN:
                assert cell.source is not None and get(cell.source)


def test_figures_come_from_the_runs_outcomes() -> None:
    runs = {
        "downloads-sequential": _result(
            "downloads-sequential", {"files": 10, "modes": {"sequential": {"total_s": 6.9}}}
        ),
        "downloads-threads": _result(
            "downloads-threads", {"files": 10, "modes": {"threads": {"total_s": 0.69}}}
        ),
        "gil-cpu": _result(
            "gil-cpu", {"workers": 2, "threads_speedup": 1.07, "processes_speedup": 1.51}
        ),
        "thread-cost": _result(
            "thread-cost",
            {
                "threads": {"rss_per_task_kib": 15.86, "start_per_task_us": 348.6},
                "coroutines": {"rss_per_task_kib": 3.06, "start_per_task_us": 14.3},
            },
        ),
        # a reset run measured nothing: its cell stays missing
        "downloads-asyncio": _result(
            "downloads-asyncio", {"files": 3, "modes": {"asyncio": {"total_s": 0.1}}}, True
        ),
    }
    cells = _cells(runs)
    assert cells[("threads", COLUMNS[0])] == "10 files in 0.69 s (×10.0 vs one after another)"
    assert cells[("asyncio", COLUMNS[0])] == NOT_RUN
    assert cells[("threads", COLUMNS[1])] == "×1.07 with 2 threads vs one"
    assert cells[("processes", COLUMNS[1])] == "×1.51 with 2 processes vs one"
    assert cells[("threads", COLUMNS[2])] == "15.9 KiB a thread, 349 µs to start"
    assert cells[("asyncio", COLUMNS[2])] == "3.1 KiB a coroutine, 14 µs to start"


def test_downloads_compare_fills_both_download_cells() -> None:
    compare = _result(
        "downloads-compare",
        {
            "files": 6,
            "modes": {
                "sequential": {"total_s": 3.0},
                "threads": {"total_s": 0.5},
                "asyncio": {"total_s": 0.6},
            },
        },
    )
    cells = _cells({"downloads-compare": compare})
    assert cells[("threads", COLUMNS[0])] == "6 files in 0.50 s (×6.0 vs one after another)"
    assert cells[("asyncio", COLUMNS[0])] == "6 files in 0.60 s (×5.0 vs one after another)"


def test_a_speedup_compares_only_runs_of_the_same_files() -> None:
    """A 1-file threaded run against a 6-file sequential one is no ×6 speedup."""

    def downloads(mode: str, n: int, total_s: float) -> RunResult:
        return RunResult(
            f"downloads-{mode}",
            {"n": n, "size": 64, "latency": 0.3, "rate": 512.0, "fail": ""},
            {"files": n, "modes": {mode: {"total_s": total_s}}},
            [],
            1.0,
            0,
            None,
            False,
        )

    runs = {
        "downloads-sequential": downloads("sequential", 6, 2.5),
        "downloads-threads": downloads("threads", 1, 0.42),
    }
    assert _cells(runs)[("threads", COLUMNS[0])] == "1 file in 0.42 s"
    runs["downloads-threads"] = downloads("threads", 6, 0.43)
    assert _cells(runs)[("threads", COLUMNS[0])] == "6 files in 0.43 s (×5.8 vs one after another)"


def test_a_failed_run_says_so_not_that_it_never_ran() -> None:
    failed = RunResult("thread-cost", {}, {}, [], 1.0, 0, None, False, error="could not start")
    cells = _cells({"thread-cost": failed})
    assert cells[("threads", COLUMNS[2])] == "its run failed"
    assert cells[("threads", COLUMNS[0])] == NOT_RUN
