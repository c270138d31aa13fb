"""Events recorded from running scenario code, and the thread-safe Recorder that keeps them."""

from __future__ import annotations

from time import perf_counter_ns
from typing import Any, NamedTuple


class Kind:
    """Event kinds. Plain strings so a run file stays readable."""

    START = "start"  # data: dict of task info (label, amount, ...)
    LINE = "line"  # data: line number in the scenario file
    OP = "op"  # data: (line, bytecode offset) -- a task stepping one instruction at a time
    GO = "go"  # data: unit (line|op|await) -- a gated task passed the gate and runs that unit
    STATE = "state"  # data: a State name, or (State name, what was measured: shown on hover)
    LOCK = "lock"  # data: (action, lock name, holder or None); action: wait|acquired|released
    COUNTER = "counter"  # data: (name, value)
    NOTE = "note"  # data: (what, dict) -- what the code reported it did
    END = "end"  # data: (status, error text or None)
    PROGRESS = "progress"  # data: (bytes so far, total bytes or 0 if unknown)
    PHASE = "phase"  # data: (start|end, label, mode) -- task ""
    # data: ((name, text), ...) -- a gated thread's own variables where it stopped (step mode)
    LOCALS = "locals"
    # data: (stream, text) -- what a traced program wrote to stdout or stderr (its task: the
    # thread or coroutine that wrote it, "" for one without a lane)
    OUTPUT = "output"


# every kind above: what a run file or an events CSV may name
KINDS: frozenset[str] = frozenset(
    v for k, v in vars(Kind).items() if not k.startswith("_") and isinstance(v, str)
)


class State:
    """What a task is doing; each becomes a colour on the timeline."""

    RUNNING = "running"
    CONNECTING = "connecting"  # waiting for the first byte
    RECEIVING = "receiving"
    SLEEPING = "sleeping"
    PAUSED = "paused"  # stopped at the step gate, waiting for the lecturer
    AWAITING = "awaiting"  # a coroutine suspended at an await: the loop runs others
    GIL = "gil"  # runnable, but another thread holds the GIL (seen as a gap in its ticks)
    # runnable Python taking turns with other threads for the GIL, not claimed to run alone
    # or to wait: it ran in a sample interval as others did, or nothing more was measured
    TURNS = "turns"
    DESCHEDULED = "descheduled"  # could not run, and no worker of the run had the GIL: the
    # OS ran something else (the run queue says so), or the window or the driver held it
    STALLED = "stalled"  # a coroutine due to run, but the event loop is blocked
    STARTING = "starting"  # a process being started (spawn) before its work begins
    WAITING = "waiting"  # for a lock
    DONE = "done"
    DENIED = "denied"
    FAILED = "failed"
    CANCELLED = "cancelled"

    ALL = (
        RUNNING,
        CONNECTING,
        RECEIVING,
        SLEEPING,
        PAUSED,
        AWAITING,
        GIL,
        TURNS,
        DESCHEDULED,
        STALLED,
        STARTING,
        WAITING,
        DONE,
        DENIED,
        FAILED,
        CANCELLED,
    )
    FINAL = frozenset({DONE, DENIED, FAILED, CANCELLED})


class Event(NamedTuple):
    t_ns: int  # time.perf_counter_ns()
    task: str
    kind: str
    data: Any


_new_event = tuple.__new__  # skips NamedTuple's Python-level __new__ on the hot path


class Recorder:
    """Append-only event log shared by every thread of a run.

    Workers call `record`; one reader (the GUI timer or the CLI) pulls new events with
    `since`. There is no Python lock: `list.append` and slicing are atomic in CPython
    (under the GIL, and per list on free-threaded builds). A lock here was measured at
    ~10 us per event with 8 threads (lock convoys with the GIL) against ~0.5 us without.
    Each thread's own events are in order; events of different threads may be out of
    order by the time between taking a timestamp and appending.
    """

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._append = self._events.append
        self.t0_ns = perf_counter_ns()

    def record(self, task: str, kind: str, data: Any = None) -> None:
        self._append(_new_event(Event, (perf_counter_ns(), task, kind, data)))

    def record_at(self, t_ns: int, task: str, kind: str, data: Any = None) -> None:
        """Record something that began earlier than now (a gap seen only afterwards)."""
        self._append(_new_event(Event, (t_ns, task, kind, data)))

    def since(self, cursor: int) -> list[Event]:
        """Events recorded after the first `cursor` ones (a copy; safe while workers append)."""
        return self._events[cursor:]

    def __len__(self) -> int:
        return len(self._events)

    def events(self) -> list[Event]:
        return self.since(0)
