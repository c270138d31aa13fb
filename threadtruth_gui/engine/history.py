"""History: a run's events in time order, to give the lanes as they stood at any moment."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any

from threadtruth_gui.engine.events import Event
from threadtruth_gui.engine.lanes import Lane, Lanes, Occupancy, Span

MARK_EVERY = 512  # events between two saved points of a Timeline's fold (at least)
MARK_PER_TASK = 4  # and at least this many per task: a mark copies a little of each task


@dataclass
class _TrackMark:
    """One task's fold at a saved point: its appended lists by length (their earlier items
    never change again), the one item that can still change (the last span) as a copy."""

    name: str
    info: dict[str, Any]
    spans: int
    last: Span | None
    notes: int
    gave_up: int
    fields: tuple[Any, ...]  # line, offset, locals, status, error, waiting_for, received, total


_T_NS = attrgetter("t_ns")
_FIELDS = ("line", "offset", "locals", "status", "error", "waiting_for", "received", "total")


@dataclass
class _Mark:
    """A Trace as it stood after the first `at` events of a Timeline, kept small: what
    `Timeline.until` starts from instead of folding the run from its first event."""

    at: int
    t0_ns: int
    end_ns: int
    phases: dict[str, tuple[int, int | None]]
    holders: dict[str, str]
    tracks: list[_TrackMark]
    counters: dict[str, int]
    occupancy: dict[str, tuple[int, dict[str, int] | None]]


class History:
    """A run's events in time order, to rebuild the trace as it stood at any moment
    (the time cursor, playback and GIF frames).

    The run is folded once; every MARK_EVERY events (MARK_PER_TASK per task, when there are
    more tasks) the fold's state is noted (lengths, and copies of the little that can still
    change). `until` starts from the last such point before its moment and folds only the
    events after it, so a cursor move folds about the same number of events at any point
    of a run of any length."""

    def __init__(self, events: Iterable[Event], t0_ns: int, in_order: bool = False) -> None:
        """`in_order`: `events` is a list in time order already (not copied, not sorted)."""
        # threads append a little late
        self.events = events if in_order and isinstance(events, list) else sorted(events, key=_T_NS)
        self.times = [ev.t_ns for ev in self.events]
        self.t0_ns = t0_ns
        full = self._full = Lanes(t0_ns)
        self._marks: list[_Mark] = []
        self._marked: list[int] = []  # each mark's `at`, to bisect
        at = 0
        while at < len(self.events):
            if at:
                self._marks.append(_mark(full, at))
                self._marked.append(at)
            step = max(MARK_EVERY, MARK_PER_TASK * len(full.tasks))
            full.feed(self.events[at : at + step])
            at += step
        full.advance(self.times[-1] if self.times else t0_ns)
        self.start_ns = full.t0_ns  # time zero (the first phase's start)
        self.end_ns = full.end_ns

    @property
    def whole(self) -> Lanes:
        """The trace of every event (read it; never feed it: the marks are taken from it)."""
        return self._full

    def until(self, t_ns: int) -> Lanes:
        """The trace of everything recorded up to and including `t_ns`."""
        upto = bisect_right(self.times, t_ns)
        at = bisect_right(self._marked, upto) - 1
        if at < 0:
            lanes = Lanes(self.t0_ns)
            lanes.feed(self.events[:upto])
        else:
            mark = self._marks[at]
            lanes = _restore(self._full, mark)
            lanes.feed(self.events[mark.at : upto])
        lanes.advance(t_ns)
        return lanes


def _mark(lanes: Lanes, at: int) -> _Mark:
    tracks = [
        _TrackMark(
            track.name,
            track.info,
            len(track.spans),
            replace(track.spans[-1]) if track.spans else None,
            len(track.notes),
            len(track.gave_up),
            tuple(getattr(track, f) for f in _FIELDS),
        )
        for track in lanes.tasks.values()
    ]
    return _Mark(
        at,
        lanes.t0_ns,
        lanes.end_ns,
        dict(lanes.phases),
        dict(lanes._holders),
        tracks,
        {name: len(series) for name, series in lanes.counters.items()},
        {g: (len(o.times), o.counts[-1] if o.counts else None) for g, o in lanes.occupancy.items()},
    )


def _restore(full: Lanes, mark: _Mark) -> Lanes:
    """A new Trace equal to `full`'s fold after `mark.at` events (`full` folded them all, in
    time order: its lists only grew past the mark, and only their last items changed)."""
    lanes = Lanes(mark.t0_ns)
    lanes.end_ns, lanes.event_count = mark.end_ns, mark.at
    lanes.phases, lanes._holders = dict(mark.phases), dict(mark.holders)
    for m in mark.tracks:
        whole = full.tasks[m.name]
        track = lanes.tasks[m.name] = Lane(m.name, m.info)
        if m.last is not None:
            track.spans = whole.spans[: m.spans - 1]
            track.spans.append(replace(m.last))
        track.notes = whole.notes[: m.notes]
        # the spans before the last two are settled (the last can be replaced, and the
        # story of the one before it depends on the last's state)
        track.base = (whole, m.notes, max(0, m.spans - 2))
        track.gave_up = whole.gave_up[: m.gave_up]
        for name, value in zip(_FIELDS, m.fields, strict=True):
            setattr(track, name, value)
    for name, n in mark.counters.items():
        lanes.counters[name] = full.counters[name][:n]
        lanes._reach[name] = full._reach[name][:n]
    for group, (n, last) in mark.occupancy.items():
        whole_o = full.occupancy[group]
        counts = whole_o.counts[: n - 1]
        if last is not None:
            counts.append(last)  # (the dicts are never edited: sharing them is safe)
        lanes.occupancy[group] = Occupancy(whole_o.times[:n], counts)
    return lanes
