"""The test suite, several rounds in a row, on a machine whose every core is kept busy.

Starts one busy-loop process per core (`--load`), runs `python -m pytest` (`--rounds`
times, one after another), prints pass or fail for each round, and always stops the
busy loops it started, by their PIDs, however it ends (Ctrl+C, SIGTERM, a failure).
Extra pytest arguments go after `--`:

    python benchmarks/loaded_suite.py                       # 5 rounds, the whole suite
    python benchmarks/loaded_suite.py --rounds 1 -- -k gil  # one round of a few tests

Exit status 0 when every round passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
BUSY = "while True: pass"


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # unwinds to the finally that kills the load


def _busy_loops(n: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen([sys.executable, "-c", BUSY], stdin=subprocess.DEVNULL) for _ in range(n)
    ]


def _end(load: list[subprocess.Popen[bytes]]) -> None:
    for proc in load:
        if proc.poll() is None:
            proc.kill()
    for proc in load:
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    ours, pytest_args = (
        (args[: args.index("--")], args[args.index("--") + 1 :]) if "--" in args else (args, [])
    )
    parser = argparse.ArgumentParser(prog="loaded_suite.py", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="how many runs of the suite (5)")
    parser.add_argument(
        "--load",
        type=int,
        default=os.cpu_count() or 2,
        help="busy-loop processes to start (default: one per core)",
    )
    opts = parser.parse_args(ours)
    if opts.rounds < 1 or opts.load < 0:
        parser.error("--rounds must be at least 1 and --load at least 0")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    load = _busy_loops(opts.load)
    passed = 0
    try:
        print(
            f"load: {opts.load} busy-loop processes (PIDs {', '.join(str(p.pid) for p in load)})"
            f" on {os.cpu_count()} cores; each round: {shlex.join(command[1:])}",
            flush=True,
        )
        for n in range(1, opts.rounds + 1):
            started = time.monotonic()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            took = time.monotonic() - started
            lines = done.stdout.strip().splitlines()
            summary = lines[-1] if lines else done.stderr.strip()[-200:]
            ok = done.returncode == 0
            passed += ok
            print(f"round {n}/{opts.rounds}: {'pass' if ok else 'FAIL'} in {took:.0f} s: {summary}")
            if not ok:
                failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
                print("\n".join(f"  {line}" for line in failures), flush=True)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        _end(load)
    print(f"{passed} of {opts.rounds} rounds passed under load")
    return 0 if passed == opts.rounds else 1


if __name__ == "__main__":
    sys.exit(main())
