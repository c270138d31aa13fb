"""Each demo declares the effect it exists for; its verdict and the reliability benchmark
ask the same question, and a run that did not show it says why, from what it measured."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from threadtruth_gui.engine.interp import python_label
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.scenarios import all_scenarios, get


@pytest.fixture
def switch_interval() -> Iterator[Any]:
    """Set sys.setswitchinterval for one test, and put it back."""
    saved = sys.getswitchinterval()
    yield sys.setswitchinterval
    sys.setswitchinterval(saved)


def _result(scenario: str, params: dict[str, Any], outcome: dict[str, Any]) -> RunResult:
    """A finished run's result as the runner builds it, with these measurements."""
    full = get(scenario).resolve(params, check=False)
    return RunResult(scenario, full, outcome, [], 0.1, 0, None, False)


def _lost_updates(lost: int, overlapped: bool, variant: str = "read, call, write") -> RunResult:
    expected = 4_000_000
    return _result(
        "lost-updates",
        {"variant": variant},
        {
            "variant": variant,
            "expected": expected,
            "actual": expected - lost,
            "lost": lost,
            "lost_percent": round(100 * lost / expected, 3),
            "switch_interval_s": 0.005,
            "gil": True,
            "overlapped": overlapped,
            "loop_cpu_s": 0.09,
        },
    )


def test_every_scenario_declares_its_effect() -> None:
    assert [s.id for s in all_scenarios() if s.effect is None] == []


def test_lost_updates_defaults_lose_updates_even_on_a_machine_6x_as_fast(
    switch_interval: Any,
) -> None:
    # A 30 ms switch interval stands in for a CPU six times as fast (the same work spans a
    # sixth as many intervals). With the old default of 200,000 additions a thread, 26 runs
    # in 30 lost nothing here: a thread ran its whole loop in one turn. With 1,000,000, the
    # benchmark gave 100 of 100 at 30 ms. Bound: if a run fails with p <= 0.02, 3 or more
    # failures in 5 runs happen with p < 1e-4; the old default passes with p < 0.02.
    switch_interval(0.03)
    scenario = get("lost-updates")
    shown = 0
    for _ in range(5):
        result, _lanes = scenario.run()
        effect = scenario.effect(result) if scenario.effect else None
        assert effect is not None and effect.what == "lost updates"
        assert result.verdict is not None
        assert result.verdict.good is not effect.shown  # the verdict asks the same question
        shown += effect.shown
    assert shown >= 3


def test_threads_that_never_overlapped_say_so_and_lose_nothing(switch_interval: Any) -> None:
    # Forced, not hoped for: with a 1 s switch interval no thread is asked for the GIL
    # before 1 s, and 1,000 additions take well under 1 ms, so each loop runs in one turn.
    switch_interval(1.0)
    scenario = get("lost-updates")
    result, _lanes = scenario.run({"threads": 2, "times": 1_000})
    assert result.outcome["lost"] == 0
    assert result.outcome["overlapped"] is False
    assert scenario.effect is not None
    effect = scenario.effect(result)
    assert not effect.shown
    assert effect.why_not.startswith("this time the threads did not overlap")
    assert "each ran its 1,000 additions in one turn" in effect.why_not
    assert python_label() in effect.why_not  # the switch interval is the interpreter's
    assert "after 1000 ms" in effect.why_not  # the interval it measured, not a constant
    assert result.verdict is not None and effect.why_not in result.verdict.detail


def test_overlapping_threads_that_lost_nothing_are_told_apart() -> None:
    scenario = get("lost-updates")
    assert scenario.effect is not None
    effect = scenario.effect(_lost_updates(0, overlapped=True))
    assert not effect.shown
    assert "did not overlap" not in effect.why_not
    assert effect.why_not.startswith("the threads overlapped, yet no thread was switched out")
    assert scenario.effect(_lost_updates(1, overlapped=True)).shown
    assert scenario.effect(_lost_updates(1, overlapped=False)).shown


def test_lost_updates_with_a_lock_or_plus_equals_alone_aim_at_nothing_lost() -> None:
    scenario = get("lost-updates")
    assert scenario.effect is not None
    lock = scenario.effect(_lost_updates(0, True, "with lock"))
    assert (lock.what, lock.shown) == ("nothing lost with the lock", True)
    assert not scenario.effect(_lost_updates(5, True, "with lock")).shown
    alone = scenario.effect(_lost_updates(7, True, "+= alone"))
    assert (alone.what, alone.shown) == ("nothing lost by += alone", False)
    assert alone.why_not.startswith("7 lost") and python_label() in alone.why_not


def test_plus_equals_verdict_names_the_python_it_measured_on() -> None:
    scenario = get("lost-updates")
    result = _lost_updates(0, True, "+= alone")
    verdict = scenario.verdict(result, None)  # type: ignore[arg-type]  # reads no trace
    assert f"on {python_label()} with the GIL" in verdict.detail
    assert "3.10+" not in verdict.detail  # no claim about Pythons it did not run on


def test_asyncio_race_interleaved_by_schedule_shows_the_overdraft() -> None:
    scenario = get("asyncio-race")
    result, _ = scenario.run({"lock": False, "delay": 0}, schedule=["A", "B", "A", "B"])
    assert scenario.effect is not None
    effect = scenario.effect(result)
    assert (effect.what, effect.shown) == ("an overdraft", True)
    assert result.verdict is not None and not result.verdict.good


def test_asyncio_race_run_one_after_the_other_says_why_there_was_no_overdraft() -> None:
    # A to its await, A to its end, then B: B reads $400 and is denied
    scenario = get("asyncio-race")
    result, _ = scenario.run({"lock": False, "delay": 0}, schedule=["A", "A", "B"])
    assert scenario.effect is not None
    effect = scenario.effect(result)
    assert not effect.shown
    assert effect.why_not == "$400: B checked after A had deducted, and was denied"
    assert result.verdict is not None and result.verdict.detail == effect.why_not


def test_asyncio_race_with_the_lock_aims_at_no_overdraft() -> None:
    scenario = get("asyncio-race")
    result, _ = scenario.run({"lock": True, "delay": 0}, schedule=["A", "B", "A", "B"])
    assert scenario.effect is not None
    effect = scenario.effect(result)
    assert (effect.what, effect.shown) == ("no overdraft with the lock", True)


def _blocking(variant: str, stall: float, call: float = 1.0) -> RunResult:
    return _result(
        "blocking-in-async",
        {"variant": variant, "block": call},
        {"variant": variant, "slow_call_s": call, "loop_stall_s": stall, "period_s": 0.05},
    )


def test_blocking_time_sleep_freezes_the_loop_for_the_call() -> None:
    # measured: time.sleep(0.3) holds the loop's thread, so a beat due in its first 50 ms
    # wakes at least 0.25 s late, whatever the machine's load (lateness only grows)
    scenario = get("blocking-in-async")
    result, _ = scenario.run({"variant": "time.sleep (blocks)", "block": 0.3, "beats": 1})
    assert scenario.effect is not None
    effect = scenario.effect(result)
    assert (effect.what, effect.shown) == ("the loop froze", True)
    assert result.outcome["loop_stall_s"] >= 0.2
    # the count of late heartbeats is the counted one (before: "every heartbeat woke that
    # much late", never counted); the one heartbeat is the latest, so it counts
    assert result.verdict is not None
    assert "1 of 1 heartbeats woke" in result.verdict.detail, result.verdict.detail


def test_blocking_run_that_did_not_freeze_says_how_late_the_beats_were() -> None:
    scenario = get("blocking-in-async")
    assert scenario.effect is not None
    result = _blocking("time.sleep (blocks)", stall=0.012)
    effect = scenario.effect(result)
    assert not effect.shown
    assert effect.why_not == (
        "no heartbeat woke more than 12 ms late during the 1 s call: the loop kept running them"
    )
    verdict = scenario.verdict(result, None)  # type: ignore[arg-type]  # reads no trace
    assert verdict.headline == "The loop did not freeze this time"
    assert verdict.detail == effect.why_not
    assert scenario.effect(_blocking("time.sleep (blocks)", stall=0.96)).shown


def test_blocking_alternatives_aim_at_a_loop_that_kept_beating() -> None:
    scenario = get("blocking-in-async")
    assert scenario.effect is not None
    kept = scenario.effect(_blocking("asyncio.to_thread", stall=0.0))
    assert (kept.what, kept.shown) == ("the loop kept beating", True)
    late = scenario.effect(_blocking("await asyncio.sleep", stall=0.3))
    assert not late.shown and late.why_not.startswith("a heartbeat woke 300 ms late")
