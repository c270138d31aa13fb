"""Bank amounts are parameters: the opening balance, each ATM's withdrawal (2 to 4 ATMs),
a deposit and a withdrawal. The verdict is computed for any valid values, against what the
serial orders give; bad values get one clear line and change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _cli import cli
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QSpinBox

from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.runs import runfile
from threadtruth_gui.runs.many import run_many
from threadtruth_gui.scenarios import get

# runs saved before the amounts were parameters (the snapshots' runs of that version, kept as
# they were: the snapshots themselves are made again as the window changes)
BEFORE = Path(__file__).parent / "runs_before_amounts"


def _result(
    scenario: str,
    start: int,
    final: int,
    tasks: list[tuple[str, str, int, str]],
    **params: Any,
) -> RunResult:
    """A finished run as the API hands it over: (name, action, amount, status) per task."""
    entries = [{"name": n, "action": a, "amount": m, "status": s} for n, a, m, s in tasks]
    outcome = {"initial_balance": start, "final_balance": final}
    return RunResult(scenario, params, outcome, entries, 0.1, 10, None, False)


# -- the verdict for any values ------------------------------------------------------------------
def test_balance_zero_is_correct_when_nobody_can_be_paid() -> None:
    """Before: "Unexpected: $0" (the verdict knew only $1,000 and two paid-or-denied cases)."""
    result = _result(
        "bank-race",
        0,
        0,
        [("A", "withdraw", 600, "denied"), ("B", "withdraw", 500, "denied")],
        lock=False,
    )
    verdict = get("bank-race").verdict(result, Lanes(0))
    assert verdict.good and verdict.headline == "Correct: $0"
    assert "nobody was paid" in verdict.detail


def test_three_atms_with_the_lock_are_correct() -> None:
    """Before: "Lost update: $100" (two paid was taken for a lost update)."""
    result = _result(
        "bank-race",
        1000,
        100,
        [
            ("A", "withdraw", 600, "succeeded"),
            ("B", "withdraw", 500, "denied"),
            ("C", "withdraw", 300, "succeeded"),
        ],
        lock=True,
    )
    verdict = get("bank-race").verdict(result, Lanes(0))
    assert verdict.good and verdict.headline == "Correct: $100"
    assert verdict.detail.startswith("A and C withdrew; B ")


def test_a_run_with_other_values_that_no_serial_order_gives_is_wrong() -> None:
    # both paid ($1,100 from $1,000) and one deduction overwritten: $400, as if B were denied
    result = _result(
        "bank-race",
        1000,
        400,
        [("A", "withdraw", 600, "succeeded"), ("B", "withdraw", 500, "succeeded")],
        lock=False,
    )
    verdict = get("bank-race").verdict(result, Lanes(0))
    assert not verdict.good and verdict.headline == "Lost update: $400"
    assert get("bank-race").classify is not None
    assert get("bank-race").classify(result) == ("both paid, overdraft, B's withdrawal lost", False)


def test_bank_deposit_verdict_for_other_values() -> None:
    """Before: any balance but $800 was "Lost update ... not $800"."""
    deposit = get("bank-deposit")
    ok = _result(
        "bank-deposit",
        100,
        120,
        [("A", "deposit", 50, "succeeded"), ("B", "withdraw", 30, "succeeded")],
        lock=True,
    )
    verdict = deposit.verdict(ok, Lanes(0))
    assert verdict.good and verdict.headline == "Correct: $120"
    assert verdict.detail.startswith("$100 + $50 - $30")
    lost = _result(
        "bank-deposit",
        100,
        150,
        [("A", "deposit", 50, "succeeded"), ("B", "withdraw", 30, "succeeded")],
        lock=False,
    )
    verdict = deposit.verdict(lost, Lanes(0))
    assert not verdict.good and verdict.headline == "Lost update: $150, not $120"
    assert verdict.detail == "both read $100; the withdrawal of $30 was overwritten"


def test_serial_orders_deny_a_withdrawal_when_the_balance_is_short() -> None:
    from threadtruth_gui.scenarios._bank import Move, serial_outcomes

    moves = [Move("A", 600), Move("B", 500), Move("C", 300)]
    assert set(serial_outcomes(1000, moves)) == {
        (100, frozenset("B")),  # A, C paid (in any order with B between or after)
        (200, frozenset("A")),  # B, C paid
    }
    assert set(serial_outcomes(0, moves[:2])) == {(0, frozenset("AB"))}


# -- real runs, forced by a schedule --------------------------------------------------------------
def test_balance_100_with_60_and_50_overdraws_to_minus_10_when_both_read_first() -> None:
    # the schedule: A reads, then B reads, before either checks: both see $100
    result, _lanes = get("bank-race").run(
        {"balance": 100, "amounts": "60,50", "delay": 0.0}, schedule=["A", "B"]
    )
    assert result.outcome == {"initial_balance": 100, "final_balance": -10, "overdraft": True}
    assert result.verdict is not None and result.verdict.headline == "Overdraft: -$10"
    assert result.verdict.detail == "both threads read $100 before either withdrew"


def test_three_atms_all_read_first_and_all_are_paid() -> None:
    result, _lanes = get("bank-race").run(
        {"amounts": "600,500,300", "delay": 0.0}, schedule=["A", "B", "C"]
    )
    assert result.outcome["final_balance"] == -400
    assert result.verdict is not None and result.verdict.headline == "Overdraft: -$400"
    assert result.verdict.detail == "all three threads read $1,000 before any withdrew"


def test_three_atms_with_the_lock_run_one_at_a_time() -> None:
    # the lock forces a serial order, whichever ATM gets it first
    result, _lanes = get("bank-race").run({"amounts": "600,500,300", "lock": True, "delay": 0.0})
    assert result.verdict is not None and result.verdict.good, result.verdict
    assert result.outcome["final_balance"] in {100, 200}


def test_balance_zero_real_run() -> None:
    result, _lanes = get("bank-race").run({"balance": 0, "delay": 0.0})
    assert result.verdict is not None
    assert (result.verdict.good, result.verdict.headline) == (True, "Correct: $0")


def test_bank_deposit_other_values_both_read_first() -> None:
    # both read $1,000 before either writes (the schedule): whichever writes last wins
    result, _lanes = get("bank-deposit").run(
        {"balance": 1000, "deposit": 50, "withdraw": 30, "delay": 0.0}, schedule=["A", "B"]
    )
    assert result.verdict is not None and not result.verdict.good
    final = result.outcome["final_balance"]
    assert final in {1050, 970} and result.outcome["expected_balance"] == 1020
    lost = "withdrawal of $30" if final == 1050 else "deposit of $50"
    assert result.verdict.headline == f"Lost update: ${final:,}, not $1,020"
    assert result.verdict.detail == f"both read $1,000; the {lost} was overwritten"


def test_many_counts_outcomes_for_other_values() -> None:
    from threadtruth_gui.runs.many import Outcome

    # $0: nobody can be paid, whatever the scheduling
    result = run_many(get("bank-race"), {"balance": 0, "delay": 0.0}, 10)
    assert result.outcomes == {Outcome(0, "both denied", True): 10}


# -- predictions and the account panel ------------------------------------------------------------
def test_prediction_choices_come_from_the_parameters() -> None:
    race = get("bank-race")
    assert race.predict is not None
    _q, choices = race.predict(race.resolve({"balance": 100, "amounts": "60,50"}))
    assert choices == [
        (40, "$40: A paid, B denied"),
        (50, "$50: B paid, A denied"),
        (-10, "-$10: both paid"),
    ]
    _q, choices = race.predict(race.resolve({"amounts": "600,500,300"}))
    assert [v for v, _label in choices] == [100, 200, -400]
    _q, choices = race.predict(race.resolve({"balance": 0}))
    assert choices == [(0, "$0: both denied")]  # no ATM can be paid: there is no race
    deposit = get("bank-deposit")
    assert deposit.predict is not None
    _q, choices = deposit.predict(deposit.resolve({"balance": 100, "deposit": 50, "withdraw": 30}))
    assert choices == [
        (120, "$120: both counted"),
        (150, "$150: the withdrawal lost"),
        (70, "$70: the deposit lost"),
    ]


def test_account_panel_spans_any_balance(qtbot) -> None:
    from threadtruth_gui.ui.panels.account import AccountPanel, balance_range

    race = get("bank-race")
    for given, start, lowest in (
        ({"balance": 0}, 0, -1100),
        ({"balance": 100, "amounts": "60,50"}, 100, -10),
        ({"balance": 100_000, "amounts": "1,2,3,4"}, 100_000, 99_990),
    ):
        plan = race.plan(race.resolve(given))
        lo, hi = balance_range(plan, start)
        assert lo < min(0, lowest) and hi > max(0, start)
    panel = AccountPanel()
    qtbot.addWidget(panel)
    plan = race.plan(race.resolve({"balance": 0, "amounts": "60,50,40,30"}))
    colors = {name: panel.palette().text().color() for name in "ABCD"}
    panel.setup(plan, colors)
    panel.resize(900, 400)
    panel.show()
    panel.grab()  # paints with a range that is not empty (it divided by zero before)
    assert list(panel.cards) == ["A", "B", "C", "D"]


# -- bad values: one line, nothing changed --------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "why"),
    [
        ({"amounts": "60,-50"}, "--amounts: -50 is negative"),
        ({"amounts": "60,50.5"}, "--amounts: 50.5 is not a whole number"),
        ({"amounts": "60"}, "--amounts needs 2 to 4 numbers, not 1"),
        ({"amounts": "1,2,3,4,5"}, "--amounts needs 2 to 4 numbers, not 5"),
        ({"amounts": "60,,50"}, "--amounts: an empty place is not a number"),
        ({"amounts": "0,50"}, "--amounts: 0 is out of range"),
        ({"balance": -1}, "--balance must be between 0 and 100000"),
        ({"balance": 10.5}, "--balance must be a whole number"),
    ],
)
def test_bad_bank_race_values_are_refused(given: dict[str, Any], why: str) -> None:
    with pytest.raises(ValueError) as refused:
        get("bank-race").resolve(given)
    assert str(refused.value).startswith(why)
    assert "\n" not in str(refused.value)


def test_amounts_from_json_or_the_api_are_lists_too() -> None:
    race = get("bank-race")
    assert race.resolve({"amounts": [60, 50]})["amounts"] == "60,50"
    assert race.resolve({"amounts": " 60 , 50 ,40"})["amounts"] == "60,50,40"
    with pytest.raises(ValueError, match="not a number"):
        race.resolve({"amounts": [60, True]})


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("bank-race", "--amounts=-60,50"), "--amounts: -60 is negative"),
        (("bank-race", "--amounts", "60"), "--amounts needs 2 to 4 numbers, not 1"),
        (("bank-race", "--amounts", "60,5.5"), "--amounts: 5.5 is not a whole number"),
        (("bank-race", "--balance", "-100"), "--balance must be between 0 and 100000"),
        (("bank-deposit", "--deposit", "-5"), "--deposit must be between 1 and 100000"),
        (("bank-deposit", "--withdraw", "0.5"), "--withdraw must be a whole number"),
    ],
)
def test_cli_refuses_bad_amounts_in_one_line(
    args: tuple[str, ...], why: str, tmp_path: Path
) -> None:
    saved = tmp_path / "run.ttrun"
    proc = cli("run", *args, "--save", str(saved))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"threadtruth: error: {why}"), proc.stderr
    assert not saved.exists()  # nothing changed


def test_cli_runs_bank_race_with_other_amounts() -> None:
    proc = cli(
        "run", "bank-race", "--balance", "100", "--amounts", "60,50", "--schedule", "A,B",
        "--delay", "0", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["params"]["balance"] == 100 and out["params"]["amounts"] == "60,50"
    assert out["outcome"]["final_balance"] == -10
    assert out["verdict"]["headline"] == "Overdraft: -$10"


def test_cli_runs_bank_deposit_with_other_amounts() -> None:
    proc = cli(
        "run", "bank-deposit", "--balance", "100", "--deposit", "50", "--withdraw", "30",
        "--lock", "on", "--delay", "0", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["outcome"]["final_balance"] == 120
    assert out["verdict"]["headline"] == "Correct: $120"


# -- runs saved before the amounts were parameters -------------------------------------------------
@pytest.mark.parametrize("name", ["bank-race", "bank-deposit", "asyncio-race"])
def test_a_run_saved_without_the_amounts_opens_with_the_defaults(name: str) -> None:
    data = json.loads((BEFORE / f"{name}.ttrun").read_text(encoding="utf-8"))
    assert "balance" not in data["params"]  # saved before: no such parameters
    saved = runfile.load(BEFORE / f"{name}.ttrun")
    scenario = saved.scenario
    assert saved.params == scenario.resolve({}) | data["params"]
    # the verdict computed now, from the run's own record, is the one it was saved with
    verdict = scenario.verdict(saved.result, saved.lanes())
    assert verdict.headline == data["result"]["verdict"]["headline"]
    assert verdict.detail == data["result"]["verdict"]["detail"]


@pytest.mark.parametrize("name", ["bank-race", "bank-deposit"])
def test_a_run_saved_without_the_amounts_replays(name: str) -> None:
    saved = runfile.load(BEFORE / f"{name}.ttrun")
    replayed = runfile.replay(saved)
    # the schedule gives every line in the recorded order: both read before either wrote
    assert replayed.same_outcome, (replayed.result.outcome, saved.result.outcome)


# -- the window ----------------------------------------------------------------------------------
def test_window_amounts_field_refuses_bad_input_and_says_why(qtbot) -> None:
    from threadtruth_gui.ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.select("bank-race")
    field = win.findChild(QLineEdit, "param_amounts")
    assert field is not None and win.findChild(QSpinBox, "param_balance") is not None
    control = win.control("amounts")
    before = win.params()
    changed: list[bool] = []
    win.param_bar.changed.connect(lambda: changed.append(True))
    for bad, why in (
        ("60,-50", "-50 is negative"),
        ("60", "needs 2 to 4 numbers, not 1"),
        ("60,5.5", "5.5 is not a whole number"),
    ):
        field.setText(bad)
        field.editingFinished.emit()
        assert control.refusal.startswith(f"Refused: {why}"), control.refusal
        assert "\n" not in control.refusal and control.refusal.endswith("Kept 600,500.")
        assert field.text() == "600,500" and field.toolTip() == control.refusal
        assert win.params() == before and changed == []  # nothing changed
    field.setText("60, 50, 40")
    field.editingFinished.emit()
    assert control.refusal == "" and changed == [True]
    win.set_params({"balance": 100})
    assert win.params()["amounts"] == "60,50,40" and win.params()["balance"] == 100
    # the prediction asks about these amounts
    win.predict_action.setChecked(True)
    win.start_run()
    assert win.prediction.isVisible()
    assert win.prediction.choices == [
        "$0: A, C paid, B denied",
        "$10: B, C paid, A denied",
        "-$50: all paid",
    ]
    assert win.prediction.hint.text().startswith("Press 1, 2 or 3 ")
    win.prediction.cancel()  # (Esc: the run starts without a prediction)
    win.reset_run()
    # four ATMs can end four ways: four choices, and the hint names four keys
    win.set_params({"balance": 1000, "amounts": "600,500,300,200"})
    win.start_run()
    assert [label.split(":")[0] for label in win.prediction.choices] == [
        "$100",
        "$200",
        "$0",
        "-$600",
    ]
    assert win.prediction.hint.text().startswith("Press 1, 2, 3 or 4 ")
    win.prediction.cancel()
    win.reset_run()
    win.close()



@pytest.mark.parametrize(
    ("name", "bad", "why"),
    [
        ("amounts", "-5", "-5 is negative"),
        ("amounts", "abc", ""),
        ("amounts", "600", "needs 2 to 4 numbers, not 1"),
        ("amounts", "600,500,300,200,100", "needs 2 to 4 numbers, not 5"),
        ("amounts", "0,5", ""),
        ("balance", "", "Balance must be a whole number from"),
    ],
)
def test_a_value_refused_with_enter_says_why_in_the_status_bar(
    qtbot, make_window, name: str, bad: str, why: str
) -> None:
    """Enter ends the edit, and gives the keyboard back to the window, which ends it again:
    the refusal (a line in the status bar, a red frame) must outlive the second end."""
    win = make_window((1280, 720), lecture=True)
    win.select("bank-race")
    win.activateWindow()
    QApplication.processEvents()
    before = win.params()
    field = win.control(name)._spin or win.control(name)._edit
    assert field is not None
    field.setFocus()
    QApplication.processEvents()
    editor = field.lineEdit() if isinstance(field, QSpinBox) else field
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    if bad:
        qtbot.keyClicks(editor, bad)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.wait(50)  # the window takes the focus back (a 0 ms timer)
    QApplication.processEvents()
    assert not field.hasFocus()
    message = win.statusBar().currentMessage()
    assert message.startswith("Refused: ") and why in message, message
    assert "\n" not in message and message == win.control(name).refusal
    assert "border: 2px solid" in field.styleSheet()  # the red frame stays
    assert win.params() == before  # nothing changed


def test_bank_deposit_expected_balance_lists_every_serial_balance() -> None:
    # before: expected_balance 400 printed beside "Correct: $500" (B denied in a serial order)
    result, _lanes = get("bank-deposit").run(
        {"balance": 0, "deposit": 500, "withdraw": 100, "delay": 0.0, "lock": True}
    )
    assert result.outcome["expected_balance"] == [400, 500]
    assert result.outcome["final_balance"] in (400, 500)
    assert result.verdict is not None and result.verdict.good
