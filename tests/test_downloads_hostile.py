"""Downloads from a hostile server of the test's own, on 127.0.0.1: streams that never
end, a trickle of bytes, a gzip bomb, redirects to other schemes and in a loop, Ctrl+C
while a thread is stuck. Nothing may fill the disk, hang, or leave a partial file."""

from __future__ import annotations

import gzip
import http.server
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _cli import cli

from threadtruth_gui.scenarios import get

MIB = 1024 * 1024
BOMB_MIB = 8  # what the gzip bomb inflates to
TRICKLE_S = 0.3  # the trickle's gap between two bytes: far under the 5 s read timeout


def _bomb() -> bytes:
    return gzip.compress(b"\0" * (BOMB_MIB * MIB), compresslevel=9)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        path = self.path
        stop = self.server.stop
        if path == "/forever":  # no length: the body ends when the connection does
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            block = b"x" * 65536
            while not stop.is_set():
                self.wfile.write(block)
        elif path == "/trickle":  # one byte every TRICKLE_S, each read well in time
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.flush()
            while not stop.wait(TRICKLE_S):
                self.wfile.write(b"x")
                self.wfile.flush()
        elif path == "/slowhead":  # headers that never end, a byte at a time
            self.server.heads.set()
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            self.wfile.flush()
            while not stop.wait(TRICKLE_S):
                self.wfile.write(b"x")
                self.wfile.flush()
        elif path == "/bomb.bin":
            body = self.server.bomb
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path.startswith("/to/"):  # /to/file, /to/ftp
            target = {"file": "file:///etc/passwd", "ftp": "ftp://127.0.0.1/x"}[path[4:]]
            self._redirect(target)
        elif path == "/loop":
            self._redirect("/loop")
        elif path == "/huge.bin":  # says 5 MiB, which is over a 1 MiB cap
            self.send_response(200)
            self.send_header("Content-Length", str(5 * MIB))
            self.end_headers()
            self.wfile.write(b"\0" * (5 * MIB))
        elif path == "/small.txt":
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"hello")
        else:
            self.send_error(404)

    def _redirect(self, target: str) -> None:
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True  # server_close() joins the handler threads

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stop = threading.Event()
        self.heads = threading.Event()  # a client is reading /slowhead's headers
        self.bomb = _bomb()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-body: expected here


@pytest.fixture(scope="module")
def hostile() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def _run(scenario: str, urls: list[str], out: Path, **params: Any) -> list[dict[str, Any]]:
    result, _lanes = get(scenario).run({"urls": "\n".join(urls), "out": str(out), **params})
    return result.tasks


MODES = ["downloads-threads", "downloads-asyncio", "downloads-sequential"]


@pytest.mark.parametrize("scenario", MODES)
def test_a_stream_that_never_ends_stops_at_the_file_cap(
    scenario: str, hostile: _Server, tmp_path: Path
) -> None:
    (task,) = _run(scenario, [hostile.url("/forever")], tmp_path, cap=1)
    assert task["status"] == "failed"
    assert task["error"] == "stopped at the 1 MiB cap"
    assert list(tmp_path.iterdir()) == []  # its partial file went


@pytest.mark.parametrize("scenario", MODES[:2])
def test_the_run_cap_stops_every_file_of_the_run(
    scenario: str, hostile: _Server, tmp_path: Path
) -> None:
    urls = [hostile.url("/forever"), hostile.url("/forever")]
    tasks = _run(scenario, urls, tmp_path, cap=100, total=3)
    assert [t["status"] for t in tasks] == ["failed", "failed"]
    assert {t["error"] for t in tasks} == {"stopped at the 3 MiB cap for the whole run"}
    assert sum(t["bytes"] for t in tasks) <= 3 * MIB + 2 * 65536  # at most a read each over
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scenario", MODES)
def test_a_gzip_bomb_is_not_inflated_past_the_cap(
    scenario: str, hostile: _Server, tmp_path: Path
) -> None:
    assert len(hostile.bomb) < 64 * 1024  # small on the wire; BOMB_MIB once inflated
    (task,) = _run(scenario, [hostile.url("/bomb.bin")], tmp_path, cap=1)
    assert task["status"] == "failed"
    assert task["error"] == "stopped at the 1 MiB cap"
    assert task["bytes"] <= MIB
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scenario", MODES[:2])
def test_a_length_over_the_cap_is_not_downloaded(
    scenario: str, hostile: _Server, tmp_path: Path
) -> None:
    (task,) = _run(scenario, [hostile.url("/huge.bin")], tmp_path, cap=1)
    assert task["status"] == "failed"
    assert task["error"] == "not downloaded: 5 MiB is over the 1 MiB cap"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scenario", MODES)
def test_a_trickle_stops_at_the_time_limit(scenario: str, hostile: _Server, tmp_path: Path) -> None:
    # each byte comes well within the 5 s read timeout: only the time limit can end it
    start = time.monotonic()
    (task,) = _run(scenario, [hostile.url("/trickle")], tmp_path, deadline=1.5)
    took = time.monotonic() - start
    assert task["status"] == "failed"
    assert task["error"] == "stopped after 1.5 s: the time limit for one file"
    assert took < 20  # (the trickle's 100,000 bytes would take 8 hours)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scenario", MODES)
def test_headers_that_never_end_stop_at_the_time_limit(
    scenario: str, hostile: _Server, tmp_path: Path
) -> None:
    (task,) = _run(scenario, [hostile.url("/slowhead")], tmp_path, deadline=1.5)
    assert task["status"] == "failed"
    assert task["error"] == "stopped after 1.5 s: the time limit for one file"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/to/file", "redirect to file:// refused: only http and https are followed"),
        ("/to/ftp", "redirect to ftp:// refused: only http and https are followed"),
        ("/loop", "too many redirects (a redirect loop?)"),
    ],
)
def test_bad_redirects_say_so_the_same_in_threads_and_asyncio(
    path: str, error: str, hostile: _Server, tmp_path: Path
) -> None:
    for scenario in MODES[:2]:
        (task,) = _run(scenario, [hostile.url(path)], tmp_path)
        assert (task["status"], task["error"]) == ("failed", error), scenario
    assert list(tmp_path.iterdir()) == []


def test_out_naming_a_file_says_it_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    proc = cli("run", "downloads-threads", "--out", str(file))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"threadtruth: error: --out: cannot save downloads in {file}: it is a file, not a folder"
    ]
    assert file.read_text() == "mine"


def test_the_limits_are_cli_options_with_their_defaults_in_help() -> None:
    proc = cli("run", "downloads-threads", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    cap = "--cap N a file bigger than this stops and is removed; 1 to 10240 MiB; default 100 MiB"
    assert cap in text
    assert "--total N pasted URLs: all files of a run together stop at this;" in text
    assert "default 1024 MiB" in text and "--deadline X a file still downloading" in text
    assert "default 600 s" in text


@pytest.mark.timeout(90)
def test_ctrl_c_ends_a_thread_stuck_on_a_trickle_at_once_and_removes_its_file(
    hostile: _Server, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    args = ["run", "downloads-threads", "--urls", hostile.url("/trickle"), "--out", str(out)]
    with subprocess.Popen(
        [sys.executable, "-m", "threadtruth_gui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        deadline = time.monotonic() + 30
        while not list(out.iterdir()):  # the thread is in its body: stuck on the trickle
            assert time.monotonic() < deadline, "the download did not start"
            time.sleep(0.05)
        time.sleep(0.3)  # a byte or so in, blocked in a read
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
        took = time.monotonic() - sent
    print(f"Ctrl+C to exit: {took:.2f} s")
    assert proc.returncode == 130
    assert list(out.iterdir()) == []  # its partial file went
    # 0.1-0.2 s here (the aim: 0.5 s); before the fix at least the 5 s the CLI waits for
    # a run to stop. 3 s: a margin a loaded machine cannot cross either way
    assert took < 3.0


def _cancel(run: Any) -> tuple[bool, float]:
    """Cancel `run`: whether it ended within 10 s, and how long that took."""
    sent = time.monotonic()
    run.cancel()
    stopped = run.join(10)
    return stopped, time.monotonic() - sent


@pytest.mark.parametrize("scenario", ["downloads-threads", "downloads-sequential"])
def test_cancel_lets_a_thread_stuck_on_a_trickle_go_at_once(
    scenario: str, hostile: _Server, tmp_path: Path
) -> None:
    params = {"urls": hostile.url("/trickle"), "out": str(tmp_path)}
    run = get(scenario).start(params)
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.iterdir()):
            assert time.monotonic() < deadline, "the download did not start"
            time.sleep(0.05)
        time.sleep(0.3)
        stopped, took = _cancel(run)
    finally:
        run.stop()
    print(f"cancel to end: {took:.2f} s")
    assert stopped
    assert list(tmp_path.iterdir()) == []
    # the watchdog looks every 0.05 s: 0.01-0.1 s here (the aim: 0.5 s); before the fix it
    # never ended (8 hours of trickle). 2.5 s: a margin for a loaded machine
    assert took < 2.5
    assert not [t for t in threading.enumerate() if t.name.startswith("threadtruth-")]


def test_cancel_lets_a_thread_waiting_for_headers_go_at_once(
    hostile: _Server, tmp_path: Path
) -> None:
    hostile.heads.clear()
    params = {"urls": hostile.url("/slowhead"), "out": str(tmp_path)}
    run = get("downloads-threads").start(params)
    try:
        assert hostile.heads.wait(30), "the download did not start"
        time.sleep(0.3)  # the thread is blocked reading the headers
        stopped, took = _cancel(run)
    finally:
        run.stop()
    print(f"cancel to end (headers): {took:.2f} s")
    assert stopped
    # 0.05 s here; before: never (the read timeout is 5 s a byte, a byte comes every
    # 0.3 s). 2.5 s: a margin for a loaded machine
    assert took < 2.5
    assert list(tmp_path.iterdir()) == []


def test_the_window_has_no_control_for_the_limits(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QToolBar, QWidget

    from threadtruth_gui.ui.params import ParamBar

    keys = QWidget()
    qtbot.addWidget(keys)
    bar = ParamBar(QToolBar(keys), QToolBar(keys), QToolBar(keys), keys)
    scenario = get("downloads-threads")
    bar.build(scenario)
    shown = {"n", "size", "latency", "rate", "timeout", "fail", "urls", "out"}
    assert set(bar.values()) == shown  # the settings rows are as they were
    bar.set_values(scenario.resolve({"cap": 5}))  # a saved run's values: no error
    assert scenario.resolve(bar.values())["cap"] == 100  # the window runs the default


@pytest.mark.parametrize("option", ["--cap=5", "--total=5", "--deadline=5"])
def test_the_window_refuses_a_limit_it_has_no_field_for(option: str) -> None:
    # before, `threadtruth gui downloads-threads --cap 5` opened the window and ran at the
    # default 100 MiB cap, silently
    result = cli("gui", "downloads-threads", option)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "for `threadtruth run` only" in lines[0], result.stderr
    assert option.split("=")[0] in lines[0]


def test_the_window_names_every_limit_it_has_no_field_for() -> None:
    result = cli("gui", "downloads-threads", "--total=5", "--deadline=3")
    assert result.returncode == 2, result.stderr
    assert "--total, --deadline are for `threadtruth run` only" in result.stderr
