"""bank-race: two ATMs withdraw from one account at once; without a lock, both pay out.

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
    waited_for_lock,
)

START = 1000
AMOUNTS = {"A": 600, "B": 500}


def withdraw(account, amount, delay):
    balance = account.balance
    report("checked", balance=balance, amount=amount)
    if balance < amount:
        report("denied", balance=balance)
        return "denied"
    sleep(delay)  # processing: the other ATM runs now
    account.balance -= amount
    report("withdrew", amount=amount)
    return "succeeded"


def withdraw_with_lock(account, amount, delay):
    with account.lock:  # one ATM at a time
        return withdraw(account, amount, delay)


def _plan(params: dict[str, Any]) -> Plan:
    account = Account(START)
    target = withdraw_with_lock if params["lock"] else withdraw
    tasks = [
        TaskSpec(
            name,
            target,
            (account, amount, params["delay"]),
            {"action": "withdraw", "amount": amount},
        )
        for name, amount in AMOUNTS.items()
    ]
    return Plan(
        tasks=tasks,
        outcome=lambda _stats: {
            "initial_balance": START,
            "final_balance": account.balance,
            "overdraft": account.balance < 0,
        },
        code=[withdraw_with_lock, withdraw] if params["lock"] else [withdraw],
        counters={"balance": START},
        show_locals=SHOW_LOCALS,
        counter_names=COUNTER_NAMES,
    )


def overdraft_verdict(result: RunResult, trace: Trace) -> Verdict:
    """Overdraft, correct, or lost update: shared with asyncio-race, which has the same account."""
    final = result.outcome["final_balance"]
    status = task_status(result)
    paid = [n for n, s in status.items() if s == "succeeded"]
    denied = [n for n, s in status.items() if s == "denied"]
    # the read itself (recorded where it happens); a check is told a line after it
    reads = {n: trace.first_note(n, "read") or trace.first_note(n, "checked") for n in AMOUNTS}
    pays = [note.t_ns for n in AMOUNTS if (note := trace.first_note(n, "withdrew"))]
    if final < 0:
        if pays and all(c is not None and c.t_ns < min(pays) for c in reads.values()):
            why = f"both threads read {money(START)} before either withdrew"
        else:
            why = "both withdrawals were paid out"
        return Verdict(False, f"Overdraft: {money(final)}", why)
    if len(paid) == 1 and len(denied) == 1:
        waiter = waited_for_lock(trace)
        if waiter:
            why = (
                f"{paid[0]} withdrew {money(AMOUNTS[paid[0]])}; {denied[0]} waited for the "
                f"lock, then saw {money(START - AMOUNTS[paid[0]])} and was denied"
            )
            return Verdict(True, f"Correct: {money(final)}", why)
        if not result.params["lock"]:
            why = (
                f"{paid[0]} finished before {denied[0]} checked: no lock, the timing "
                "just happened to hide the race"
            )
            return Verdict(True, f"Correct this time: {money(final)}", why)
        why = f"{paid[0]} withdrew; {denied[0]} was denied"
        return Verdict(True, f"Correct: {money(final)}", why)
    failed = [n for n, s in status.items() if s == "failed"]
    if failed:
        return Verdict(False, f"Failed: {', '.join(failed)}", "a thread raised an exception")
    if len(paid) == 2:  # both paid, yet not -$100: the two `-=` themselves interleaved
        return Verdict(
            False,
            f"Lost update: {money(final)}",
            "both were paid, and one deduction overwrote the other",
        )
    return Verdict(
        False,
        f"Unexpected: {money(final)}",
        f"paid: {', '.join(paid) or 'nobody'}; denied: {', '.join(denied) or 'nobody'}",
    )


def predict(_params: dict[str, Any]) -> tuple[str, list[tuple[Any, str]]]:
    a, b = AMOUNTS["A"], AMOUNTS["B"]
    return "What will the final balance be?", [
        (START - a, f"{money(START - a)}: A paid, B denied"),
        (START - b, f"{money(START - b)}: B paid, A denied"),
        (START - a - b, f"{money(START - a - b)}: both paid"),
    ]


SCENARIO = Scenario(
    id="bank-race",
    title="Two ATMs, one account",
    summary="$1000; A withdraws $600 and B $500 at once.\n"
    "Without a lock both are paid: the balance ends at -$100.",
    description=(
        "Threads A and B run withdraw() on one account: read the balance, check it, wait a "
        "processing delay, deduct. Without the lock both read $1000 before either deducts, "
        "so both are paid. With it, B waits at `with account.lock:` and then sees $400. "
        "The delay is a cancellable wait (threading.Event) so that Reset is instant; it "
        "blocks the thread exactly as time.sleep does."
    ),
    plan=_plan,
    verdict=overdraft_verdict,
    params=(LOCK, DELAY),
    order=10,
    predict=predict,
    effect=_effects.overdraft,
)
