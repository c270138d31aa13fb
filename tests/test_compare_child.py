"""The A/B dialog runs through the window's run path: an A/B of 1000 downloads (threads vs
asyncio) runs each side in a child process, as the window's own run of 1000 would.

Before, the dialog polled its own `Run`: 1000 threads in the window's process.
"""

from __future__ import annotations

import threading

import pytest

from threadtruth_gui.runs.child import ProcessRun

N = 1000
# the window's own threads (Qt's, the runs' reapers) are a few; a side in this process
# would start one per file
MAX_THREADS = 50


@pytest.mark.heavy  # Qt's and the OS's behaviour, not the Python version's: 3.11 only
def test_an_ab_of_1000_downloads_runs_both_sides_in_a_child_process(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.select("downloads-threads")
    window.set_params({"n": N, "size": 1, "latency": 0.0})
    window.open_compare()
    dialog = window.compare_dialog
    assert dialog is not None
    assert [side[0].id for side in dialog.sides] == ["downloads-threads", "downloads-asyncio"]
    runs: list[object] = []
    peak = [threading.active_count()]

    def watch() -> bool:
        run = dialog.run
        if run is not None and (not runs or runs[-1] is not run):
            runs.append(run)
        peak[0] = max(peak[0], threading.active_count())
        return dialog.finished_both

    qtbot.waitUntil(watch, timeout=120_000)
    assert len(runs) == 2 and all(isinstance(run, ProcessRun) for run in runs)
    assert all(bridge.in_child for bridge in dialog.bridges)
    assert peak[0] < MAX_THREADS, peak[0]  # no side's thousand threads in this process
    for result, lanes in zip(dialog.results, dialog.lanes_ab, strict=True):
        assert result is not None and lanes is not None
        assert not result.cancelled and result.verdict is not None
        assert len(lanes.tasks) == N  # every file drawn (live, then whole)
    assert "Both on one time axis" in dialog.status.text()
    dialog.close()
