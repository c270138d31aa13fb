"""asyncio-race: the bank-race withdrawal written with asyncio, on one thread, still races.

The reference text says asyncio avoids race conditions. It avoids *preemption*: a coroutine
is only switched out at an `await`. An `await` between the check and the deduct is exactly
the window bank-race had, so the account still goes to -$100; `asyncio.Lock` closes it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from threadtruth_gui.engine.context import report
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.plan import Phase, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.scenarios import _effects, bank_race
from threadtruth_gui.scenarios._bank import LOCK, Account, classify, predicted

DELAY = Param(
    "delay",
    "Delay",
    "float",
    0.5,
    0.0,
    2.0,
    0.1,
    " s",
    slider=True,
    help="how long each coroutine awaits between its check and its update",
)


async def withdraw(account, amount, delay):
    balance = account.balance
    report("checked", balance=balance, amount=amount)
    if balance < amount:
        report("denied", balance=balance)
        return "denied"
    await asyncio.sleep(delay)  # processing: the event loop runs the other coroutine now
    account.balance -= amount
    report("withdrew", amount=amount)
    return "succeeded"


async def withdraw_with_lock(account, amount, delay):
    async with account.async_lock:  # one coroutine at a time
        return await withdraw(account, amount, delay)


def _plan(params: dict[str, Any]) -> Plan:
    account = Account(bank_race.START)
    target = withdraw_with_lock if params["lock"] else withdraw
    tasks = [
        TaskSpec(
            name,
            target,
            (account, amount, params["delay"]),
            {"action": "withdraw", "amount": amount},
            observe=True,
        )
        for name, amount in bank_race.AMOUNTS.items()
    ]
    return Plan(
        [Phase("asyncio", tasks, label="one event loop")],
        outcome=lambda _stats: {
            "initial_balance": bank_race.START,
            "final_balance": account.balance,
            "overdraft": account.balance < 0,
        },
        code=[withdraw_with_lock, withdraw] if params["lock"] else [withdraw],
        counters={"balance": bank_race.START},
    )


def _verdict(result: RunResult, lanes: Lanes) -> Verdict:
    verdict = bank_race.overdraft_verdict(result, lanes)
    effect = _effects.overdraft(result)
    if result.outcome["final_balance"] < 0:
        verdict.detail = (
            "one thread, no preemption, and still a race: both checked "
            f"{money(result.outcome['initial_balance'])} before either deducted, because "
            "each awaited in between"
        )
    elif not effect.shown and not result.params["lock"]:
        verdict.detail = effect.why_not
    return verdict


SCENARIO = Scenario(
    id="asyncio-race",
    title="asyncio races too",
    summary="The ATM race as coroutines on one thread.\n"
    "An await between check and deduct: still -$100.",
    description=(
        "A and B are coroutines on one event loop, in one thread. Each checks the balance, "
        "awaits a processing delay, then deducts. No thread switch can happen, yet both "
        "check $1,000 before either deducts: the await is the window. Contrary to the claim "
        "that asyncio avoids race conditions, it only limits where a switch can happen. "
        "`async with asyncio.Lock()` closes the window: $400. In step mode a number key runs "
        "a coroutine to its next await."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(LOCK, DELAY),
    order=25,
    predict=bank_race.predict,
    classify=classify,
    predicted=predicted,
    effect=_effects.overdraft,
)
