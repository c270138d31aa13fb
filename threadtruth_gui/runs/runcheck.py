"""The check of a run file's JSON before anything is built from it: a `.ttrun` file is
untrusted input (it may be damaged, or made to crash the window).

`check(data, name)` looks at every part once, in linear time: the types; the ranges
(numbers finite and bounded, timestamps within a span a run can have); every event's data
in the shape its kind's producer writes and the lanes, timeline, panels and narration read;
the schedule's steps; and the parameters, with the same checks a run's settings get (each
value's, and the scenario's across them). What is wrong is said in one line, naming the
file and quoting at most ~200 characters of the value. Nesting depth and size are checked
earlier, on the bytes (runfile.load), before the JSON parser runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from threadtruth_gui.engine.edits import MAX_CHARS, MAX_FIRST_LINE, EditError, apply_edit
from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.gate import UNITS
from threadtruth_gui.engine.plan import Edit, Plan
from threadtruth_gui.engine.scenario import Scenario

# Any number a run records (money, bytes, MiB, seconds, counts) is far below this; larger
# ones (1e309 is not even a float) would overflow the window's arithmetic and painting.
MAX_NUMBER = 10**15
# Timestamps are perf_counter nanoseconds (since the machine started, or since the run
# began): at most ~146 years; and one run's events lie within a week of each other.
MAX_TIME_NS = 2**62
MAX_SPAN_NS = 7 * 24 * 3600 * 10**9
MAX_FOLDER = 4096  # characters in a recorded download folder's name (Linux's PATH_MAX)
# deeper nesting than this is not a run we wrote (ours nest 5 deep); the JSON parser
# stops far deeper ones (RecursionError), and plain() these
MAX_DEPTH = 32
MAX_TEXT = 100_000  # characters in any one string (an error text, a list of URLs)
MAX_NAME = 200  # a task, lock, counter or phase name
MAX_LINE = 10**7  # a source line number
QUOTE = 200  # characters of a bad value quoted in the message

_STATES = frozenset(State.ALL)
_ARRAY = (list, tuple)  # JSON arrays: lists read from a file, tuples from a run in memory
_LOCK_ACTIONS = frozenset({"wait", "acquired", "released", "gave up"})
_PHASE_ACTIONS = frozenset({"start", "end"})


class Damaged(ValueError):
    """Raised inside the check; runfile turns it into its RunFileError."""


@dataclass(frozen=True)
class Checked:
    scenario: Scenario
    params: dict[str, Any]
    plan: Plan  # with the edited code, if the run had one
    edit: Edit | None = None


def quote(value: Any, limit: int = QUOTE) -> str:
    """`value` as text of at most `limit` characters (the rest cut, and said so)."""
    try:
        text = repr(value) if not isinstance(value, str) else value
    except ValueError:  # an int of more digits than Python writes out
        return "(a number too long to show)"
    except RecursionError:  # (nested near the parser's limit)
        return "(a value nested too deep to show)"
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def _number(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return bool(-MAX_NUMBER <= value <= MAX_NUMBER)
    if kind is float:
        return math.isfinite(value) and -MAX_NUMBER <= value <= MAX_NUMBER
    return False


def _name(value: Any) -> bool:
    return type(value) is str and len(value) <= MAX_NAME


def plain(value: Any, depth: int = 0) -> bool:
    """A JSON value a run may record: bounded numbers, strings, booleans, null, and lists
    and objects (string keys) of them, nested at most MAX_DEPTH deep (raises Damaged)."""
    kind = type(value)
    if kind is str:
        return len(value) <= MAX_TEXT
    if kind is bool or value is None:
        return True
    if kind is int or kind is float:
        return _number(value)
    if depth >= MAX_DEPTH and kind in (list, tuple, dict):
        raise Damaged(f"it nests deeper than {MAX_DEPTH} levels")
    if kind in _ARRAY:
        return all(plain(v, depth + 1) for v in value)
    if kind is dict:
        return all(
            type(k) is str and len(k) <= MAX_NAME and plain(v, depth + 1) for k, v in value.items()
        )
    return False


# -- each event kind's data, as its producer writes it (events.Kind says what) ------------------
def _line(d: Any) -> bool:
    return d is None or (type(d) is int and 0 <= d <= MAX_LINE)


def _op(d: Any) -> bool:
    return (
        type(d) in _ARRAY
        and len(d) == 2
        and _line(d[0])
        and type(d[1]) is int
        and 0 <= d[1] <= MAX_LINE
    )


def _go(d: Any) -> bool:
    return d in UNITS


def _state(d: Any) -> bool:
    if type(d) is str:
        return d in _STATES
    return (
        type(d) in _ARRAY
        and len(d) == 2
        and type(d[0]) is str
        and d[0] in _STATES
        and type(d[1]) is str
        and len(d[1]) <= MAX_TEXT
    )


def _lock(d: Any) -> bool:
    return (
        type(d) in _ARRAY
        and len(d) == 3
        and type(d[0]) is str
        and d[0] in _LOCK_ACTIONS
        and _name(d[1])
        and (d[2] is None or _name(d[2]))
    )


def _counter(d: Any) -> bool:
    return type(d) in _ARRAY and len(d) == 2 and _name(d[0]) and _number(d[1])


_INT = frozenset((int,))
_STR = frozenset((str,))


def _note(d: Any) -> bool:
    if not (type(d) in _ARRAY and len(d) == 2 and _name(d[0]) and type(d[1]) is dict):
        return False
    data = d[1]
    values = data.values()
    if data and _INT.issuperset(map(type, values)):  # most notes: {"balance": 1000, ...}
        # (at C speed: a long run has hundreds of thousands of notes)
        return (
            _STR.issuperset(map(type, data))
            and max(map(len, data)) <= MAX_NAME
            and min(values) >= -MAX_NUMBER
            and max(values) <= MAX_NUMBER
        )
    return plain(data)


def _end(d: Any) -> bool:
    return (
        type(d) in _ARRAY
        and len(d) == 2
        and _name(d[0])
        and (d[1] is None or (type(d[1]) is str and len(d[1]) <= MAX_TEXT))
    )


def _progress(d: Any) -> bool:
    return (
        type(d) in _ARRAY
        and len(d) == 2
        and type(d[0]) is int
        and type(d[1]) is int
        and 0 <= d[0] <= MAX_NUMBER
        and 0 <= d[1] <= MAX_NUMBER
    )


def _phase(d: Any) -> bool:
    return (
        type(d) in _ARRAY
        and len(d) == 3
        and type(d[0]) is str
        and d[0] in _PHASE_ACTIONS
        and _name(d[1])
        and _name(d[2])
    )


def _start(d: Any) -> bool:
    if d is None:
        return True
    if type(d) is not dict or not plain(d):
        return False
    # the window groups tasks by "mode" and names them by "unit" and "label": words
    return all(_name(d[key]) for key in ("mode", "unit", "label") if key in d) and (
        "amount" not in d or _number(d["amount"])
    )


def _locals(d: Any) -> bool:
    return type(d) in _ARRAY and all(
        type(p) in _ARRAY and len(p) == 2 and _name(p[0]) and _text(p[1]) for p in d
    )


def _text(value: Any) -> bool:
    return type(value) is str and len(value) <= MAX_TEXT


_DATA = {
    Kind.OP: _op,
    Kind.GO: _go,
    Kind.STATE: _state,
    Kind.LOCK: _lock,
    Kind.COUNTER: _counter,
    Kind.NOTE: _note,
    Kind.END: _end,
    Kind.PROGRESS: _progress,
    Kind.PHASE: _phase,
    Kind.START: _start,
    Kind.LOCALS: _locals,
}


# the kinds whose data may be one word, and the words
_WORDS = {Kind.STATE: _STATES, Kind.GO: frozenset(UNITS)}


def events(items: Any, tasks: set[str]) -> None:
    """Every event `[t_ns, task, kind, data]`: raise Damaged naming the first bad one."""
    if type(items) is not list:
        raise Damaged("its 'events' is not a list")
    line, data_of, words_of, array = Kind.LINE, _DATA.get, _WORDS.get, _ARRAY
    low, high, top = -MAX_TIME_NS, MAX_TIME_NS, MAX_LINE
    for raw in items:  # one pass; the commonest data (a line, a state) checked inline
        if type(raw) not in array or len(raw) != 4:
            raise Damaged(f"an event is damaged: {quote(raw)}")
        t, task, kind, d = raw
        if type(t) is not int or not low <= t <= high:
            raise Damaged(f"an event is damaged: its time is out of range: {quote(raw)}")
        if type(task) is not str or task not in tasks:
            raise Damaged(f"an event is damaged: it names no task of this run: {quote(raw)}")
        if kind == line:
            if (type(d) is not int or not 0 <= d <= top) and d is not None:
                raise Damaged(f"the events are damaged: a {kind} event holds {quote(raw)}")
            continue
        if type(kind) is not str:
            raise Damaged(f"an event is damaged: it has no known kind: {quote(raw)}")
        if type(d) is str:  # a state, a unit: one of a few words
            if d not in words_of(kind, ()):
                raise Damaged(f"the events are damaged: a {kind} event holds {quote(raw)}")
            continue
        fits = data_of(kind)
        if fits is None:
            raise Damaged(f"an event is damaged: it has no known kind: {quote(raw)}")
        if not fits(d):
            raise Damaged(f"the events are damaged: a {kind} event holds {quote(raw)}")
    check_span(items)


def schedule(items: Any, plan: Plan, stepped: bool) -> list[tuple[str, str]]:
    """The schedule's steps, each a task of the plan and a unit that fits it."""
    if type(items) is not list:
        raise Damaged("its 'schedule' is not a list")
    coroutines = {s.name for p in plan.phases if p.mode == "asyncio" for s in p.tasks}
    names = {spec.name for spec in plan.tasks}
    out = []
    for item in items:
        task = item.get("task") if type(item) is dict else None
        unit = item.get("unit") if type(item) is dict else None
        if type(task) is not str or type(unit) is not str:
            raise Damaged(f"the schedule has a bad step: {quote(item)}")
        if task in coroutines:  # stepped: to its next await; free: read from its LINE events
            fits = unit == ("await" if stepped else "line")
        else:
            fits = unit in ("line", "op")
        if task not in names or unit not in UNITS or not fits:
            raise Damaged(f"the schedule has a bad step: {quote(item)}")
        out.append((task, unit))
    return out


def params(scenario: Scenario, given: Any) -> dict[str, Any]:
    """The parameters as a run's settings are checked: each value, then the scenario's
    check across them (not this machine's limits: opening a run starts nothing)."""
    if type(given) is not dict:
        raise Damaged("it has no valid 'params'")
    for key, value in given.items():
        if not plain(value) or type(value) in (list, tuple, dict):
            raise Damaged(f"bad parameters: {key} is not a setting's value: {quote(value)}")
    # where the run saved its downloads: kept as recorded, never looked up (the folder
    # need not exist on this machine, and its check writes a probe file in it), never used
    # (a replay, and the window's fields, take a fresh temporary folder instead)
    has_out = "out" in given and any(p.name == "out" for p in scenario.params)
    folder = given["out"] if has_out else None
    if has_out and (type(folder) is not str or len(folder) > MAX_FOLDER):
        raise Damaged(f"bad parameters: out is not a folder's name: {quote(folder)}")
    try:
        resolved = scenario.resolve({**given, "out": ""} if folder else given, check=False)
        if scenario.check is not None and not scenario.checks_machine:
            scenario.check(resolved)
    except (ValueError, TypeError, OverflowError) as exc:
        raise Damaged(f"bad parameters: {quote(str(exc).removeprefix('--'))}") from None
    if folder:
        resolved["out"] = folder
    return resolved


def result(data: Any) -> None:
    """The recorded result's fields, in the types RunResult holds."""
    if type(data) is not dict or not plain(data):
        raise Damaged("it has no valid 'result' (a number or text in it is out of range)")
    need = {
        "outcome": dict,
        "tasks": list,
        "cancelled": bool,
        "events": int,
    }
    for key, kind in need.items():
        if type(data.get(key)) is not kind:
            raise Damaged(f"its result has no valid {key!r}")
    duration: Any = data.get("duration_s")
    if type(duration) not in (int, float) or not 0 <= duration <= MAX_SPAN_NS / 1e9:
        raise Damaged(f"its result has no valid 'duration_s': {quote(duration)}")
    if data["events"] < 0:
        raise Damaged(f"its result has no valid 'events': {quote(data['events'])}")
    for task in data["tasks"]:
        if type(task) is not dict or not _name(task.get("name")):
            raise Damaged(f"its result has a bad task entry: {quote(task)}")
        if "status" in task and not _name(task["status"]):
            raise Damaged(f"its result has a bad task entry: {quote(task)}")
    if "verdict" in data:
        v = data["verdict"]
        if (
            type(v) is not dict
            or type(v.get("good")) is not bool
            or type(v.get("headline")) is not str
            or type(v.get("detail")) is not str
        ):
            raise Damaged(f"its result has a bad verdict: {quote(v)}")


def edit(data: Any, plan: Plan) -> tuple[Edit | None, Plan]:
    """The run's edited code (optional: files before the playground have none), checked
    as the window checks an edit before it runs: compiled, which runs none of its code
    (only function definitions with constant defaults), and the plan that runs it."""
    if data is None:
        return None, plan
    if (
        type(data) is not dict
        or set(data) != {"text", "first_line"}
        or type(data["text"]) is not str
        or type(data["first_line"]) is not int
    ):
        raise Damaged(f"its 'edit' is not edited code: {quote(data)}")
    if not 1 <= data["first_line"] <= MAX_FIRST_LINE or len(data["text"]) > MAX_CHARS:
        raise Damaged("its edited code is out of range (its size or its first line)")
    edited = Edit(data["text"], data["first_line"])
    try:
        return edited, apply_edit(plan, edited)
    except EditError as exc:
        raise Damaged(f"its edited code cannot run: {quote(str(exc))}") from None


# the parts of a run file the loader reads (each checked above in its own way)
_READ = frozenset(
    ("format", "version", "scenario", "params", "stepped", "schedule", "result", "events", "edit")
)


def check(data: Any, scenario: Scenario) -> Checked:
    """Check a run file's whole JSON for `scenario`; raise Damaged saying what is wrong."""
    resolved = params(scenario, data.get("params"))
    if type(data.get("stepped")) is not bool:
        raise Damaged("it has no valid 'stepped'")
    try:
        plan = scenario.plan(resolved)
    except (ValueError, TypeError, KeyError) as exc:
        raise Damaged(f"bad parameters: {quote(str(exc))}") from None
    result(data.get("result"))
    names = {spec.name for spec in plan.tasks} | {""}  # "": the run's own events
    events(data.get("events"), names)
    for key, value in data.items():  # what we do not read is bounded all the same (3.13's
        if key not in _READ and not plain(value):  # parser nests far deeper than 3.11's)
            raise Damaged(f"its {quote(key)} is not a value a run records")
    edited, plan = edit(data.get("edit"), plan)
    return Checked(scenario, resolved, plan, edited)


def check_span(items: list[Any]) -> None:
    """Events (t_ns first) that span more time than any run lasts are damaged."""
    if items:
        times = list(map(itemgetter(0), items))
        span = max(times) - min(times)
        if span > MAX_SPAN_NS:
            raise Damaged(
                f"its events span {span / 1e9 / 86400:,.0f} days: no run lasts over "
                f"{MAX_SPAN_NS // (86400 * 10**9)} days"
            )
