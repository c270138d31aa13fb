"""Lanes: the recorder's events folded into one lane per task (state spans, notes, the line
it reached), counter series and phases.

It is built incrementally (`feed` a batch at a time), so the GUI keeps one `Lanes` per run
and updates it once per frame; the CLI feeds the whole log at once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from threadtruth_gui.engine.events import Event, Kind, State


@dataclass
class Span:
    start_ns: int
    end_ns: int | None  # None while the state is current
    state: str
    detail: str = ""


@dataclass
class Note:
    t_ns: int
    what: str
    data: dict[str, Any]
    told: Any = field(default=None, compare=False, repr=False)  # its story line (narrate)


@dataclass
class Lane:
    name: str
    info: dict[str, Any] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    line: int | None = None  # the line the task last reached
    file: str | None = None  # its file, for a traced program (relative to the script's folder)
    offset: int | None = None  # its bytecode offset in that line, when stepping instructions
    # step mode: its own variables where it stopped ((name, text), ...); () once it goes on
    locals: tuple[tuple[str, str], ...] = ()
    status: str | None = None  # set by the END event
    error: str | None = None
    waiting_for: tuple[str, str | None] | None = None  # (lock, holder) while blocked
    gave_up: list[int] = field(default_factory=list)  # when lock waits with a timeout ran out
    received: int = 0  # bytes, from PROGRESS events
    total: int = 0  # bytes expected (0: unknown)
    # read by a History from its whole fold: (that fold's lane, how many of the notes and of
    # the first spans are that lane's own, unchanged), so that its story can start from the
    # whole lane's (narrate.story), which is worked out once
    base: tuple[Lane, int, int] | None = field(default=None, compare=False, repr=False)
    memo: Any = field(default=None, compare=False, repr=False)  # narrate's, on a whole track

    @property
    def state(self) -> str | None:
        return self.spans[-1].state if self.spans else None


@dataclass
class Occupancy:
    """How many tasks of one group (a `mode`) are in each state, as a step function of time:
    from `times[i]` on, the counts are `counts[i]`. Kept up to date as events arrive, so a
    folded timeline row costs one lookup per pixel column, not a walk over every task."""

    times: list[int] = field(default_factory=list)
    counts: list[dict[str, int]] = field(default_factory=list)

    def change(self, t_ns: int, old: str | None, new: str | None) -> None:
        if old == new:
            return
        times = self.times
        if not times or t_ns >= times[-1]:  # the usual case: events arrive in time order
            counts = self.counts
            now = counts[-1].copy() if counts else {}  # a new dict: the old one is never edited
            _move(now, old, new)
            if times and times[-1] == t_ns:
                counts[-1] = now
            else:
                times.append(t_ns)
                counts.append(now)
            return
        at = bisect_right(times, t_ns)
        # an event older than the newest (another thread's, a few µs late; or a log fed
        # out of order): insert its step and carry the change into every later step
        # later steps get new dicts, never edited in place: readers may cache by identity
        self.times.insert(at, t_ns)
        self.counts.insert(at, dict(self.counts[at - 1]) if at > 0 else {})
        for j in range(at, len(self.counts)):
            moved = dict(self.counts[j])
            _move(moved, old, new)
            self.counts[j] = moved


def _move(counts: dict[str, int], old: str | None, new: str | None) -> None:
    if old is not None:
        left = counts.get(old, 0) - 1
        if left > 0:
            counts[old] = left
        else:
            counts.pop(old, None)
    if new is not None:
        counts[new] = counts.get(new, 0) + 1


_LINE, _OP, _LOCALS, _STATE, _COUNTER, _NOTE = (
    Kind.LINE, Kind.OP, Kind.LOCALS, Kind.STATE, Kind.COUNTER, Kind.NOTE
)  # fmt: skip
_LOCK, _PROGRESS, _PHASE, _START, _END = Kind.LOCK, Kind.PROGRESS, Kind.PHASE, Kind.START, Kind.END
_WAITING, _FINAL = State.WAITING, State.FINAL

NO_GROUP = ""  # the occupancy key of the tasks that have no "mode"

_END_STATE = {
    "succeeded": State.DONE,
    "done": State.DONE,
    "denied": State.DENIED,
    "failed": State.FAILED,
    "cancelled": State.CANCELLED,
}


class Lanes:
    def __init__(self, t0_ns: int) -> None:
        self.t0_ns = t0_ns
        self.tasks: dict[str, Lane] = {}
        self.counters: dict[str, list[tuple[int, float]]] = {}
        # per counter, the latest sample time so far at each sample (never decreasing, even
        # when threads' samples arrive a little out of order): what counter_at bisects
        self._reach: dict[str, list[int]] = {}
        self.end_ns = t0_ns  # the newest event, or "now" while live (see advance)
        self.event_count = 0
        self.phases: dict[str, tuple[int, int | None]] = {}  # label -> (start, end)
        self._holders: dict[str, str] = {}  # lock name -> task holding it, from the log
        self._unknown: dict[str, list[Lane]] = {}  # lock -> tasks waiting for it, holder unknown
        self.occupancy: dict[str, Occupancy] = {}  # per group (task info "mode"; NO_GROUP)

    def advance(self, t_ns: int) -> None:
        """Move "now" forward while a run is live, so that open spans grow between events."""
        if t_ns > self.end_ns:
            self.end_ns = t_ns

    def seconds(self, t_ns: int) -> float:
        return (t_ns - self.t0_ns) / 1e9

    def task(self, name: str) -> Lane:
        track = self.tasks.get(name)
        if track is None:
            track = self.tasks[name] = Lane(name)
        return track

    def feed(self, events: Iterable[Event]) -> None:
        """Fold `events` (a live run's newest, or a whole log) into the lanes."""
        # Kinds by frequency, names bound once, the count and the newest time kept in locals
        # and the usual state change inlined (benchmarks/cursor.py: about 0.5 µs an event
        # for 2 lanes of lines and notes, 2-3 µs for 1000 lanes changing state every event).
        tasks, counters, reach_of = self.tasks, self.counters, self._reach
        occupancies = self.occupancy
        count, end_ns = self.event_count, self.end_ns
        try:
            for ev in events:
                count += 1
                t_ns, task, kind, data = ev
                if t_ns > end_ns:
                    end_ns = t_ns
                if kind == _LINE:
                    track = tasks.get(task) or self.task(task)
                    if data.__class__ is tuple:  # a traced program's (line, file)
                        track.line, track.file = data
                    else:
                        track.line = data
                    track.offset, track.locals = None, ()
                elif kind == _STATE:
                    track = tasks.get(task) or self.task(task)
                    if isinstance(data, str):
                        state, detail = data, ""
                    else:
                        state, detail = data  # (state, what was measured)
                    if state == _WAITING and track.waiting_for is not None:
                        lock, holder = track.waiting_for
                        # a wait that says what it waits on (a queue, an event) keeps its
                        # words: only a lock has a holder to name
                        if holder or not detail:
                            by = f" held by {holder}" if holder else ""
                            detail = f"waiting for lock '{lock}'{by}"
                    spans = track.spans
                    if not spans:
                        self._enter(track, t_ns, state, detail)
                        continue
                    # _enter's usual case, inlined (most events are state changes): the open
                    # last span ends, a span of another state begins after it
                    last = spans[-1]
                    before = last.state
                    occupancy = occupancies.get(track.info.get("mode", NO_GROUP))
                    if occupancy is None or last.end_ns is not None or t_ns <= last.start_ns:
                        self._enter(track, t_ns, state, detail)
                        continue
                    if before == state:  # the same state again: nothing changes
                        if detail:
                            self._enter(track, t_ns, state, detail)
                        continue
                    if state in _FINAL or before in _FINAL:
                        self._enter(track, t_ns, state, detail)
                        continue
                    last.end_ns = t_ns
                    spans.append(Span(t_ns, None, state, detail))
                    times = occupancy.times
                    if times and t_ns > times[-1]:
                        now = occupancy.counts[-1].copy()  # a new dict: never edit the old
                        try:
                            left = now[before] - 1
                            if left:
                                now[before] = left
                            else:
                                del now[before]
                        except KeyError:  # it was counted in another group (its mode changed)
                            pass
                        now[state] = now.get(state, 0) + 1
                        times.append(t_ns)
                        occupancy.counts.append(now)
                    else:
                        occupancy.change(t_ns, before, state)
                elif kind == _COUNTER:
                    name, value = data
                    series = counters.get(name)
                    if series is None:
                        series = counters[name] = []
                    reach = reach_of.get(name)
                    if reach is None:
                        reach = reach_of[name] = []
                    reach.append(t_ns if not reach or t_ns > reach[-1] else reach[-1])
                    series.append((t_ns, value))
                elif kind == _OP:
                    track = tasks.get(task) or self.task(task)
                    track.line, track.offset = data
                    track.locals = ()
                elif kind == _LOCALS:  # follows the LINE (or OP) where a gated thread stops
                    track = tasks.get(task) or self.task(task)
                    track.locals = tuple((str(n), str(t)) for n, t in data)
                elif kind == _NOTE:
                    what, info = data
                    (tasks.get(task) or self.task(task)).notes.append(Note(t_ns, what, info))
                elif kind == _LOCK:
                    self._lock(ev)
                elif kind == _PROGRESS:
                    track = self.task(task)
                    track.received, track.total = data
                elif kind == _PHASE:
                    self._phase(t_ns, data)
                elif kind == _START:
                    track = self.task(task)
                    track.info = dict(data or {})
                elif kind == _END:
                    self._end(self.task(task), t_ns, data)
        finally:
            self.event_count, self.end_ns = count, end_ns

    def _phase(self, t_ns: int, data: tuple[str, str, Any]) -> None:
        action, label, _mode = data
        if action == "start" and not self.phases:
            # time zero is when the first task starts, not when setup began (a
            # demo server takes a moment to start, and is not part of the story)
            self.t0_ns = t_ns
        if action == "start":
            self.phases[label] = (t_ns, None)
        else:
            self.phases[label] = (self.phases.get(label, (t_ns, None))[0], t_ns)

    def _enter(self, track: Lane, t_ns: int, state: str, detail: str = "") -> None:
        """`track` enters `state` at `t_ns`, and its group's occupancy follows (inlined
        here: most events are state changes)."""
        occupancy = self.occupancy.get(track.info.get("mode", NO_GROUP))
        if occupancy is None:  # made at the group's first state change, changed or not
            occupancy = self._new_group(track.info.get("mode", NO_GROUP), t_ns)
        spans = track.spans
        before: str | None = None
        if spans:
            last = spans[-1]
            before = last.state
            if before in _FINAL:
                return  # a sampler's late word after the task's end changes nothing
            # a state seen from another thread (a sampler) may be dated a little before this
            # task's own newest change: it begins there, not before it
            if t_ns < last.start_ns:
                t_ns = last.start_ns
            if last.end_ns is None:
                if last.start_ns == t_ns and state not in _FINAL:
                    spans.pop()  # replaced from its start (a sampler said what it was)
                elif before == state and not detail:
                    return
                else:
                    last.end_ns = t_ns
        spans.append(Span(t_ns, None if state not in _FINAL else t_ns, state, detail))
        if before == state:
            return
        times = occupancy.times
        if times and t_ns > times[-1]:  # Occupancy.change's usual case, inlined
            now = occupancy.counts[-1].copy()  # a new dict: the old one is never edited
            if before is not None:
                left = now.get(before, 0) - 1
                if left > 0:
                    now[before] = left
                else:
                    now.pop(before, None)
            now[state] = now.get(state, 0) + 1
            times.append(t_ns)
            occupancy.counts.append(now)
        else:
            occupancy.change(t_ns, before, state)

    def _new_group(self, group: str, t_ns: int) -> Occupancy:
        """The occupancy of a group (a task info's "mode") seen first at `t_ns`."""
        occupancy = self.occupancy[group] = Occupancy()
        return occupancy

    def _end(self, track: Lane, t_ns: int, data: tuple[str, str | None]) -> None:
        status, error = data
        track.status, track.error = status, error
        track.waiting_for, track.locals = None, ()
        self._enter(track, t_ns, _END_STATE.get(status, State.FAILED), error or "")

    def _lock(self, ev: Event) -> None:
        action, lock, holder = ev.data
        track = self.task(ev.task)
        if action == "wait":
            # the holder may not be known to the waiter yet (it read it a moment before the
            # holder's own event): the log's last acquisition says who holds it
            track.waiting_for = (lock, holder or self._holders.get(lock))
            if track.waiting_for[1] is None:
                self._unknown.setdefault(lock, []).append(track)
        elif action == "acquired":
            self._holders[lock] = ev.task
            track.waiting_for = None
            # waits that began with no holder known (by lock: not a walk over every task)
            for other in self._unknown.pop(lock, ()):
                if other.waiting_for == (lock, None):
                    other.waiting_for = (lock, ev.task)
                    span = other.spans[-1] if other.spans else None
                    if span is not None and span.state == State.WAITING:
                        span.detail = f"waiting for lock '{lock}' held by {ev.task}"
        elif action == "gave up":  # a wait with a timeout ran out
            track.waiting_for = None
            track.gave_up.append(ev.t_ns)
        elif action == "released" and self._holders.get(lock) == ev.task:
            del self._holders[lock]

    # -- queries ---------------------------------------------------------------------------
    def counter_at(self, name: str, t_ns: int) -> float | None:
        """The value of counter `name` at time `t_ns` (None before its first sample): the
        sample before the first one dated after `t_ns`, found by bisection (a run's story
        asks once per line: a scan each time made opening a long run quadratic)."""
        series = self.counters.get(name)
        if not series:
            return None
        reach = self._reach.get(name)
        if reach is None or len(reach) != len(series):  # a series set from outside
            reach = self._reach[name] = list(accumulate((t for t, _ in series), max))
        at = bisect_right(reach, t_ns)
        return series[at - 1][1] if at else None

    def first_note(self, task: str, what: str) -> Note | None:
        track = self.tasks.get(task)
        for note in track.notes if track else ():
            if note.what == what:
                return note
        return None
