"""The lecture handout: `threadtruth handout DECK OUT_DIR` and `export_handout` (real runs)."""

from __future__ import annotations

import datetime
import os
import platform
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _cli import cli

from threadtruth_gui import assets
from threadtruth_gui.lecture import Deck, load
from threadtruth_gui.lecture.handout import (
    INDEX,
    STAGING_PREFIX,
    HandoutError,
    run_deck,
    write_handout,
)
from threadtruth_gui.lecture.handout_page import Picture
from threadtruth_gui.lecture.summary import NOT_RUN
from threadtruth_gui.ui.handout import export_handout

DECK = """\
title = "Races & locks <in> five minutes"
author = "A. Tester"

[[slide]]
title = "What a thread is <b>really</b>"
points = ["One flow of control & its stack", "They share <memory>"]

[[slide]]
title = "The ATM race, stepped"
points = ["A, B, A, B: one line each"]
[slide.preset]
scenario = "bank-race"
params = { lock = false, delay = 0.0 }
predict = true
schedule = ["A", "B", "A", "B"]

[[slide]]
title = "Deadlock"
points = ["Two locks, two orders"]
[slide.preset]
scenario = "deadlock"

[[slide]]
title = "What a thread costs"
[slide.preset]
scenario = "thread-cost"
params = { tasks = 50 }

[[slide]]
title = "Which tool when"
summary = "which-tool"
"""
RACE, DEADLOCK, COST = 1, 2, 3  # the slides' indexes in deck.slides


class Page(HTMLParser):
    """What the tests read of a page: its tags and their attributes, its text, its CSS."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.css: list[str] = []
        self._in: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        (self.css if self._in == "style" else self.text).append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())

    def attrs(self, name: str) -> list[str]:
        return [a[name] for _tag, a in self.tags if name in a]


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Deck:
    path = tmp_path_factory.mktemp("deck") / "small.toml"
    path.write_text(DECK, encoding="utf-8")
    return load(str(path))


@pytest.fixture(scope="module")
def runs(deck: Deck) -> dict[int, object]:
    return dict(run_deck(deck))


@pytest.fixture(scope="module")
def handout(deck: Deck, runs: dict[int, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handout") / "out"
    return export_handout(deck, out, runs)  # type: ignore[arg-type]


def _page(index: Path) -> Page:
    return Page(index.read_text(encoding="utf-8"))


def test_the_page_parses_and_names_every_slide(deck: Deck, handout: Path) -> None:
    page = _page(handout)
    assert page.words.startswith("Races & locks <in> five minutes")
    for slide in deck.slides:
        assert slide.title in page.words
        for point in slide.points:
            assert point in page.words
    tags = {tag for tag, _attrs in page.tags}
    assert not tags & {"b", "in", "memory", "script"}  # every text escaped, no script
    assert not [n for _t, a in page.tags for n in a if n.startswith("on")]


def test_every_image_is_a_file_beside_it_and_nothing_leaves_the_folder(handout: Path) -> None:
    text = handout.read_text(encoding="utf-8")
    page = Page(text)
    sources = page.attrs("src")
    assert len(sources) >= 3  # the race's GIF and PNG, the deadlock's and thread-cost's PNG
    for src in sources:
        assert (handout.parent / src).is_file(), src
    for url in sources + page.attrs("href"):
        assert "/" not in url and "\\" not in url and ":" not in url, url
        assert not url.startswith("..") and url.strip() == url, url
    assert "url(" not in text and "@import" not in text
    for scheme in ("http:", "https:", "file:", "//", "<script", "javascript:"):
        assert scheme not in text.lower(), scheme
    assert {p.name for p in handout.parent.iterdir()} == {INDEX, *sources}  # no staging left
    assert any(src.endswith(".gif") for src in sources)  # the race's GIF


def test_the_run_is_on_the_page_as_measured(runs: dict[int, object], handout: Path) -> None:
    words = _page(handout).words
    for index in (RACE, DEADLOCK, COST):
        result = runs[index][0]  # type: ignore[index]
        assert result.verdict is not None
        assert result.verdict.headline in words
        assert result.verdict.detail in words
    race = runs[RACE][0]  # type: ignore[index]
    assert f"final balance -${-race.outcome['final_balance']:,}" in words or (
        f"final balance ${race.outcome['final_balance']:,}" in words
    )
    assert "stepped A, B, A, B, then free" in words
    deadlock = runs[DEADLOCK][0]  # type: ignore[index]
    assert f"deadlocked {'yes' if deadlock.outcome['deadlocked'] else 'no'}" in words
    assert "The class's votes were not recorded" in words


def test_the_summary_is_filled_from_the_runs_made(runs: dict[int, object], handout: Path) -> None:
    words = _page(handout).words
    cost = runs[COST][0].outcome  # type: ignore[index]
    thread_kib = cost["threads"]["rss_per_task_kib"]
    assert f"{thread_kib:.1f} KiB a thread" in words
    assert f"{cost['coroutines']['rss_per_task_kib']:.1f} KiB a coroutine" in words
    assert words.count(NOT_RUN) >= 4  # downloads ×2, gil-cpu ×2: not in this deck
    assert "on this machine" in words


def test_the_header_names_the_machine_python_and_date(deck: Deck, handout: Path) -> None:
    words = _page(handout).words
    assert platform.python_version() in words
    assert re.search(r"GIL (on|off)", words)
    assert datetime.date.today().isoformat() in words
    assert f"{os.cpu_count()} cores" in words or "1 core" in words
    assert platform.node() not in words or platform.node() in deck.title  # no hostname


def test_votes_appear_when_given(deck: Deck, runs: dict[int, object], tmp_path: Path) -> None:
    votes = {RACE: {400: 3, -100: 6, "$500: B paid, A denied": 1}}
    index = export_handout(deck, tmp_path / "voted", runs, votes)  # type: ignore[arg-type]
    words = _page(index).words
    assert "What will the final balance be?" in words
    assert "$400: A paid, B denied 3 (30%)" in words
    assert "$500: B paid, A denied 1 (10%)" in words
    assert "-$100: both paid ← this run 6 (60%)" in words  # A, B, A, B: both paid


def test_a_previous_handout_is_replaced(
    deck: Deck, runs: dict[int, object], tmp_path: Path
) -> None:
    out = tmp_path / "again"
    out.mkdir()
    first = export_handout(deck, out, {})  # type: ignore[arg-type]  # a handout of before
    assert first == out / INDEX
    (out / "slide-09.png").write_bytes(b"old")  # a picture of a slide that is gone
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # not the handout's
    index = export_handout(deck, out, {RACE: runs[RACE]})  # type: ignore[dict-item]
    names = {p.name for p in out.iterdir()}
    assert "slide-09.png" not in names and "notes.txt" in names
    assert names >= {INDEX, "slide-02.png", "slide-02.gif"}
    assert "Not run yet" in _page(index).words  # the slides whose runs were not given


def test_an_interrupted_export_leaves_nothing(
    deck: Deck, runs: dict[int, object], tmp_path: Path
) -> None:
    def stop(*_args: object) -> list[Picture]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_handout(deck, tmp_path / "new", runs, pictures=stop)  # type: ignore[arg-type]
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    with pytest.raises(KeyboardInterrupt):
        write_handout(deck, kept, runs, pictures=stop)  # type: ignore[arg-type]
    assert kept.is_dir() and not list(kept.iterdir())


def test_a_foreign_folder_or_a_file_is_refused(tmp_path: Path) -> None:
    from threadtruth_gui.lecture.handout import check_out_dir

    (tmp_path / "x.txt").write_text("x", encoding="utf-8")
    with pytest.raises(HandoutError, match="has files and is not a handout"):
        check_out_dir(tmp_path)
    with pytest.raises(HandoutError, match="is a file, not a folder"):
        check_out_dir(tmp_path / "x.txt")
    with pytest.raises(HandoutError, match="is not a folder"):
        check_out_dir(tmp_path / "no" / "such")
    assert check_out_dir(tmp_path / "new") == tmp_path / "new"


# --- the command ---------------------------------------------------------------------


def test_the_command_runs_the_deck_and_writes_the_page(deck: Deck, tmp_path: Path) -> None:
    out = tmp_path / "made" / "here"
    (tmp_path / "made").mkdir()
    done = cli("handout", deck.source, str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / INDEX)
    lines = done.stderr.splitlines()
    assert re.fullmatch(r"slide 2/5: bank-race… \d+\.\d s", lines[0]), lines
    assert re.fullmatch(r"slide 3/5: deadlock… \d+\.\d s", lines[1]), lines
    assert re.fullmatch(r"pictures and page… \d+\.\d s", lines[-1]), lines
    assert all(slide.title in _page(out / INDEX).words for slide in deck.slides)


def test_bad_input_is_refused_before_anything_runs(deck: Deck, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("x", encoding="utf-8")
    a_file = tmp_path / "a.html"
    a_file.write_text("x", encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\n[[slide]]\ntitle = "y"\nnote = "z"\n', encoding="utf-8")
    cases = [
        ((str(tmp_path / "missing.toml"), str(tmp_path / "o1")), "missing.toml: cannot read it"),
        ((str(bad), str(tmp_path / "o2")), 'slide 1 (“y”), note: unknown key "note"'),
        ((deck.source, str(a_file)), "a.html is a file, not a folder"),
        (
            (deck.source, str(foreign)),
            "has files and is not a handout (no index.html written by threadtruth)",
        ),
    ]
    for args, message in cases:
        done = cli("handout", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("threadtruth: error: ") and message in done.stderr
        assert "slide 2/" not in done.stderr  # nothing ran
    assert [p.name for p in foreign.iterdir()] == ["thesis.tex"]
    assert a_file.read_text(encoding="utf-8") == "x"
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    deck = tmp_path / "slow.toml"
    deck.write_text(
        'title = "slow"\n[[slide]]\ntitle = "race"\n[slide.preset]\n'
        'scenario = "bank-race"\nparams = { delay = 2.0 }\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with subprocess.Popen(
        [sys.executable, "-m", "threadtruth_gui", "handout", str(deck), str(out)],
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stderr is not None
        assert proc.stderr.read(len("slide 1/1")) == "slide 1/1"  # the run has started
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert proc.wait(10) == 130
        took = time.monotonic() - started
        rest = proc.stderr.read()
    assert took < 5, took  # the run is stopped (exit 130), not waited for to its end
    assert "Traceback" not in rest, rest
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(STAGING_PREFIX)]


@pytest.mark.heavy
def test_the_shipped_lecture_s_handout(tmp_path: Path) -> None:
    shipped = load(str(assets.lectures()[0]))
    started = time.monotonic()
    done = cli("handout", str(assets.lectures()[0]), str(tmp_path / "h"), timeout=600)
    took = time.monotonic() - started
    print(f"\nthe shipped lecture's handout: {took:.1f} s\n{done.stderr}")
    assert done.returncode == 0, done.stderr
    page = _page(tmp_path / "h" / INDEX)
    for slide in shipped.slides:
        assert slide.title in page.words
    for src in page.attrs("src"):
        assert (tmp_path / "h" / src).is_file()
    runs = sum(1 for s in shipped.slides if s.preset is not None)
    assert len(re.findall(r"^slide \d+/\d+: ", done.stderr, re.M)) == runs
    assert NOT_RUN not in page.words  # every cell of the summary measured...
    assert "no scenario measures it" in page.words  # ...but those no scenario measures


def test_an_outcome_without_figures_is_shown_by_its_numbers() -> None:
    from threadtruth_gui.engine.result import RunResult
    from threadtruth_gui.lecture.handout_page import key_numbers

    mode = {"total_s": 2.5062, "peak_threads": 3, "peak_rss_growth_kib": 148}
    outcome = {"files": 6, "modes": {"sequential": mode}, "final_balance": -100, "ok": True}
    result = RunResult("downloads-sequential", {}, outcome, [], 2.6, 10, None, False)
    assert key_numbers(result) == [
        ("files", "6"),
        ("sequential: total", "2.51 s"),
        ("sequential: peak threads", "3"),
        ("sequential: peak rss growth", "148 KiB"),
        ("final balance", "-$100"),
        ("ok", "yes"),
    ]


def test_a_run_with_a_setting_changed_live_says_what_it_ran_with(
    deck: Deck, tmp_path: Path
) -> None:
    """In the window a lecturer may press L and run the slide again: the handout names the
    settings that run had, not the slide's."""
    from threadtruth_gui.scenarios import get

    sc = get("bank-race")
    locked = sc.execute(sc.resolve({"lock": True, "delay": 0.0}), schedule=["A", "B", "A", "B"])
    index = export_handout(deck, tmp_path / "live", {RACE: locked})  # type: ignore[arg-type]
    words = _page(index).words
    assert "lock on, delay 0 s (changed during the lecture from the slide's settings)" in words


def test_someone_s_site_with_an_index_html_is_not_taken_for_a_handout(
    deck: Deck, tmp_path: Path
) -> None:
    """A folder with an index.html threadtruth did not write (a home page) is refused:
    replacing it, and deleting its slide-1.png, would lose the user's files."""
    site = tmp_path / "site"
    site.mkdir()
    (site / INDEX).write_text("<h1>My homepage</h1>", encoding="utf-8")
    (site / "slide-1.png").write_bytes(b"mine")
    with pytest.raises(HandoutError, match="is not a handout"):
        export_handout(deck, site, {})  # type: ignore[arg-type]
    assert (site / INDEX).read_text(encoding="utf-8") == "<h1>My homepage</h1>"
    assert (site / "slide-1.png").read_bytes() == b"mine"
