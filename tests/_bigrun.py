"""Big run files for the opening-speed tests and benchmarks/open_big_run.py.

A real saved run (the bank-race snapshot run) scaled up: its tasks' middle (their states,
lines, notes and counter writes) repeated again and again, each copy shifted in time by the
run's length, between the tasks' start and their end. Every event is one the real run
recorded, so the file reads like a very long run of the same two threads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BASE = Path(__file__).parent / "snapshots" / "bank-race.ttrun"
_ONCE = ("phase", "start", "end")  # kept once: the run's frame, around the repeats


def big_run(events: int, base: Path = BASE) -> dict[str, Any]:
    """The base run's JSON with about `events` events (never fewer than the base has)."""
    data: dict[str, Any] = json.loads(base.read_text(encoding="utf-8"))
    recorded: list[list[Any]] = data["events"]
    body = [ev for ev in recorded if ev[2] not in _ONCE]
    frame = [ev for ev in recorded if ev[2] in _ONCE]
    first, last = recorded[0][0], recorded[-1][0]
    period = last - first + 1
    repeats = max(1, (events - len(frame)) // max(1, len(body)))
    out = [ev for ev in frame if ev[2] != "end" and ev[3] != ["end", "threads", "threads"]]
    for r in range(repeats):
        out += [[t + r * period, task, kind, value] for t, task, kind, value in body]
    out += [
        [t + (repeats - 1) * period, task, kind, value]
        for t, task, kind, value in frame
        if kind == "end" or value == ["end", "threads", "threads"]
    ]
    out.sort(key=lambda ev: ev[0])
    data["events"] = out
    data["result"]["events"] = len(out)
    data["result"]["duration_s"] = (out[-1][0] - out[0][0]) / 1e9
    return data


def write_big_run(path: Path, events: int) -> Path:
    path.write_text(json.dumps(big_run(events), separators=(",", ":")), encoding="utf-8")
    return path
