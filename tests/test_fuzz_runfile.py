"""Fuzz: mutated saved runs are refused in one line or shown without an exception, by the
CLI's loader (what `threadtruth replay` opens) and by the window (opened, painted, the
cursor moved). Seeded: the same mutations every time, so a failure is reproducible."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from threadtruth_gui.engine.events import KINDS as EVENT_KINDS
from threadtruth_gui.runs import runfile

SEED = 12
MUTATIONS = 1000
HERE = Path(__file__).parent
OLD_RUNS = HERE / "runs_before_amounts"
SEEDS = HERE / "runs_fuzz_seeds"
MAX_MESSAGE = 600  # a refusal: one line, the file's name and at most ~200 characters quoted

# values a hostile or damaged file may hold where a run wrote something else
HOSTILE: list[Any] = [
    None,
    True,
    0,
    -1,
    -(2**63),
    2**63,
    10**20,
    10**309,  # not a float: overflows float()
    1e308,
    -1e308,
    5e-324,
    -0.0,
    0.5,
    "",
    "x",
    "ab",
    "1000",
    "A",
    "line",
    "running",
    "x" * 5000,
    [],
    [1],
    ["a", "b"],
    ["a", "b", "c"],
    [None, None],
    [1, 2, 3, 4],
    {},
    {"a": 1},
    {"balance": "x", "amount": []},
    [[[]]],
]
KINDS = [*sorted(EVENT_KINDS), "boom"]
RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "9" * 5000, "1" + "0" * 400]


def _seeds() -> list[dict[str, Any]]:
    """Saved runs to mutate: free and stepped, lines and instructions, threads, coroutines,
    locks, downloads, phases, samples (tests/runs_fuzz_seeds/README.md)."""
    paths = sorted(SEEDS.glob("*.ttrun")) + sorted(OLD_RUNS.glob("*.ttrun"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the JSON (a path of keys and indexes), events sampled (they are many)."""
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _nodes(item, (*path, key))
    elif isinstance(value, list):
        items = list(enumerate(value))
        if len(items) > 40:
            items = items[:10] + items[-10:] + random.Random(len(items)).sample(items[10:-10], 20)
        for index, item in items:
            out += _nodes(item, (*path, index))
    return out


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return data


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _mutate(seed: dict[str, Any], rng: random.Random) -> str:
    """One mutation of `seed`, as the text of a file."""
    data = copy.deepcopy(seed)
    nodes = _nodes(data)
    how = rng.randrange(12)
    path = rng.choice(nodes)
    if how == 0 and path:  # drop a key or an item
        parent = _get(data, path[:-1])
        del parent[path[-1]]
    elif how == 1:  # a number far out of range, or not a number, written as JSON text
        marker = "__RAW__"
        _set(data, path, marker)
        return json.dumps(data).replace(f'"{marker}"', rng.choice(RAW_NUMBERS), 1)
    elif how == 2:  # nesting
        inner: Any = rng.choice(HOSTILE)
        for _ in range(rng.choice((5, 30, 40))):
            inner = [inner]
        _set(data, path, inner)
    elif how == 3:  # swap two events' kinds, or give an event another kind
        events = data["events"]
        a, b = rng.randrange(len(events)), rng.randrange(len(events))
        if rng.random() < 0.5:
            events[a][2], events[b][2] = events[b][2], events[a][2]
        else:
            events[a][2] = rng.choice(KINDS)
    elif how == 4:  # an event's data replaced
        event = rng.choice(data["events"])
        event[3] = rng.choice(HOSTILE)
    elif how == 5:  # an event's time far off
        event = rng.choice(data["events"])
        event[0] = rng.choice([10**309, 2**62, 2**63, -(2**62), 10**18, -1, 0, 1.5, "0"])
    elif how == 6:  # the text cut short or a byte changed
        text = json.dumps(data)
        at = rng.randrange(len(text))
        if rng.random() < 0.5:
            return text[:at]
        return text[:at] + rng.choice('{}[],:"0x\\') + text[at + 1 :]
    elif how == 7:  # a number where text was, text where a number was
        value = _get(data, path)
        if isinstance(value, int | float) and not isinstance(value, bool):
            _set(data, path, str(value))
        elif isinstance(value, str):
            _set(data, path, rng.choice([0, -5, 1e300, 10**20, 2**70]))
        else:
            _set(data, path, rng.choice(HOSTILE))
    elif how == 8:  # a number scaled, negated or made huge
        value = _get(data, path)
        if isinstance(value, int | float) and not isinstance(value, bool):
            factor = rng.choice([-1, 10**6, 10**15, 10**300, 0])
            _set(data, path, value * factor if not isinstance(value, float) else value * 1e300)
        else:
            _set(data, path, rng.choice(HOSTILE))
    elif how == 9:  # a parameter or an outcome field changed
        key = rng.choice(["params", "result"])
        target = data.get(key)
        if isinstance(target, dict):
            field = rng.choice([*target, "extra"])
            target[field] = rng.choice(HOSTILE)
    elif how == 10:  # events duplicated, reversed or emptied
        events = data["events"]
        choice = rng.randrange(3)
        if choice == 0:
            events.extend(copy.deepcopy(events))
        elif choice == 1:
            events.reverse()
        else:
            data["events"] = []
    else:  # anything replaced by a hostile value
        _set(data, path, rng.choice(HOSTILE))
    return json.dumps(data)


def _refusal_is_one_line(message: str) -> bool:
    return "\n" not in message and 0 < len(message) <= MAX_MESSAGE


@pytest.mark.heavy
@pytest.mark.timeout(150)
def test_mutated_run_files_are_refused_in_one_line_or_shown_without_an_exception(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    seeds = _seeds()
    rng = random.Random(SEED)
    files = []
    for i in range(MUTATIONS):
        path = tmp_path / f"m{i:04d}.ttrun"
        path.write_text(_mutate(rng.choice(seeds), rng), encoding="utf-8")
        files.append(path)
    # the CLI's loader, in this process
    cli: dict[str, str] = {}
    bad: list[str] = []
    for path in files:
        try:
            runfile.load(path)
            cli[path.name] = "ok"
        except runfile.RunFileError as exc:
            cli[path.name] = "refused"
            if not _refusal_is_one_line(str(exc)):
                bad.append(f"{path.name}: not one short line: {str(exc)[:300]!r}")
        except Exception as exc:  # the finding: anything else escaped the loader
            cli[path.name] = "error"
            bad.append(f"{path.name}: {type(exc).__name__}: {str(exc)[:300]}")
    opened = sum(1 for v in cli.values() if v == "ok")
    assert 0 < opened < MUTATIONS  # the mutations both break files and leave some whole
    # the window, in child processes: a crash (a segfault in a paint) fails this test
    # alone; two at once, each with half the files, use both cores of a small machine
    halves = [files[: MUTATIONS // 2], files[MUTATIONS // 2 :]]
    logs = [(tmp_path / f"window{i}.out", tmp_path / f"window{i}.err") for i in range(2)]
    children = []
    try:
        for half, (out, err) in zip(halves, logs, strict=True):
            with open(out, "w") as stdout, open(err, "w") as stderr:
                command = [sys.executable, str(HERE / "_open_runs.py"), "--window-only"]
                children.append(
                    subprocess.Popen([*command, *map(str, half)], stdout=stdout, stderr=stderr)
                )
        deadline = time.monotonic() + 140
        for child in children:
            child.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    rows: list[dict[str, Any]] = []
    for child, half, (out, err) in zip(children, halves, logs, strict=True):
        lines = out.read_text(encoding="utf-8").splitlines()
        got = [json.loads(line) for line in lines if line.startswith("{")]
        at = half[len(got)].name if len(got) < len(half) else "the end"
        assert child.returncode == 0, (
            f"the window's process ended with {child.returncode} at {at} or the file "
            f"before (its CLI load: {cli.get(at)}): {err.read_text(encoding='utf-8')[-1500:]}"
        )
        assert got[-1] == {"done": len(half)}
        rows += got[:-1]
    window = [row for row in rows if not row["window"].startswith(("ok", "refused"))]
    bad += [f"{row['file']} in the window: {row['window'][-600:]}" for row in window]
    for row in rows:  # the window opens what the CLI opens, and refuses the rest
        if row["window"].split(":")[0] != cli[row["file"]] and row not in window:
            bad.append(f"{row['file']}: the CLI says {cli[row['file']]}, the window {row}")
    assert not bad, f"{len(bad)} of {MUTATIONS} mutations failed; the first:\n" + "\n".join(bad[:5])
    elapsed = time.monotonic() - started
    print(f"{MUTATIONS} mutations ({opened} opened, the rest refused) in {elapsed:.1f} s")


def test_the_mutations_are_the_same_every_time() -> None:
    seed = json.loads((OLD_RUNS / "bank-race.ttrun").read_text(encoding="utf-8"))

    def texts(make: Callable[[], random.Random]) -> list[str]:
        rng = make()
        return [_mutate(seed, rng) for _ in range(50)]

    assert texts(lambda: random.Random(SEED)) == texts(lambda: random.Random(SEED))
