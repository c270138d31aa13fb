"""The check of a traced program's run file (runs/tracefile.py) before anything is built from
it: the file is untrusted input, like a scenario's (runs/runcheck.py, whose limits it shares).

A traced run's events differ from a scenario's in three ways, and only these are let in:
a LINE holds `(line, file)` (the program's file, relative to the script's folder), an
OUTPUT holds `(stream, text)` with stream "stdout" or "stderr", and a LOCK may say "woke"
(a condition, event or queue wait ending). Its tasks are whatever the program named its
threads, so any name (of bounded length) is one. The deadlock's notes are checked in the
shape the panel and the verdict read: a cycle of `{task, holds, waits_for}` and each
thread's stack as lines of text.
"""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.gate import UNITS
from threadtruth_gui.runs import runcheck
from threadtruth_gui.runs.runcheck import MAX_LINE, MAX_TEXT, Damaged, plain, quote

MAX_NAME = 1000  # a thread's, a lock's ("pkg/mod.py:12 #3") or a file's name in a program
MAX_ARGS = 1000  # the program's arguments
MAX_SOURCE_CHARS = 500_000  # one saved source file (a lecture's program is a few thousand)
MAX_SOURCES_CHARS = 4_000_000  # all of a run's saved sources together
MAX_SOURCE_FILES = 500
STREAMS = frozenset({"stdout", "stderr"})
_LOCK_ACTIONS = frozenset({"wait", "acquired", "released", "gave up", "woke"})
_EDGE = ("task", "holds", "waits_for")
_STATES = frozenset(State.ALL)
_WORDS = {Kind.STATE: _STATES, Kind.GO: frozenset(UNITS)}
# the kinds a scenario's check knows, in the shapes a traced program writes them too
_SAME = {
    kind: fits
    for kind, fits in runcheck._DATA.items()
    if kind not in (Kind.LOCK, Kind.NOTE, Kind.OUTPUT)
}


def name(value: Any) -> bool:
    return type(value) is str and len(value) <= MAX_NAME


def _pair(d: Any) -> bool:
    return type(d) in (list, tuple) and len(d) == 2


def _line(d: Any) -> bool:
    return _pair(d) and type(d[0]) is int and 0 <= d[0] <= MAX_LINE and name(d[1]) and d[1] != ""


def _output(d: Any) -> bool:
    # (type first: a list is no set member, it is unhashable: a TypeError, not a refusal)
    stream_ok = _pair(d) and type(d[0]) is str and d[0] in STREAMS
    return stream_ok and type(d[1]) is str and len(d[1]) <= MAX_TEXT


def _lock(d: Any) -> bool:
    return (
        type(d) in (list, tuple)
        and len(d) == 3
        and type(d[0]) is str
        and d[0] in _LOCK_ACTIONS
        and name(d[1])
        and (d[2] is None or name(d[2]))
    )


def cycle(value: Any) -> bool:
    """A deadlock's cycle: a list of `{task, holds, waits_for}`, each a name."""
    return type(value) is list and all(
        type(edge) is dict and all(name(edge.get(key)) for key in _EDGE) for edge in value
    )


def _lines(value: Any) -> bool:
    return type(value) is list and all(type(v) is str and len(v) <= MAX_TEXT for v in value)


def _note(d: Any) -> bool:
    if not (_pair(d) and name(d[0]) and type(d[1]) is dict and plain(d[1])):
        return False
    what, data = d
    if what == "deadlock":
        return cycle(data.get("cycle"))
    if what == "stack":
        return _lines(data.get("lines"))
    return True


# what a traced program's own shapes are, said when one is not
_SHAPES = {
    Kind.LINE: "a traced program's line is [line, file]",
    Kind.OUTPUT: 'an output is [stream, text], its stream "stdout" or "stderr"',
}
_DATA = {**_SAME, Kind.LINE: _line, Kind.OUTPUT: _output, Kind.LOCK: _lock, Kind.NOTE: _note}


def events(items: Any) -> None:
    """Every event `[t_ns, task, kind, data]`: raise Damaged naming the first bad one."""
    if type(items) is not list:
        raise Damaged("its 'events' is not a list")
    low, high = -runcheck.MAX_TIME_NS, runcheck.MAX_TIME_NS
    for raw in items:
        if type(raw) not in (list, tuple) or len(raw) != 4:
            raise Damaged(f"an event is damaged: {quote(raw)}")
        t, task, kind, d = raw
        if type(t) is not int or not low <= t <= high:
            raise Damaged(f"an event is damaged: its time is out of range: {quote(raw)}")
        if not name(task):
            raise Damaged(f"an event is damaged: its task is not a name: {quote(raw)}")
        fits = _DATA.get(kind) if type(kind) is str else None
        if fits is None:
            raise Damaged(f"an event is damaged: it has no known kind: {quote(raw)}")
        if type(d) is str and kind in _WORDS:  # a state, a unit: one of a few words
            ok = d in _WORDS[kind]
        else:
            ok = type(d) is not str and fits(d)
        if not ok:
            article = "an" if kind[:1] in "aeiou" else "a"
            shape = f" ({_SHAPES[kind]})" if kind in _SHAPES else ""
            raise Damaged(
                f"the events are damaged: {article} {kind} event holds {quote(raw)}{shape}"
            )
    runcheck.check_span(items)


def program(data: Any) -> tuple[str, list[str]]:
    """The traced script as it was given, and its arguments."""
    if type(data) is not dict or not name(data.get("script")) or not data["script"]:
        raise Damaged(f"its 'program' names no script: {quote(data)}")
    args = data.get("args", [])
    if (
        type(args) is not list
        or len(args) > MAX_ARGS
        or not all(type(a) is str and len(a) <= MAX_TEXT for a in args)
    ):
        raise Damaged(f"its program's 'args' are not a list of words: {quote(args)}")
    return data["script"], list(args)


def sources(data: Any, left_out: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The program's saved files (name: text), and those left out (name: why)."""
    if type(data) is not dict:
        raise Damaged("its 'sources' is not a list of files")
    if len(data) > MAX_SOURCE_FILES:
        raise Damaged(f"it holds {len(data):,} source files (at most {MAX_SOURCE_FILES})")
    total = 0
    for file, text in data.items():
        if not name(file) or not file:
            raise Damaged(f"a source file's name is damaged: {quote(file)}")
        if type(text) is not str:
            raise Damaged(f"the source of {quote(file)} is not text: {quote(text)}")
        if len(text) > MAX_SOURCE_CHARS:
            raise Damaged(
                f"the source of {quote(file)} is too large ({len(text):,} characters; "
                f"a saved file holds at most {MAX_SOURCE_CHARS:,})"
            )
        total += len(text)
    if total > MAX_SOURCES_CHARS:
        raise Damaged(f"its sources are too large ({total:,} characters)")
    if left_out is None:
        left_out = {}
    if (
        type(left_out) is not dict
        or len(left_out) > MAX_SOURCE_FILES
        or not all(name(k) and type(v) is str and len(v) <= MAX_TEXT for k, v in left_out.items())
    ):
        raise Damaged(f"its 'left_out' is damaged: {quote(left_out)}")
    return dict(data), dict(left_out)


def _number(value: Any) -> bool:
    return type(value) in (int, float) and runcheck._number(value) and value >= 0


def report(data: Any) -> None:
    """The program's report (runs/traced.py `report`), in the shape its verdict and the
    panel read."""
    if type(data) is not dict or not plain(data):
        raise Damaged("it has no valid 'report' (a number or text in it is out of range)")
    tasks, locks = data.get("tasks"), data.get("locks")
    if type(tasks) is not list or not all(
        type(t) is dict and all(name(t.get(k)) for k in ("name", "kind", "status")) for t in tasks
    ):
        raise Damaged(f"its report has bad tasks: {quote(tasks)}")
    if type(locks) is not list or not all(
        type(lock) is dict
        and name(lock.get("name"))
        and name(lock.get("kind"))
        and type(lock.get("waits")) is int
        and lock["waits"] >= 0
        and _number(lock.get("max_wait_s"))
        for lock in locks
    ):
        raise Damaged(f"its report has bad locks: {quote(locks)}")
    deadlock = data.get("deadlock")
    if deadlock is not None and (
        type(deadlock) is not dict
        or not cycle(deadlock.get("cycle"))
        or type(deadlock.get("broken")) is not bool
    ):
        raise Damaged(f"its report has a bad deadlock: {quote(deadlock)}")
    code = data.get("exit_code")
    if code is not None and type(code) is not int:
        raise Damaged(f"its report has a bad exit code: {quote(code)}")
    if type(data.get("stdout_lines")) is not int or not _number(data.get("duration_s")):
        raise Damaged("its report has no valid 'stdout_lines' or 'duration_s'")
    if type(data.get("cancelled")) is not bool or not _lines(data.get("not_seen")):
        raise Damaged("its report has no valid 'cancelled' or 'not_seen'")
    if "error" in data and type(data["error"]) is not str:
        raise Damaged(f"its report has a bad error: {quote(data['error'])}")
