"""Command line: no arguments opens the window; `list`, `run` and `shot` work without one.

Bad arguments print one line, `threadtruth: error: ...`, and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from threadtruth_gui.engine.clip import KEEP as CLIP_KEEP
from threadtruth_gui.engine.clip import clip, quoted
from threadtruth_gui.engine.files import short_path
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Param, Scenario

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the command line: shown as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _param_names() -> list[str]:
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

    takes_value = {f"--{name}" for name in _param_names()} | _VALUE_OPTIONS
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
    for name in _param_names():
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
    replay = sub.add_parser("replay", help="re-run a saved .ttrun with its schedule")
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


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The scenario settings given on the command line."""
    return {
        name: getattr(args, name)
        for name in _param_names()
        if getattr(args, name, None) is not None
    }


def _scenario_and_params(args: argparse.Namespace) -> tuple[Scenario, dict[str, Any]]:
    from threadtruth_gui.scenarios import get

    try:
        scenario = get(args.scenario)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    try:
        params = scenario.resolve(_given(args))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return scenario, params


def _format_result(result: RunResult) -> str:
    params = " ".join(
        f"{k}={('on' if v else 'off') if isinstance(v, bool) else v}"
        for k, v in result.params.items()
    )
    lines = [f"{result.scenario}  {params}"]
    for task in result.tasks:
        what = f"{task.get('action', '')} {task.get('amount', '')}".strip()
        extra = f"  ({task['error']})" if "error" in task else ""
        lines.append(f"  {task['name']}  {what:<14} {task['status']}{extra}")
    for key, value in result.outcome.items():
        lines.append(f"{key}: {value}")
    if result.verdict is not None:
        lines.append(f"{result.verdict.headline} — {result.verdict.detail}")
    lines.append(f"{result.duration_s:.3f} s, {result.events} events")
    return "\n".join(lines)


def _cmd_list() -> int:
    from threadtruth_gui.scenarios import all_scenarios

    scenarios = all_scenarios()
    width = max(len(s.id) for s in scenarios)
    for scenario in scenarios:
        print(f"{scenario.id:<{width}}  {scenario.title}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    scenario, params = _scenario_and_params(args)
    schedule = None
    if args.schedule is not None:
        schedule = [name.strip() for name in args.schedule.split(",") if name.strip()]
        if not schedule:
            raise UsageError("--schedule needs task names, e.g. A,B,A,B")
    save_to = _check_save_path(args.save) if args.save is not None else None
    trace_to = _check_out_file(args.trace, ".json", "--trace", "write") if args.trace else None
    csv_to = _check_out_file(args.csv, ".csv", "--csv", "write") if args.csv else None
    gif_to = _check_out_file(args.gif, ".gif", "--gif", "write") if args.gif else None
    if not 0.1 <= args.speed <= 2.0:
        raise UsageError(f"--speed must be between 0.1 and 2, not {args.speed:g}")
    if gif_to is not None:
        _check_display()
    try:
        result, _lanes, events = scenario.execute(params, schedule=schedule)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    _write_exports(scenario, result, _lanes, events, trace_to, csv_to, gif_to, args.speed)
    if save_to is not None:
        from threadtruth_gui.runs import runfile

        try:
            runfile.save(save_to, runfile.to_json(result, events, 0, schedule is not None))
        except runfile.RunFileError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_json()))
    else:
        print(_format_result(result))
    return 0


def _write_exports(
    scenario: Scenario,
    result: RunResult,
    lanes: Any,
    events: list[Any],
    trace_to: Path | None,
    csv_to: Path | None,
    gif_to: Path | None,
    speed: float,
) -> None:
    from threadtruth_gui.engine import export

    target = None
    try:
        if trace_to is not None:
            target = trace_to
            export.write_chrome_trace(str(trace_to), lanes, f"threadtruth: {scenario.id}")
        if csv_to is not None:
            target = csv_to
            export.write_events_csv(str(csv_to), events)
        if gif_to is not None:
            from threadtruth_gui.ui.gif import write_gif_headless

            target = gif_to
            frames = write_gif_headless(scenario, result, events, gif_to, speed)
            print(f"{gif_to}: {frames} frames", file=sys.stderr)
    except OSError as exc:  # a full disk: the file the user named, not the temp file
        where = f" {short_path(str(target))}" if target is not None else ""
        raise UsageError(f"cannot write{where}: {exc.strerror or exc}") from None


def _check_save_path(text: str) -> Path:
    return _check_out_file(text, ".ttrun", "--save: the file", "save to")


def _cmd_replay(args: argparse.Namespace) -> int:
    from threadtruth_gui.runs import runfile

    if not 1 <= args.times <= 1000:
        raise UsageError(f"--times must be between 1 and 1000, not {clip(args.times)}")
    try:
        saved = runfile.load(args.file)
        replays = [runfile.replay(saved) for _ in range(args.times)]
    except runfile.RunFileError as exc:
        raise UsageError(str(exc)) from None
    last = replays[-1]
    same_outcome = sum(r.same_outcome for r in replays)
    same_schedule = sum(r.same_schedule for r in replays)
    if args.json:
        out = last.to_json()
        out["replay"] = {
            "times": args.times,
            "same_outcome": same_outcome,
            "same_schedule": same_schedule,
            "recorded_outcome": saved.result.outcome,
            "steps": len(saved.schedule),
            "exact": saved.stepped,
        }
        print(json.dumps(out))
        return 0
    print(_format_result(last.result))
    print(
        f"replayed {args.times}x, {len(saved.schedule)} steps: same outcome as recorded "
        f"{same_outcome}/{args.times}, same schedule {same_schedule}/{args.times} "
        "(times and resource figures are not compared)"
    )
    differed = next((r for r in replays if not r.same_outcome), None)
    if differed is not None:
        print(runfile.explain(saved, differed.result.outcome, differed.same_schedule))
    return 0


def _check_out_path(text: str) -> Path:
    return _check_out_file(text, ".png", "OUT", "write")


def _check_out_file(text: str, suffix: str, what: str, verb: str) -> Path:
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


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--window must look like 1600x1000, not {quoted(text)}") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise UsageError(f"--window out of range: {clip(text)}")
    return w, h


def _cmd_shot(args: argparse.Namespace) -> int:
    scenario, params = _scenario_and_params(args)
    out = _check_out_path(args.png)
    size = _parse_size(args.window)
    from threadtruth_gui.ui.theme import THEME_NAMES

    if args.theme not in THEME_NAMES:
        raise UsageError(
            f"--theme must be one of {', '.join(THEME_NAMES)}, not {quoted(args.theme)}"
        )
    from threadtruth_gui.ui.shot import take_shot

    try:
        take_shot(scenario, params, out, size, args.theme, args.lecture)
    except OSError as exc:
        raise UsageError(f"cannot write {short_path(args.png)}: {exc.strerror or exc}") from None
    except TimeoutError as exc:
        print(f"threadtruth: error: {exc}", file=sys.stderr)
        return 1
    print(out)
    return 0


def _cmd_many(args: argparse.Namespace) -> int:
    from threadtruth_gui.runs.many import MAX_RUNS, MIN_RUNS, run_many

    scenario, params = _scenario_and_params(args)
    if not MIN_RUNS <= args.runs <= MAX_RUNS:
        raise UsageError(f"--runs must be between {MIN_RUNS} and {MAX_RUNS}, not {clip(args.runs)}")
    try:
        result = run_many(scenario, params, args.runs)
    except ValueError as exc:  # a scenario with nothing to count
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_json()))
        return 0
    print("\n".join(result.lines()))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from threadtruth_gui.engine.demo_server import (
        ServerConfig,
        check_loopback,
        parse_faults,
        serve_forever,
    )

    try:
        check_loopback(args.host)
        if not 0 <= args.port <= 65535:
            raise ValueError(f"--port must be 0..65535, not {args.port}")
        config = ServerConfig(
            count=args.n,
            size=args.size * 1024,
            latency=args.latency,
            rate=args.rate * 1024,
            faults=parse_faults(args.fail),
        )
        config.validate()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        serve_forever(config, args.host, args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0


def _check_display() -> None:
    """Without a display Qt aborts with a long message; say it in one line instead."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise UsageError("no display: set DISPLAY, or run headless with QT_QPA_PLATFORM=offscreen")


def _cmd_gui(args: argparse.Namespace) -> int:
    scenario_id: str | None = None
    params: dict[str, Any] = {}
    autorun = False
    if getattr(args, "scenario", None) is not None:
        scenario, params = _scenario_and_params(args)
        scenario_id, autorun = scenario.id, args.run
        # the window has no field for these: it would run at their defaults, not as asked
        given = _given(args)
        advanced = [p.name for p in scenario.params if p.advanced and p.name in given]
        if advanced:
            named = ", ".join(f"--{name}" for name in advanced)
            raise UsageError(
                f"{named} {'is' if len(advanced) == 1 else 'are'} for `threadtruth run` only: "
                f"the window runs {scenario.id} with the default {' and '.join(advanced)}"
            )
    elif getattr(args, "run", False) or any(
        getattr(args, name, None) is not None for name in _param_names()
    ):
        raise UsageError("--run and scenario settings need a SCENARIO, e.g. gui bank-race")
    _check_display()
    from threadtruth_gui.ui.app import run_app

    return run_app(scenario_id, params, autorun=autorun, exit_when_done=args.exit_when_done)


_NEGATIVE = re.compile(r"-\.?\d")  # "-5", "-5,3", "-.5": a value, not an option


def _values_kept(argv: list[str]) -> list[str]:
    """`--amounts -5,3` as `--amounts=-5,3`: argparse takes a word that starts with "-" for
    an option, and would answer "expected one argument" instead of saying why -5 is refused."""
    names = {f"--{name}" for name in _param_names()}
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


def _with_default_command(argv: list[str]) -> argparse.Namespace:
    """No command (bare `threadtruth`, `python -m threadtruth_gui`, or only options such as
    `threadtruth --run`) means `gui`, parsed by `gui`'s parser so every option has its default."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["gui", *argv]
    argv = _values_kept(argv)
    return _build_parser(argv).parse_args(argv)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: the command stops as Ctrl+C stops it (its run cancelled, its
    temp folder and demo server gone) and exits with status 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    for name in SHUTDOWN_SIGNALS:  # once: a second signal must not cut the cleanup short
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Terminated(signum)


SHUTDOWN_SIGNALS = tuple(n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    if (
        not argv
        or argv[0] == "gui"
        or (argv[0].startswith("-") and argv[0] not in ("-h", "--help"))
    ):
        # the window: a signal closes it once it is made, as its close button does, exit
        # status 0; never cut into importing Qt or making the window (ui/shutdown.py)
        from threadtruth_gui.ui import shutdown

        with shutdown.deferred():
            return _main(argv)
    before = {name: signal.signal(getattr(signal, name), _terminate) for name in SHUTDOWN_SIGNALS}
    try:
        return _main(argv)
    finally:
        for name, handler in before.items():
            signal.signal(getattr(signal, name), handler)


def _error_line(message: str) -> None:
    """One line, however long the input it quotes: each message quotes at most ~200
    characters of it (engine/clip.py); this is the net for those that quote more (argparse's
    own "invalid int value: '99…9'")."""
    message = message.replace("\r", " ").replace("\n", " ")
    print(f"threadtruth: error: {clip(message, 2 * CLIP_KEEP)}", file=sys.stderr)


def _main(argv: list[str]) -> int:
    try:
        args = _with_default_command(argv)
        if args.command == "list":
            return _cmd_list()
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "shot":
            return _cmd_shot(args)
        if args.command == "serve":
            return _cmd_serve(args)
        if args.command == "many":
            return _cmd_many(args)
        if args.command == "replay":
            return _cmd_replay(args)
        return _cmd_gui(args)
    except UsageError as exc:
        _error_line(str(exc))
        return EXIT_USAGE
    except OSError as exc:  # a path the system refused that no check above foresaw
        where = f": {short_path(str(exc.filename))}" if exc.filename else ""
        _error_line(f"{exc.strerror or exc}{where}")
        return EXIT_USAGE
    except Terminated as exc:
        return 128 + exc.signum
    except KeyboardInterrupt:
        return 130
