"""History: a run's events in time order, to give the lanes as they stood at any moment."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from operator import attrgetter, eq, itemgetter
from typing import Any, TypeVar, cast, overload

from threadtruth_gui.engine.events import Event, Kind, State
from threadtruth_gui.engine.lanes import Lane, Lanes, Occupancy, Span

T = TypeVar("T")

_T_NS = attrgetter("t_ns")
_FIRST = itemgetter(0)
_FINAL = State.FINAL
_LINE, _OP, _LOCALS, _END = Kind.LINE, Kind.OP, Kind.LOCALS, Kind.END
_PROGRESS, _START = Kind.PROGRESS, Kind.START
# the kinds whose event makes its task's lane (Lanes.feed): the others name no lane
_MAKE_LANES = (
    Kind.LINE, Kind.OP, Kind.LOCALS, Kind.STATE, Kind.NOTE, Kind.LOCK, Kind.PROGRESS,
    Kind.START, Kind.END,
)  # fmt: skip


class Prefix(Sequence[T]):
    """The first `n` items of a list, the last of them given apart (as it was then, when it
    changed since): a lane's spans, notes or a counter's samples at a moment, read from the
    whole fold's lists without copying them. Read only; a slice is a new list."""

    __slots__ = ("_items", "_last", "_n")

    def __init__(self, items: list[T], n: int, last: T) -> None:
        self._items, self._n, self._last = items, n, last

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        n = self._n
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            if step != 1:
                return [self[j] for j in range(start, stop, step)]
            got = self._items[start:stop]
            if stop == n and start < stop:
                got[-1] = self._last
            return got
        if i < 0:
            i += n
        if i == n - 1:
            return self._last
        if 0 <= i < n:
            return self._items[i]
        raise IndexError("Prefix index out of range")

    def __iter__(self) -> Iterator[T]:
        return chain(islice(self._items, self._n - 1), (self._last,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, list | Prefix):
            return NotImplemented
        return len(other) == self._n and all(map(eq, self, other))

    def __repr__(self) -> str:
        return repr(list(self))


def prefix(items: list[T], n: int, last: T | None = None) -> list[T]:
    """The first `n` of `items` (the last of them replaced by `last`, when given): `items`
    itself when that is all of it, else a view of it, typed as the list it stands for (a
    History's lanes are read, never fed)."""
    if n == len(items) and (last is None or last is items[-1]):
        return items
    if not n:
        return []
    return cast(list[T], Prefix(items, n, items[n - 1] if last is None else last))


def _ints(items: list[int], same: array[int], n: int) -> list[int]:
    """The first `n` of `items` (the same ints as `same` holds): `items` itself when that
    is all of it, else a view of `same` (read only, typed as the list it stands for)."""
    if n == len(items):
        return items
    return cast(list[int], memoryview(same)[:n])


_Wait = tuple[str, str | None] | None  # a lane's waiting_for
_Waits = tuple["array[int]", list[_Wait]]  # its changes: when, and what it became


class _Watched(Lanes):
    """The whole fold, noting as it goes the little that the events and the finished lanes
    do not say: each change of a lane's lock wait, each waiting span's detail before a lock
    acquisition completed it, each lock's holder, when each group's occupancy began, and
    the phases after each phase event (all by the time of the event that made them)."""

    def __init__(self, t0_ns: int) -> None:
        super().__init__(t0_ns)
        self.waits: dict[str, _Waits] = {}
        # per span (by id: the whole fold keeps it), its detail before each edit, by time
        self.details: dict[int, list[tuple[int, str]]] = {}
        self.holders: dict[str, tuple[array[int], list[str | None]]] = {}
        self.group_born: dict[str, int] = {}
        self.phase_t = array("q")
        self.phase_log: list[dict[str, tuple[int, int | None]]] = []
        self.t0_at: int | None = None  # when a phase's start set time zero

    def _wait_changed(self, track: Lane, t_ns: int, before: object) -> None:
        if track.waiting_for is not before:
            times, waits = self.waits.setdefault(track.name, (array("q"), []))
            times.append(t_ns)
            waits.append(track.waiting_for)

    def _end(self, track: Lane, t_ns: int, data: tuple[str, str | None]) -> None:
        before = track.waiting_for
        super()._end(track, t_ns, data)
        self._wait_changed(track, t_ns, before)

    def _new_group(self, group: str, t_ns: int) -> Occupancy:
        self.group_born[group] = t_ns
        return super()._new_group(group, t_ns)

    def _lock(self, ev: Event) -> None:
        action, lock, _holder = ev.data
        t_ns, track = ev.t_ns, self.task(ev.task)
        before = track.waiting_for
        # the waits it completes (their holder was not known): their spans' detail changes
        resolved = []
        if action == "acquired":
            for other in self._unknown.get(lock, ()):
                if other.waiting_for == (lock, None):
                    span = other.spans[-1] if other.spans else None
                    detail = span.detail if span is not None else None
                    resolved.append((other, other.waiting_for, span, detail))
        held = self._holders.get(lock)
        super()._lock(ev)
        self._wait_changed(track, t_ns, before)
        for other, waited, span, detail in resolved:
            self._wait_changed(other, t_ns, waited)
            if span is not None and detail is not None and span.detail != detail:
                self.details.setdefault(id(span), []).append((t_ns, detail))
        if self._holders.get(lock) != held:
            times, holders = self.holders.setdefault(lock, (array("q"), []))
            times.append(t_ns)
            holders.append(self._holders.get(lock))

    def _phase(self, t_ns: int, data: tuple[str, str, Any]) -> None:
        if not self.phases and data[0] == "start":
            self.t0_at = t_ns
        super()._phase(t_ns, data)
        self.phase_t.append(t_ns)
        self.phase_log.append(dict(self.phases))


def _last(where: array[int] | None, upto: int) -> int:
    """The position of the last of `where` before `upto` (-1: none)."""
    if where is None:
        return -1
    at = bisect_left(where, upto)
    return where[at - 1] if at else -1


class _LaneIndex:
    """One task's lane in the whole fold, when its spans began, and where its own events
    of each kind are.

    In a fold in time order a lane's spans at a moment are the whole lane's that began by
    then: a span replaced from its start (a sampler said what it was) was replaced at that
    same moment, and only the last of them was still open (the ones before it ended when
    the next began). Only a waiting span's detail can change later (a lock acquisition
    names the holder): `_Watched.details` has what it said before."""

    __slots__ = ("end", "line", "locals", "op", "progress", "start", "starts", "waits", "whole")

    def __init__(self, whole: Lane, where: dict[str, array[int]], waits: _Waits | None) -> None:
        self.whole, self.waits = whole, waits
        self.starts = array("q", [span.start_ns for span in whole.spans])
        self.line, self.op = where.get(_LINE), where.get(_OP)
        self.locals, self.end = where.get(_LOCALS), where.get(_END)
        self.progress, self.start = where.get(_PROGRESS), where.get(_START)

    def at(
        self, events: list[Event], details: dict[int, list[tuple[int, str]]], upto: int, t_ns: int
    ) -> Lane:
        """The lane after the first `upto` events (all those up to `t_ns`)."""
        whole = self.whole
        lane = Lane(whole.name)
        n = bisect_right(self.starts, t_ns)
        if n:
            spans = whole.spans
            last = spans[n - 1]
            closed = last.end_ns if last.state in _FINAL else None
            edits = details.get(id(last)) if details else None
            detail = last.detail
            if edits is not None:
                later = bisect_right(edits, t_ns, key=_FIRST)
                if later < len(edits):
                    detail = edits[later][1]
            if closed != last.end_ns or detail != last.detail:
                last = Span(last.start_ns, closed, last.state, detail)
            lane.spans = prefix(spans, n, last)
        if self.waits is not None:
            times, waits = self.waits
            i = bisect_right(times, t_ns)
            if i:
                lane.waiting_for = waits[i - 1]
        notes = whole.notes
        if notes:
            lane.notes = prefix(notes, bisect_right(notes, t_ns, key=_T_NS))
        gave_up = whole.gave_up
        if gave_up:
            lane.gave_up = prefix(gave_up, bisect_right(gave_up, t_ns))
        line, op = _last(self.line, upto), _last(self.op, upto)
        if line > op:
            data = events[line].data
            if data.__class__ is tuple:  # a traced program's (line, file)
                lane.line, lane.file = data
            else:
                lane.line = data
        elif op >= 0:
            lane.line, lane.offset = events[op].data
        # (a task's end, and its start, are mostly once each: all of them before `upto`
        # are the whole lane's fields, with no event to read)
        ended, end = -1, self.end
        if end:
            if end[-1] < upto:
                ended = end[-1]
                lane.status, lane.error = whole.status, whole.error
            else:
                ended = _last(end, upto)
                if ended >= 0:
                    lane.status, lane.error = events[ended].data
        if self.locals is not None:
            said = _last(self.locals, upto)
            if said > max(line, op, ended):
                lane.locals = tuple((str(n), str(t)) for n, t in events[said].data)
        if self.progress is not None:
            progress = _last(self.progress, upto)
            if progress >= 0:
                lane.received, lane.total = events[progress].data
        start = self.start
        if start is not None and start[0] < upto:
            if start[-1] < upto:
                lane.info = whole.info
            else:
                lane.info = dict(events[_last(start, upto)].data or {})
        # the spans before the last two are settled (the last can be replaced, and the
        # story of the one before it depends on the last's state)
        lane.base = (whole, len(lane.notes), max(0, n - 2))
        return lane


class History:
    """A run's events in time order, to give the lanes as they stood at any moment (the
    time cursor, playback and GIF frames).

    The run is folded once, and indexed: where each task's events of each kind are, when
    each lane's spans began, and (what the events and the finished lanes do not say) each
    change of a lock wait, a waiting span's detail before its holder was named, each lock's
    holder, the phases. The lanes at a moment are then read with a few bisections per task
    (a cursor move costs tasks x log(events)): their lists are views of the whole fold's
    (its first items, the last span as it was then), not copies, and nothing is folded
    again. `tests/test_open_speed.py` checks them against a fold from the start."""

    def __init__(self, events: Iterable[Event], t0_ns: int, in_order: bool = False) -> None:
        """`in_order`: `events` is a list in time order already (not copied, not sorted)."""
        # threads append a little late
        self.events = events if in_order and isinstance(events, list) else sorted(events, key=_T_NS)
        self.times = [ev.t_ns for ev in self.events]
        self.t0_ns = t0_ns
        full = self._full = _Watched(t0_ns)
        full.feed(self.events)
        full.advance(self.times[-1] if self.times else t0_ns)
        self.start_ns = full.t0_ns  # time zero (the first phase's start)
        self.end_ns = full.end_ns
        self._index(full)

    def _index(self, full: _Watched) -> None:
        where: dict[tuple[str, str], array[int]] = {}
        for i, (_t, task, kind, _data) in enumerate(self.events):
            at = where.get((task, kind))
            if at is None:
                at = where[task, kind] = array("q")
            at.append(i)
        by_task: dict[str, dict[str, array[int]]] = {}
        for (task, kind), at in where.items():
            by_task.setdefault(task, {})[kind] = at
        self._lanes = [
            _LaneIndex(lane, by_task.get(name, {}), full.waits.get(name))
            for name, lane in full.tasks.items()
        ]
        # where each lane was made: at its task's first event of a kind that makes one
        self._born = array(
            "q",
            (
                min(kinds[k][0] for k in _MAKE_LANES if k in kinds)
                for kinds in (by_task[name] for name in full.tasks)
            ),
        )
        self._groups = list(full.group_born.items())
        # the steps' times and the counters' reach as machine ints: their views are
        # memoryviews, which the timeline's bisections per pixel column read at C speed
        self._steps = {g: array("q", o.times) for g, o in full.occupancy.items()}
        self._reach = {name: array("q", reach) for name, reach in full._reach.items()}

    @property
    def whole(self) -> Lanes:
        """The lanes of every event (read them; never feed them: the index is taken from them)."""
        return self._full

    def until(self, t_ns: int) -> Lanes:
        """The lanes of everything recorded up to and including `t_ns`."""
        full, events = self._full, self.events
        upto = bisect_right(self.times, t_ns)
        lanes = Lanes(self.t0_ns)
        lanes.event_count = upto
        lanes.end_ns = max(self.t0_ns, t_ns)
        if full.t0_at is not None and full.t0_at <= t_ns:
            lanes.t0_ns = full.t0_at
        at = bisect_right(full.phase_t, t_ns)
        if at:
            lanes.phases = dict(full.phase_log[at - 1])
        for index in self._lanes[: bisect_left(self._born, upto)]:
            lanes.tasks[index.whole.name] = index.at(events, full.details, upto, t_ns)
        for name, reach in full._reach.items():
            n = bisect_right(reach, t_ns)
            if not n:
                break  # (in the order of their first sample)
            lanes.counters[name] = prefix(full.counters[name], n)
            lanes._reach[name] = _ints(reach, self._reach[name], n)
        for group, born in self._groups:
            if born > t_ns:
                break  # (in the order they began)
            whole = full.occupancy[group]
            n = bisect_right(whole.times, t_ns)
            times = _ints(whole.times, self._steps[group], n)
            lanes.occupancy[group] = Occupancy(times, prefix(whole.counts, n))
        for lock, (changed, holders) in full.holders.items():
            i = bisect_right(changed, t_ns) - 1
            holder = holders[i] if i >= 0 else None
            if holder is not None:
                lanes._holders[lock] = holder
        return lanes


__all__ = ["History", "Prefix"]
