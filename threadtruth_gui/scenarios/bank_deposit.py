"""bank-deposit: a deposit and a withdrawal each read, process, then write: one update is lost.

The worker functions are shown verbatim on a shared screen, so they are kept short and
carry no annotations (mypy checks them untyped; see pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.context import report, sleep
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.runner import Plan, RunResult, TaskSpec, Verdict
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.engine.trace import Trace
from threadtruth_gui.scenarios import _effects
from threadtruth_gui.scenarios._bank import (
    COUNTER_NAMES,
    DELAY,
    LOCK,
    SHOW_LOCALS,
    Account,
    task_status,
)

START = 1000
DEPOSIT = 500
WITHDRAWAL = 700
EXPECTED = START + DEPOSIT - WITHDRAWAL


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
    account = Account(START)
    lock = params["lock"]
    delay = params["delay"]
    tasks = [
        TaskSpec(
            "A",
            deposit_with_lock if lock else deposit,
            (account, DEPOSIT, delay),
            {"action": "deposit", "amount": DEPOSIT},
        ),
        TaskSpec(
            "B",
            withdraw_with_lock if lock else withdraw,
            (account, WITHDRAWAL, delay),
            {"action": "withdraw", "amount": WITHDRAWAL},
        ),
    ]
    return Plan(
        tasks=tasks,
        outcome=lambda _stats: {
            "initial_balance": START,
            "final_balance": account.balance,
            "expected_balance": EXPECTED,
            "lost_update": account.balance != EXPECTED,
        },
        # the functions that run, and only those: with the lock, its wrappers first
        code=[deposit_with_lock, withdraw_with_lock, deposit, withdraw]
        if lock
        else [deposit, withdraw],
        counters={"balance": START},
        show_locals=SHOW_LOCALS,
        counter_names=COUNTER_NAMES,
    )


def _verdict(result: RunResult, trace: Trace) -> Verdict:
    final = result.outcome["final_balance"]
    if final == EXPECTED:
        return Verdict(
            True,
            f"Correct: {money(final)}",
            f"{money(START)} + {money(DEPOSIT)} - {money(WITHDRAWAL)}: "
            "each update read the other's result",
        )
    status = task_status(result)
    if "failed" in status.values():
        return Verdict(False, "Failed", "a thread raised an exception")
    lost = {
        START + DEPOSIT: f"the withdrawal of {money(WITHDRAWAL)}",
        START - WITHDRAWAL: f"the deposit of {money(DEPOSIT)}",
    }.get(final)
    what = f"{lost} was overwritten" if lost else "an update was overwritten"
    return Verdict(
        False,
        f"Lost update: {money(final)}, not {money(EXPECTED)}",
        f"both read {money(START)}; {what}",
    )


def _predict(_params: dict[str, Any]) -> tuple[str, list[tuple[Any, str]]]:
    return "What will the final balance be?", [
        (EXPECTED, f"{money(EXPECTED)}: both counted"),
        (START + DEPOSIT, f"{money(START + DEPOSIT)}: the withdrawal lost"),
        (START - WITHDRAWAL, f"{money(START - WITHDRAWAL)}: the deposit lost"),
    ]


SCENARIO = Scenario(
    id="bank-deposit",
    title="Lost update: deposit vs withdrawal",
    summary="$1000; a $500 deposit and a $700 withdrawal at once.\n"
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
    params=(LOCK, DELAY),
    order=20,
    predict=_predict,
    effect=_effects.lost_update,
)
