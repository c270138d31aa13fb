"""Deadlock detection: a cycle in the wait-for graph of a run's observed locks.

Each waiting thread points to the lock it waits for, each held lock to its holder. A cycle
of waits without a timeout can never end by itself: that is a deadlock. The watch runs on
the run's driver thread (as the plan's monitor), notes the cycle as an event, and breaks it
(at once, or, holding it on screen for a class, when asked) as a database would: one thread
of the cycle, the victim (the one whose wait closed it), has its wait end with
`Deadlocked`; it unwinds and releases what it holds, and the others go on. No thread is
left behind.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any, Protocol

from threadtruth_gui.engine.context import RunContext
from threadtruth_gui.engine.events import Kind


class WaitedFor(Protocol):
    """A node of the wait-for graph: an `ObservedLock`, or what a traced program waits for
    that has one holder (a thread's end, an asyncio.Lock: engine/probes.py `WaitNode`)."""

    name: str
    holder: str | None
    waiting: dict[str, tuple[int, bool]]  # task -> (since, timed)

    def break_wait(self, task: str, why: str) -> None: ...


def find_cycle(locks: list[WaitedFor]) -> list[dict[str, str]] | None:
    """The first cycle of untimed waits: [{"task", "holds", "waits_for"}, ...], or None."""
    waits_for: dict[str, WaitedFor] = {}
    for lock in locks:
        for waiter, (_since, timed) in list(lock.waiting.items()):
            if not timed:
                waits_for[waiter] = lock
    for start in sorted(waits_for):
        path: list[str] = []
        task: str | None = start
        while task is not None and task in waits_for and task not in path:
            path.append(task)
            task = waits_for[task].holder
        if task is not None and task in path:
            cycle = path[path.index(task) :]
            return [
                {
                    "task": name,
                    "holds": waits_for[cycle[i - 1]].name,
                    "waits_for": waits_for[name].name,
                }
                for i, name in enumerate(cycle)
            ]
    return None


def describe(cycle: list[dict[str, str]]) -> str:
    return "; ".join(
        f"{edge['task']} holds {edge['holds']}, waits for {edge['waits_for']}" for edge in cycle
    )


@dataclass
class DeadlockWatch:
    """The plan's monitor: finds a deadlock among `locks`, records it, breaks it.

    With `hold` the deadlock found is left standing (the threads stay stuck, their waits
    growing, for a class to see) until `break_now()` is called, from any thread; the
    monitor then breaks it at its next look, the same way it breaks one at once.
    """

    locks: list[WaitedFor]
    hold: bool = False
    cycle: list[dict[str, str]] | None = None
    formed_ns: int = 0  # when the last wait of the cycle began
    found_ns: int = 0
    victim: str | None = None  # the thread whose wait was ended to break the cycle
    info: dict[str, Any] = field(default_factory=dict)
    broken: bool = False
    context: RunContext | None = field(default=None, repr=False)  # the run, once watched
    _asked: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def held(self) -> bool:
        """A deadlock was found and is being held: it waits for `break_now()`."""
        return self.cycle is not None and not self.broken

    def break_now(self) -> None:
        """Ask the monitor to break the held deadlock (thread-safe; it does so within a
        few ms, on the run's driver thread)."""
        self._asked.set()

    def __call__(self, run: RunContext) -> None:
        self.context = run  # the run it watches: its events, for the scenario's outcome
        if self.cycle is not None:
            if not self.broken and self._asked.is_set():
                self._break(run)
            return
        cycle = find_cycle(self.locks)
        if cycle is None:
            return
        by_name = {lock.name: lock for lock in self.locks}
        self.found_ns = perf_counter_ns()
        since = {
            e["task"]: w[0]
            for e in cycle
            if (w := by_name[e["waits_for"]].waiting.get(e["task"])) is not None
        }
        self.formed_ns = max(since.values(), default=self.found_ns)
        victim = max(cycle, key=lambda e: since.get(e["task"], 0))
        self.cycle = cycle
        self.victim = victim["task"]
        run.recorder.record(
            cycle[0]["task"],
            Kind.NOTE,
            (
                "deadlock",
                {
                    "cycle": cycle,
                    "text": describe(cycle),
                    "after_s": self.detected_after_s,
                    "victim": None if self.hold else victim["task"],
                },
            ),
        )
        if not self.hold or self._asked.is_set():
            self._break(run)

    def _break(self, run: RunContext) -> None:
        """End the victim's wait with `Deadlocked`: it unwinds, releases, the others go on."""
        assert self.cycle is not None and self.victim is not None
        self.broken = True
        edge = next(e for e in self.cycle if e["task"] == self.victim)
        if self.hold:  # held until now: say when it was broken, and whose wait ended
            run.recorder.record(self.victim, Kind.NOTE, ("deadlock broken", {}))
        lock = next(lock for lock in self.locks if lock.name == edge["waits_for"])
        lock.break_wait(self.victim, f"deadlock: {describe(self.cycle)}")

    @property
    def detected_after_s(self) -> float:
        return max(0.0, (self.found_ns - self.formed_ns) / 1e9) if self.cycle else 0.0
