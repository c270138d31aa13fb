"""A replay is compared with its recording on what the run decided, not on its times:
seconds, KiB, speedups and thread peaks differ between any two runs."""

from __future__ import annotations

import json
from pathlib import Path

from _cli import cli

from threadtruth_gui.runs import runfile
from threadtruth_gui.scenarios import get


def _saved(scenario: str, params: dict, tmp_path: Path) -> runfile.SavedRun:
    result, _lanes, events = get(scenario).execute(params)
    data = runfile.to_json(result, events, 0, False)
    return runfile.load(runfile.save(tmp_path / "run.ttrun", data))


def test_a_deadlock_run_replays_to_the_same_outcome(tmp_path: Path) -> None:
    saved = _saved("deadlock", {"delay": 0.05}, tmp_path)
    assert saved.result.outcome["deadlocked"]
    replays = [runfile.replay(saved) for _ in range(3)]
    # the detection time is measured anew each time: it is not part of the comparison
    assert all(r.same_outcome for r in replays), [r.result.outcome for r in replays]
    assert all(r.result.outcome["victim"] == saved.result.outcome["victim"] for r in replays)


def test_a_downloads_run_replays_to_the_same_outcome_on_the_cli(tmp_path: Path) -> None:
    run = cli("run", "downloads-threads", "--n", "2", "--latency", "0", "--save",
              str(tmp_path / "dl.ttrun"))  # fmt: skip
    assert run.returncode == 0, run.stderr
    proc = cli("replay", str(tmp_path / "dl.ttrun"), "--times", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["replay"]["same_outcome"] == 2


def test_a_different_outcome_is_named_and_explained_truly(tmp_path: Path) -> None:
    saved = _saved("deadlock", {"delay": 0.05}, tmp_path)
    changed = dict(saved.result.outcome, victim="nobody", detected_after_s=9.0)
    text = runfile.explain(saved, changed, same_schedule=True)
    assert "victim: recorded" in text and "detected_after_s" not in text
    assert "per line" in text  # a free run: what its recording cannot see
    saved.stepped = True
    assert "outside the schedule" in runfile.explain(saved, changed, same_schedule=True)
    assert "not run in the recorded order" in runfile.explain(saved, changed, False)
    assert runfile.explain(saved, saved.result.outcome, True) == ""


def test_only_measured_fields_are_left_out() -> None:
    outcome = {
        "files": 2,
        "modes": {"threads": {"total_s": 1.2, "peak_threads": 5, "task_threads": 2,
                              "thread_growth": 2, "peak_rss_growth_kib": 300}},
        "final_balance": -100,
    }  # fmt: skip
    assert runfile.comparable(outcome) == {
        "files": 2,
        "modes": {"threads": {"task_threads": 2}},
        "final_balance": -100,
    }


def test_who_backed_off_is_part_of_the_outcome_a_replay_must_reproduce() -> None:
    # before: the outcome did not record who gave up a timed wait, so a replay in which A
    # backed off instead of B was "the same outcome" while its verdict named the other thread
    from threadtruth_gui.runs.runfile import differences
    from threadtruth_gui.scenarios import get

    # both take their first lock within the 0.3 s delay and wait 0.2 s for the other's:
    # one times out at least once (a thread would have to start 0.3 s late to avoid it)
    result, _lanes = get("deadlock").run({"variant": "timeout and back off", "delay": 0.3})
    backed = result.outcome["backed_off"]
    assert set(backed) == {"A", "B"} and sum(backed.values()) >= 1
    assert result.verdict is not None
    for name, n in backed.items():
        if n:
            assert name in result.verdict.detail
    swapped = dict(result.outcome, backed_off={"A": backed["B"] + 1, "B": backed["A"]})
    assert differences(result.outcome, swapped)
    older = {k: v for k, v in result.outcome.items() if k != "backed_off"}  # an older file
    assert differences(older, result.outcome) == []
