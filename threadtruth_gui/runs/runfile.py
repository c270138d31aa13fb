"""Saved runs (`.ttrun`): versioned JSON with a run's parameters, schedule, result and events.

A run's *schedule* is the order in which its watched tasks ran their steps:
- a stepped run (a gate was on): the GO events, each recorded as a task passed the gate,
  under the gate's lock, so their order is exact; after Run to end, the lines run freely;
- a free run: the LINE events in the order the tasks reached their lines. A thread switch
  between reaching a line and running it, or inside one line, is not seen at this grain, so
  a replay of a free run can (rarely) end differently from the original; `replay` says so.

Replaying gives the schedule's steps to a fresh run through the gate, one at a time, each
waiting until the task has stopped again: the same interleaving every time.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import le
from pathlib import Path
from typing import Any

from threadtruth_gui.engine.edits import apply_edit
from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.files import short_path
from threadtruth_gui.engine.history import History
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.linewatch import THINNED
from threadtruth_gui.engine.plan import Edit, Plan
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.runs import runcheck

FORMAT = "threadtruth-run"
VERSION = 1
SUFFIX = ".ttrun"
MAX_BYTES = 200 * 1024 * 1024  # a file larger than this is not a run we wrote
MAX_DEPTH = runcheck.MAX_DEPTH  # deeper nesting is not a run we wrote (ours nest 5 deep)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


class RunFileError(ValueError):
    """A run file that cannot be written or read; the message says why, in one line."""


@dataclass
class SavedRun:
    scenario: Scenario
    params: dict[str, Any]
    result: RunResult
    schedule: list[tuple[str, str]]  # (task, unit) in the order they ran
    stepped: bool  # the schedule is exact (a gate was on), not read from a free run
    events: list[Event]
    edit: Edit | None = None  # the shown code as the lecturer edited it (the playground)
    _lanes: Lanes | None = field(default=None, repr=False, compare=False)
    _history: History | None = field(default=None, repr=False, compare=False)

    def plan(self, params: dict[str, Any] | None = None) -> Plan:
        """The scenario's plan for these (or the given) parameters, with the edited code
        if the run had one."""
        plan = self.scenario.plan(self.params if params is None else params)
        return plan if self.edit is None else apply_edit(plan, self.edit)

    def lanes(self) -> Lanes:
        """The events folded once (the window asks again at every cursor move). Events in
        time order (a run we saved has them so, nearly always) are folded by the time
        cursor's History, index and all, and its whole lanes are these: the first cursor
        move then folds nothing (it folded a 1M-event run again, 4.8 s)."""
        if self._lanes is None:
            self._lanes, self._history = fold(self.events)
        return self._lanes

    def history(self) -> History | None:
        """The cursor's History, if `lanes()` made one (see there)."""
        self.lanes()
        return self._history


def fold(events: list[Event]) -> tuple[Lanes, History | None]:
    """A saved run's events folded once: by the time cursor's History (index and all)
    when they are in time order, its whole lanes being these; else plain Lanes."""
    times = [ev.t_ns for ev in events]
    if all(map(le, times, islice(times, 1, None))):
        history = History(events, 0, in_order=True)
        history.t0_ns = history.whole.t0_ns  # as the window makes one: History(events,
        return history.whole, history  # lanes.t0_ns)
    lanes = Lanes(0)
    lanes.feed(events)
    return lanes, None


def schedule_of(events: Iterable[Event], gated: bool) -> list[tuple[str, str]]:
    """The order in which the tasks ran their steps (see the module's docstring)."""
    events = list(events)
    if not gated:
        return [(ev.task, "line") for ev in events if ev.kind == Kind.LINE]
    # A gated thread notes LINE when it reaches a line, then GO when it passes the gate (or
    # OP first, when it steps instructions). After Run to end it passes no gate: a LINE
    # with no GO or OP of its task before its next LINE is a line it ran freely.
    coroutines = {ev.task for ev in events if ev.kind == Kind.GO and ev.data == "await"}
    out: list[tuple[str, str] | None] = []
    arrived: dict[str, int] = {}  # task -> index in `out` of its latest LINE, still open
    for ev in events:
        if ev.task in coroutines and ev.kind != Kind.GO:
            continue  # a coroutine's steps are its GO events alone
        if ev.kind == Kind.LINE:
            arrived[ev.task] = len(out)
            out.append((ev.task, "line"))
        elif ev.kind in (Kind.GO, Kind.OP):
            at = arrived.pop(ev.task, None)
            if at is not None:
                out[at] = None  # it stopped at that line: the GO that follows is the step
            if ev.kind == Kind.GO:
                out.append((ev.task, str(ev.data)))
    return [step for step in out if step is not None]


def replayable(plan: Plan, stepped: bool, events: list[Event] | None = None) -> str | None:
    """Why a run of `plan` (with these `events`) cannot be replayed, or None when it can."""
    if not stepped and events is not None:
        thinned = next(
            (ev for ev in events if ev.kind == Kind.NOTE and ev.data[0] == THINNED), None
        )
        if thinned is not None:  # engine/linewatch.py: past its budget a task's lines are sampled
            return (
                f"thread {thinned.task} ran over {thinned.data[1].get('after', 0):,} lines, "
                "whose markers were sampled: the order the lines ran in was not all recorded"
            )
    for phase in plan.phases:
        if any(not spec.watch_lines for spec in phase.tasks):
            return "some of its tasks have no line events (a run of many tasks)"
        if phase.mode == "asyncio" and not stepped:
            return "a free asyncio run records no await order; step it to make it replayable"
        if phase.mode == "sequential":
            return "it runs its tasks one after another: there is no interleaving to replay"
    return None


# -- writing ------------------------------------------------------------------------------------
def to_json(
    result: RunResult, events: list[Event], t0_ns: int, stepped: bool, edit: Edit | None = None
) -> dict[str, Any]:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "scenario": result.scenario,
        "params": result.params,
        "stepped": stepped,
        "schedule": [{"task": t, "unit": u} for t, u in schedule_of(events, stepped)],
        "result": result.to_json(),
        "events": [[ev.t_ns - t0_ns, ev.task, ev.kind, ev.data] for ev in events],
    }
    if edit is not None:  # optional: a file without it ran the code as in its file
        data["edit"] = edit.to_json()
    return data


def save(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write `data` to `path` atomically: a failed write leaves no file and no temp file."""
    out = Path(path)
    shown = short_path(str(out))
    folder = out.parent if str(out.parent) else Path(".")
    try:
        if out.is_dir():
            raise RunFileError(f"cannot save to {shown}: it is a folder")
        if not folder.is_dir():
            why = "is a file, not a folder" if folder.exists() else "does not exist"
            raise RunFileError(f"cannot save to {shown}: {short_path(str(folder))} {why}")
    except OSError as exc:
        raise RunFileError(f"cannot save to {shown}: {exc.strerror or exc}") from None
    try:
        text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise RunFileError(f"this run cannot be saved: {exc}") from None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".ttrun-", suffix=".part", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
        tmp = None
    except OSError as exc:
        raise RunFileError(f"cannot save to {shown}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return out


# -- reading ------------------------------------------------------------------------------------
def load(path: str | os.PathLike[str]) -> SavedRun:
    """Read and check a run file completely; raise RunFileError saying what is wrong."""
    with no_gc():
        return parse(*read_json(path))


def read_json(path: str | os.PathLike[str]) -> tuple[Any, str]:
    """A run file's JSON, of either form (a traced program's: runs/tracefile.py), and its
    file's name: read (a regular file, not too large) and decoded, not yet checked."""
    where = Path(path)
    raw = _read(where, short_path(str(where)))
    with no_gc():
        return _decode(raw, where.name), where.name


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Python's cycle collector paused while a file's millions of lists and tuples are
    made (none of them in a cycle): it ran over and over as they grew, and took two
    thirds of the parse time of a large run (1.8 s of 2.6 s for 1M events). The window
    pauses it while it builds its views of an opened run too (their story lines, the
    timeline's rasters). Nests: only the outermost turns it back on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _decode(raw: bytes, name: str) -> Any:
    try:  # (nesting within the parser's reach is checked after, with everything else)
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:  # nested deeper than the parser goes: cheaper than looking first
        raise RunFileError(
            f"{name} is not a run file: it nests deeper than {MAX_DEPTH} levels"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if isinstance(exc, json.JSONDecodeError) and exc.pos >= len(raw.rstrip()) - 1:
            why = "it ends too early: truncated"
        else:
            why = f"damaged: {runcheck.quote(str(exc))}"
        raise RunFileError(f"{name} is not a readable run file ({why})") from None
    except ValueError as exc:  # e.g. a number of over 4,300 digits
        why = runcheck.quote(str(exc).split(";")[0])
        raise RunFileError(f"{name} is not a readable run file (damaged: {why})") from None
    return data


def _read(where: Path, shown: str) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES. A pipe or a device may never end
    (or never open: a FIFO blocks its reader until a writer comes), so the file is looked
    at before it is opened, opened without waiting, and looked at again once open (it may
    have been swapped for a FIFO in between)."""
    try:
        if not stat.S_ISREG(os.stat(where).st_mode):
            raise RunFileError(_not_regular(where, shown, os.stat(where).st_mode))
        fd = os.open(where, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise RunFileError(_not_regular(where, shown, info.st_mode))
            if info.st_size > MAX_BYTES:
                raise RunFileError(
                    f"{where.name} is too large to be a run file ({info.st_size:,} bytes)"
                )
            raw = f.read(MAX_BYTES + 1)  # the file may have grown since
    except OSError as exc:
        raise RunFileError(f"cannot read {shown}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise RunFileError(f"{where.name} is too large to be a run file (over {MAX_BYTES:,} bytes)")
    return raw


def _not_regular(where: Path, shown: str, mode: int) -> str:
    if stat.S_ISDIR(mode):
        return f"{shown} is a folder, not a run file"
    return f"{shown} is not a regular file, not a run file"  # a pipe, a device, a socket


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text's arrays and objects nest deeper than `limit` (brackets in
    strings do not count), found without parsing it, at C speed: each pass drops the
    innermost pairs, so `limit` passes empty a text nested no deeper than that. (load()
    no longer asks: on a large file this took as long as parsing it.)"""
    brackets = _STRING.sub(b"", raw).translate(_SQUARE, _NOT_BRACKETS)  # only [ and ] left
    deep = b"[" * (limit + 1)
    for _ in range(limit):
        if deep in brackets:  # (found at once in a file of brackets nested on and on)
            return True
        before = len(brackets)
        brackets = brackets.replace(b"[]", b"")
        if len(brackets) == before:
            break
    # left after `limit` passes: deeper nesting, or more brackets that never close (a
    # truncated file) than the limit, which the parser would also descend into
    return b"[]" in brackets or len(brackets) > limit


def _no_constant(text: str) -> Any:
    """JSON's NaN and Infinity are not numbers a run records (and cannot be saved again)."""
    raise ValueError(f"{text} is not a number a run file may hold")


def parse(data: Any, name: str = "the file") -> SavedRun:
    from threadtruth_gui.scenarios import get

    check_version(data, name)
    if "program" in data and "scenario" not in data:
        raise RunFileError(
            f"{name} is a traced program's run (threadtruth trace), not a scenario's: "
            "File ▸ Open run shows it"
        )
    try:
        scenario = get(runcheck.quote(_need(data, "scenario", str)))
    except RunFileError as exc:
        raise RunFileError(f"{name}: {exc}") from None
    except KeyError as exc:
        raise RunFileError(f"{name}: {exc.args[0]}") from None  # (its name quoted short)
    try:  # everything, before anything is built from it
        checked = runcheck.check(data, scenario)
        stepped = data["stepped"]
        schedule = runcheck.schedule(data.get("schedule"), checked.plan, stepped)
    except runcheck.Damaged as exc:
        raise RunFileError(f"{name}: {exc}") from None
    params = checked.params
    result = _result(data["result"], scenario.id, params, name)
    new = tuple.__new__  # skips NamedTuple's Python-level __new__: half the time
    events = [
        new(Event, (t, task, kind, tuple(value) if type(value) is list else value))
        for t, task, kind, value in data["events"]
    ]
    saved = SavedRun(scenario, params, result, schedule, stepped, events, checked.edit)
    try:
        lanes = saved.lanes()  # every event must fold into lanes, or the file is refused
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise RunFileError(
            f"{name}: the events are damaged ({type(exc).__name__}: {runcheck.quote(str(exc))})"
        ) from None
    try:  # what the window will show of it must work, before anything on screen changes
        scenario.verdict(result, lanes)
        if scenario.figures is not None:
            scenario.figures(result)
    except Exception as exc:
        raise RunFileError(
            f"{name}: its result does not fit {scenario.id} "
            f"({type(exc).__name__}: {runcheck.quote(str(exc))})"
        ) from None
    return saved


def check_version(data: Any, name: str) -> None:
    """The file is a run file of a format version this threadtruth reads."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RunFileError(f"{name} is not a threadtruth run file")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RunFileError(f"{name} has no valid format version")
    if version > VERSION:
        raise RunFileError(
            f"{name} was saved by a newer threadtruth (run format {version}); "
            f"this version reads format {VERSION}"
        )


def _need(data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind in (int, (int, float)) and isinstance(value, bool)):
        raise RunFileError(f"the run file has no valid {key!r}")
    return value


def _result(data: dict[str, Any], scenario: str, params: dict[str, Any], name: str) -> RunResult:
    try:
        verdict = None
        if "verdict" in data:
            v = _need(data, "verdict", dict)
            verdict = Verdict(
                _need(v, "good", bool), _need(v, "headline", str), _need(v, "detail", str)
            )
        tasks = _need(data, "tasks", list)
        if not all(isinstance(t, dict) and isinstance(t.get("name"), str) for t in tasks):
            raise RunFileError("the run file has bad task entries")
        return RunResult(
            scenario=scenario,
            params=params,
            outcome=_need(data, "outcome", dict),
            tasks=tasks,
            duration_s=float(_need(data, "duration_s", (int, float))),
            events=_need(data, "events", int),
            verdict=verdict,
            cancelled=_need(data, "cancelled", bool),
            error=data.get("error") if isinstance(data.get("error"), str) else None,
            schedule=data.get("schedule") if isinstance(data.get("schedule"), list) else None,
        )
    except RunFileError as exc:
        raise RunFileError(f"{name}: {exc}") from None


# -- replaying ----------------------------------------------------------------------------------
# Outcome fields that measure time or resources (seconds, KiB, speedups, thread peaks): they
# differ between any two runs, replayed or not, so a replay's outcome is compared without them.
MEASURED_SUFFIXES = ("_s", "_ms", "_us", "_ns", "_kib", "speedup")
MEASURED_KEYS = frozenset({"peak_threads", "thread_growth", "cpu_count"})


def measured(key: str) -> bool:
    return key in MEASURED_KEYS or key.endswith(MEASURED_SUFFIXES)


def comparable(outcome: Any) -> Any:
    """`outcome` without its measured fields, at any depth: what a replay must reproduce."""
    if isinstance(outcome, dict):
        return {k: comparable(v) for k, v in outcome.items() if not measured(str(k))}
    if isinstance(outcome, list):
        return [comparable(v) for v in outcome]
    return outcome


def differences(recorded: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    """The compared fields that differ, as "key: recorded X, replayed Y". A field the
    recorded run does not have (saved by an older version) is not compared."""
    a, b = comparable(recorded), comparable(replayed)
    return [
        f"{key}: recorded {a.get(key)!r}, replayed {b.get(key)!r}"
        for key in a
        if a.get(key) != b.get(key)
    ]


@dataclass
class Replay:
    result: RunResult
    lanes: Lanes
    same_outcome: bool
    same_schedule: bool

    def to_json(self) -> dict[str, Any]:
        out = self.result.to_json()
        out["replay"] = {"same_outcome": self.same_outcome, "same_schedule": self.same_schedule}
        return out


def replay_params(saved: SavedRun) -> dict[str, Any]:
    """The parameters a replay runs with. A run file is untrusted input, so it does not
    choose what a replay fetches or where it writes: a replay downloads from the demo
    server only, into a fresh temporary folder (the interleaving does not depend on either)."""
    params = dict(saved.params)
    if params.get("urls"):
        raise RunFileError(
            f"this {saved.scenario.id} run fetched pasted URLs, and a replay fetches only from"
            " the demo server: paste the URLs again and run it"
        )
    if params.get("out"):
        params["out"] = ""
    return params


def replay(saved: SavedRun, run_edited: bool = False) -> Replay:
    """Run the saved scenario again, giving its schedule's steps in order. A run of edited
    code replays only with `run_edited`: the file's code would run with the caller's
    rights, and a run file is untrusted input (the window shows the code and asks)."""
    if saved.edit is not None and not run_edited:
        raise RunFileError(
            f"this {saved.scenario.id} run ran edited code, which a replay would run with "
            "your rights: open it in the window, where the code is shown first"
        )
    why = replayable(saved.plan(), saved.stepped, saved.events)
    if why is not None:
        raise RunFileError(f"this {saved.scenario.id} run cannot be replayed: {why}")
    params = replay_params(saved)
    steps = [f"{task}:{unit}" for task, unit in saved.schedule]
    result, lanes, events = saved.scenario.execute(params, schedule=steps, edit=saved.edit)
    return Replay(
        result=result,
        lanes=lanes,
        same_outcome=not differences(saved.result.outcome, result.outcome),
        same_schedule=schedule_of(events, gated=True) == saved.schedule,
    )


def explain(saved: SavedRun, outcome: dict[str, Any], same_schedule: bool) -> str:
    """Why a replay ended differently, in one line, saying only what is known; "" when it
    ended the same (times and resource figures are not compared)."""
    diff = differences(saved.result.outcome, outcome)
    if not diff:
        return ""
    what = "; ".join(diff[:3]) + (f"; and {len(diff) - 3} more" if len(diff) > 3 else "")
    if not same_schedule:
        why = "its steps did not run in the recorded order"
    elif saved.stepped:
        why = (
            "its steps ran in the recorded order, so the difference came from outside the schedule"
        )
    else:
        why = (
            "a free run's order is recorded per line, and a thread switch inside a line is not seen"
        )
    return f"Replay ended differently ({what}): {why}."
