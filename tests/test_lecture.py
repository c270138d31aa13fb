"""The shipped lecture (every slide's preset valid and run) and `threadtruth lecture`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _cli import cli

from threadtruth_gui import assets
from threadtruth_gui.cli import main
from threadtruth_gui.lecture import Deck, load, run_preset
from threadtruth_gui.scenarios import get

POINT_CHARS = 60  # the shipped deck's own limit: a point is one line at 20 pt beside a run
# the scenarios the lecture's arc needs (issue 15), each on a slide of its own
ARC = {
    "downloads-sequential", "downloads-threads", "bank-race", "bank-deposit", "lost-updates",
    "deadlock", "gil-cpu", "thread-cost", "downloads-asyncio", "asyncio-race",
    "blocking-in-async",
}  # fmt: skip


@pytest.fixture(scope="module")
def shipped() -> Deck:
    decks = assets.lectures()
    assert decks and decks[0].name == assets.DEFAULT_LECTURE
    return load(str(decks[0]))


def test_the_shipped_lecture_follows_the_arc(shipped: Deck) -> None:
    assert len(shipped) >= 13
    assert shipped.title and shipped.author
    used = {s.preset.scenario for s in shipped.slides if s.preset is not None}
    assert used >= ARC
    assert [s.summary for s in shipped.slides if s.summary] == ["which-tool"]
    assert shipped.slides[-1].preset is None  # the discussion question
    assert shipped.slides[-1].title == "Discussion"


def test_every_slide_reads_on_a_projector(shipped: Deck) -> None:
    for slide in shipped.slides:
        assert 1 <= len(slide.points) <= 5, slide.label
        long = [p for p in slide.points if len(p) > POINT_CHARS]
        assert not long, f"{slide.label}: {long}"
        assert len(slide.notes) > 100, f"{slide.label}: speaker notes"


def test_the_race_presets_show_what_they_are_for(shipped: Deck) -> None:
    bank = [s.preset for s in shipped.slides if s.preset and s.preset.scenario == "bank-race"]
    free, forced, locked = bank
    assert (free.params["lock"], free.predict, free.schedule) == (False, True, ())
    assert (forced.params["lock"], forced.step, forced.schedule) == (False, True, tuple("ABAB"))
    assert (locked.params["lock"], locked.predict, locked.schedule) == (True, True, tuple("ABAB"))
    # the forced schedule makes the race certain, and the lock makes it right
    assert run_preset(forced)[0].outcome["final_balance"] == -100
    assert run_preset(locked)[0].outcome["final_balance"] == 400
    for slide in shipped.slides:
        if slide.preset is not None and slide.preset.predict:
            assert get(slide.preset.scenario).predict is not None


def test_every_preset_builds_its_plan(shipped: Deck) -> None:
    for slide in shipped.slides:
        if slide.preset is None:
            continue
        scenario = get(slide.preset.scenario)
        assert scenario.resolve(slide.preset.params) == slide.preset.params
        plan = scenario.plan(dict(slide.preset.params))
        assert plan.tasks, slide.label
        names = {spec.name for spec in plan.tasks}
        assert {step.split(":")[0] for step in slide.preset.schedule} <= names


@pytest.mark.heavy
def test_every_preset_runs_headless_in_a_few_seconds(shipped: Deck) -> None:
    """The whole deck clicks through in a few minutes: each preset run once, timed (run
    with -s to see the times)."""
    total = 0.0
    for slide in shipped.slides:
        if slide.preset is None:
            continue
        start = time.perf_counter()
        result, _lanes, _events = run_preset(slide.preset)
        took = time.perf_counter() - start
        total += took
        verdict = result.verdict.headline if result.verdict else "no verdict"
        print(f"{slide.number:2} {slide.preset.scenario:21} {took:6.2f} s  {verdict}")
        assert not result.error, f"{slide.label}: {result.error}"
        assert took < 30, slide.label
    print(f"all presets: {total:.2f} s")
    assert total < 120


# -- the command -----------------------------------------------------------------------------


def test_check_prints_ok_and_the_slide_count(
    shipped: Deck, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lecture", "--check"]) == 0
    assert capsys.readouterr().out == f"ok: {len(shipped)} slides\n"
    assert main(["lecture", "--check", str(assets.lectures()[0])]) == 0
    assert capsys.readouterr().out == f"ok: {len(shipped)} slides\n"


def test_check_of_a_bad_deck_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "T"\n[[slide]]\ntitle = "Race"\npoints = 3\n', encoding="utf-8")
    assert main(["lecture", "--check", str(bad)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == (
        f"threadtruth: error: {bad}: slide 1 (“Race”), points: must be a list of strings, e.g. "
        'points = ["one", "two"], not a whole number\n'
    )
    one = tmp_path / "one.toml"
    one.write_text('title = "T"\n[[slide]]\ntitle = "Only"\n', encoding="utf-8")
    assert main(["lecture", "--check", str(one)]) == 0
    assert capsys.readouterr().out == "ok: 1 slide\n"


def test_lecture_check_as_a_user_runs_it(tmp_path: Path) -> None:
    proc = cli("lecture", "--check")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("ok: ") and proc.stdout.endswith(" slides\n")
    proc = cli("lecture", "--check", str(tmp_path / "none.toml"))
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        f"threadtruth: error: {tmp_path}/none.toml: cannot read it: No such file or directory\n"
    )
