"""Recreate the saved runs the golden snapshots are made from: one `<scenario>.ttrun` each.

    python tests/snapshots/make_runs.py            # every scenario
    python tests/snapshots/make_runs.py bank-race  # just these

Each is a real run (`threadtruth run <id> ... --save`), with small parameters so the files
stay small. A new run can end differently (a race is a race), so after recreating runs,
regenerate the snapshots too: `pytest tests/test_snapshots.py --update-snapshots`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_BYTES = 300 * 1024  # per file; the test checks it too

#: scenario id -> the `threadtruth run` arguments its snapshot run is made with
RUNS: dict[str, list[str]] = {
    "bank-race": ["--lock", "off"],  # the classic: -$100
    "bank-deposit": [],
    "lost-updates": [],  # the default 4 x 1,000,000 additions: thousands lost, few events
    "asyncio-race": [],
    "deadlock": [],
    "downloads-sequential": ["--n", "4", "--size", "64"],
    "downloads-threads": ["--n", "4", "--size", "64"],
    "downloads-asyncio": ["--n", "4", "--size", "64"],
    "downloads-compare": ["--n", "4", "--size", "64", "--fail", "404:3"],  # a failure, in red
    "gil-cpu": ["--limit", "100000"],
    "blocking-in-async": [],
    "thread-cost": ["--tasks", "100"],
}


def make(scenario_id: str) -> Path:
    out = HERE / f"{scenario_id}.ttrun"
    command = [sys.executable, "-m", "threadtruth_gui", "run", scenario_id, *RUNS[scenario_id]]
    subprocess.run([*command, "--save", str(out)], check=True, stdout=subprocess.DEVNULL)
    size = out.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{out.name}: {size} bytes, more than {MAX_BYTES}; use smaller parameters")
    out.chmod(0o644)
    return out


def main(argv: list[str]) -> None:
    ids = argv or list(RUNS)
    unknown = [i for i in ids if i not in RUNS]
    if unknown:
        raise SystemExit(f"unknown scenario ids: {', '.join(unknown)} (known: {', '.join(RUNS)})")
    for scenario_id in ids:
        out = make(scenario_id)
        print(f"{out.name:28} {out.stat().st_size:>8} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
