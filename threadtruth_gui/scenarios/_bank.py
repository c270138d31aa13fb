"""The shared bank account of the bank scenarios, and the money wording of their verdicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from threadtruth_gui.engine.context import ObservedAsyncLock, ObservedLock, counter, read
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.runner import RunResult
from threadtruth_gui.engine.scenario import Param
from threadtruth_gui.engine.trace import Trace

LOCK = Param("lock", "Lock", "bool", False, key="L")
DELAY = Param(
    "delay",
    "Processing delay",
    "float",
    1.0,
    0.0,
    2.0,
    0.1,
    " s",
    slider=True,
    help="how long each thread waits between its check and its update",
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


def waited_for_lock(trace: Trace) -> list[str]:
    """Tasks that had to wait for a lock at some point of the run."""
    return [
        name
        for name, track in trace.tasks.items()
        if any(span.state == "waiting" for span in track.spans)
    ]


def task_status(result: RunResult) -> dict[str, str]:
    return {t["name"]: t["status"] for t in result.tasks}
