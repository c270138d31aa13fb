"""Downloads in the window, and the app process around them (offscreen, loopback only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from threadtruth_gui.ui.panels.transfers import _FAILED, _SPEEDUP, _TIME

RUN_TIMEOUT_MS = 30_000
SMALL = {
    "n": 4,
    "size": 16,
    "latency": 0.05,
    "rate": 0.0,
    "timeout": 2.0,
    "fail": "",
    "urls": "",
    "out": "",
}


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def demo_servers() -> set[int]:
    """PIDs of demo server processes started (at any depth) by this test process."""
    me, pids = os.getpid(), set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"threadtruth_gui.engine.demo_server" not in cmd or b"--child" not in cmd:
            continue
        pid, depth = int(entry.name), 0
        while pid > 1 and depth < 10:
            pid, depth = _parent(pid), depth + 1
            if pid == me:
                pids.add(int(entry.name))
                break
    return pids


def test_threads_download_in_the_window_fills_the_transfers_panel(qtbot, window) -> None:
    window.select("downloads-threads")
    window.set_params({**SMALL, "fail": "404:2"})
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        window.start_run()
    result = blocker.args[0]
    assert [t["status"] for t in result.tasks] == ["done", "failed", "done", "done"]
    panel = window.transfers
    assert window.panel is panel
    assert panel.counts.text() == "3 / 4 done"
    assert panel.received.text() == "48.0 KiB"
    assert panel.table.horizontalHeaderItem(0).text() == "threads"
    assert panel.table.item(0, 0).text() == "3"  # done
    assert panel.table.item(_FAILED, 0).text() == "1"  # failed
    assert panel.table.item(_TIME, 0).text().endswith(" s")  # time
    assert "T2: HTTP 404" in panel.failed.text()
    assert window.verdict.headline() == "3 of 4 files downloaded in " + (
        f"{result.outcome['modes']['threads']['total_s']:.2f} s"
    )


def test_compare_in_the_window_shows_three_modes(qtbot, window) -> None:
    window.select("downloads-compare")
    window.set_params({**SMALL, "n": 3})
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS):
        window.start_run()
    table = window.transfers.table
    modes = [table.horizontalHeaderItem(c).text() for c in range(3)]
    assert modes == ["sequential", "threads", "asyncio"]
    assert all(table.item(0, c).text() == "3" for c in range(3))  # done
    assert table.item(_SPEEDUP, 1).text().endswith("×")  # speedup over sequential
    assert window.verdict.headline().startswith("Speedup over one by one: threads ")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"urls": "ftp://example.org/x"}, "bad URL"),
        ({"out": "/no/such/folder"}, "no such folder"),
        ({"fail": "boom:1"}, "bad fault"),
    ],
)
def test_bad_settings_are_shown_and_nothing_starts(qtbot, window, setting, message) -> None:
    window.select("downloads-threads")
    window.set_params({**SMALL, **setting})
    window.start_run()
    assert message in window.statusBar().currentMessage()
    assert not window.bridge.running
    assert window.bridge.run is None


def test_run_and_reset_10_times_returns_to_the_thread_baseline(qtbot, window) -> None:
    # each run starts a demo server process: 10 are enough to show a leak of one per run
    # (tests/test_soak.py runs 200 resets over every scenario)
    window.select("downloads-threads")
    window.set_params({**SMALL, "n": 3, "rate": 64.0, "size": 64})
    baseline = threading.active_count()
    servers = demo_servers()
    for _ in range(10):
        window.start_run()
        window.reset_run()
        assert not window.bridge.running
    # Reset gives the window back at once; the reset runs end meanwhile, each stopping
    # its server (one still starting may take its start-up limit, 10 s, then 2 s to stop)
    qtbot.waitUntil(lambda: not window.bridge.stopping, timeout=15_000)
    assert threading.active_count() == baseline
    assert demo_servers() == servers


def _app(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen(
        [sys.executable, "-m", "threadtruth_gui", "gui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


_QASYNC_1000 = """
import asyncio, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import qasync
from PySide6.QtWidgets import QApplication
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.scenarios import get

app = QApplication([])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
scenario = get("downloads-asyncio")
params = scenario.resolve({"n": 1000, "size": 4, "latency": 0.2, "rate": 0.0})
run = Run(scenario.plan(params), loop=loop)  # every coroutine on the qasync loop


async def wait():
    run.start()
    while not run.finished:
        await asyncio.sleep(0.02)


with loop:
    loop.run_until_complete(wait())
result, _ = scenario.finish(run, params)
print(sum(t["status"] == "done" for t in result.tasks))
"""


def test_1000_aiohttp_downloads_on_the_qasync_loop_then_a_clean_exit() -> None:
    """Guards against the PySide6 6.12 exit abort (docs/ARCHITECTURE.md): the interpreter
    must exit 0 after a thousand aiohttp downloads ran on the qasync loop in a process
    with Qt."""
    proc = subprocess.run(
        [sys.executable, "-c", _QASYNC_1000], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["1000"]


def test_app_runs_1000_asyncio_downloads_and_exits_0() -> None:
    with _app(
        "downloads-asyncio",
        "--run",
        "--exit-when-done",
        "--n",
        "1000",
        "--size",
        "4",
        "--latency",
        "0.2",
        "--rate",
        "0",
    ) as proc:
        out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-2000:]
    assert out.splitlines() == [
        "running",
        "1000 of 1000 files downloaded in " + out.splitlines()[1].rsplit(" in ", 1)[1],
    ]
    assert "Traceback" not in err


def test_closing_mid_download_exits_0_within_2_s_and_leaves_nothing(tmp_path: Path) -> None:
    servers = demo_servers()
    with _app(
        "downloads-threads",
        "--run",
        "--exit-when-done",  # prints "running" once the run started
        "--n",
        "20",
        "--size",
        "512",
        "--rate",
        "64",
        "--latency",
        "0",
        "--out",
        str(tmp_path),
    ) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "running"
            deadline = time.monotonic() + 20
            while not any(tmp_path.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert any(tmp_path.iterdir()), "no download had started"
            t0 = time.perf_counter()
            proc.send_signal(signal.SIGINT)  # the same path as closing the window
            _out, err = proc.communicate(timeout=10)
            elapsed = time.perf_counter() - t0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err
    assert elapsed < 2.0
    assert list(tmp_path.iterdir()) == []  # partial files removed
    deadline = time.monotonic() + 2
    while demo_servers() - servers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert demo_servers() - servers == set()


def test_a_big_run_goes_to_a_child_process_and_comes_back_whole(qtbot, window) -> None:
    window.select("downloads-threads")
    window.set_params({**SMALL, "n": 201, "size": 4})
    baseline = threading.active_count()
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        window.start_run()
    assert window.bridge.in_child
    result = blocker.args[0]
    assert len(result.tasks) == 201
    assert {t["status"] for t in result.tasks} == {"done"}
    assert window.transfers.counts.text() == "201 / 201 done"
    assert result.outcome["modes"]["threads"]["thread_growth"] > 1  # measured in the child
    assert threading.active_count() <= baseline  # none of them in the window's process
