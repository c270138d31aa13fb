"""Plain-language lines built from a task's recorded notes and lock waits.

The task cards show these; they are computed from the trace, never typed by hand.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from heapq import merge
from itertools import islice, pairwise, repeat
from operator import attrgetter, le
from typing import Any

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.lanes import Lane, Lanes, Note, Span


def money(value: float) -> str:
    """-100 -> "-$100", 1000 -> "$1,000"."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def task_caption(info: dict[str, Any]) -> str:
    """What a task set out to do: {"action": "withdraw", "amount": 600} -> "withdraw $600"."""
    if "label" in info:
        return str(info["label"])
    parts = [str(info["action"])] if "action" in info else []
    if isinstance(info.get("amount"), int | float):
        parts.append(money(info["amount"]))
    parts += [f"{k}={v}" for k, v in info.items() if k not in ("action", "amount")]
    return " ".join(parts)


class Line:
    """One line of a task's story: when, what (`text`) and its `tone` ("info", "good",
    "bad", "wait"). A note's line (`of`) is put in words when it is first read: a long
    run's cards and narration show its last lines, not its 200,000 others."""

    __slots__ = ("_note", "_text", "_tone", "t_ns")

    def __init__(self, t_ns: int, text: str, tone: str) -> None:
        self.t_ns = t_ns
        self._text: str | None = text
        self._tone: str | None = tone
        self._note: Note | None = None

    @classmethod
    def of(cls, note: Note) -> Line:
        line = cls.__new__(cls)
        line.t_ns, line._text, line._tone, line._note = note.t_ns, None, None, note
        return line

    @property
    def text(self) -> str:
        return self._said()[0]

    @property
    def tone(self) -> str:
        return self._said()[1]

    def _said(self) -> tuple[str, str]:
        if self._text is None or self._tone is None:
            assert self._note is not None
            self._text, self._tone = _said(self._note)
            self._note = None
        return self._text, self._tone

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Line):
            return NotImplemented
        return (self.t_ns, self.text, self.tone) == (other.t_ns, other.text, other.tone)

    def __hash__(self) -> int:
        return hash((self.t_ns, self.text, self.tone))

    def __repr__(self) -> str:
        return f"Line(t_ns={self.t_ns!r}, text={self.text!r}, tone={self.tone!r})"


def _checked(d: dict[str, Any]) -> tuple[str, str]:
    ok = d["balance"] >= d["amount"]
    sign = "≥" if ok else "<"
    return f"checked {money(d['balance'])} {sign} {money(d['amount'])} → {'yes' if ok else 'no'}", (
        "info" if ok else "bad"
    )


def _deadlock(d: dict[str, Any]) -> tuple[str, str]:
    victim = f"; the app ends {d['victim']}'s wait" if d.get("victim") else "; neither can go on"
    return f"deadlock: {d['text']}{victim}", "bad"


_NOTES: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "deadlock": _deadlock,
    "deadlock broken": lambda _d: ("the app ends its wait: the deadlock is broken", "bad"),
    "took": lambda d: (f"took lock {d['lock']}", "info"),
    "backed off": lambda d: (f"backed off: released {d['lock']}, will try again", "wait"),
    "woke late": lambda d: (f"woke {d['late_ms']} ms late: the event loop was blocked", "bad"),
    "checked": _checked,
    "read": lambda d: (" ".join(f"read {k} {money(v)}" for k, v in d.items()), "info"),
    "withdrew": lambda d: (f"withdrew {money(d['amount'])}", "good"),
    "wrote": lambda d: (f"wrote balance {money(d['balance'])}", "good"),
    "denied": lambda d: (f"denied: balance {money(d['balance'])}", "bad"),
}


def describe(what: str, data: dict[str, Any]) -> tuple[str, str]:
    """(text, tone) for one note; unknown notes fall back to `what k=v`."""
    fmt = _NOTES.get(what)
    if fmt is not None:
        try:
            return fmt(data)
        except (KeyError, TypeError, ValueError):
            pass
    args = " ".join(f"{k}={v}" for k, v in data.items())
    return f"{what} {args}".strip(), "info"


_SAID: dict[tuple[Any, ...], tuple[str, str]] = {}  # (what, data's items) -> text, tone
# the values a note may have to be told from the memo: equal values of these types print
# alike (1, 1.0 and True are equal keys, so each value's type is in the key; floats are
# not memoised: 0.0 and -0.0 are equal and print apart)
_EXACT = frozenset((str, int, bool, type(None)))
_SAID_MAX = 4096  # kinds of note told and kept; then the oldest kinds are forgotten


def _said(note: Note) -> tuple[str, str]:
    """A note's text and tone. Notes alike (a long run's "read balance $1,000", "took
    lock a") are put in words once."""
    data = note.data
    types = tuple(map(type, data.values()))
    key = (note.what, types, *data.items()) if _EXACT.issuperset(types) else None
    said = _SAID.get(key) if key is not None else None
    if said is None:
        said = describe(note.what, note.data)
        if key is not None:
            if len(_SAID) >= _SAID_MAX:
                del _SAID[next(iter(_SAID))]
            _SAID[key] = said
    return said


def _tell(note: Note) -> Line:
    """A note's line, made once (and put in words when first read): the cards and the
    narration ask at every refresh and cursor move, and a note never changes."""
    line = note.told = Line.of(note)
    return line


def story(track: Lane) -> list[Line]:
    """What one task did, in time order: its notes, lock waits, and how it ended."""
    if track.base is not None:
        return _story_from_base(track, *track.base)
    lines = _told_notes(track.notes)
    spans = track.spans
    told = [] if _TOLD_STATES.isdisjoint(map(_STATE, spans)) else _told_spans(spans, 0)
    lines += _span_lines(track, told)
    lines.sort(key=_T_NS)
    return lines


def _told_notes(notes: list[Note]) -> list[Line]:
    lines = list(map(_TOLD, notes))  # (C speed: a long run's cards ask at each move)
    told = len(lines)
    while told and lines[told - 1] is None:  # the newest notes, not told yet
        told -= 1
        lines[told] = _tell(notes[told])
    if not all(lines):  # some others too (a Line is always true)
        lines = [n.told if n.told is not None else _tell(n) for n in notes]
    return lines


def _told_spans(spans: list[Span], start: int) -> list[int]:
    """Which of `spans[start:]` add a line to the story."""
    return [i for i in range(start, len(spans)) if spans[i].state in _TOLD_STATES]


@dataclass
class _Whole:
    """A whole fold's track, told once: its notes' lines, and which spans tell something."""

    lines: list[Line]
    in_order: bool  # the notes' lines are in time order already
    spans: list[int]


def _story_from_base(track: Lane, whole: Lane, notes: int, spans: int) -> list[Line]:
    """The story of a track a Timeline rebuilt for its cursor, from the whole run's track:
    its first `notes` notes and `spans` spans are the whole track's, unchanged, so their
    lines are a slice of the whole story's; only what follows is told here (a cursor move
    in a long run costs a copy, not a telling of every note)."""
    memo = whole.memo
    if not isinstance(memo, _Whole):
        told = _told_notes(whole.notes)
        times = list(map(_T_NS, told))
        in_order = all(map(le, times, islice(times, 1, None)))
        memo = whole.memo = _Whole(told, in_order, _told_spans(whole.spans, 0))
    lines = memo.lines[:notes]
    later = _told_notes(track.notes[notes:])
    settled = memo.spans[: bisect_left(memo.spans, spans)]
    said = _span_lines(track, settled + _told_spans(track.spans, spans))
    joined = lines[-1:] + later  # where the whole's lines meet the later ones, in order?
    in_order = memo.in_order and all(a.t_ns <= b.t_ns for a, b in pairwise(joined))
    lines += later
    lines += said
    if said or not in_order:
        lines.sort(key=_T_NS)
    return lines


def _span_lines(track: Lane, told: list[int]) -> list[Line]:
    """The lines of the spans at indexes `told`: lock waits, failures, cancellations."""
    lines = []
    spans = track.spans
    for i in told:
        span = spans[i]
        if span.state == State.WAITING:
            lines.append(Line(span.start_ns, span.detail or "waiting for a lock", "wait"))
            after = spans[i + 1].state if i + 1 < len(spans) else None
            if span.end_ns is not None and after not in (State.FAILED, State.CANCELLED):
                waited = (span.end_ns - span.start_ns) / 1e9
                gave_up = any(span.start_ns <= t <= span.end_ns for t in track.gave_up)
                text = (
                    f"gave up after {waited:.2f} s"
                    if gave_up
                    else (f"got the lock after {waited:.2f} s")
                )
                lines.append(Line(span.end_ns, text, "wait" if gave_up else "info"))
        elif span.state == State.FAILED:
            lines.append(Line(span.start_ns, f"failed: {span.detail}", "bad"))
        elif span.state == State.CANCELLED:
            # Reset, closing the window, Ctrl+C or a thread the system refused: not only Reset
            lines.append(Line(span.start_ns, "stopped: the run was cancelled", "info"))
    return lines


_TOLD = attrgetter("told")
_T_NS = attrgetter("t_ns")
_STATE = attrgetter("state")
_TOLD_STATES = frozenset((State.WAITING, State.FAILED, State.CANCELLED))


def _line_t(told: tuple[str, Line]) -> int:
    """A (task, line) pair's time: the narration merges the tasks' stories by it."""
    return told[1].t_ns


@dataclass(frozen=True)
class Told:
    """One line of the narration: who, when, what (in words), and its tone."""

    t_ns: int
    task: str
    text: str
    tone: str


NARRATED_MAX_TASKS = 20  # runs of more tasks are told by the timeline, not in sentences


def narration(
    lanes: Lanes, max_tasks: int = NARRATED_MAX_TASKS, max_lines: int | None = None
) -> list[Told]:
    """Every task's story merged in time order, for the narration panel (its first
    `max_lines` lines, when given). A write to a counter says the new value ("A withdrew
    $600 → $400"). Runs of more than `max_tasks` get none (a thousand downloads are told by
    the timeline, not in sentences)."""
    if len(lanes.tasks) > max_tasks:
        return []
    counter = next(iter(lanes.counters), None)
    stories = [zip(repeat(name), story(track)) for name, track in lanes.tasks.items()]
    merged = merge(*stories, key=_line_t)  # stable, as a sort would; lazy, up to max_lines
    told = []
    for name, line in merged if max_lines is None else islice(merged, max_lines):
        text = line.text
        if counter and line.text.startswith(("withdrew", "wrote", "deposited")):
            value = lanes.counter_at(counter, line.t_ns)
            if value is not None and not line.text.startswith("wrote"):
                text = f"{text} → {money(value)}"
        told.append(Told(line.t_ns, name, text, line.tone))
    return told


def untold(lanes: Lanes, max_tasks: int = NARRATED_MAX_TASKS) -> str:
    """What the narration panel says while `narration(trace)` has no line: why, truly."""
    tasks = len(lanes.tasks)
    if tasks > max_tasks:
        return (
            f"Told in sentences for runs of up to {max_tasks} tasks; this run has "
            f"{tasks:,}: the timeline tells it."
        )
    if tasks and all(track.status for track in lanes.tasks.values()):
        return "These tasks report no story lines: the timeline tells this run."
    return "Nothing to tell yet: each line appears here as a task reports what it did."
