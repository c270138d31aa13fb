"""What `threadtruth trace` costs a program, against VizTracer tracing the same program.

Whole process wall time (start to exit, as a user waits for it), median of REPEATS,
the four alternated in each round so the shared machine's load hits all alike:
(a) the script untraced: `python SCRIPT` (the anchor: every ratio is to it);
(b) VizTracer tracing it: `python -m viztracer --quiet -o TMP.json SCRIPT`;
(c) `threadtruth trace --no-lines`: lanes and observed locks, no line markers;
(d) `threadtruth trace`: with line markers.
(c) and (d) run `python -m threadtruth_gui trace --json ...` with the JSON read from a pipe
and thrown away; a command that fails is printed as "not available" with its first error
line. Goals (issue 14): (c)/(a) <= (b)/(a), and (d)/(a) <= 5.0.

    python benchmarks/trace_overhead.py [--repeats N] [SCRIPT [ARGS...]]

The script defaults to resources/examples/pool_downloads.py (4 workers x 8 jobs with a
lock). VizTracer is a benchmark-only dependency: `pip install -e '.[bench]'`. Bytecode
caches are kept in a temporary PYTHONPYCACHEPREFIX, as after an install (this machine sets
PYTHONDONTWRITEBYTECODE=1, which would recompile the app at every traced start).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCRIPT = ROOT / "resources" / "examples" / "pool_downloads.py"
REPEATS = 5
TIMEOUT_S = 300  # one run; a script that hangs untraced is not one to time
LINES_GOAL = 5.0


@dataclass
class Figure:
    """One way of running the script, and its wall times."""

    label: str
    command: list[str]
    times: list[float] = field(default_factory=list)
    error: str | None = None  # why it is not available
    stdout: str = ""

    def run(self, env: dict[str, str], cwd: str) -> None:
        if self.error is not None:
            return
        t0 = time.perf_counter()
        try:
            done = subprocess.run(
                self.command, capture_output=True, text=True, env=env, cwd=cwd, timeout=TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            self.error = f"did not end within {TIMEOUT_S} s"
            return
        elapsed = time.perf_counter() - t0
        if done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip() or "(nothing printed)").splitlines()
            self.error = f"{said[0]} (exit {done.returncode})"
            return
        self.times.append(elapsed)
        self.stdout = done.stdout

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.error is None and self.times else None


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs of each (median)")
    parser.add_argument("script", nargs="?", default=str(DEFAULT_SCRIPT))
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    return parser.parse_args()


def _seen(stdout: str) -> str:
    """What a trace's --json says it saw, in a few words (its shape is the CLI's to define)."""
    try:
        report = json.loads(stdout)
        tasks, locks = report["tasks"], report["locks"]
        waits = sum(int(lock.get("waits", 0)) for lock in locks)
        return f"saw {len(tasks)} tasks, {len(locks)} locks, {waits} lock waits"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "its --json was not read"


def main() -> None:
    options = _arguments()
    if importlib.util.find_spec("viztracer") is None:
        print(
            "trace_overhead: VizTracer (the anchor) is not installed in this Python; install it "
            "with `pip install -e '.[bench]'` (or `pip install viztracer`)",
            file=sys.stderr,
        )
        sys.exit(2)
    script = str(Path(options.script).resolve())
    if not Path(script).is_file():
        sys.exit(f"trace_overhead: no such script: {options.script}")
    py, args = sys.executable, list(options.args)
    with tempfile.TemporaryDirectory(prefix="threadtruth-overhead-") as work:
        trace = [py, "-m", "threadtruth_gui", "trace", "--json"]
        figures = [
            Figure("(a) untraced", [py, script, *args]),
            Figure(
                "(b) VizTracer",
                [py, "-m", "viztracer", "--quiet", "-o", f"{work}/viz.json", script, *args],
            ),
            Figure("(c) threadtruth trace --no-lines", [*trace, "--no-lines", script, *args]),
            Figure("(d) threadtruth trace (line markers)", [*trace, script, *args]),
        ]
        env = dict(os.environ, PYTHONPYCACHEPREFIX=f"{work}/pycache")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # the checkout's own threadtruth_gui, whether installed or not
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        for figure in figures:  # warm the file and bytecode caches; find what fails
            figure.run(env, work)
            figure.times.clear()
        if figures[0].error is not None:
            sys.exit(f"trace_overhead: the script itself fails untraced: {figures[0].error}")
        for _ in range(options.repeats):
            for figure in figures:
                figure.run(env, work)
    report(figures, script, options.repeats)


def report(figures: list[Figure], script: str, repeats: int) -> None:
    untraced, viz, lanes, lines = figures
    anchor = untraced.median
    assert anchor is not None
    shown = os.path.relpath(script, ROOT) if script.startswith(str(ROOT)) else script
    version = importlib.metadata.version("viztracer")
    print(
        f"trace overhead: {shown}, whole process, median of {repeats} (alternated); "
        f"Python {sys.version.split()[0]}, VizTracer {version}"
    )
    for figure in figures:
        median = figure.median
        if median is None:
            print(f"  {figure.label:38} not available: {figure.error}")
            continue
        seen = f"   ({_seen(figure.stdout)})" if figure in (lanes, lines) else ""
        print(f"  {figure.label:38} {median:6.2f} s   {median / anchor:5.2f}x untraced{seen}")
    ratio = {id(f): f.median / anchor for f in figures if f.median is not None}
    viz_ratio = ratio.get(id(viz))
    lanes_ratio, lines_ratio = ratio.get(id(lanes)), ratio.get(id(lines))
    if lanes_ratio is None or viz_ratio is None:
        print("  goal (c)/(a) <= (b)/(a): FAIL (not available)")
    else:
        verdict = "PASS" if lanes_ratio <= viz_ratio else "FAIL"
        print(f"  goal (c)/(a) <= (b)/(a): {lanes_ratio:.2f}x <= {viz_ratio:.2f}x: {verdict}")
    if lines_ratio is None:
        print(f"  goal (d)/(a) <= {LINES_GOAL:.1f}: FAIL (not available)")
    else:
        verdict = "PASS" if lines_ratio <= LINES_GOAL else "FAIL"
        print(f"  goal (d)/(a) <= {LINES_GOAL:.1f}: {lines_ratio:.2f}x: {verdict}")


if __name__ == "__main__":
    main()
