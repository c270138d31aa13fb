"""The command line, run as a user would run it (a subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli import cli


def test_list_prints_ids_and_titles() -> None:
    proc = cli("list")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split()[0] == "bank-race"
    assert lines[1].split()[0] == "bank-deposit"
    assert "ATM" in lines[0]


@pytest.mark.parametrize(
    ("scenario", "lock", "final", "statuses"),
    [
        ("bank-race", "off", -100, ["succeeded", "succeeded"]),
        ("bank-race", "on", 400, ["succeeded", "denied"]),
        ("bank-deposit", "on", 800, ["succeeded", "succeeded"]),
    ],
)
def test_run_json(scenario: str, lock: str, final: int, statuses: list[str]) -> None:
    proc = cli("run", scenario, "--lock", lock, "--delay", "0.1", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["scenario"] == scenario
    assert out["params"] | {"lock": lock == "on", "delay": 0.1} == out["params"]
    assert out["outcome"]["final_balance"] == final
    assert [t["status"] for t in out["tasks"]] == statuses
    assert [t["name"] for t in out["tasks"]] == ["A", "B"]
    assert all(isinstance(t["amount"], int) for t in out["tasks"])
    assert 0.1 <= out["duration_s"] < 5
    assert out["events"] > 10


def test_run_deposit_without_lock_is_a_lost_update() -> None:
    out = json.loads(cli("run", "bank-deposit", "--lock", "off", "--delay", "0.1", "--json").stdout)
    assert out["outcome"]["final_balance"] != 800


def test_run_plain_text() -> None:
    proc = cli("run", "bank-race", "--delay", "0.2")
    assert proc.returncode == 0
    assert "Overdraft: -$100" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nope"], "unknown scenario 'nope'"),
        (["run", "bank-race", "--delay", "-1"], "--delay must be between 0 and 2"),
        (["run", "bank-race", "--delay", "soon"], "--delay must be a number"),
        (["run", "bank-race", "--lock", "maybe"], "--lock must be on or off"),
        (["run"], "the following arguments are required"),
        (["frobnicate"], "invalid choice"),
        (["shot", "bank-race", "/no/such/folder/out.png"], "does not exist"),
        (["shot", "bank-race", "out.jpg"], "must end in .png"),
        (["shot", "nope", "out.png"], "unknown scenario"),
        (["gui", "--delay", "1"], "need a SCENARIO"),
        (["shot", "bank-race", "x.png", "--window", "big"], "--window must look like"),
    ],
)
def test_bad_arguments_give_one_line_and_status_2(args: list[str], message: str) -> None:
    proc = cli(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("threadtruth: error:")
    assert message in lines[0]


def test_shot_into_a_folder_path_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "dir.png"
    target.mkdir()
    proc = cli("shot", "bank-race", str(target))
    assert proc.returncode == 2
    assert "it is a folder" in proc.stderr


def test_shot_writes_a_png_of_the_finished_run(tmp_path: Path) -> None:
    out = tmp_path / "race.png"
    proc = cli(
        "shot", "bank-race", str(out), "--lock", "off", "--delay", "0.2", "--window", "1280x800"
    )
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 800)
