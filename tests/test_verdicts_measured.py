"""Verdicts, figures and panels say what the run measured: every count is the measured
count, every claim follows from a figure, a failed worker fails the verdict, the Python
it ran on is named, and a figure that could not be measured says so (never 0)."""

from __future__ import annotations

import concurrent.futures
import os
import threading
from typing import Any

import psutil

from threadtruth_gui.engine import measure
from threadtruth_gui.engine.events import Kind, Recorder
from threadtruth_gui.engine.interp import python_label
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Phase, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.scenarios import _gil_verdict, get

FAST_GIL = {"workers": 2, "limit": 10_000}


def _result(scenario: str, outcome: dict[str, Any], tasks: list[dict[str, Any]]) -> RunResult:
    return RunResult(scenario, {}, outcome, tasks, 1.0, 0, None, False)


def _gil_outcome(threads_x: float, processes_x: float, **more: Any) -> dict[str, Any]:
    one = 2.0
    return {
        "workers": 2,
        "python": "CPython 3.11.7",
        "cpu_count": 2,
        "cores": 2,
        "gil": True,
        "switch_interval_s": 0.005,
        "one_thread_s": one,
        "threads_s": round(one / threads_x, 4),
        "processes_s": round(one / processes_x, 4),
        "processes_work_s": round(one / processes_x, 4) - 0.2,
        "threads_speedup": threads_x,
        "processes_speedup": processes_x,
        **more,
    }


def _gil_tasks(cpu: dict[str, float]) -> list[dict[str, Any]]:
    modes = {"S": "sequential", "T": "threads", "P": "processes"}
    return [
        {"name": name, "mode": modes[name[0]], "status": "done", "found": 1229, "cpu_s": s}
        for name, s in cpu.items()
    ]


# -- gil-cpu -------------------------------------------------------------------------------


class _DyingPool(concurrent.futures.ProcessPoolExecutor):
    """A real process pool whose every worker process dies at once (os._exit), as a worker
    killed by the OS would: the pool breaks (BrokenProcessPool)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return super().submit(fn, os._exit, (3,))  # engine/phases.py's _timed(target, args) runs it


def test_a_dead_worker_process_fails_the_gil_verdict_and_says_why(monkeypatch) -> None:
    # before: both workers failed (BrokenProcessPool) and the verdict was still green,
    # "processes ×N ... ran on 2 cores at once"
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _DyingPool)
    scenario = get("gil-cpu")
    result, _lanes = scenario.run(FAST_GIL)
    statuses = {t["name"]: t["status"] for t in result.tasks}
    assert statuses["P1"] == statuses["P2"] == "failed"
    assert result.verdict is not None and not result.verdict.good
    detail = result.verdict.detail
    assert "P1, P2 (processes) did not count" in detail
    assert "BrokenProcessPool" in detail
    assert "cores" not in detail  # no claim about cores from workers that never ran
    assert scenario.figures is not None
    shown = dict((value, name) for name, value in scenario.figures(result))
    assert "failed" in shown  # the processes' time is shown as failed, not as a time


def test_gil_verdict_claims_follow_from_its_numbers() -> None:
    verdict = get("gil-cpu").verdict
    # the run of the issue: threads ×1.18 by the clock, yet one core between them (CPU
    # time 1.7 s in 1.69 s of wall time); on a busy machine (one thread alone got 0.70 of
    # a core), the processes got 1.0 core, 1.4× that, and the clock agrees (×1.39)
    out = _gil_outcome(1.18, 1.39, processes_work_s=1.2)
    cpu = {"S1": 0.7, "S2": 0.7, "T1": 0.85, "T2": 0.85, "P1": 0.6, "P2": 0.6}
    v = verdict(_result("gil-cpu", out, _gil_tasks(cpu)), Lanes(0))
    assert "no faster than one" not in v.detail  # ×1.18 is more than one run's noise
    assert "×1.18 faster than one thread by the clock, not from running at once" in v.detail
    assert "2 threads kept 1.0 core busy:" in v.detail  # the threads: (0.85+0.85)/1.6949
    assert "2 processes kept 1.0 core busy, 1.4× what one thread got alone: they ran at once" in (
        v.detail
    )
    assert "one thread alone got 0.70 of a core" in v.detail  # 1.4 s of CPU in 2.0 s
    assert v.good
    assert "Measured on CPython 3.11.7, GIL on." in v.detail

    # the reviewer's run: the processes got 0.93 cores, one thread alone 0.48, clock ×1.93:
    # never "did not run at once" beside a near-×2 clock
    out = _gil_outcome(1.02, 1.93, processes_work_s=1.52, one_thread_s=3.86)
    cpu = {"S1": 0.93, "S2": 0.92, "T1": 0.95, "T2": 0.95, "P1": 0.71, "P2": 0.70}
    v = verdict(_result("gil-cpu", out, _gil_tasks(cpu)), Lanes(0))
    assert "did not run at once" not in v.detail
    assert "they ran at once" in v.detail and v.good

    # the clock says faster, the cores do not: said as unclear, not as either
    out = _gil_outcome(1.0, 1.3, processes_work_s=1.5)
    cpu = {"S1": 0.7, "S2": 0.7, "T1": 0.95, "T2": 0.95, "P1": 0.4, "P2": 0.4}
    v = verdict(_result("gil-cpu", out, _gil_tasks(cpu)), Lanes(0))
    assert "not clearly at once, though the clock gave ×1.30" in v.detail and not v.good

    # within the noise: "no faster", said with its bound; processes on two cores at once
    out = _gil_outcome(1.05, 1.8, processes_work_s=1.0)
    cpu = {"S1": 1.0, "S2": 1.0, "T1": 0.9, "T2": 0.9, "P1": 0.95, "P2": 0.95}
    v = verdict(_result("gil-cpu", out, _gil_tasks(cpu)), Lanes(0))
    assert "no faster than one (×1.05, within the ±15% a run varies)" in v.detail
    assert "2 processes kept 1.9 cores busy at once (of 2)" in v.detail
    assert v.good


def test_a_gil_run_saved_without_cpu_times_says_not_recorded() -> None:
    out = _gil_outcome(1.0, 1.8)
    del out["python"]
    tasks = [{k: v for k, v in t.items() if k != "cpu_s"} for t in _gil_tasks(dict.fromkeys(
        ("S1", "S2", "T1", "T2", "P1", "P2"), 1.0))]
    v = get("gil-cpu").verdict(_result("gil-cpu", out, tasks), Lanes(0))
    assert "CPU time was not recorded" in v.detail
    assert "a Python this run did not record" in v.detail
    assert not v.good  # nothing measured shows the processes ran at once


def test_gil_run_names_its_python_and_measures_the_threads_one_core_at_a_time() -> None:
    scenario = get("gil-cpu")
    result, _lanes = scenario.run(FAST_GIL)
    assert result.verdict is not None
    assert f"Measured on {python_label()}" in result.verdict.detail
    assert scenario.figures is not None
    assert any(python_label() in name for name, _value in scenario.figures(result))
    busy = _gil_verdict.cores_busy(result)
    assert all(value is not None for value in busy.values())
    if result.outcome["gil"]:
        # a hard bound, not a timing: with the GIL only one of the threads runs Python at
        # a time, so their CPU time added up cannot pass their wall time by 25%
        threads = busy["threads"]
        assert threads is not None and threads < _gil_verdict.AT_ONCE


# -- deadlock ------------------------------------------------------------------------------


def _backoff_notes(lanes: Lanes) -> int:
    return sum(n.what == "backed off" for t in lanes.tasks.values() for n in t.notes)


def test_no_back_off_is_not_told_as_a_wait_that_gave_up() -> None:
    # A runs to its end before B starts (forced by the step gate): nothing timed out.
    # before: "a wait with a timeout gave up and released its first lock (0 back-offs)"
    result, lanes = get("deadlock").run(
        {"variant": "timeout and back off", "delay": 0}, schedule=["A"] * 12
    )
    assert _backoff_notes(lanes) == 0
    assert result.verdict is not None
    assert "gave up" not in result.verdict.detail
    assert "(0 back-offs)" in result.verdict.detail
    assert "A took both locks before B took one" in result.verdict.detail


def test_the_back_offs_told_are_the_back_offs_counted() -> None:
    # each holds one lock before either asks for the other (forced by the step gate):
    # at least one timed wait runs out
    result, lanes = get("deadlock").run(
        {"variant": "timeout and back off", "delay": 0}, schedule=["A", "B"] * 4
    )
    count = _backoff_notes(lanes)
    assert count >= 1
    assert result.verdict is not None
    assert f"({count} back-off{'s' if count != 1 else ''})" in result.verdict.detail


# -- thread-cost ---------------------------------------------------------------------------


def _cost(ts: float, cs: float, memory: bool = True) -> dict[str, Any]:
    def side(us: float, kib: float) -> dict[str, Any]:
        return {
            "start_all_s": us * 100 / 1e6,
            "start_per_task_us": us,
            "rss_growth_kib": round(kib * 100) if memory else None,
            "rss_per_task_kib": kib if memory else None,
            "peak_threads": 103,
        }

    return {
        "tasks": 100,
        "python": "CPython 3.11.7",
        "threads": side(ts, 9.0),
        "coroutines": side(cs, 1.5),
    }


def test_thread_cost_verdict_is_computed_from_its_figures() -> None:
    verdict = get("thread-cost").verdict
    tasks = [{"name": "T1", "status": "succeeded"}]
    v = verdict(_result("thread-cost", _cost(400.0, 20.0), tasks), Lanes(0))
    assert v.good and "starting a thread took 20× as long as a coroutine" in v.detail
    assert "9.0 KiB of memory, more than a coroutine's 1.5 KiB" in v.detail
    assert "on CPython 3.11.7 a thread is an OS thread" in v.detail
    # before: "starting a thread took 0× as long as a coroutine" and a thread/coroutine
    # explanation of a result that did not happen
    v = verdict(_result("thread-cost", _cost(20.0, 40.0), tasks), Lanes(0))
    assert not v.good and "thread took 0× as long" not in v.detail
    assert "starting a coroutine took 2.0× as long as a thread" in v.detail
    assert "(measured on CPython 3.11.7)" in v.detail
    v = verdict(_result("thread-cost", _cost(21.0, 20.0, memory=False), tasks), Lanes(0))
    assert "about as long to start (within 15%)" in v.detail
    assert "memory was not measured" in v.detail


# -- figures the OS would not give -----------------------------------------------------------


def test_rss_and_threads_are_measured_by_the_os() -> None:
    rss = measure.rss_bytes()
    assert rss is not None and rss > 1_000_000  # a Python with Qt loaded: megabytes
    assert measure.thread_count() >= threading.active_count()


def test_memory_the_os_does_not_give_is_not_measured_never_0(monkeypatch) -> None:
    def refuse(_self: psutil.Process) -> Any:
        raise psutil.AccessDenied(os.getpid())

    monkeypatch.setattr(psutil.Process, "memory_info", refuse)
    assert measure.rss_bytes() is None
    scenario = get("thread-cost")
    result, lanes = scenario.run({"tasks": 10})
    for side in ("threads", "coroutines"):
        assert result.outcome[side]["rss_growth_kib"] is None
        assert result.outcome[side]["rss_per_task_kib"] is None
    assert "memory" not in lanes.counters  # no track of zeros
    assert scenario.figures is not None
    shown = scenario.figures(result)
    assert ("memory per thread: the system did not say", "not measured") in shown
    assert result.verdict is not None and "memory was not measured" in result.verdict.detail
    assert f"{python_label()}" in result.verdict.detail


# -- the transfers panel -------------------------------------------------------------------


def test_transfers_panel_counts_verified_only_for_verified_files(qtbot) -> None:
    from threadtruth_gui.ui.panels.transfers import _DONE, _VERIFIED, TransfersPanel

    def nothing() -> None:
        return None

    names = ("T1", "T2", "T3")
    phase = Phase("threads", [TaskSpec(n, nothing, info={"mode": "threads"}) for n in names])
    plan = Plan([phase], outcome=lambda _s: {}, code=[])
    recorder = Recorder()
    for name in names:
        recorder.record(name, Kind.START, {"mode": "threads"})
        recorder.record(name, Kind.END, ("done", None))
    lanes = Lanes(recorder.t0_ns)
    lanes.feed(recorder.events())
    # T1 from the demo server (its checksum matched), T2 and T3 from pasted URLs: saved,
    # with no checksum to check them against
    tasks = [
        {"name": "T1", "mode": "threads", "status": "done", "bytes": 10, "verified": True},
        {"name": "T2", "mode": "threads", "status": "done", "bytes": 10, "verified": False},
        {"name": "T3", "mode": "threads", "status": "done", "bytes": 10, "verified": False},
    ]
    outcome = {
        "files": 3,
        "modes": {
            "threads": {
                "total_s": 0.5,
                "task_threads": 3,
                "peak_threads": 5,
                "thread_growth": 3,
                "peak_rss_growth_kib": None,  # the OS did not say
            }
        },
    }
    panel = TransfersPanel()
    qtbot.addWidget(panel)
    panel.setup(plan, {})
    panel.finish(_result("downloads-threads", outcome, tasks), lanes)
    table = panel.table
    assert table.item(_DONE, 0).text() == "3"
    assert table.item(_VERIFIED, 0).text() == "1"
    assert panel.unverified.text().startswith("2 downloaded but not verified")
    assert "T2, T3" in panel.unverified.text()
    assert not panel.unverified.isHidden()
    memory = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert "not measured" in memory and "0.0 MiB" not in memory


def test_all_verified_files_leave_no_unverified_note(qtbot) -> None:
    from threadtruth_gui.ui.panels.transfers import _VERIFIED, TransfersPanel

    phase = Phase("threads", [TaskSpec("T1", print, info={"mode": "threads"})])
    plan = Plan([phase], outcome=lambda _s: {}, code=[])
    panel = TransfersPanel()
    qtbot.addWidget(panel)
    panel.setup(plan, {})
    task = {"name": "T1", "mode": "threads", "status": "done", "verified": True}
    panel.finish(_result("downloads-threads", {"modes": {}}, [task]), Lanes(0))
    assert panel.table.item(_VERIFIED, 0).text() == "1"
    assert panel.unverified.isHidden()


# -- narration -------------------------------------------------------------------------------


def test_a_cancelled_task_is_not_said_to_be_reset() -> None:
    # a run is cancelled by Reset, but also by closing the window, Ctrl+C, SIGTERM, or a
    # thread the system would not start: the story says what is known
    from threadtruth_gui.engine.narrate import story

    recorder = Recorder()
    recorder.record("A", Kind.START, {})
    recorder.record("A", Kind.END, ("cancelled", None))
    lanes = Lanes(recorder.t0_ns)
    lanes.feed(recorder.events())
    texts = [line.text for line in story(lanes.tasks["A"])]
    assert texts == ["stopped: the run was cancelled"]


def test_gil_effect_is_read_from_cpu_time_not_from_the_clock() -> None:
    # the effect gil-cpu exists for: with the GIL the threads take turns (at most one core
    # busy between them), whatever the clock's speedup, which load swings either way
    effect = get("gil-cpu").effect
    assert effect is not None
    # ×3.39 by the clock, as a loaded machine once gave (the lone thread was slowed), yet
    # 0.56 s of CPU in the threads' 0.59 s: one core between them
    out = _gil_outcome(3.39, 4.3)
    cpu = {"S1": 0.5, "S2": 0.5, "T1": 0.28, "T2": 0.28, "P1": 0.2, "P2": 0.2}
    shown = effect(_result("gil-cpu", out, _gil_tasks(cpu)))
    assert shown.shown and shown.what == "threads take turns (one core busy at most)"
    cpu["T1"] = cpu["T2"] = 0.55  # 1.1 s of CPU in 0.59 s: two cores at once
    at_once = effect(_result("gil-cpu", out, _gil_tasks(cpu)))
    assert not at_once.shown and "cores busy" in at_once.why_not


def test_gil_effect_on_a_real_run_with_the_gil() -> None:
    # with the GIL one thread runs Python at a time: the threads' CPU time over the phase's
    # wall time cannot reach 1.25 (that needs a second core busy a quarter of the time)
    result, _lanes = get("gil-cpu").run(FAST_GIL)
    effect = get("gil-cpu").effect
    assert effect is not None
    assert effect(result).shown, effect(result)
