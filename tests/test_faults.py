"""Faults and hostile input end cleanly: long and foreign file names, paths the system
refuses, cleanup that fails, run files nested too deep or too large."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _cli import cli

from threadtruth_gui.engine import files
from threadtruth_gui.engine.files import MAX_NAME_BYTES, safe_name
from threadtruth_gui.runs import runfile
from threadtruth_gui.scenarios import get

CJK = "文" * 90 + ".bin"  # 90 characters, 274 bytes of UTF-8: over the 255 a name may have
LONG = "x" * 5000  # a path longer than the system takes (PATH_MAX is 4096)


class _Files(http.server.BaseHTTPRequestHandler):
    """Any path is a 1 KiB file, except /missing.bin: 404."""

    def do_GET(self) -> None:  # the name http.server calls
        if self.path.endswith("/missing.bin"):
            self.send_error(404)
            return
        body = b"x" * 1024
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_names_are_capped_in_bytes_suffix_included() -> None:
    taken: set[str] = set()
    names = [safe_name(CJK, taken) for _ in range(12)]
    assert names[1].endswith(" (2).bin") and names[11].endswith(" (12).bin")
    assert len(set(names)) == 12
    assert all(len(name.encode()) <= MAX_NAME_BYTES for name in names)
    assert safe_name("é" * 300, set()).encode().decode() == "é" * 120  # whole characters


@pytest.mark.parametrize(
    "scenario", ["downloads-sequential", "downloads-threads", "downloads-asyncio"]
)
def test_a_long_cjk_name_saves_in_every_download_mode(
    scenario: str, server: str, tmp_path: Path
) -> None:
    url = f"{server}/files/{CJK}"
    result, _lanes = get(scenario).run({"urls": f"{url} {url}", "out": str(tmp_path)})
    assert [t["status"] for t in result.tasks] == ["done", "done"], result.tasks
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert len(saved) == 2 and all(len(n.encode()) <= MAX_NAME_BYTES for n in saved), saved
    assert all((tmp_path / n).stat().st_size == 1024 for n in saved)


def test_a_failing_unlink_in_cleanup_does_not_hide_the_real_error(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unlink(path: Any) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    # only the download folder's os.unlink fails; the rest of os is the real one
    monkeypatch.setattr(files, "os", SimpleNamespace(**{**vars(os), "unlink": unlink}))
    result, _lanes = get("downloads-threads").run(
        {"urls": f"{server}/files/missing.bin", "out": str(tmp_path)}
    )
    error = result.tasks[0]["error"]
    assert error.startswith("HTTP 404"), error
    assert "could not be removed: Permission denied" in error


def _one_line_exit_2(*args: str) -> str:
    proc = cli(*args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("threadtruth: error:"), proc.stderr[-2000:]
    assert len(lines[0]) < 300  # the 5,000-character path is shortened
    return lines[0]


@pytest.mark.parametrize(
    "scenario",
    ["downloads-sequential", "downloads-threads", "downloads-asyncio", "downloads-compare"],
)
def test_a_5000_character_out_path_is_one_line_and_exit_2(scenario: str) -> None:
    assert "File name too long" in _one_line_exit_2("run", scenario, "--out", LONG)


@pytest.mark.parametrize(
    "args",
    [
        ["run", "bank-race", "--delay", "0", "--save", LONG + ".ttrun"],
        ["run", "bank-race", "--delay", "0", "--trace", LONG + ".json"],
        ["run", "bank-race", "--delay", "0", "--csv", LONG + ".csv"],
        ["run", "bank-race", "--delay", "0", "--gif", LONG + ".gif"],
        ["run", "bank-race", "--delay", "0", "--save", "y" * 300 + ".ttrun"],  # a long name
        ["shot", "bank-race", LONG + ".png"],
        ["replay", LONG + ".ttrun"],
    ],
    ids=["save", "trace", "csv", "gif", "save-name", "shot", "replay"],
)
def test_every_path_the_system_refuses_is_one_line_and_exit_2(args: list[str]) -> None:
    _one_line_exit_2(*args)


def test_replay_of_what_is_not_a_readable_file_is_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.ttrun"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    assert "not a regular file" in _one_line_exit_2("replay", str(fifo))
    assert "is a folder" in _one_line_exit_2("replay", str(tmp_path))


def test_a_run_file_nested_50000_deep_is_refused_in_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.ttrun"
    deep.write_text("[" * 50_000 + "]" * 50_000)
    assert "nests deeper than 32 levels" in _one_line_exit_2("replay", str(deep))
    truncated = tmp_path / "cut.ttrun"
    truncated.write_text('{"events": ' + "[" * 50_000)
    with pytest.raises(runfile.RunFileError, match="nests deeper"):
        runfile.load(truncated)


def test_nesting_is_counted_outside_strings_only() -> None:
    assert not runfile.too_deep(b'{"a": "' + b"[" * 100 + b'"}')
    assert not runfile.too_deep(b"[" * 32 + b"]" * 32)
    assert runfile.too_deep(b"[{" * 16 + b"[]" + b"}]" * 16)
    assert runfile.too_deep(b"[" * 10_000_000 + b"]" * 10_000_000)


def test_a_saved_run_still_loads_under_the_limits(tmp_path: Path) -> None:
    result, _lanes, events = get("deadlock").execute({"delay": 0.05})
    path = runfile.save(tmp_path / "d.ttrun", runfile.to_json(result, events, 0, False))
    assert runfile.load(path).result.outcome == result.outcome


def test_a_run_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.ttrun"
    big.write_text("[" + "0," * 600 + "0]")
    monkeypatch.setattr(runfile, "MAX_BYTES", 1000)
    with pytest.raises(runfile.RunFileError, match="too large"):
        runfile.load(big)


def test_a_run_file_with_a_huge_integer_is_refused_in_one_line(tmp_path: Path) -> None:
    # before: json's int conversion limit raised ValueError, a traceback and exit 1
    path = tmp_path / "big.ttrun"
    path.write_text('{"format": "threadtruth-run", "version": ' + "9" * 5000 + "}")
    proc = cli("replay", str(path))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "big.ttrun is not a readable run file" in proc.stderr


def test_a_file_where_the_folder_should_be_is_named_as_such(tmp_path: Path) -> None:
    # before: "folder …/a-file does not exist", though it exists: it is a file
    (tmp_path / "a-file").write_text("x")
    proc = cli("run", "bank-race", "--delay", "0", "--csv", str(tmp_path / "a-file" / "x.csv"))
    assert proc.returncode == 2 and "a-file is a file, not a folder" in proc.stderr
    with pytest.raises(runfile.RunFileError, match="a-file is a file, not a folder"):
        runfile.save(tmp_path / "a-file" / "x.ttrun", {})
