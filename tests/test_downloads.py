"""Downloads on the offline demo server: what really arrived, what failed and why, and
what was left on disk (loopback only; no other network)."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from _cli import cli

from threadtruth_gui.engine.demo_server import (
    HASH_HEADER,
    DemoServer,
    ServerConfig,
    check_loopback,
    file_bytes,
    file_name,
    parse_faults,
)
from threadtruth_gui.engine.files import DownloadFolder, check_url, name_from_url, safe_name
from threadtruth_gui.scenarios import get

FAST = {"n": 6, "size": 64, "latency": 0.05, "rate": 4096.0, "timeout": 1.0}


def by_name(result) -> dict[str, dict]:
    return {t["name"]: t for t in result.tasks}


def test_server_serves_deterministic_verified_bytes_on_loopback() -> None:
    with DemoServer(ServerConfig(count=3, size=50_000)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        response = requests.get(server.file_urls()[1], timeout=5)
        assert response.status_code == 200
        assert response.content == file_bytes(2, 50_000)
        assert response.headers[HASH_HEADER] == hashlib.sha256(response.content).hexdigest()
        assert requests.get(f"{server.url}files/{file_name(4)}", timeout=5).status_code == 404
        assert requests.get(f"{server.url}files/..%2f..%2fetc", timeout=5).status_code == 404
        proc = server._proc
    assert proc is not None and proc.poll() is not None  # the process is gone


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "192.168.1.2", "example.com", "::"])
def test_server_refuses_anything_but_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback only"):
        check_loopback(host)
    proc = cli("serve", "--host", host, timeout=30)
    assert proc.returncode == 2
    assert "loopback only" in proc.stderr


def test_fault_specs_parse_or_say_why() -> None:
    assert parse_faults("404:3, reset:5,stall:7,500:1") == {
        3: "404",
        5: "reset",
        7: "stall",
        1: "500",
    }
    for bad in ("404", "boom:1", "404:x", "404:0"):
        with pytest.raises(ValueError, match="bad fault"):
            parse_faults(bad)


@pytest.mark.parametrize("scenario", ["downloads-threads", "downloads-asyncio"])
def test_every_file_arrives_and_verifies(scenario: str, tmp_path: Path) -> None:
    result, lanes = get(scenario).run({**FAST, "out": str(tmp_path)})
    assert [t["status"] for t in result.tasks] == ["done"] * 6
    assert all(t["verified"] is True and t["bytes"] == 64 * 1024 for t in result.tasks)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [file_name(n) for n in range(1, 7)]
    assert (tmp_path / file_name(3)).read_bytes() == file_bytes(3, 64 * 1024)
    track = next(iter(lanes.tasks.values()))
    assert [s.state for s in track.spans][:2] == ["connecting", "receiving"]
    assert track.received == track.total == 64 * 1024


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("404", "HTTP 404"),
        ("500", "HTTP 500"),
        ("reset", "connection reset after"),
        ("stall", "no data for 1 s"),
    ],
)
@pytest.mark.parametrize("scenario", ["downloads-threads", "downloads-asyncio"])
def test_each_fault_fails_only_its_file_and_leaves_no_partial(
    scenario: str, fault: str, error: str, tmp_path: Path
) -> None:
    result, _ = get(scenario).run({**FAST, "fail": f"{fault}:4", "out": str(tmp_path)})
    tasks = list(result.tasks)
    failed = [t for t in tasks if t["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["name"].endswith("4")
    assert failed[0]["error"].startswith(error)
    assert failed[0]["verified"] is False
    if fault in ("reset", "stall"):
        assert 0 < failed[0]["bytes"] < 64 * 1024  # it got part of the body, then no more
    assert all(t["status"] == "done" and t["verified"] for t in tasks if t not in failed)
    assert sorted(p.name for p in tmp_path.iterdir()) == [file_name(n) for n in (1, 2, 3, 5, 6)]


def test_sequential_takes_about_n_times_longer_than_threads_and_asyncio() -> None:
    params = {"n": 8, "size": 32, "latency": 0.15, "rate": 0.0, "timeout": 5.0}
    result, lanes = get("downloads-compare").run(params)
    modes = result.outcome["modes"]
    assert list(modes) == ["sequential", "threads", "asyncio"]
    assert modes["sequential"]["total_s"] >= 8 * 0.15
    assert modes["threads"]["speedup"] > 3
    assert modes["asyncio"]["speedup"] > 3
    assert modes["threads"]["thread_growth"] >= 8  # one thread per file
    # the loop's own thread, and the few that hash finished files
    assert modes["asyncio"]["thread_growth"] < modes["threads"]["thread_growth"]
    assert len(result.tasks) == 24
    assert {t["mode"] for t in result.tasks} == {"sequential", "threads", "asyncio"}
    # sequential lanes really do follow each other: each starts after the previous ended
    seq = [lanes.tasks[f"S{n}"] for n in range(1, 9)]
    for before, after in itertools.pairwise(seq):
        assert after.spans[0].start_ns >= before.spans[-1].start_ns


def test_cancel_mid_download_removes_partials_and_stops_everything(tmp_path: Path) -> None:
    scenario = get("downloads-threads")
    run = scenario.start({"n": 4, "size": 512, "rate": 64.0, "latency": 0.0, "out": str(tmp_path)})
    deadline = time.monotonic() + 10
    while not any(tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(tmp_path.iterdir()), "no download started"
    assert run.stop(timeout=5)
    result = run.result(scenario.id, {})
    assert {t["status"] for t in result.tasks} == {"cancelled"}
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("threadtruth-")]


def test_temporary_folder_is_removed_after_the_run() -> None:
    folder = DownloadFolder()
    path = folder.open()
    (path / "x").write_bytes(b"1")
    folder.close()
    assert not path.exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../x", "x"),
        ("/etc/passwd", "passwd"),
        ("", "download"),
        ("..", "download"),
        (".bashrc", "bashrc"),
        ("a\x00b.bin", "a_b.bin"),
        ("C:\\Windows\\evil.dll", "evil.dll"),
    ],
)
def test_safe_names_stay_inside_the_folder(raw: str, expected: str, tmp_path: Path) -> None:
    assert safe_name(raw, set()) == expected
    folder = DownloadFolder(str(tmp_path))
    folder.open()
    path = folder.claim(raw)
    assert path.parent == tmp_path.resolve()


def test_duplicate_names_never_overwrite_each_other(tmp_path: Path) -> None:
    (tmp_path / "data.bin").write_bytes(b"keep me")
    folder = DownloadFolder(str(tmp_path))
    folder.open()
    names = [folder.claim(name_from_url(f"http://h/{p}/data.bin")).name for p in "abc"]
    assert names == ["data (2).bin", "data (3).bin", "data (4).bin"]
    assert (tmp_path / "data.bin").read_bytes() == b"keep me"


@pytest.mark.parametrize("url", ["ftp://x/y", "example.com/file", "http://", "http://h:99999/"])
def test_bad_urls_are_refused_clearly(url: str) -> None:
    with pytest.raises(ValueError, match="bad URL"):
        check_url(url)


def test_cli_compare_json_shape() -> None:
    proc = cli(
        "run",
        "downloads-compare",
        "--n",
        "4",
        "--latency",
        "0.05",
        "--size",
        "16",
        "--fail",
        "404:3",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for mode in ("sequential", "threads", "asyncio"):
        assert out["outcome"]["modes"][mode]["total_s"] > 0
    assert len(out["tasks"]) == 12
    for task in out["tasks"]:
        assert {"name", "mode", "status", "bytes", "verified"} <= set(task)
        assert task["status"] in ("done", "failed")
        assert ("error" in task) == (task["status"] == "failed")
    assert [t["name"] for t in out["tasks"] if t["status"] == "failed"] == ["S3", "T3", "A3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--urls", "ftp://nope"], "bad URL"),
        (["--fail", "404:99"], "only 10"),
        (["--fail", "boom:1"], "bad fault"),
        (["--n", "0"], "between 1 and 1000"),
        (["--n", "2.5"], "whole number"),
        (["--out", "/no/such/dir"], "no such folder"),
    ],
)
def test_cli_bad_download_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    proc = cli("run", "downloads-threads", *args)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert message in proc.stderr


def test_ctrl_c_on_the_cli_cleans_up_its_temp_folder_and_server(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "threadtruth_gui",
            "run",
            "downloads-threads",
            "--n",
            "5",
            "--size",
            "512",
            "--rate",
            "32",
            "--latency",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        deadline = time.monotonic() + 30
        while not [p for p in tmp_path.rglob("*") if p.is_file()]:
            assert time.monotonic() < deadline, "no download started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
    assert proc.returncode == 130
    assert list(tmp_path.iterdir()) == []  # the run's temp folder went with its partials
