"""bank-deposit: a deposit and a withdrawal each read, process, then write: one update is lost.

The worker functions are shown verbatim on a shared screen, so they are kept short and
carry no annotations (mypy checks them untyped; see pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.context import report, sleep
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.plan import Phase, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.scenarios import _effects
from threadtruth_gui.scenarios._bank import (
    BALANCE,
    COUNTER_NAMES,
    DELAY,
    LOCK,
    MAX_AMOUNT,
    SHOW_LOCALS,
    Account,
    Move,
    choices,
    failed_verdict,
    outcome_of,
    predicted,
    serial_outcomes,
)

START = 1000
DEPOSIT = 500
WITHDRAWAL = 700
EXPECTED = START + DEPOSIT - WITHDRAWAL
DEPOSIT_PARAM = Param(
    "deposit", "Deposit", "int", DEPOSIT, 1, MAX_AMOUNT, 100, help="A's deposit, in dollars"
)
WITHDRAW_PARAM = Param(
    "withdraw",
    "Withdrawal",
    "int",
    WITHDRAWAL,
    1,
    MAX_AMOUNT,
    100,
    help="B's withdrawal, in dollars (denied when B reads less)",
)


def _moves(params: dict[str, Any]) -> list[Move]:
    return [
        Move("A", params.get("deposit", DEPOSIT), deposit=True),
        Move("B", params.get("withdraw", WITHDRAWAL)),
    ]


def _serial_finals(start: int, moves: list[Move]) -> list[int]:
    """The balances one task at a time gives, the one with both counted first."""
    return sorted(
        {f for f, _d in serial_outcomes(start, moves)},
        key=lambda f: f != (start + moves[0].amount - moves[1].amount),
    )


def deposit(account, amount, delay):
    balance = account.balance  # read
    sleep(delay)  # process
    account.balance = balance + amount  # write
    report("wrote", balance=account.balance)
    return "succeeded"


def withdraw(account, amount, delay):
    balance = account.balance  # read
    report("checked", balance=balance, amount=amount)
    if balance < amount:
        report("denied", balance=balance)
        return "denied"
    sleep(delay)  # process
    account.balance = balance - amount  # write
    report("wrote", balance=account.balance)
    return "succeeded"


def deposit_with_lock(account, amount, delay):
    with account.lock:
        return deposit(account, amount, delay)


def withdraw_with_lock(account, amount, delay):
    with account.lock:
        return withdraw(account, amount, delay)


def _plan(params: dict[str, Any]) -> Plan:
    opening = params.get("balance", START)
    account = Account(opening)
    lock = params["lock"]
    delay = params["delay"]
    moves = _moves(params)
    deposit_move, withdraw_move = moves
    finals = _serial_finals(opening, moves)
    tasks = [
        TaskSpec(
            "A",
            deposit_with_lock if lock else deposit,
            (account, deposit_move.amount, delay),
            {"action": "deposit", "amount": deposit_move.amount},
        ),
        TaskSpec(
            "B",
            withdraw_with_lock if lock else withdraw,
            (account, withdraw_move.amount, delay),
            {"action": "withdraw", "amount": withdraw_move.amount},
        ),
    ]
    return Plan(
        [Phase("threads", tasks)],
        outcome=lambda _stats: {
            "initial_balance": opening,
            "final_balance": account.balance,
            # what one at a time gives: one balance, or each that an order gives (with B
            # denied in one order, e.g. $0 + $500 - $100: $400 or $500)
            "expected_balance": finals[0] if len(set(finals)) == 1 else sorted(set(finals)),
            "lost_update": account.balance not in finals,
        },
        # the functions that run, and only those: with the lock, its wrappers first
        code=[deposit_with_lock, withdraw_with_lock, deposit, withdraw]
        if lock
        else [deposit, withdraw],
        counters={"balance": opening},
        show_locals=SHOW_LOCALS,
        counter_names=COUNTER_NAMES,
    )


def _verdict(result: RunResult, lanes: Lanes) -> Verdict:
    """Read from the run's own record: the opening balance, the amounts, who was denied."""
    o = outcome_of(result, done="counted")
    final, start = o.final, o.start
    amount = {m.name: m.amount for m in o.moves}
    if o.failed:
        return failed_verdict(result, o.failed)
    if o.serial and not o.denied:
        return Verdict(
            True,
            f"Correct: {money(final)}",
            f"{money(start)} + {money(amount['A'])} - {money(amount['B'])}: "
            "each update read the other's result",
        )
    if o.serial:
        note = lanes.first_note("B", "denied")
        seen = note.data.get("balance") if note is not None else None
        saw = f"saw {money(seen)}" if isinstance(seen, int) else "saw too little"
        return Verdict(
            True,
            f"Correct: {money(final)}",
            f"B {saw}, less than its {money(amount['B'])}, and was denied; "
            f"the deposit of {money(amount['A'])} counted",
        )
    finals = _serial_finals(start, list(o.moves))
    expected = " or ".join(money(f) for f in finals)
    if o.lost:
        move = o.lost_move()
        what = (
            f"the {move.action} of {money(move.amount)} was overwritten"
            if move
            else "an update was overwritten"
        )
        return Verdict(
            False,
            f"Lost update: {money(final)}, not {expected}",
            f"both read {money(start)}; {what}",
        )
    return Verdict(
        False, f"Unexpected: {money(final)}, not {expected}", f"no serial order gives {o.what}"
    )


def _classify(result: RunResult) -> tuple[str, bool]:
    outcome = outcome_of(result, done="counted")
    return outcome.what, outcome.correct


def _predict(params: dict[str, Any]) -> tuple[str, list[tuple[Any, str]]]:
    """Each balance a serial order gives; then, when B can be paid on the balance it reads
    before A writes, the two lost updates."""
    start = params.get("balance", START)
    moves = _moves(params)
    d, w = moves[0].amount, moves[1].amount
    lost = [(start + d, "the withdrawal lost"), (start - w, "the deposit lost")]
    found = choices(start, moves, lost if start >= w else [], done="counted")
    return "What will the final balance be?", found


SCENARIO = Scenario(
    id="bank-deposit",
    title="Lost update: deposit vs withdrawal",
    summary="$1,000; a $500 deposit and a $700 withdrawal at once.\n"
    "Both read before either writes: one update vanishes.",
    description=(
        "A deposits and B withdraws, each as read, process, write: copy the balance into a "
        "local, wait a processing delay, write back the copy plus or minus the amount. The "
        "delay widens the window between read and write; the window exists without it. "
        "Without the lock the later write overwrites the earlier one; with it the balance "
        "is $800. The delay is a cancellable wait, like time.sleep."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(LOCK, DELAY, BALANCE, DEPOSIT_PARAM, WITHDRAW_PARAM),
    order=20,
    predict=_predict,
    classify=_classify,
    predicted=predicted,
    effect=_effects.lost_update,
)
