"""`threadtruth trace SCRIPT [ARGS...]`: run any Python program with its threads, tasks,
locks and waits observed (runs/traced.py), and say what it did.

Our options may come before or after SCRIPT; everything else after SCRIPT is the script's
own arguments, and everything after `--` is, even a word that is one of ours.

`--save FILE.ttrun` writes the run (runs/tracefile.py), as --trace and --csv are written:
also after a deadlock stopped it and at Ctrl+C.

Exit status: 0 when the program ended with status 0; 1 when it ended with another status
or an uncaught exception (its own status is in the report); 2 for bad input; 3 when a
deadlock stopped it (reported, then ended: a script never hangs the command; a deadlock
among threads the program leaves behind is reported, and the program ends as it would);
130 at Ctrl+C.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from threadtruth_gui.cli_args import UsageError, check_out_file, check_save_path
from threadtruth_gui.engine.clip import clip

EXIT_FAILED, EXIT_DEADLOCK = 1, 3
STOP_S = 2.0  # Ctrl+C or a deadlock: the program and its processes are gone within this


def cmd_trace(args: argparse.Namespace) -> int:
    from threadtruth_gui.runs.traced import ScriptError, TracedRun, check_script

    save_to = check_save_path(args.save) if args.save is not None else None
    trace_to = check_out_file(args.trace, ".json", "--trace", "write") if args.trace else None
    csv_to = check_out_file(args.csv, ".csv", "--csv", "write") if args.csv else None
    try:
        script = check_script(args.script)
    except ScriptError as exc:
        raise UsageError(str(exc)) from None
    # the program's output: on our stdout as it happens; with --json, on stderr, so that
    # stdout holds the one JSON object
    run = TracedRun(
        script,
        args.args,
        lines=not args.no_lines,
        output="both",
        stdout=sys.stderr if args.json else None,
    )
    run.start()
    from threadtruth_gui.engine.lanes import Lanes

    lanes = Lanes(0)  # the program's lanes as they stand, once a deadlock is found
    quiet = Quiet()
    deadlocked = False
    interrupted: KeyboardInterrupt | None = None
    try:
        while not run.join(0.05):
            if not deadlocked and run.deadlock_found():
                deadlocked = True  # reported below
            if deadlocked and stuck(run, lanes, quiet):  # the deadlock stopped it: end it
                run.stop(STOP_S)
    except KeyboardInterrupt as exc:  # Ctrl+C (or a signal): what ran so far is still told
        interrupted = exc
    finally:
        run.stop(STOP_S)
    report = run.report()
    _write_exports(run, trace_to, csv_to, script.name)
    if save_to is not None:  # (after a deadlock or Ctrl+C too: what ran so far)
        _save(run, save_to, args.script)
    if args.json:
        print(json.dumps(report))
    else:
        print(format_report(report), file=sys.stderr)
    if interrupted:
        raise interrupted  # the CLI's status for it: 130, or 128 + the signal's number
    if report["deadlock"] is not None and report["exit_code"] is None:
        return EXIT_DEADLOCK  # it stopped the program, which was then ended
    if report.get("error") or report["exit_code"] != 0:
        return EXIT_FAILED
    return 0


QUIET_S = 2.0  # a deadlock, and no event at all for this long: its coroutines are stuck too


class Quiet:
    """How long the program has recorded nothing (its events counted at each look)."""

    def __init__(self) -> None:
        self.count, self.since = -1, time.monotonic()

    def seconds(self, count: int) -> float:
        if count != self.count:
            self.count, self.since = count, time.monotonic()
        return time.monotonic() - self.since


def stuck(run: Any, lanes: Any, quiet: Quiet) -> bool:
    """Whether no thread, task or process of the program can go on: each one still alive
    waits (for a lock, a queue, a join...). A deadlock among some threads while others
    still work (daemons the program would leave behind) does not end it: it is reported,
    and the program ends as it would have."""
    from threadtruth_gui.engine.events import State

    lanes.feed(run.recorder.since(lanes.event_count))  # only what is new since the last look

    def state(lane: Any) -> str | None:
        return lane.spans[-1].state if lane.spans else None

    # a thread running an event loop can go on only if one of its tasks can; a task
    # awaiting (a gather of the stuck ones, a future) is taken as stuck once nothing at all
    # has happened for QUIET_S: a timer or I/O it awaits would have woken something
    still = (
        (State.WAITING, State.AWAITING)
        if quiet.seconds(len(run.recorder)) >= QUIET_S
        else (State.WAITING,)
    )
    tasks_stuck = all(
        state(lane) in State.FINAL or state(lane) in still
        for lane in lanes.tasks.values()
        if lane.info.get("kind") == "task"
    )
    for lane in lanes.tasks.values():
        if state(lane) in State.FINAL or state(lane) == State.WAITING:
            continue
        if lane.info.get("kind") == "task" and tasks_stuck:
            continue
        if tasks_stuck and any(note.what == "event loop" for note in lane.notes):
            continue
        return False
    return True


def _write_exports(run: Any, trace_to: Any, csv_to: Any, title: str) -> None:
    from threadtruth_gui.engine import export

    try:
        if trace_to is not None:
            export.write_chrome_trace(str(trace_to), run.lanes(), f"threadtruth trace: {title}")
        if csv_to is not None:
            export.write_events_csv(str(csv_to), run.recorder.events())
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}") from None


def _save(run: Any, save_to: Any, script: str) -> None:
    from threadtruth_gui.runs import runfile, tracefile

    try:
        runfile.save(save_to, tracefile.from_run(run, script).to_json())
    except runfile.RunFileError as exc:
        raise UsageError(str(exc)) from None


def format_report(report: dict[str, Any]) -> str:
    """The report in lines, for a person at a terminal."""
    lines = ["threadtruth trace:"]
    for task in report["tasks"]:
        why = task.get("error") or task.get("why")
        lines.append(
            f"  {task['name']:<24} {task['kind']:<8} {task['status']}"
            + (f"  ({clip(why)})" if why else "")
        )
    for lock in report["locks"]:
        lines.append(
            f"  {lock['kind']} {lock['name']}: {lock['waits']} wait(s), "
            f"longest {lock['max_wait_s'] * 1000:.1f} ms"
        )
    deadlock = report["deadlock"]
    if deadlock is not None:
        lines.append(f"deadlock: {deadlock['text']}")
        for task, stack in deadlock["stacks"].items():
            lines.append(f"  {task}:")
            lines.extend(f"    {frame}" for frame in stack)
        if not deadlock["broken"]:
            lines.append("the program was ended (exit status 3)")
    for what in report["not_seen"]:
        lines.append(f"not seen: {what}")
    code = report["exit_code"]
    ended = "ended by threadtruth" if code is None else f"exit code {code}"
    lines.append(f"{ended}, {report['duration_s']:.3f} s, {report['stdout_lines']} line(s) out")
    if report.get("error"):
        lines.append(f"error: {report['error']}")
    return "\n".join(lines)
