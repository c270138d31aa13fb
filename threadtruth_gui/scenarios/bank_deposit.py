"""bank-deposit: a deposit and a withdrawal each read, process, then write: one update is lost."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.context import report, sleep
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.runner import Plan, RunResult, TaskSpec, Verdict
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.engine.trace import Trace
from threadtruth_gui.scenarios._bank import DELAY, LOCK, Account, task_status

START = 1000
DEPOSIT = 500
WITHDRAWAL = 700
EXPECTED = START + DEPOSIT - WITHDRAWAL


def deposit(account: Account, amount: int, delay: float) -> str:
    balance = account.balance  # read
    report("read", balance=balance)
    sleep(delay)  # process
    account.balance = balance + amount  # write: based on what was read
    report("deposited", amount=amount, balance=account.balance)
    return "succeeded"


def withdraw(account: Account, amount: int, delay: float) -> str:
    balance = account.balance  # read
    report("checked", balance=balance, amount=amount, ok=balance >= amount)
    if balance < amount:
        report("denied", balance=balance, amount=amount)
        return "denied"
    sleep(delay)  # process
    account.balance = balance - amount  # write: based on what was read
    report("withdrew", amount=amount, balance=account.balance)
    return "succeeded"


def deposit_with_lock(account: Account, amount: int, delay: float) -> str:
    with account.lock:
        return deposit(account, amount, delay)


def withdraw_with_lock(account: Account, amount: int, delay: float) -> str:
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
        outcome=lambda: {
            "initial_balance": START,
            "final_balance": account.balance,
            "expected_balance": EXPECTED,
            "lost_update": account.balance != EXPECTED,
        },
        code=[deposit, withdraw, deposit_with_lock, withdraw_with_lock],
        counters={"balance": START},
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


SCENARIO = Scenario(
    id="bank-deposit",
    title="Lost update: deposit + withdraw",
    summary="$1000; a $500 deposit and a $700 withdrawal at once.\n"
    "Both read before either writes: one update vanishes.",
    description=(
        "Two real threads update one balance as read, process, write: each copies the "
        "balance into a local variable, waits a processing delay, then writes back its copy "
        "plus or minus its amount. The delay makes the window between read and write wide "
        "and visible; the window exists without it too. Without a lock the later write "
        "overwrites the earlier one; with the lock the answer is $800. The delay is an "
        "interruptible sleep so that Reset stops a run at once."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(LOCK, DELAY),
    order=20,
)
