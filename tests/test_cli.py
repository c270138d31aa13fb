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


def test_list_aligns_its_columns() -> None:
    lines = cli("list").stdout.splitlines()
    ids = [line.split()[0] for line in lines]
    column = max(map(len, ids)) + 2
    assert all(line[column - 2 : column] == "  " and line[column] != " " for line in lines)


def _options(help_text: str) -> set[str]:
    return {word.strip("[],") for word in help_text.split() if word.startswith(("--", "[--"))}


@pytest.mark.parametrize("command", ["run", "many"])
def test_scenario_help_lists_only_its_own_parameters(command: str) -> None:
    from threadtruth_gui.scenarios import all_scenarios

    everyone = {f"--{p.name}" for s in all_scenarios() for p in s.params}
    for scenario in all_scenarios():
        proc = cli(command, scenario.id, "--help")
        assert proc.returncode == 0, proc.stderr
        own = {f"--{p.name}" for p in scenario.params}
        assert _options(proc.stdout) & everyone == own, scenario.id
        assert "scenario parameter" not in proc.stdout
        assert f"{scenario.id} parameters:" in proc.stdout
    text = " ".join(cli("run", "bank-race", "--help").stdout.split())
    assert "--delay X how long each thread waits between its check and its update; " in text
    assert "0 to 2 s; default 1 s" in text
    assert "--lock on|off" in text and "default off" in text


def test_help_without_a_scenario_says_where_the_parameters_are() -> None:
    proc = cli("run", "--help")
    assert proc.returncode == 0
    assert not _options(proc.stdout) & {"--lock", "--delay", "--tasks", "--out"}
    assert "threadtruth COMMAND SCENARIO --help" in " ".join(proc.stdout.split())


def test_another_scenarios_parameter_is_refused_in_one_line() -> None:
    proc = cli("run", "bank-race", "--tasks", "10")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "threadtruth: error: bank-race has no parameter 'tasks'"


@pytest.mark.heavy  # Qt's and the OS's behaviour, not the Python version's: 3.11 only
def test_gui_exit_when_done_without_run_starts_the_run_itself(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "threadtruth_gui", "gui", "bank-race", "--delay", "0",
         "--exit-when-done"],
        capture_output=True, text=True, env=env, timeout=50,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "running" and len(lines) == 2, proc.stdout
    assert "starts by itself in 5 s" in proc.stderr


def test_a_negative_value_after_its_option_is_refused_with_its_reason() -> None:
    # before: argparse took "-5,3" for an option: "argument --amounts: expected one argument"
    proc = cli("run", "bank-race", "--amounts", "-5,3")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "threadtruth: error: --amounts: -5 is negative: each must be between 1 and 100000"
    )
    proc = cli("run", "bank-race", "--balance", "-5")
    assert proc.returncode == 2 and "--balance must be between 0 and 100000" in proc.stderr


def test_true_is_not_a_number_of_dollars() -> None:
    # before: a run file's "balance": true ran with $1 (bool is an int to Python)
    from threadtruth_gui.scenarios import get

    with pytest.raises(ValueError, match="--balance must be a number, not True"):
        get("bank-race").resolve({"balance": True})
    assert get("bank-race").resolve({"delay": -0.0})["delay"] == 0.0
    assert str(get("bank-race").resolve({"delay": "-0"})["delay"]) == "0.0"
