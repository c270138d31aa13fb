"""A prediction is right only when the run ended the way the chosen answer says: the same
balance can be reached two ways (B denied, or both paid with one withdrawal lost)."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.scenarios import get
from threadtruth_gui.scenarios._bank import predicted


def _bank_result(final: int, statuses: dict[str, str]) -> RunResult:
    amounts = {"A": 600, "B": 500}
    tasks: list[dict[str, Any]] = [
        {"name": n, "amount": amounts[n], "status": s} for n, s in statuses.items()
    ]
    return RunResult(
        scenario="bank-race",
        params={"lock": False, "delay": 0.0},
        outcome={"initial_balance": 1000, "final_balance": final, "overdraft": final < 0},
        tasks=tasks,
        duration_s=0.0,
        events=0,
        verdict=None,
        cancelled=False,
    )


B_DENIED = _bank_result(400, {"A": "succeeded", "B": "denied"})
LOST_AT_400 = _bank_result(400, {"A": "succeeded", "B": "succeeded"})  # B's withdrawal lost
OVERDRAFT = _bank_result(-100, {"A": "succeeded", "B": "succeeded"})


def test_the_same_balance_reached_two_ways_is_told_apart() -> None:
    assert predicted(400, B_DENIED)
    assert not predicted(400, LOST_AT_400)  # $400 "A paid, B denied" was not what happened
    assert predicted(-100, OVERDRAFT)
    assert not predicted(500, B_DENIED)


def test_the_window_says_which_way_it_ended(make_window) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    win.select("bank-race")
    race = get("bank-race")
    assert race.predict is not None
    _q, choices = race.predict(race.resolve({}))
    win.runs.predicted = next(c for c in choices if c[0] == 400)
    assert win.runs.prediction_note(B_DENIED) == "Your prediction, $400 (A paid, B denied): right ✔"
    note = win.runs.prediction_note(LOST_AT_400)
    assert note.startswith("Your prediction, $400 (A paid, B denied): wrong ✘ (it was $400, ")
    assert "B's withdrawal lost" in note, note


def test_a_failed_bank_task_names_itself_and_its_error() -> None:
    # before: "Failed: B — a thread raised an exception", with no error
    from threadtruth_gui.engine.lanes import Lanes

    failed = _bank_result(400, {"A": "succeeded", "B": "failed"})
    failed.tasks[1]["error"] = "ValueError: bad amount"
    verdict = get("bank-race").verdict(failed, Lanes(0))
    assert (verdict.good, verdict.headline) == (False, "Failed: B")
    assert verdict.detail == "B: ValueError: bad amount"
