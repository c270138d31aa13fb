"""Issue 12's smaller items: `many` counts something real, errors quote a short piece of a
huge input, and `--trace`/`--csv` are written whole or not at all."""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _cli import cli

from threadtruth_gui import cli as cli_module
from threadtruth_gui.engine import export
from threadtruth_gui.engine.atomic import write_atomic
from threadtruth_gui.engine.clip import KEEP, clip
from threadtruth_gui.runs.many import run_many
from threadtruth_gui.scenarios import all_scenarios, get

HUGE = 100_000


# -- many --------------------------------------------------------------------------------------
def test_many_refuses_a_scenario_with_nothing_to_count() -> None:
    # before: a scenario with neither classify() nor an effect was counted by a balance it
    # does not have, and `many` printed a histogram of "None 10"
    nothing = dataclasses.replace(get("lost-updates"), effect=None)
    with pytest.raises(ValueError, match="no balance and no effect"):
        run_many(nothing, {}, 10)


def test_the_cli_refuses_it_in_one_line(monkeypatch, capsys) -> None:
    import threadtruth_gui.scenarios as scenarios

    nothing = dataclasses.replace(get("lost-updates"), effect=None)
    monkeypatch.setattr(scenarios, "get", lambda _id: nothing)
    assert cli_module.main(["many", "lost-updates", "--runs", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no balance and no effect" in err


def test_every_scenario_many_accepts_has_something_to_count() -> None:
    for scenario in all_scenarios():
        assert scenario.classify is not None or scenario.effect is not None, scenario.id


def test_many_lost_updates_counts_whether_updates_were_lost() -> None:
    proc = cli("many", "lost-updates", "--runs", "10", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "None" not in proc.stdout
    header, *rows = proc.stdout.splitlines()
    assert header.endswith("whether each showed its effect:")
    assert rows and all(re.match(r"\s+lost updates: (not )?shown\s+\d+", r) for r in rows)


# -- errors quote a short piece of the input -----------------------------------------------------
def _huge_inputs() -> list[list[str]]:
    xs, nines = "x" * HUGE, "9" * HUGE
    cases = [
        ["run", xs], ["many", xs], ["gui", xs], [xs], ["--" + xs], ["list", xs],
        ["run", "bank-race", "--schedule", xs], ["run", "bank-race", "--schedule", "A:" + xs],
        ["run", "bank-race", "--schedule", ":" + xs],
        ["run", "bank-race", "--speed", nines], ["many", "bank-race", "--runs", nines],
        ["many", "bank-race", "--runs", "9" * 4000],
        ["replay", "x.ttrun", "--times", nines], ["replay", "x.ttrun", "--times", "9" * 4000],
        ["shot", "bank-race", "a.png", "--window", xs],
        ["shot", "bank-race", "a.png", "--window", f"{nines}x{nines}"[:4000]],
        ["shot", "bank-race", "a.png", "--theme", xs],
        ["serve", "--fail", xs], ["serve", "--host", xs], ["serve", "--port", nines],
        ["run", "bank-race", "--trace", xs], ["run", "bank-race", "--save", xs],
        ["run", "bank-race", "--csv", xs + ".csv"],
    ]  # fmt: skip
    for scenario in all_scenarios():
        for p in scenario.params:
            for value in (xs, nines, "1," + xs, "1,-" + nines[:4000], "9" * 4000 + ".5"):
                cases.append(["run", scenario.id, f"--{p.name}", value])
    return cases


def test_errors_quote_at_most_about_200_characters_of_a_huge_input(capsys) -> None:
    # before: "--n must be a number, not 'xxxx…" echoed all 100,000 characters in one line
    too_long = []
    for argv in _huge_inputs():
        assert cli_module.main(argv) == 2, [a[:30] for a in argv]
        err = capsys.readouterr().err
        longest_run = max(len(m) for m in re.findall(r"x+|9+|-?\d[\d,.]*|$", err))
        if err.count("\n") != 1 or longest_run > KEEP or len(err) > 3 * KEEP:
            too_long.append(([a[:30] for a in argv], len(err), err[:120]))
    assert not too_long, too_long


def test_a_parameter_error_the_window_shows_is_short_too() -> None:
    for scenario in all_scenarios():
        for p in scenario.params:
            with pytest.raises(ValueError) as caught:
                scenario.resolve({p.name: "x" * HUGE if p.kind != "bool" else "maybe" * HUGE})
            assert len(str(caught.value)) <= 2 * KEEP, (scenario.id, p.name)


def test_clip_keeps_the_start_and_the_end_and_says_how_long() -> None:
    assert clip("short") == "short"
    text = "a" * 150 + "b" * 9_700 + "c" * 150
    shown = clip(text)
    assert shown.startswith("a" * 99 + "…") and "c" * 99 + " (10,000 characters)" in shown
    assert len(shown) <= KEEP + 25


# -- --trace and --csv on a full disk ----------------------------------------------------------
# A real full disk without root: the file-size limit (RLIMIT_FSIZE) makes a write past 1 KiB
# fail with EFBIG, as a full disk fails one with ENOSPC, at the same point of the same write
# (a bank-race run's trace is about 2.3 KB, its CSV 1.5 KB).
_FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing us
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
from threadtruth_gui.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("option", ["--trace", "--csv"])
def test_trace_and_csv_on_a_full_disk_leave_no_file(tmp_path: Path, option: str) -> None:
    pytest.importorskip("resource")  # POSIX: the limit is how the full disk is made
    out = tmp_path / ("run.json" if option == "--trace" else "run.csv")
    proc = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, "run", "bank-race", "--delay", "0.05", option, str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # before: exit 2, and a truncated 1,024-byte file was left in the folder
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"threadtruth: error: cannot write {out}: File too large")
    assert proc.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temp file


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "run.csv"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        export.write_events_csv(str(out), [])
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["run.csv"]
    monkeypatch.undo()
    write_atomic(out, "new")
    assert out.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # a replaced file keeps its mode


def test_a_new_file_gets_the_mode_open_gives(tmp_path: Path) -> None:
    plain, atomic = tmp_path / "plain.json", tmp_path / "atomic.json"
    plain.write_text("{}", encoding="utf-8")
    write_atomic(atomic, "{}")
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_a_symlink_is_written_through_not_replaced(tmp_path: Path) -> None:
    # before: the rename put a plain file where the link was (the file it pointed to kept
    # its old content, and the link was gone)
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]
