"""The command line's arguments: the parser, scenario parameters as options, path checks."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from threadtruth_gui.engine.clip import clip, quoted
from threadtruth_gui.engine.files import short_path
from threadtruth_gui.engine.scenario import Param, Scenario


class UsageError(Exception):
    """Bad input from the command line: shown as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def param_names() -> list[str]:
    from threadtruth_gui.scenarios import all_scenarios

    names: dict[str, None] = {}
    for scenario in all_scenarios():
        for p in scenario.params:
            names[p.name] = None
    return list(names)


def _scenario_in(argv: list[str]) -> Scenario | None:
    """The scenario a `run`, `shot`, `many` or `gui` command line names, if it names a
    known one: its first word that is neither an option nor an option's value."""
    from threadtruth_gui.scenarios import all_scenarios

    takes_value = {f"--{name}" for name in param_names()} | _VALUE_OPTIONS
    words = iter(argv[1:])
    for word in words:
        if word.startswith("-"):
            if word in takes_value:
                next(words, None)
            continue
        return next((s for s in all_scenarios() if s.id == word), None)
    return None


# the options of run, shot, many and gui that take a value (a value is not a scenario id)
_VALUE_OPTIONS = {
    "--schedule", "--save", "--trace", "--csv", "--gif", "--speed", "--window", "--theme",
    "--runs",
}  # fmt: skip


def _metavar(p: Param) -> str:
    if p.kind == "bool":
        return "on|off"
    if p.kind == "choice":
        return "{" + ",".join(p.choices) + "}"
    return {"int": "N", "float": "X"}.get(p.kind, "TEXT")


def _param_help(p: Param) -> str:
    """One line: what it is, its range and its default, from the scenario's Param."""
    what = p.help or p.label
    if p.kind == "bool":
        default = "on" if p.default else "off"
    elif p.kind in ("int", "float"):
        default = f"{p.default:g}{p.unit}"
        if p.minimum is not None and p.maximum is not None:
            what += f"; {p.minimum:g} to {p.maximum:g}{p.unit}"
    else:
        default = str(p.default) if p.default != "" else "none"
    return f"{what}; default {default}".replace("%", "%%")


def _add_params(parser: argparse.ArgumentParser, scenario: Scenario | None) -> None:
    """The named scenario's parameters, shown in --help; the other scenarios' are accepted
    but hidden (and then refused with a one-line error that names the scenario)."""
    shown = {p.name: p for p in scenario.params} if scenario is not None else {}
    group = parser.add_argument_group(f"{scenario.id} parameters") if scenario else parser
    for name in param_names():
        p = shown.get(name)
        if p is not None:
            group.add_argument(f"--{name}", metavar=_metavar(p), help=_param_help(p))
        else:
            parser.add_argument(f"--{name}", help=argparse.SUPPRESS)


def _build_parser(argv: Sequence[str] = ()) -> _Parser:
    """The parser; the scenario `argv` names (if any) has its parameters shown in --help."""
    argv = list(argv)
    scenario = _scenario_in(argv) if argv and argv[0] in ("run", "shot", "many", "gui") else None
    epilog = (
        None
        if scenario is not None
        else "each scenario has its own parameters: see `threadtruth COMMAND SCENARIO --help`"
    )
    which = "the scenario, one of `threadtruth list`"
    parser = _Parser(prog="threadtruth", description="The truth about Python threads, live.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.add_parser("list", help="print the scenario ids and titles")
    run = sub.add_parser("run", help="run a scenario headless and print the result", epilog=epilog)
    run.add_argument("scenario", help=which)
    _add_params(run, scenario)
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument(
        "--schedule",
        metavar="A,B,...",
        help="be the scheduler: one step each for the named tasks, in order, then run "
        "freely; A is a line of A, A:op one bytecode instruction",
    )
    run.add_argument("--save", metavar="FILE.ttrun", help="save the run (schedule, events)")
    run.add_argument("--trace", metavar="OUT.json", help="write a Chrome trace (Perfetto)")
    run.add_argument("--csv", metavar="OUT.csv", help="write the raw events as CSV")
    run.add_argument("--gif", metavar="OUT.gif", help="write an animated GIF of the timeline")
    run.add_argument("--speed", type=float, default=1.0, help="GIF playback speed, 0.1-2")
    replay = sub.add_parser(
        "replay",
        help="re-run a saved .ttrun with its schedule",
        description="Re-run a scenario's saved run, giving its recorded steps in order. A "
        "traced program's run (trace --save) is not re-run: open it in the window.",
    )
    replay.add_argument("file", metavar="FILE.ttrun")
    replay.add_argument("--times", type=int, default=1, help="replay it this many times, 1-1000")
    replay.add_argument("--json", action="store_true", help="print one JSON object")
    shot = sub.add_parser(
        "shot", help="run a scenario in the window offscreen and save a PNG", epilog=epilog
    )
    shot.add_argument("scenario", help=which)
    shot.add_argument("png", metavar="OUT.png")
    _add_params(shot, scenario)
    shot.add_argument("--window", default="1600x1000", help="window size, WIDTHxHEIGHT")
    shot.add_argument("--theme", default="light", help="light, dark or high-contrast")
    shot.add_argument("--lecture", action="store_true", help="the lecture preset")
    many = sub.add_parser(
        "many", help="run a scenario many times and count the outcomes", epilog=epilog
    )
    many.add_argument("scenario", help=which)
    _add_params(many, scenario)
    many.add_argument("--runs", type=int, default=200, help="how many runs, 10-1000")
    many.add_argument("--json", action="store_true", help="print one JSON object")
    serve = sub.add_parser("serve", help="run the offline demo file server until Ctrl+C")
    serve.add_argument("--host", default="127.0.0.1", help="loopback only")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--n", type=int, default=10, help="number of files")
    serve.add_argument("--size", type=int, default=256, help="KiB per file")
    serve.add_argument("--latency", type=float, default=0.0, help="seconds to the first byte")
    serve.add_argument("--rate", type=float, default=0.0, help="KiB/s per connection; 0: max")
    serve.add_argument("--fail", default="", help="faults, e.g. 404:3,reset:5,stall:7")
    _add_trace(sub)
    _add_lecture(sub)
    gui = sub.add_parser("gui", help="open the window (the default)", epilog=epilog)
    gui.add_argument("scenario", nargs="?", help=which)
    _add_params(gui, scenario)
    gui.add_argument("--run", action="store_true", help="start the run at once")
    gui.add_argument(
        "--exit-when-done",
        action="store_true",
        help="for scripts: print 'running' when the tasks start and the verdict when the "
        "first run ends, then close the window; the run starts at once with --run, else "
        "with Space or PageDown, or by itself after 5 s",
    )
    return parser


def _add_trace(sub: Any) -> None:
    """`trace SCRIPT [ARGS...]` (cli_trace.py runs it, and takes our options from among
    the script's own arguments before argparse sees them)."""
    from threadtruth_gui.runs.traced import NOT_SEEN

    trace = sub.add_parser(
        "trace",
        help="run a Python program with its threads, tasks and locks observed",
        description="Run SCRIPT (with ARGS) in a child process and show what its threads, "
        "asyncio tasks and processes did: their states, every wait for a lock, condition, "
        "semaphore, event or queue made by its own code (named by where it was made), and "
        "a deadlock with each thread's stack. Options may come after SCRIPT; put the "
        "script's own arguments after `--` when one of them is one of ours.",
        usage="threadtruth trace [--json] [--no-lines] [--trace OUT.json] [--csv OUT.csv] "
        "[--save FILE.ttrun] SCRIPT [ARGS ...]",
        epilog="Not seen: " + "; ".join(NOT_SEEN) + ". Exit status: 0 the program "
        "succeeded, 1 it failed, 2 bad input, 3 a deadlock stopped it (reported, then "
        "ended), 130 Ctrl+C.",
    )
    trace.add_argument("script", metavar="SCRIPT", help="the Python file to run")
    trace.add_argument("--json", action="store_true", help="print one JSON object")
    trace.add_argument(
        "--no-lines", action="store_true", help="no line markers (the cheapest tracing)"
    )
    trace.add_argument("--trace", metavar="OUT.json", help="write a Chrome trace (Perfetto)")
    trace.add_argument("--csv", metavar="OUT.csv", help="write the raw events as CSV")
    trace.add_argument(
        "--save",
        metavar="FILE.ttrun",
        help="save the run with its events, report and the sources of the program's files "
        "(File > Open run shows it; `replay` does not re-run a program)",
    )


def _add_lecture(sub: Any) -> None:
    """`lecture [DECK] [--check]` and `handout DECK OUT_DIR` (cli_lecture.py runs them)."""
    lecture = sub.add_parser(
        "lecture",
        help="open a lecture deck (slides with scenario presets), or --check one",
        description="A lecture deck is a TOML file of slides, each with points, speaker "
        "notes and a scenario preset (docs/LECTURES.md). Without DECK, the lecture the app "
        "ships (threads-in-python).",
    )
    lecture.add_argument("deck", nargs="?", metavar="DECK.toml", help="the deck file")
    lecture.add_argument(
        "--check",
        action="store_true",
        help="check the deck without a window: print `ok: N slides`, or its error (status 2)",
    )
    handout = sub.add_parser(
        "handout",
        help="run a lecture deck's presets headless and write its handout (HTML, no script)",
        description="Runs every slide's preset (its schedule played) on this machine and "
        "writes OUT_DIR/index.html with each slide's points, a picture of its run, its "
        "verdict and measured figures, and the which-tool table: one self-contained page "
        "with its images beside it (docs/LECTURES.md).",
    )
    handout.add_argument("deck", metavar="DECK.toml", help="the deck file")
    handout.add_argument(
        "out_dir", metavar="OUT_DIR", help="a new or empty folder, or a previous handout"
    )


_TRACE_FLAGS = {"--json", "--no-lines"}  # `trace`'s own options, as _add_trace adds them
_TRACE_VALUES = {"--trace", "--csv", "--save"}


def split_trace_argv(argv: list[str]) -> tuple[list[str], str | None, list[str]]:
    """(our options, SCRIPT, the script's own arguments): our options are taken from
    anywhere up to a `--`; after SCRIPT, every other word is the script's; after `--`,
    every word is (the first one SCRIPT, if none came before: `trace -- -x.py`)."""
    ours: list[str] = []
    theirs: list[str] = []
    script: str | None = None
    words = iter(argv)
    for word in words:
        if word == "--":
            rest = list(words)
            if script is None and rest:
                script = rest.pop(0)
            theirs.extend(rest)
            break
        name = word.split("=", 1)[0]
        if (
            word in _TRACE_FLAGS
            or word in ("-h", "--help")
            or (name in _TRACE_VALUES and "=" in word)
        ):
            ours.append(word)
        elif word in _TRACE_VALUES:
            ours.append(word)
            value = next(words, None)
            if value is not None:
                ours.append(value)
        elif word.startswith("-") and script is None:
            ours.append(word)  # not one of ours: argparse says so
        elif script is None:
            script = word
        else:
            theirs.append(word)
    return ours, script, theirs


def given_params(args: argparse.Namespace) -> dict[str, Any]:
    """The scenario settings given on the command line."""
    return {
        name: getattr(args, name) for name in param_names() if getattr(args, name, None) is not None
    }


def scenario_and_params(args: argparse.Namespace) -> tuple[Scenario, dict[str, Any]]:
    from threadtruth_gui.scenarios import get

    try:
        scenario = get(args.scenario)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    try:
        params = scenario.resolve(given_params(args))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return scenario, params


def check_save_path(text: str) -> Path:
    return check_out_file(text, ".ttrun", "--save: the file", "save to")


def check_out_path(text: str) -> Path:
    return check_out_file(text, ".png", "OUT", "write")


def check_out_file(text: str, suffix: str, what: str, verb: str) -> Path:
    """A file we may write: the right suffix, an existing writable folder, not a folder."""
    shown = short_path(text)
    out = Path(text)
    if out.suffix.lower() != suffix:
        raise UsageError(f"{what} must end in {suffix}: {shown}")
    parent = out.parent if str(out.parent) else Path(".")
    try:
        if not parent.is_dir():
            why = "is a file, not a folder" if parent.exists() else "does not exist"
            raise UsageError(f"cannot {verb} {shown}: {short_path(str(parent))} {why}")
        if out.is_dir():
            raise UsageError(f"cannot {verb} {shown}: it is a folder")
        if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
            raise UsageError(f"cannot {verb} {shown}: permission denied")
        if len(out.name.encode()) > 255:  # what os.access cannot tell: the name itself
            raise UsageError(f"cannot {verb} {shown}: file name too long")
    except OSError as exc:  # e.g. a path longer than the system takes
        raise UsageError(f"cannot {verb} {shown}: {exc.strerror or exc}") from None
    return out


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--window must look like 1600x1000, not {quoted(text)}") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise UsageError(f"--window out of range: {clip(text)}")
    return w, h


def check_display() -> None:
    """Without a display Qt aborts with a long message; say it in one line instead."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise UsageError("no display: set DISPLAY, or run headless with QT_QPA_PLATFORM=offscreen")


_NEGATIVE = re.compile(r"-\.?\d")  # "-5", "-5,3", "-.5": a value, not an option


def _values_kept(argv: list[str]) -> list[str]:
    """`--amounts -5,3` as `--amounts=-5,3`: argparse takes a word that starts with "-" for
    an option, and would answer "expected one argument" instead of saying why -5 is refused."""
    names = {f"--{name}" for name in param_names()}
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word in names:
            value = next(words, None)
            if value is not None and _NEGATIVE.match(value):
                out.append(f"{word}={value}")
                continue
            out.append(word)
            if value is not None:
                out.append(value)
            continue
        out.append(word)
    return out


def with_default_command(argv: list[str]) -> argparse.Namespace:
    """No command (bare `threadtruth`, `python -m threadtruth_gui`, or only options such as
    `threadtruth --run`) means `gui`, parsed by `gui`'s parser so every option has its default."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["gui", *argv]
    if argv[0] == "trace":  # the script's own arguments are not ours to parse
        ours, script, theirs = split_trace_argv(argv[1:])
        args = _build_parser(argv).parse_args(["trace", *ours, *(["--", script] if script else [])])
        args.args = theirs
        return args
    argv = _values_kept(argv)
    return _build_parser(argv).parse_args(argv)
