"""States that are true (issue 10, item 6): what a lane says was observed, not assumed."""

from __future__ import annotations

import time
from typing import Any

import pytest

from threadtruth_gui.engine import context
from threadtruth_gui.engine.context import RunContext, TaskContext, enter_task, gap_state, tick
from threadtruth_gui.engine.events import Kind, Recorder, State
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.scenarios import blocking_in_async, get

FAST_DOWNLOADS = {"n": 3, "size": 16, "latency": 0.05, "rate": 0.0, "timeout": 2.0}


def _states(lanes: Lanes, task: str) -> list[str]:
    return [span.state for span in lanes.tasks[task].spans]


@pytest.mark.parametrize("variant", blocking_in_async.VARIANTS)
def test_an_awaiting_coroutine_is_drawn_awaiting_not_running(variant: str) -> None:
    _, lanes = get("blocking-in-async").run({"variant": variant, "block": 0.3, "beats": 2})
    # the slow coroutine awaits asyncio.sleep(0.2) first, in every variant
    assert State.AWAITING in _states(lanes, "X")
    for beat in ("A", "B"):  # between beats a heartbeat awaits asyncio.sleep
        states = _states(lanes, beat)
        assert State.AWAITING in states and State.SLEEPING not in states


def test_a_blocked_loop_is_drawn_stalled_while_it_is_blocked() -> None:
    """The stall is in the log while the slow call still blocks the loop (its END not yet
    recorded), not only after it: the window, drawing every 16 ms, shows it as it happens.
    Margins: the call blocks 1 s; the watcher notices a beat 20 ms overdue within ~10 ms."""
    scenario = get("blocking-in-async")
    run = scenario.start({"variant": blocking_in_async.VARIANTS[0], "block": 1.0, "beats": 2})
    try:
        deadline = time.monotonic() + 10
        stalled_at = None
        while stalled_at is None and time.monotonic() < deadline and not run.finished:
            events = run.recorder.events()
            if any(ev.kind == Kind.STATE and ev.data == State.STALLED for ev in events):
                stalled_at = events
            else:
                time.sleep(0.005)  # an engine test: no Qt event loop to wait on
        assert stalled_at is not None, "no stall recorded"
        assert not any(ev.task == "X" and ev.kind == Kind.END for ev in stalled_at)
    finally:
        assert run.stop(10)


def test_a_gap_is_the_gil_only_when_another_of_our_threads_ran() -> None:
    ticks = {"T1": 1_000, "T2": 5_000}
    assert gap_state("T1", 1_000, ticks, None, 4_000_000)[0] == State.GIL  # T2 ticked after
    ticks = {"T1": 1_000, "T2": 500}
    # no other thread of ours ran, and the OS kept it queued most of the gap
    assert gap_state("T1", 1_000, ticks, 3_000_000, 4_000_000)[0] == State.DESCHEDULED
    # nobody of ours ran and it was not queued: it slept on a GIL held outside the run,
    # which is not "waiting for the GIL" on a worker's lane (no worker had it)
    state, why = gap_state("T1", 1_000, ticks, 100_000, 4_000_000)
    assert state == State.DESCHEDULED and "window or the driver" in why


def test_a_lone_thread_queued_by_the_os_is_not_drawn_waiting_for_the_gil(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One ticking thread and no other: a gap it spent on the run queue (forced here: the
    run-queue clock says 2 ms queued during a 1 ms+ gap) is "not scheduled (OS)"."""
    queued = iter([0, 2_000_000])
    monkeypatch.setattr(context, "run_queue_wait_ns", lambda native_id=None: next(queued))
    recorder = Recorder()
    enter_task(TaskContext(RunContext(recorder), "S1"))
    try:
        tick()
        end = time.perf_counter_ns() + 1_000_000
        while time.perf_counter_ns() < end:
            pass  # a gap of 1 ms > the 0.3 ms threshold
        tick()
    finally:
        context.leave_task()
    states = [ev.data for ev in recorder.events() if ev.kind == Kind.STATE]
    assert states[0][0] == State.DESCHEDULED and State.GIL not in [s[0] for s in states[:1]]


def test_lost_updates_never_draws_two_threads_running_at_once() -> None:
    _, lanes = get("lost-updates").run({"threads": 4, "times": 200_000})
    running = [
        (span.start_ns, span.end_ns, name)
        for name, track in lanes.tasks.items()
        for span in track.spans
        if span.state == State.RUNNING
    ]
    for a_start, a_end, a in running:
        for b_start, b_end, b in running:
            if a != b:
                assert a_end is not None and b_end is not None
                assert a_end <= b_start or b_end <= a_start, f"{a} and {b} both running"
    # where nothing more was measured, a thread is drawn runnable, taking turns
    assert any(State.TURNS in _states(lanes, name) for name in lanes.tasks)


def test_the_verdict_and_the_status_bar_show_one_duration() -> None:
    result, _ = get("downloads-sequential").run(FAST_DOWNLOADS)
    assert result.verdict is not None
    # the demo server's start-up is setup, not part of the run's time
    assert abs(result.duration_s - result.outcome["modes"]["sequential"]["total_s"]) < 1e-3
    assert f"{result.duration_s:.2f} s" in result.verdict.headline


def test_download_threads_count_the_threads_that_ran_the_downloads() -> None:
    result, _ = get("downloads-compare").run(FAST_DOWNLOADS)
    modes = result.outcome["modes"]
    assert modes["sequential"]["task_threads"] == 1  # one after another, on one thread
    assert modes["threads"]["task_threads"] == 3  # one per file
    assert modes["asyncio"]["task_threads"] == 1  # the event loop's thread


def test_a_state_after_a_tasks_end_changes_nothing() -> None:
    lanes = Lanes(0)
    lanes.feed(
        [
            _ev(10, Kind.STATE, State.RUNNING),
            _ev(20, Kind.END, ("done", None)),
            _ev(15, Kind.STATE, State.TURNS),  # a sampler's word, late
        ]
    )
    assert _states(lanes, "A") == [State.RUNNING, State.DONE]


def _ev(t: int, kind: str, data: Any) -> Any:
    from threadtruth_gui.engine.events import Event

    return Event(t, "A", kind, data)


def test_run_duration_is_the_span_of_its_phases() -> None:
    run = Run(get("bank-race").plan({"lock": True, "delay": 0.0}))
    run.start()
    assert run.join(10)
    st = next(iter(run.stats.values()))
    assert run.duration_s == (st.end_ns - st.start_ns) / 1e9
