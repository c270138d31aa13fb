"""Runs in a child process: events stream back, results match, cancel ends the child."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from threadtruth_gui.engine.events import Kind
from threadtruth_gui.runs.child import ProcessRun
from threadtruth_gui.scenarios import get


def test_a_child_run_streams_events_and_gives_the_same_result() -> None:
    scenario = get("bank-race")
    params = scenario.resolve({"lock": False, "delay": 0.2})
    run = ProcessRun(scenario.id, params, scenario.plan(params))
    run.start()
    assert run.join(30)
    result, lanes = scenario.finish(run, params)
    assert result.outcome["final_balance"] == -100
    assert [t["status"] for t in result.tasks] == ["succeeded", "succeeded"]
    assert result.verdict is not None and result.verdict.headline == "Overdraft: -$100"
    assert result.events == len(run.recorder) > 10
    assert {e.kind for e in run.recorder.events()} >= {Kind.LINE, Kind.NOTE, Kind.END}
    assert list(lanes.tasks) == ["A", "B"]
    assert run._proc is not None and run._proc.returncode == 0


def test_cancelling_a_child_run_ends_the_process_quickly() -> None:
    scenario = get("bank-race")
    params = scenario.resolve({"lock": True, "delay": 2.0})
    run = ProcessRun(scenario.id, params, scenario.plan(params))
    run.start()
    deadline = time.monotonic() + 30
    while not any(e.kind == Kind.START for e in run.recorder.events()):
        assert time.monotonic() < deadline, "the child never started its tasks"
        time.sleep(0.02)
    t0 = time.perf_counter()
    assert run.stop(timeout=5)
    assert time.perf_counter() - t0 < 2
    assert run._proc is not None and run._proc.poll() is not None
    result = run.result(scenario.id, params)
    assert {t["status"] for t in result.tasks} == {"cancelled"}
    assert result.cancelled


def test_a_killed_child_leaves_no_temp_folder_behind() -> None:
    scenario = get("downloads-threads")
    params = scenario.resolve({"n": 10, "size": 256, "rate": 32.0, "latency": 0.0})
    run = ProcessRun(scenario.id, params, scenario.plan(params))
    run.start()
    tmp = Path(run._tmp or "")
    deadline = time.monotonic() + 30
    while not any(e.kind == "progress" for e in run.recorder.events()):
        assert time.monotonic() < deadline, "no download started"
        time.sleep(0.02)
    downloads = [p for p in tmp.rglob("*") if p.is_file()]
    assert downloads, "the child's download folder is under our temp folder"
    assert run._proc is not None
    run._proc.send_signal(signal.SIGKILL)
    assert run.join(10)
    assert not tmp.exists()
    result = run.result(scenario.id, params)
    assert result.error is not None and "status -9" in result.error
