"""A lecture in the window: the clicker walks the shipped deck with real runs, PageUp goes back,
votes are counted, the presenter view has the notes and the audience window none, a bad deck
changes nothing, and `threadtruth lecture DECK` opens the window."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from threadtruth_gui import assets
from threadtruth_gui.lecture import Deck, LectureSession, load
from threadtruth_gui.lecture.summary import NOT_RUN, which_tool

WALK_TIMEOUT_S = 120


@pytest.fixture
def shipped() -> Deck:
    return load(assets.lectures()[0])


def _texts(root: QWidget) -> list[str]:
    """Every text the window shows (labels and buttons; hidden ones too: none may hold notes),
    not those of another window it owns (the presenter view)."""
    texts = [w.text() for w in root.findChildren(QLabel) if w.window() is root]
    texts += [w.text() for w in root.findChildren(QAbstractButton) if w.window() is root]
    return texts


def _press(qtbot, widget: QWidget, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """A key as the lecturer presses it: in the active window (a shortcut needs one)."""
    if not widget.isActiveWindow():
        widget.activateWindow()
        qtbot.waitUntil(widget.isActiveWindow, timeout=5000)
    qtbot.keyClick(widget, key)


def test_pagedown_walks_the_whole_shipped_deck(
    qtbot, make_window, shipped: Deck, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    win = make_window((1280, 720))
    win.lecture.open(shipped)
    session = win.lecture.session
    assert session is not None and session.index == 0
    last = len(shipped) - 1
    started = time.monotonic()
    presses = 0
    summary_shown = ""
    while session.index < last:
        if session.slide.summary == "which-tool":
            summary_shown = "".join(win.lecture.slide_view.texts())
        qtbot.waitUntil(lambda: not win.lecture.busy, timeout=WALK_TIMEOUT_S * 1000)
        _press(qtbot, win, Qt.Key.Key_PageDown)
        presses += 1
        assert presses < 200, "the clicker is stuck"
        assert time.monotonic() - started < WALK_TIMEOUT_S
    took = time.monotonic() - started
    print(f"\nthe whole shipped lecture, clicked through headless: {took:.1f} s, {presses} clicks")
    for number, (slide, record) in enumerate(zip(shipped.slides, session.records, strict=True)):
        if slide.preset is None:
            assert record.result is None
            continue
        assert record.result is not None, f"slide {number + 1} never finished its run"
        assert record.scenario == slide.preset.scenario
        assert not record.result.cancelled and not record.result.error
        if slide.preset.schedule:  # the schedule was played, step by step, through the gate
            given = [step["task"] for step in record.result.schedule or []]
            wanted = [step.split(":")[0] for step in slide.preset.schedule]
            assert given[: len(wanted)] == wanted
    table = which_tool(session.runs_by_scenario())
    ran = {s.preset.scenario for s in shipped.slides if s.preset is not None}
    for _row, cells in table:
        for cell in cells:
            if cell.source in ran:
                assert cell.measured and cell.text != NOT_RUN, cell
    # the summary slide as the walk showed it: its table filled, every cell measured
    assert "measured during this lecture on this machine" in summary_shown
    assert NOT_RUN not in summary_shown
    # File ▸ Export the lecture's handout: the runs of this lecture, none made again
    before = time.monotonic()
    assert win.export_handout(str(tmp_path / "handout"))
    page = (tmp_path / "handout" / "index.html").read_text()
    print(f"the handout of those runs: {time.monotonic() - before:.1f} s")
    for slide in shipped.slides:
        assert html.escape(slide.title, quote=False) in page
    pictures = re.findall(r'<img[^>]+src="([^"]+)"', page)
    assert len(pictures) >= len(session.handout_runs())
    assert all((tmp_path / "handout" / src).is_file() for src in pictures)


def test_pageup_goes_back_a_slide_and_resets(qtbot, make_window, shipped: Deck) -> None:
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    session = win.lecture.session
    _press(qtbot, win, Qt.Key.Key_PageDown)  # slide 2: downloads, one after another
    assert session.index == 1 and not win.bridge.running
    assert win.scenario is not None and win.scenario.id == "downloads-sequential"
    _press(qtbot, win, Qt.Key.Key_PageDown)  # its run starts
    assert win.bridge.running
    _press(qtbot, win, Qt.Key.Key_PageUp)
    assert session.index == 0 and win.bridge.run is None
    assert win.lecture.slide_view.isVisible()
    _press(qtbot, win, Qt.Key.Key_PageUp)  # nothing before the first: it stays
    assert session.index == 0


def test_the_class_votes_with_the_number_keys(qtbot, make_window, shipped: Deck) -> None:
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    race = next(i for i, s in enumerate(shipped.slides) if s.preset and s.preset.predict)
    win.lecture._go(race)
    session = win.lecture.session
    _press(qtbot, win, Qt.Key.Key_PageDown)  # the preset applied, the question asked
    assert win.prediction.isVisible() and win.predict_action.isChecked()
    choices = win.prediction.choices
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_2, Qt.Key.Key_2):
        _press(qtbot, win, key)
    assert win.prediction.isVisible()  # a vote does not answer
    _press(qtbot, win, Qt.Key.Key_Backspace)
    assert session.record.votes == {choices[0]: 1, choices[1]: 2}
    assert "2" in win.prediction.buttons[1].text()
    _press(qtbot, win, Qt.Key.Key_PageDown)  # the most votes answer; the run starts
    assert not win.prediction.isVisible() and win.bridge.running
    assert win.runs.predicted is not None and win.runs.predicted[1] == choices[1]
    qtbot.waitUntil(lambda: win.runs.showing_result, timeout=20000)
    assert session.records[race].result is not None
    assert session.records[race].votes == {choices[0]: 1, choices[1]: 2}  # kept per slide


def test_presenter_view_has_the_notes_and_the_audience_none(
    qtbot, make_window, shipped: Deck
) -> None:
    win = make_window((1280, 720))
    win.lecture.open(shipped)
    pw = win.lecture.presenter_window
    assert pw is not None and pw.isVisible()
    for index in (0, 3):  # a slide without a preset, one with
        win.lecture._go(index)
        slide = shipped.slides[index]
        shown = "\n".join(pw.texts())
        first = slide.notes.split("\n\n")[0][:60]
        assert first in shown
        assert f"slide {index + 1} of {len(shipped)}" in shown
        assert f"Next: {shipped.slides[index + 1].title}" in shown
        assert "elapsed" in shown
        audience = "\n".join(_texts(win))
        assert slide.title in audience
        shown = win.lecture.slide_view if slide.preset is None else win.lecture.strip
        assert shown.isVisible() and shown.points.font().pointSizeF() >= 20  # at 1280×720
        for other in shipped.slides:  # no notes anywhere in the audience window
            for paragraph in other.notes.split("\n\n"):
                assert paragraph[:40] not in audience
    _press(qtbot, pw, Qt.Key.Key_PageDown)  # the keys work in the presenter window too
    assert win.lecture.session is not None and win.lecture.session.index == 3
    assert win.prediction.isVisible()


def test_a_bad_deck_shows_its_message_and_changes_nothing(
    qtbot, make_window, shipped: Deck, tmp_path: Path
) -> None:
    win = make_window((1280, 720))
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'title = "T"\n[[slide]]\ntitle = "Race"\n[slide.preset]\nscenario = "bank-rase"\n',
        encoding="utf-8",
    )
    assert not win.lecture.open_path(str(bad))
    assert win.lecture.session is None
    message = win.statusBar().currentMessage()
    assert message.startswith(f"{bad}: slide 1 (“Race”), preset.scenario: unknown scenario")
    win.lecture.open(shipped, presenter=False)
    win.lecture._go(4)
    assert not win.lecture.open_path(str(bad))  # the open lecture stays as it was
    assert win.lecture.session is not None and win.lecture.session.index == 4


def test_leaving_a_lecture(qtbot, make_window, shipped: Deck) -> None:
    win = make_window((1280, 720))
    win.lecture.open(shipped)
    assert win.presenter.lecture
    _press(qtbot, win, Qt.Key.Key_Escape)  # Esc keeps its meanings: the lecture stays
    assert win.lecture.session is not None
    win.scenario_list.select("deadlock")  # a scenario chosen in the list leaves it
    assert win.lecture.session is None
    assert not win.presenter.lecture and not win.lecture.slide_view.isVisible()
    assert win.lecture.presenter_window is not None
    assert not win.lecture.presenter_window.isVisible()
    win.lecture.open(shipped, presenter=False)
    win.close_lecture()
    assert win.lecture.session is None
    _press(qtbot, win, Qt.Key.Key_PageDown)  # the plain clicker again: it runs
    assert win.bridge.running


def test_session_counts_and_runs_without_qt(shipped: Deck) -> None:
    session = LectureSession(shipped)
    assert session.vote("$400") == 1 and session.vote("$400") == 2
    assert session.unvote() == "$400" and session.record.votes == {"$400": 1}
    assert session.unvote() == "$400" and session.record.votes == {}
    assert session.unvote() is None
    assert session.go(len(shipped) - 1) and session.next_slide is None
    assert not session.go(len(shipped))


_OPEN_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from threadtruth_gui import cli
from threadtruth_gui.ui import app
from threadtruth_gui.ui.main_window import MainWindow

app.application()

def look():
    win = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    s = win.lecture.session
    print("slide", s.index + 1, "of", len(s.deck), s.deck.title, flush=True)
    print("presenter", win.lecture.presenter_window.isVisible(), flush=True)
    win.close()

QTimer.singleShot(500, look)
sys.exit(cli.main(["lecture", sys.argv[1]]))
"""


def test_threadtruth_lecture_deck_opens_the_window(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    deck = str(assets.lectures()[0])
    done = subprocess.run(
        [sys.executable, "-c", _OPEN_SCRIPT, deck],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "slide 1 of 18 Threads in Python: what really happens" in done.stdout
    assert "presenter True" in done.stdout
