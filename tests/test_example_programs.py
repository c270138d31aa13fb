"""The example programs in resources/examples do what their docstrings say, run untraced:
each ends in time with its result printed, and the deadlocking one stays blocked."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from threadtruth_gui import assets

FOLDER = Path(str(assets.root() / "examples"))
#: file -> its title in resources/examples/README, in the README's order
TITLES = {
    "pool_downloads.py": "Downloads on a thread pool",
    "producer_consumer.py": "Producer and consumers",
    "bounded_buffer.py": "A bounded buffer",
    "philosophers_deadlock.py": "Dining philosophers deadlock",
    "philosophers_fixed.py": "Dining philosophers, fixed",
    "async_semaphore.py": "Fetches bounded by a semaphore",
    "cpu_pool.py": "A CPU-bound pool",
}
#: what each program that ends prints (regexes, each must match a whole line of its output)
PRINTS = {
    "pool_downloads.py": [
        r"downloaded 8 chunks on 4 workers in \d+\.\d\d s",
        r"total checksum: 3143516404",
        r"the total is the sum of the jobs' checksums: True",
    ],
    "producer_consumer.py": [
        *(rf"producer: put item {n} \(waited \d+\.\d\d s for room\)" for n in range(1, 9)),
        r"consumer-1 handled \[[\d, ]+\]",
        r"consumer-2 handled \[[\d, ]+\]",
        r"every item handled once: True",
    ],
    "bounded_buffer.py": [
        r"consumer took \[1, 2, 3, 4, 5, 6\] in order: True",
        r"the producer waited for 'not full' [2-9] times",  # 3 or 4 when unloaded
    ],
    "philosophers_fixed.py": [
        *(rf"philosopher-{n} eats" for n in range(3)),
        r"everyone ate",
    ],
    "async_semaphore.py": [
        r"fetched 8 pages in \d+\.\d\d s: page 1 \.\. page 8",
        r"at most 3 fetches at once \(the limit is 3\)",
    ],
    "cpu_pool.py": [
        r"4 jobs, 6057 primes below 60000 each",
        r"thread pool:  \d+\.\d\d s",
        r"process pool: \d+\.\d\d s",
        r"same answers: True",
    ],
}
#: generous for a loaded 2-core machine: each ends in about 0.5-1.5 s alone
TIMEOUT_S = 20


def _output_lines(name: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(FOLDER / name)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=FOLDER.parent,  # not the example's folder: nothing there may be needed
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout.splitlines()


def test_the_programs_are_listed_with_their_titles_in_readme_order() -> None:
    listed = assets.programs()
    assert {e.file.name: e.title for e in listed} == TITLES
    assert [e.file.name for e in listed] == list(TITLES)
    assert all(e.file.is_file() for e in listed)
    assert sorted(p.name for p in FOLDER.glob("*.py")) == sorted(TITLES)  # none unlisted
    # the sample runs are listed as before, without the programs
    assert all(e.file.name.endswith(".ttrun") for e in assets.examples())


@pytest.mark.parametrize("name", list(TITLES))
def test_each_program_is_short_standard_library_only_and_says_what_it_shows(name: str) -> None:
    source = (FOLDER / name).read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert len(source.splitlines()) <= 70  # readable on a shared screen
    docstring = ast.get_docstring(tree)
    assert docstring and len(docstring.splitlines()) >= 3
    imported = {
        alias.name.partition(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").partition(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names
    assert not imported & {"socket", "urllib", "http", "ssl"}  # offline, whatever it shows


@pytest.mark.parametrize("name", list(PRINTS))
def test_each_program_ends_and_prints_its_result(name: str) -> None:
    lines = _output_lines(name)
    for pattern in PRINTS[name]:
        assert any(re.fullmatch(pattern, line) for line in lines), (pattern, lines)


def test_a_full_queue_really_makes_the_producer_wait() -> None:
    waits = [
        float(m[1])
        for line in _output_lines("producer_consumer.py")
        if (m := re.match(r"producer: put item \d \(waited (\d+\.\d\d) s", line))
    ]
    assert max(waits) >= 0.05  # a put waited for a consumer's 0.15 s (unloaded: ~0.15)


def test_the_deadlocking_philosophers_stay_blocked_and_are_killed() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(FOLDER / "philosophers_deadlock.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3.0)
        assert proc.poll() is None, "the deadlocked program ended"
        # blocked, not busy: its threads wait on locks and use next to no CPU
        assert psutil.Process(proc.pid).cpu_percent(interval=0.2) < 20
    finally:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == -9  # reaped by communicate(): no zombie either
    lines = out.splitlines()
    # each took a left fork and reached for the right one; nobody ate
    for seat in range(3):
        assert f"philosopher-{seat} took fork {seat}, thinking" in lines
        assert f"philosopher-{seat} reaches for fork {(seat + 1) % 3}" in lines
    assert not any("eats" in line for line in lines), lines
    assert err == ""
    left = [c.pid for c in psutil.Process().children(recursive=True)]
    assert proc.pid not in left  # no child left behind
