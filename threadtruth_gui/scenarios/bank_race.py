"""bank-race: two ATMs withdraw from one account at once; without a lock, both pay out.

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
    Outcome,
    choices,
    classify,
    failed_verdict,
    outcome_of,
    predicted,
    waited_for_lock,
)

START = 1000
AMOUNTS = {"A": 600, "B": 500}  # the defaults (asyncio-race uses them as they are)
NAMES = "ABCD"
AMOUNTS_PARAM = Param(
    "amounts",
    "Withdrawals",
    "ints",
    ",".join(str(a) for a in AMOUNTS.values()),
    1,
    MAX_AMOUNT,
    count=(2, len(NAMES)),
    help="each ATM's withdrawal in dollars, one number per ATM (2 to 4 ATMs), e.g. 60,50",
)


def amounts_of(params: dict[str, Any]) -> dict[str, int]:
    """{"A": 600, "B": 500}: the ATMs and their withdrawals for these parameters."""
    given = params.get("amounts")
    numbers = AMOUNTS.values() if given is None else AMOUNTS_PARAM.numbers(given)
    return dict(zip(NAMES, numbers, strict=False))


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
    opening = params.get("balance", START)
    account = Account(opening)
    target = withdraw_with_lock if params["lock"] else withdraw
    tasks = [
        TaskSpec(
            name,
            target,
            (account, amount, params["delay"]),
            {"action": "withdraw", "amount": amount},
        )
        for name, amount in amounts_of(params).items()
    ]
    return Plan(
        [Phase("threads", tasks)],
        outcome=lambda _stats: {
            "initial_balance": opening,
            "final_balance": account.balance,
            "overdraft": account.balance < 0,
        },
        code=[withdraw_with_lock, withdraw] if params["lock"] else [withdraw],
        counters={"balance": opening},
        show_locals=SHOW_LOCALS,
        counter_names=COUNTER_NAMES,
    )


def _every(names: list[str], total: int) -> str:
    """ "both threads" (all of two), "all three threads", or the names ("A and C")."""
    if len(names) == total:
        return "both threads" if total == 2 else f"all {_WORDS.get(total, total)} threads"
    return _and(names)


_WORDS = {3: "three", 4: "four"}


def _and(names: list[str]) -> str:
    return names[0] if len(names) <= 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _paid_text(outcome: Outcome) -> str:
    """ "A withdrew $600", "A withdrew $600 and C $300"."""
    amounts = {m.name: m.amount for m in outcome.moves}
    first, *rest = outcome.paid
    return _and(
        [f"{first} withdrew {money(amounts[first])}"] + [f"{n} {money(amounts[n])}" for n in rest]
    )


def _seen(lanes: Lanes, name: str, what: str) -> int | None:
    note = lanes.first_note(name, what)
    value = note.data.get("balance") if note is not None else None
    return value if isinstance(value, int) else None


def overdraft_verdict(result: RunResult, lanes: Lanes) -> Verdict:
    """What a run of withdrawals did, against what the ATMs one at a time would give: shared
    with asyncio-race, which has the same account. Everything is read from the run's record
    (the opening balance, each task's amount and status, its notes), none from constants."""
    o = outcome_of(result)
    final, start = o.final, o.start
    names = [m.name for m in o.moves]
    if o.failed:
        return failed_verdict(result, o.failed)
    if o.overdraft or o.lost:
        paid = list(o.paid)
        total = sum(m.amount for m in o.moves if m.name in paid)
        # the read itself (recorded where it happens); a check is told a line after it
        reads = [lanes.first_note(n, "read") or lanes.first_note(n, "checked") for n in paid]
        pays = [note.t_ns for n in names if (note := lanes.first_note(n, "withdrew"))]
        if o.lost and len(paid) == 2 == len(names):
            why = "both were paid, and one deduction overwrote the other"
        elif o.lost:
            why = (
                f"{_every(paid, len(names))} were paid {money(total)} in all, yet the "
                f"balance fell by {money(start - final)}: a deduction was overwritten"
            )
        elif pays and len(paid) > 1 and all(r is not None and r.t_ns < min(pays) for r in reads):
            either = "either" if len(paid) == 2 else "any"
            why = f"{_every(paid, len(names))} read {money(start)} before {either} withdrew"
        elif len(paid) == 2 == len(names):
            why = "both withdrawals were paid out"
        else:
            why = f"{_and(paid)} were paid {money(total)} from {money(start)}"
        headline = f"Overdraft: {money(final)}" if final < 0 else f"Lost update: {money(final)}"
        return Verdict(False, headline, why)
    if not o.serial:
        return Verdict(
            False,
            f"Unexpected: {money(final)}",
            f"no order of one ATM at a time ends so; {o.what}",
        )
    if not o.paid:
        least = min(m.amount for m in o.moves)
        return Verdict(
            True,
            f"Correct: {money(final)}",
            f"nobody was paid: {money(start)} is less than {money(least)}, the smallest withdrawal",
        )
    if not o.denied:
        amounts = " - ".join(money(m.amount) for m in o.moves)
        return Verdict(
            True,
            f"Correct: {money(final)}",
            f"{money(start)} - {amounts}: every withdrawal was paid and counted",
        )
    waited = set(waited_for_lock(lanes))
    denied = []
    for name in o.denied:
        seen = _seen(lanes, name, "denied")
        saw = f"saw {money(seen)}" if seen is not None else "saw too little"
        wait = "waited for the lock, then " if name in waited else ""
        denied.append(f"{name} {wait}{saw} and was denied")
    if waited & set(o.denied):
        return Verdict(True, f"Correct: {money(final)}", f"{_paid_text(o)}; {_and(denied)}")
    if not result.params.get("lock", True):
        paid_at = [note.t_ns for n in o.paid if (note := lanes.first_note(n, "withdrew"))]
        checks = [note.t_ns for n in o.denied if (note := lanes.first_note(n, "checked"))]
        if paid_at and checks and max(paid_at) < min(checks):
            before = f"{_and(list(o.paid))} finished before {_and(list(o.denied))} checked"
        else:
            before = _and(denied)
        why = f"{before}: no lock, the timing just happened to hide the race"
        return Verdict(True, f"Correct this time: {money(final)}", why)
    why = f"{_and(list(o.paid))} withdrew; {_and(denied)}"
    return Verdict(True, f"Correct: {money(final)}", why)


def predict(params: dict[str, Any]) -> tuple[str, list[tuple[Any, str]]]:
    """Each balance a serial order gives, and the race's when every ATM can read enough:
    everyone paid; and when that makes fewer than three choices (the balance covers them
    all), everyone paid with one deduction lost."""
    start = params.get("balance", START)
    moves = [Move(n, a) for n, a in amounts_of(params).items()]
    every = "both" if len(moves) == 2 else "all"
    total = sum(m.amount for m in moves)
    if start < max(m.amount for m in moves):  # no ATM that reads it can pay: no race
        return "What will the final balance be?", choices(start, moves, [])
    found = choices(start, moves, [(start - total, f"{every} paid")])
    if len(found) < 3:
        amounts = [m.amount for m in moves]
        lost = [
            (start - total + m.amount, f"{every} paid, {whose} withdrawal lost")
            for m in moves
            for whose in [f"{m.name}'s" if amounts.count(m.amount) == 1 else "one"]
        ]
        found = choices(start, moves, [(start - total, f"{every} paid"), *lost])[:3]
    return "What will the final balance be?", found


SCENARIO = Scenario(
    id="bank-race",
    title="ATMs, one account",
    summary="$1,000; A withdraws $600 and B $500 at once.\n"
    "Without a lock both are paid: the balance ends at -$100.",
    description=(
        "Threads A and B run withdraw() on one account: read the balance, check it, wait a "
        "processing delay, deduct. Without the lock both read $1,000 before either deducts, "
        "so both are paid. With it, B waits at `with account.lock:` and then sees $400. "
        "The delay is a cancellable wait (threading.Event) so that Reset is instant; it "
        "blocks the thread exactly as time.sleep does. The balance and the withdrawals "
        "(2 to 4 ATMs) are settings; the verdict compares the run with the ATMs one at a time."
    ),
    plan=_plan,
    verdict=overdraft_verdict,
    params=(LOCK, DELAY, BALANCE, AMOUNTS_PARAM),
    order=10,
    predict=predict,
    classify=classify,
    predicted=predicted,
    effect=_effects.overdraft,
)
