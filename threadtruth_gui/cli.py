"""Command line: no arguments opens the window; `list`, `run` and `shot` work without one.

Bad arguments print one line, `threadtruth: error: ...`, and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from threadtruth_gui.cli_args import (
    UsageError,
    check_display,
    check_out_file,
    check_out_path,
    check_save_path,
    given_params,
    param_names,
    parse_size,
    scenario_and_params,
    with_default_command,
)
from threadtruth_gui.engine.clip import KEEP as CLIP_KEEP
from threadtruth_gui.engine.clip import clip, quoted
from threadtruth_gui.engine.files import short_path
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Scenario

__all__ = ["EXIT_USAGE", "Terminated", "UsageError", "main"]

EXIT_USAGE = 2


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
    scenario, params = scenario_and_params(args)
    schedule = None
    if args.schedule is not None:
        schedule = [name.strip() for name in args.schedule.split(",") if name.strip()]
        if not schedule:
            raise UsageError("--schedule needs task names, e.g. A,B,A,B")
    save_to = check_save_path(args.save) if args.save is not None else None
    trace_to = check_out_file(args.trace, ".json", "--trace", "write") if args.trace else None
    csv_to = check_out_file(args.csv, ".csv", "--csv", "write") if args.csv else None
    gif_to = check_out_file(args.gif, ".gif", "--gif", "write") if args.gif else None
    if not 0.1 <= args.speed <= 2.0:
        raise UsageError(f"--speed must be between 0.1 and 2, not {args.speed:g}")
    if gif_to is not None:
        check_display()
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


def _cmd_replay(args: argparse.Namespace) -> int:
    from threadtruth_gui.runs import runfile, tracefile

    if not 1 <= args.times <= 1000:
        raise UsageError(f"--times must be between 1 and 1000, not {clip(args.times)}")
    try:
        saved = tracefile.load_any(args.file)
        if not isinstance(saved, runfile.SavedRun):  # a traced program's: shown, never re-run
            raise UsageError(tracefile.not_replayable(saved, Path(args.file).name))
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


def _cmd_shot(args: argparse.Namespace) -> int:
    scenario, params = scenario_and_params(args)
    out = check_out_path(args.png)
    size = parse_size(args.window)
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

    scenario, params = scenario_and_params(args)
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


def _cmd_gui(args: argparse.Namespace) -> int:
    scenario_id: str | None = None
    params: dict[str, Any] = {}
    autorun = False
    if getattr(args, "scenario", None) is not None:
        scenario, params = scenario_and_params(args)
        scenario_id, autorun = scenario.id, args.run
        # the window has no field for these: it would run at their defaults, not as asked
        given = given_params(args)
        advanced = [p.name for p in scenario.params if p.advanced and p.name in given]
        if advanced:
            named = ", ".join(f"--{name}" for name in advanced)
            raise UsageError(
                f"{named} {'is' if len(advanced) == 1 else 'are'} for `threadtruth run` only: "
                f"the window runs {scenario.id} with the default {' and '.join(advanced)}"
            )
    elif getattr(args, "run", False) or any(
        getattr(args, name, None) is not None for name in param_names()
    ):
        raise UsageError("--run and scenario settings need a SCENARIO, e.g. gui bank-race")
    check_display()
    from threadtruth_gui.ui.app import run_app

    return run_app(scenario_id, params, autorun=autorun, exit_when_done=args.exit_when_done)


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
        or (argv[0] == "lecture" and "--check" not in argv)  # it opens the window too
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
        args = with_default_command(argv)
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
        if args.command == "trace":
            from threadtruth_gui.cli_trace import cmd_trace

            return cmd_trace(args)
        if args.command in ("lecture", "handout"):
            from threadtruth_gui.cli_lecture import cmd_handout, cmd_lecture

            return cmd_lecture(args) if args.command == "lecture" else cmd_handout(args)
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
