"""Step mode on a traced program: every thread of the program waits before its first line
of the program's own code, each step runs one line (a task: to its next await), a thread
waiting for a held lock is blocked, and Space lets all of them run to the end. Outcomes
here are forced by the steps given, never left to the scheduler."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from threadtruth_gui.runs.traced import TracedRun
from threadtruth_gui.runs.traced_gate import RemoteGate
from threadtruth_gui.ui.main_window import MainWindow

WAIT_S = 20.0  # a step is ~20-40 ms (the child says what its gate did every 20 ms)

# two threads add 1 each through a read and a write on separate lines: a lost update
# whenever both read before either writes
RACE = """\
import threading
total = 0

def add():
    global total
    seen = total
    total = seen + 1

threads = [threading.Thread(target=add, name=f"T{i}") for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("total", total)
"""
READ, WRITE = 6, 7

LOCKED = """\
import threading
lock = threading.Lock()

def hold():
    with lock:
        x = 1
        x += 1

threads = [threading.Thread(target=hold, name=f"H{i}") for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""

ASYNC = """\
import asyncio

async def job(name):
    await asyncio.sleep(0)
    print(name, "done")

async def main():
    await asyncio.gather(job("a"), job("b"))

asyncio.run(main())
"""


def _until(what: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _started(tmp_path: Path, text: str) -> tuple[TracedRun, RemoteGate]:
    script = tmp_path / "prog.py"
    script.write_text(text)
    run = TracedRun(script, step=True)
    run.start()
    return run, RemoteGate(run)


def _step(gate: RemoteGate, task: str, unit: str = "line") -> str:
    result = gate.grant(task, unit)
    _until(lambda: gate.settled(task))
    return result


def _line_of(run: TracedRun, task: str) -> int | None:
    lines = [ev.data[0] for ev in run.recorder.events() if ev.task == task and ev.kind == "line"]
    return lines[-1] if lines else None


def _main_to(run: TracedRun, gate: RemoteGate, line: int) -> None:
    """Step the main thread until it stops at `line` of the program."""
    _until(lambda: "MainThread" in gate.parked())
    for _ in range(50):
        if _line_of(run, "MainThread") == line:
            return
        _step(gate, "MainThread")
    raise AssertionError(f"MainThread never reached line {line}")


@pytest.fixture(autouse=True)
def _no_child_left():  # type: ignore[no-untyped-def]
    yield
    deadline = time.monotonic() + 5
    while psutil.Process().children(recursive=True) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not psutil.Process().children(recursive=True)


def test_every_thread_waits_at_its_first_line_and_steps_force_the_lost_update(
    tmp_path: Path,
) -> None:
    run, gate = _started(tmp_path, RACE)
    try:
        _until(lambda: "MainThread" in gate.parked())
        assert _line_of(run, "MainThread") == 1  # stopped before the program's first line
        _main_to(run, gate, 12)  # both threads started (the second `for`: the joins)
        _until(lambda: {"T0", "T1"} <= set(gate.parked()))
        # each stopped before the first line of add() (`global` is no line: it runs no
        # code), none of it run yet
        assert _line_of(run, "T0") == _line_of(run, "T1") == READ
        for task in ("T0", "T1"):  # both read 0
            _step(gate, task)
        assert _line_of(run, "T0") == _line_of(run, "T1") == WRITE
        gate.release()
        assert run.join(WAIT_S)
    finally:
        run.stop()
    out = "".join(ev.data[1] for ev in run.recorder.events() if ev.kind == "output")
    assert "total 1" in out  # both read 0: one update lost, forced by the steps
    assert run.report()["exit_code"] == 0


def test_the_same_program_stepped_one_thread_at_a_time_loses_nothing(tmp_path: Path) -> None:
    run, gate = _started(tmp_path, RACE)
    try:
        _main_to(run, gate, 12)
        _until(lambda: {"T0", "T1"} <= set(gate.parked()))
        for task in ("T0", "T0", "T1", "T1"):  # each reads and writes before the other
            _step(gate, task)
        gate.release()
        assert run.join(WAIT_S)
    finally:
        run.stop()
    out = "".join(ev.data[1] for ev in run.recorder.events() if ev.kind == "output")
    assert "total 2" in out


def test_a_thread_waiting_for_a_lock_another_holds_is_blocked(tmp_path: Path) -> None:
    run, gate = _started(tmp_path, LOCKED)
    try:
        _main_to(run, gate, 12)
        _until(lambda: {"H0", "H1"} <= set(gate.parked()))
        _step(gate, "H0")  # takes the lock; stops before `x = 1`, holding it
        assert _line_of(run, "H0") == 6
        assert _step(gate, "H1") == "stepped"  # runs `with lock:`: waits for it
        _until(lambda: "H1" in (run.gate_told or {}).get("blocked", []))
        assert gate.grant("H1") == "blocked"  # a step cannot move it: nothing is queued
        for _ in range(5):  # H0 to the end of its `with`: the lock is free, H1 takes it
            if _line_of(run, "H1") == 6:
                break
            _step(gate, "H0")
        _until(lambda: _line_of(run, "H1") == 6 and gate.settled("H1"))
        gate.release()
        assert run.join(WAIT_S)
    finally:
        run.stop()
    assert [t["status"] for t in run.report()["tasks"]] == ["done"] * 3


def test_coroutines_step_from_await_to_await(tmp_path: Path) -> None:
    run, gate = _started(tmp_path, ASYNC)
    try:
        _main_to(run, gate, 10)
        # asyncio.run: the thread runs the loop from here (its tasks' lines are theirs),
        # and main() waits for a step
        assert gate.grant("MainThread") == "stepped"
        _until(lambda: any(t.startswith("Task-1") for t in gate.parked()))
        main = next(t for t in gate.parked() if t.startswith("Task-1"))
        # to its gather, which it awaits (not parked: it goes on when both jobs end), and
        # two tasks each waiting for their first step
        assert gate.grant(main, "await") == "stepped"
        _until(lambda: len([t for t in gate.parked() if "job" in t]) == 2)
        b = sorted(t for t in gate.parked() if "job" in t)[1]
        _step(gate, b, "await")
        _step(gate, b, "await")  # b ends first, though a was made first
        gate.release()
        assert run.join(WAIT_S)
    finally:
        run.stop()
    out = [ev.data[1] for ev in run.recorder.events() if ev.kind == "output"]
    assert "".join(out).splitlines() == ["b done", "a done"]


def test_reset_ends_a_program_whose_threads_wait_for_steps(tmp_path: Path) -> None:
    run, gate = _started(tmp_path, RACE)
    _main_to(run, gate, 12)
    _until(lambda: {"T0", "T1"} <= set(gate.parked()))
    t0 = time.perf_counter()
    run.cancel()
    assert run.join(WAIT_S)
    assert time.perf_counter() - t0 < 2.0


def test_space_in_the_window_steps_a_traced_program_and_runs_it_to_the_end(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "race.py"
    script.write_text(RACE)
    window.step_action.setChecked(True)
    assert window.trace_program(str(script))
    gate = window.bridge.gate
    assert isinstance(gate, RemoteGate)
    qtbot.waitUntil(lambda: "MainThread" in gate.parked(), timeout=int(WAIT_S * 1000))
    # its lane drawn (the number keys are the lanes', in order), and its key said
    qtbot.waitUntil(lambda: "MainThread" in window.colors, timeout=int(WAIT_S * 1000))
    assert "1 = MainThread" in window.verdict.idle_text()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    run = window.bridge.traced()
    assert run is not None
    for _ in range(3):  # 1 = MainThread, its first lane: one line a press
        before = len([ev for ev in run.recorder.events() if ev.kind == "go"])
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_1)
        qtbot.waitUntil(
            lambda before=before: len([e for e in run.recorder.events() if e.kind == "go"])
            > before,
            timeout=int(WAIT_S * 1000),
        )
        qtbot.waitUntil(lambda: gate.settled("MainThread"), timeout=int(WAIT_S * 1000))
    assert run.alive  # still waiting for steps
    QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Space)  # all to the end
    qtbot.waitUntil(lambda: window.bridge.result is not None, timeout=int(WAIT_S * 1000))
    assert window.bridge.result is not None
    assert "Ended" in window.verdict.text() or "exit code 0" in window.verdict.text()
    window.step_action.setChecked(False)


EVENT = """\
import threading
ready = threading.Event()

def waiter():
    ready.wait()
    x = 1
    x += 1

t = threading.Thread(target=waiter, name="W")
t.start()
ready.set()
t.join()
"""


def test_a_thread_waiting_on_an_event_is_blocked_and_steps_do_not_pile_up(
    tmp_path: Path,
) -> None:
    """A step given to a thread in an Event's wait was kept, and once the event was set
    it ran every kept step's line without stopping."""
    run, gate = _started(tmp_path, EVENT)
    try:
        _main_to(run, gate, 11)  # W started, main stops before ready.set()
        _until(lambda: "W" in gate.parked())
        assert _step(gate, "W") == "stepped"  # runs ready.wait(): waits
        _until(lambda: "W" in (run.gate_told or {}).get("blocked", []))
        for _ in range(3):
            assert gate.grant("W") == "blocked"  # nothing kept
        _step(gate, "MainThread")  # ready.set(): W wakes, runs to its next line, stops
        _until(lambda: _line_of(run, "W") == 6 and gate.settled("W"))
        time_ = time.monotonic()
        while time.monotonic() - time_ < 0.3:  # and stays there: no kept steps to run
            assert _line_of(run, "W") == 6
            time.sleep(0.02)
        gate.release()
        assert run.join(WAIT_S)
    finally:
        run.stop()
