"""SIGTERM (kill, a shutdown) and SIGHUP (a logout) end the app the way closing the window
does: the run is cancelled, child processes are stopped, temp folders are removed, and the
exit is quiet. The window exits 0, like its close button; a CLI command exits 128 + the
signal's number (143 for SIGTERM, 129 for SIGHUP), like a shell reports a killed command.

Each test starts the real app in a subprocess, waits until the run is under way (its child
process, temp folder or threads exist: no sleep decides it), sends the signal, and checks
what is left behind. Linux only: the leftovers are read from /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP}


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (state first), or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and fields[1] == str(pid):
                found.add(int(entry.name))
    return found


def _running(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"  # a zombie has ended


def _threads(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _until(what: str, done: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not done():
        assert proc.poll() is None, f"the app ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no {what} within 60 s"
        time.sleep(0.05)


def _start(args: list[str], tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, TMPDIR=str(temp), XDG_CONFIG_HOME=str(tmp_path / "config"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "threadtruth_gui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return proc, temp


def _signal_and_check(
    proc: subprocess.Popen[str], sig: signal.Signals, temp: Path, children: set[int]
) -> tuple[int, str]:
    try:
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    left = {pid for pid in children if _running(pid)}
    for pid in left:  # (not left to the next test either)
        os.kill(pid, signal.SIGKILL)
    assert "Traceback" not in err and "Error" not in err, err[-3000:]
    assert list(temp.iterdir()) == [], "temp folders were left behind"
    assert not left, "child processes outlived the app"
    return proc.returncode, err


@pytest.mark.parametrize("name", list(SIGNALS))
def test_a_signal_closes_the_window_mid_child_process_run_like_the_close_button(
    name: str, tmp_path: Path
) -> None:
    # thread-cost with this many tasks runs in a child process (more than the bridge's
    # IN_PROCESS_MAX_TASKS), with its temp folder, for several seconds
    proc, temp = _start(["gui", "thread-cost", "--tasks", "5000", "--run"], tmp_path)
    children: set[int] = set()

    def child_running() -> bool:
        children.update(_children(proc.pid))
        return bool(children) and any(p.name.startswith("threadtruth-run-") for p in temp.iterdir())

    _until("child-process run", child_running, proc)
    code, _err = _signal_and_check(proc, SIGNALS[name], temp, children)
    assert code == 0  # closed as by its close button


@pytest.mark.parametrize("name", list(SIGNALS))
def test_a_signal_mid_download_cleans_up_the_cli_run(name: str, tmp_path: Path) -> None:
    args = ["run", "downloads-threads", "--n", "5", "--size", "512", "--rate", "32"]
    proc, temp = _start([*args, "--latency", "0"], tmp_path)
    children: set[int] = set()

    def downloading() -> bool:  # the demo server is a child; the files go to a temp folder
        children.update(_children(proc.pid))
        return bool(children) and any(p.is_file() for p in temp.rglob("*"))

    _until("download", downloading, proc)
    code, _err = _signal_and_check(proc, SIGNALS[name], temp, children)
    assert code == 128 + SIGNALS[name]


def test_sigterm_mid_thread_cost_run_on_the_cli_is_quiet(tmp_path: Path) -> None:
    proc, temp = _start(["run", "thread-cost", "--tasks", "5000"], tmp_path)
    _until("threads", lambda: _threads(proc.pid) > 500, proc)
    code, err = _signal_and_check(proc, signal.SIGTERM, temp, _children(proc.pid))
    assert code == 128 + signal.SIGTERM
    assert err == ""


_CTRL_C_ON_A_RUN_THREAD = """
import signal, threading, time
from threadtruth_gui.scenarios import get

def press_ctrl_c():
    while not any(t.name == "threadtruth-A" for t in threading.enumerate()):
        time.sleep(0.01)
    lane = next(t for t in threading.enumerate() if t.name == "threadtruth-A")
    time.sleep(0.2)
    signal.pthread_kill(lane.ident, signal.SIGINT)  # the kernel may pick any thread

threading.Thread(target=press_ctrl_c, daemon=True).start()
started = time.monotonic()
try:
    get("bank-race").execute({"delay": 2.0})
    print("ran to the end", round(time.monotonic() - started, 2))
except KeyboardInterrupt:
    print("interrupted", round(time.monotonic() - started, 2))
"""


def test_ctrl_c_delivered_to_a_run_thread_still_stops_the_command() -> None:
    # before: the main thread waited for the run without end; a SIGINT the kernel gave to
    # one of the run's threads was handled only when the run ended (a loaded machine saw
    # `threadtruth run` go on after Ctrl+C). The run takes 2 s; the stop comes at ~0.2 s.
    proc = subprocess.run(
        [sys.executable, "-c", _CTRL_C_ON_A_RUN_THREAD],
        capture_output=True,
        text=True,
        timeout=30,
    )
    said, seconds = proc.stdout.split()[0], float(proc.stdout.split()[-1])
    assert said == "interrupted", proc.stdout + proc.stderr
    assert seconds < 1.5, proc.stdout  # 2 s when the handler waits for the run's end
