"""A traced program's run as a `.ttrun` file: what `threadtruth trace --save` and the
window's File ▸ Save run write, and File ▸ Open run shows.

The same format and version as a scenario's run file (runs/runfile.py), in its other form:
a `program` object (the script as it was given, and its arguments) where a scenario's
file has `scenario`, and no schedule (a program's interleaving is not a scenario's
schedule: nothing replays it). It holds the run's events, the child's `summary`, the run's
`report` (its verdict is worked out from it on opening), and the `sources` of the
program's files that ran lines, read when saving (each at most MAX_SOURCE_CHARS; a file
left out is named in `left_out` with why), so Open shows the code where the script is
not. Opening one runs nothing: the file is untrusted input, and its program could be any.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.files import read_regular
from threadtruth_gui.engine.history import History
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.runs import runfile, tracecheck
from threadtruth_gui.runs.runcheck import Damaged, plain, quote
from threadtruth_gui.runs.runfile import FORMAT, VERSION, RunFileError, SavedRun
from threadtruth_gui.runs.traced import TracedRun
from threadtruth_gui.runs.traced_verdict import result_of_report

# the parts of a traced run file the loader reads (each checked in its own way)
_READ = frozenset(
    ("format", "version", "program", "events", "summary", "error", "report", "sources", "left_out")
)


@dataclass
class SavedTrace:
    script: str  # as it was given (`threadtruth trace SCRIPT`, or the window's chosen path)
    args: list[str]
    events: list[Event]  # times from the run's start
    summary: dict[str, Any]  # what the child said at the end (TracedRun.summary)
    report: dict[str, Any]  # TracedRun.report(): tasks, locks, deadlock, exit code, ...
    sources: dict[str, str]  # the program's files that ran lines: name (as LINE gives it): text
    left_out: dict[str, str] = field(default_factory=dict)  # files not saved: name: why
    error: str | None = None  # the run's own error (the child could not be run or read)
    result: RunResult = field(init=False, repr=False, compare=False)
    _lanes: Lanes | None = field(default=None, repr=False, compare=False)
    _history: History | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.result = result_of_report(self.report, self.script, self.args, len(self.events))

    @property
    def name(self) -> str:
        """The script's file name: "philosophers_deadlock.py"."""
        return Path(self.script).name or self.script

    def files(self) -> list[str]:
        """The files that ran lines, the script's own first: what the code pane offers."""
        ran = {ev.data[1] for ev in self.events if ev.kind == Kind.LINE}
        names = sorted(ran | set(self.sources) | set(self.left_out))
        return sorted(names, key=lambda file: (file != self.name, file))

    def lanes(self) -> Lanes:
        """The events folded once; as SavedRun.lanes() (events in time order: the time
        cursor's History folds them, and its whole lanes are these)."""
        if self._lanes is None:
            self._lanes, self._history = runfile.fold(self.events)
        return self._lanes

    def history(self) -> History | None:
        self.lanes()
        return self._history

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "program": {"script": self.script, "args": list(self.args)},
            "events": [[ev.t_ns, ev.task, ev.kind, ev.data] for ev in self.events],
            "summary": self.summary,
            "error": self.error,
            "report": self.report,
            "sources": self.sources,
            "left_out": self.left_out,
        }


def is_traced(data: Any) -> bool:
    """Whether a run file's JSON is a traced program's (it has `program`, not `scenario`)."""
    return isinstance(data, dict) and "program" in data and "scenario" not in data


# -- writing ------------------------------------------------------------------------------------
def from_run(run: TracedRun, script: str | None = None) -> SavedTrace:
    """The finished traced run as a SavedTrace, its files' sources read now (`script`: as
    the user gave it; None: the path the run resolved)."""
    t0 = run.recorder.t0_ns
    events = [Event(ev.t_ns - t0, ev.task, ev.kind, ev.data) for ev in run.recorder.events()]
    ran = {ev.data[1] for ev in events if ev.kind == Kind.LINE}
    sources, left_out = read_sources(run.script.parent, ran | {run.script.name})
    return SavedTrace(
        script=str(run.script) if script is None else script,
        args=list(run.args),
        events=events,
        summary=dict(run.summary),
        report=run.report(),
        sources=sources,
        left_out=left_out,
        error=run.error,
    )


def read_sources(folder: Path, names: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The text of each file `names` (relative to `folder`, as LINE events give them), and
    the files left out with why: unreadable, outside the folder, or over the size caps."""
    sources: dict[str, str] = {}
    left_out: dict[str, str] = {}
    total = 0
    root = os.path.realpath(folder)
    for name in sorted(names)[: tracecheck.MAX_SOURCE_FILES]:
        path = os.path.realpath(os.path.join(root, name))
        if os.path.commonpath([root, path]) != root:
            left_out[name] = "not in the script's folder"
            continue
        try:  # (a FIFO named like a source would hang the save: read_regular refuses it)
            raw = read_regular(path, 4 * tracecheck.MAX_SOURCE_CHARS + 1)
        except OSError as exc:
            why = exc.strerror or ("not a regular file" if "regular" in str(exc) else exc)
            left_out[name] = f"cannot be read ({why})"
            continue
        text = raw.decode("utf-8", errors="replace")
        if len(text) > tracecheck.MAX_SOURCE_CHARS:
            left_out[name] = f"over {tracecheck.MAX_SOURCE_CHARS:,} characters"
        elif total + len(text) > tracecheck.MAX_SOURCES_CHARS:
            cap = tracecheck.MAX_SOURCES_CHARS
            left_out[name] = f"the run's sources reached {cap:,} characters"
        else:
            sources[name] = text
            total += len(text)
    for name in sorted(names)[tracecheck.MAX_SOURCE_FILES :]:
        left_out[name] = f"over {tracecheck.MAX_SOURCE_FILES} files"
    return sources, left_out


# -- reading ------------------------------------------------------------------------------------
def load_any(path: str | os.PathLike[str]) -> SavedRun | SavedTrace:
    """As runfile.load, for a scenario's run file or a traced program's."""
    with runfile.no_gc():
        return parse_any(*runfile.read_json(path))


def parse_any(data: Any, name: str = "the file") -> SavedRun | SavedTrace:
    """A scenario's run (runfile.parse) or, for a file with `program`, a traced program's."""
    if is_traced(data):
        runfile.check_version(data, name)
        return parse(data, name)
    return runfile.parse(data, name)


def parse(data: dict[str, Any], name: str = "the file") -> SavedTrace:
    """Check a traced run file's JSON completely (format and version already read by
    parse_any), then build it; raise RunFileError saying what is wrong."""
    try:
        script, args = tracecheck.program(data.get("program"))
        tracecheck.events(data.get("events"))
        summary = data.get("summary", {})
        if type(summary) is not dict or not plain(summary):
            raise Damaged("its 'summary' is not a value a run records")
        error = data.get("error")
        if error is not None and (type(error) is not str or not plain(error)):
            raise Damaged(f"its 'error' is not text: {quote(error)}")
        tracecheck.report(data.get("report"))
        sources, left_out = tracecheck.sources(data.get("sources", {}), data.get("left_out"))
        for key, value in data.items():  # what we do not read is bounded all the same
            if key not in _READ and not plain(value):
                raise Damaged(f"its {quote(key)} is not a value a run records")
    except Damaged as exc:
        raise RunFileError(f"{name}: {exc}") from None
    new = tuple.__new__
    events = [
        new(Event, (t, task, kind, tuple(value) if type(value) is list else value))
        for t, task, kind, value in data["events"]
    ]
    try:  # what the window will show of it must work, before anything on screen changes
        saved = SavedTrace(script, args, events, summary, data["report"], sources, left_out)
        saved.error = error
        saved.lanes()
    except Exception as exc:  # (its verdict, worked out from the report, included)
        raise RunFileError(
            f"{name}: the traced run is damaged ({type(exc).__name__}: {quote(str(exc))})"
        ) from None
    return saved


def saved_words(saved: SavedTrace) -> str:
    """What a saved trace holds, in a sentence: "109 events, 1 source file." (and any file
    left out, with why)."""
    n = len(saved.sources)
    words = f"{len(saved.events):,} events, {n} source file{'' if n == 1 else 's'}"
    if saved.left_out:
        why = "; ".join(f"{name}: {why}" for name, why in list(saved.left_out.items())[:3])
        more = f" and {len(saved.left_out) - 3} more" if len(saved.left_out) > 3 else ""
        words += f" (left out: {quote(why, 300)}{more})"
    return words + "."


def not_replayable(saved: SavedTrace, name: str) -> str:
    """What `threadtruth replay` says of a traced program's run file, in one line."""
    again = shlex.join(["threadtruth", "trace", saved.script, *saved.args])
    return (
        f"{name} is a traced program's run ({quote(saved.name, 80)}), which replay cannot "
        "re-run: a program's interleaving is not a scenario's schedule. Open it in the "
        f"window (File ▸ Open run) to see it, or run the program again: {quote(again, 200)}"
    )
