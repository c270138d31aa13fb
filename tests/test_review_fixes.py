"""Regressions found in review: cancelling busy runs, step units, files that must be refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from threadtruth_gui.engine.gate import StepGate
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.runs import runfile
from threadtruth_gui.scenarios import get, thread_cost


def test_reset_stops_cpu_bound_threads_at_once() -> None:
    scenario = get("gil-cpu")
    run = Run(scenario.plan(scenario.resolve({"workers": 2, "limit": 2_000_000})))
    run.start()
    time.sleep(0.3)  # the one-thread phase is counting
    started = time.monotonic()
    assert run.stop(1.5)
    assert time.monotonic() - started < 1.0


def test_reset_while_thousands_of_threads_start_stops_starting_them() -> None:
    scenario = get("thread-cost")
    run = Run(scenario.plan(scenario.resolve({"tasks": 5000})))
    run.start()
    time.sleep(0.15)  # the coroutines are done; the threads are starting
    assert run.stop(3.0)


def test_two_quick_grants_keep_their_own_units() -> None:
    scenario = get("bank-race")
    run = Run(scenario.plan(scenario.resolve({"lock": False, "delay": 0})))
    gate = run.context.gate = StepGate(run.context.cancelled)
    run.start()
    try:
        assert gate.wait_ready(["A", "B"])
        gate.grant("A", "line")
        gate.grant("A", "op")  # before A has even taken the first
        deadline = time.monotonic() + 5
        while not gate.settled("A") and time.monotonic() < deadline:
            time.sleep(0.005)
        gos = [ev.data for ev in run.recorder.events() if ev.kind == "go" and ev.task == "A"]
        assert gos == ["line", "op"]
    finally:
        gate.release()
        assert run.join(5)


def test_units_that_do_not_fit_the_task_are_refused() -> None:
    with pytest.raises(ValueError, match="A is a thread"):
        get("bank-race").run({"delay": 0}, schedule=["A:await"])
    with pytest.raises(ValueError, match="A is a coroutine"):
        get("asyncio-race").run({"delay": 0}, schedule=["A:op"])


def _saved_data(scenario: str, params: dict) -> dict:
    result, _lanes, events = get(scenario).execute(params)
    return runfile.to_json(result, events, 0, False)


def test_files_with_impossible_content_are_refused(tmp_path: Path) -> None:
    data = _saved_data("deadlock", {"delay": 0.05})
    bad = dict(data, result=dict(data["result"], outcome={}))
    with pytest.raises(runfile.RunFileError, match="does not fit deadlock"):
        runfile.parse(bad)
    path = tmp_path / "inf.ttrun"
    path.write_text(json.dumps(data).replace('"duration_s":', '"duration_s": Infinity, "x":'))
    with pytest.raises(runfile.RunFileError, match="Infinity"):
        runfile.load(path)
    steps = dict(data, schedule=[{"task": "A", "unit": "await"}])
    with pytest.raises(runfile.RunFileError, match="bad step"):
        runfile.parse(steps)


def test_a_saved_thread_cost_run_opens_on_a_machine_with_lower_limits(monkeypatch) -> None:
    data = _saved_data("thread-cost", {"tasks": 300})
    monkeypatch.setattr(thread_cost, "room_for_threads", lambda: (100, "a low limit"))
    saved = runfile.parse(data)  # opening re-runs nothing
    assert saved.result.outcome["tasks"] == 300
    with pytest.raises(runfile.RunFileError, match="cannot be replayed"):
        runfile.replay(saved)  # (its tasks are untraced: it can be shown, not replayed)
