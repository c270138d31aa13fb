"""The shared bank account of the bank scenarios, their amounts as parameters, and what a
run's outcome was: which order of one task at a time (a serial order) it matches, if any."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from threadtruth_gui.engine.context import ObservedAsyncLock, ObservedLock, counter, read
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Param

LOCK = Param("lock", "Lock", "bool", False, key="L")
DELAY = Param(
    "delay",
    "Delay",
    "float",
    1.0,
    0.0,
    2.0,
    0.1,
    " s",
    slider=True,
    help="how long each thread waits between its check and its update",
)
MAX_AMOUNT = 100_000
BALANCE = Param(
    "balance",
    "Balance",
    "int",
    1000,
    0,
    MAX_AMOUNT,
    100,
    help="the opening balance of the account, in dollars",
)


class Account:
    """A balance in a plain attribute; every write is recorded for the balance track, and
    every read that sees something new to the reader is recorded when it happens."""

    def __init__(self, balance: int) -> None:
        self._balance = balance
        self.lock = ObservedLock("account")  # for threads
        self.async_lock = ObservedAsyncLock("account")  # for coroutines

    @property
    def balance(self) -> int:
        value = self._balance
        read("balance", value)
        return value

    @balance.setter
    def balance(self, value: int) -> None:
        self._balance = value
        counter("balance", value)


# what a stopped thread's card shows of its own variables (step mode), and the shared value
SHOW_LOCALS: dict[str, Callable[[Any], str] | None] = {"balance": money, "amount": money}
COUNTER_NAMES = {"balance": "account.balance"}


def waited_for_lock(lanes: Lanes) -> list[str]:
    """Tasks that had to wait for a lock at some point of the run."""
    return [
        name
        for name, track in lanes.tasks.items()
        if any(span.state == "waiting" for span in track.spans)
    ]


def task_status(result: RunResult) -> dict[str, str]:
    return {t["name"]: t["status"] for t in result.tasks}


# -- what happened, against what one task at a time would give ---------------------------------
@dataclass(frozen=True)
class Move:
    """One task's change to the account: a withdrawal (denied when the balance is short) or
    a deposit."""

    name: str
    amount: int
    deposit: bool = False

    @property
    def action(self) -> str:
        return "deposit" if self.deposit else "withdrawal"


def moves_of(result: RunResult) -> list[Move]:
    """The moves a run set out to make, as its tasks recorded them."""
    return [
        Move(t["name"], int(t["amount"]), t.get("action") == "deposit")
        for t in result.tasks
        if isinstance(t.get("amount"), int | float)
    ]


def serial_outcomes(start: int, moves: Iterable[Move]) -> dict[tuple[int, frozenset[str]], str]:
    """Every (final balance, who was denied) that some order of one task at a time gives,
    each with the first such order ("A, B")."""
    out: dict[tuple[int, frozenset[str]], str] = {}
    for order in itertools.permutations(list(moves)):
        balance, denied = start, set()
        for move in order:
            if move.deposit:
                balance += move.amount
            elif balance < move.amount:
                denied.add(move.name)
            else:
                balance -= move.amount
        out.setdefault((balance, frozenset(denied)), ", ".join(m.name for m in order))
    return out


def _count(n: int) -> str:
    return ("none", "one", "two", "three", "four")[n] if n <= 4 else str(n)


def who(moves: list[Move], denied: Iterable[str], done: str = "paid") -> str:
    """ "both paid", "B denied", "A, C paid, B denied"..."""
    denied = set(denied)
    every = "both" if len(moves) == 2 else "all"
    if not denied:
        return f"{every} {done}"
    if len(denied) == len(moves):
        return f"{every} denied"
    names = [m.name for m in moves if m.name in denied]
    return f"{', '.join(names)} denied"


@dataclass(frozen=True)
class Outcome:
    """What a run of moves did to the account, and whether one task at a time could do it."""

    start: int
    final: int
    moves: tuple[Move, ...]
    paid: tuple[str, ...]  # succeeded (a deposit always does)
    denied: tuple[str, ...]
    failed: tuple[str, ...]  # raised, or never ended
    serial: bool  # some serial order ends at this balance with the same tasks denied
    counted: int  # the balance the paid moves add up to
    done: str = "paid"

    @property
    def lost(self) -> int:
        """What the final balance is off from the paid moves' sum: not 0 means that an update
        was overwritten (a withdrawal lost: positive)."""
        return self.final - self.counted

    @property
    def overdraft(self) -> bool:
        """More was paid out than the account ever held."""
        return self.counted < 0 or self.final < 0

    def lost_move(self) -> Move | None:
        """The paid move whose effect is missing from the balance, when one alone is."""
        for move in self.moves:
            if move.name in self.paid and (move.amount if not move.deposit else -move.amount) == (
                self.lost
            ):
                return move
        return None

    @property
    def what(self) -> str:
        """In a few words: "both paid, overdraft", "B denied", "both paid, A's withdrawal lost"."""
        if self.failed:
            return f"{', '.join(self.failed)} failed"
        words = [who(list(self.moves), self.denied, self.done)]
        if self.lost and any(m.deposit for m in self.moves):
            words = []  # "both counted" is untrue when one was lost: the loss says it all
        if self.overdraft:
            words.append("overdraft")
        if self.lost:
            move = self.lost_move()
            words.append(f"{move.name}'s {move.action} lost" if move else "an update lost")
        if not self.serial and not self.overdraft and not self.lost:
            words.append("no serial order gives this")
        return ", ".join(words)

    @property
    def correct(self) -> bool:
        return self.serial and not self.failed


def outcome_of(result: RunResult, done: str = "paid") -> Outcome:
    """The outcome of a bank run, from its own record: the opening and final balances in its
    outcome, each task's amount and status."""
    start, final = int(result.outcome["initial_balance"]), int(result.outcome["final_balance"])
    moves = moves_of(result)
    status = task_status(result)
    paid = tuple(m.name for m in moves if status.get(m.name) == "succeeded")
    denied = tuple(m.name for m in moves if status.get(m.name) == "denied")
    failed = tuple(m.name for m in moves if m.name not in paid + denied)
    counted = start + sum((m.amount if m.deposit else -m.amount) for m in moves if m.name in paid)
    serial = (final, frozenset(denied)) in serial_outcomes(start, moves)
    return Outcome(start, final, tuple(moves), paid, denied, failed, serial, counted, done)


def failed_verdict(result: RunResult, failed: tuple[str, ...]) -> Verdict:
    """A task that raised or never ended: which, and its own error, as the run recorded it."""
    first = next((t for t in result.tasks if t["name"] == failed[0]), {})
    error = first.get("error") or f"ended {first.get('status', 'without a result')}"
    return Verdict(False, f"Failed: {', '.join(failed)}", f"{failed[0]}: {error}")


def classify(result: RunResult) -> tuple[str, bool]:
    """For many runs: the outcome in words, and whether it is a correct one."""
    outcome = outcome_of(result)
    return outcome.what, outcome.correct


def predicted(value: Any, result: RunResult) -> bool:
    """Whether the run ended as the chosen balance says: the same balance, reached the way
    that choice says. A balance some serial order gives is right only for a serial run (a
    lost update can end at it too, with everyone paid); any other balance is the race's."""
    outcome = outcome_of(result)
    if outcome.final != value:
        return False
    serial_finals = {final for final, _denied in serial_outcomes(outcome.start, outcome.moves)}
    return outcome.correct == (value in serial_finals)


def choices(
    start: int, moves: list[Move], lost: list[tuple[int, str]], done: str = "paid"
) -> list[tuple[Any, str]]:
    """The prediction's choices: each final balance a serial order gives (who paid and who
    was denied), then the race's own balances in `lost` not already among them."""
    by_final: dict[int, list[frozenset[str]]] = {}
    for final, denied in serial_outcomes(start, moves):
        by_final.setdefault(final, [])
        if denied not in by_final[final]:
            by_final[final].append(denied)
    out: list[tuple[Any, str]] = []
    for final, denials in by_final.items():
        if len(denials) == 1:
            text = who(moves, denials[0], done)
            if denials[0] and len(denials[0]) < len(moves):
                paid = [m.name for m in moves if m.name not in denials[0]]
                text = f"{', '.join(paid)} {done}, {text}"
        elif len({len(d) for d in denials}) == 1:  # e.g. equal amounts: any one of them
            k = len(denials[0])
            text = f"{_count(len(moves) - k)} {done}, {_count(k)} denied"
        else:
            text = " or ".join(who(moves, d, done) for d in denials)
        out.append((final, f"{money(final)}: {text}"))
    for final, text in lost:
        if final not in by_final:
            by_final[final] = []
            out.append((final, f"{money(final)}: {text}"))
    return out
