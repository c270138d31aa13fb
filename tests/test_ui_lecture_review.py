"""What a review of the lecture found, each guarded: presenter titles shown as markup, a
re-asked question adding to the last poll, the handout naming the deck's settings for a
run made with others, a step by hand between PageDowns, an edit carried to the next
slide, a held deadlock and PageUp mid-schedule, and a fast clicker dropping the
schedule (the slide then showed $400 where it teaches -$100)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from threadtruth_gui import assets
from threadtruth_gui.lecture import load, loads


def _press(qtbot, widget, key):
    if not widget.isActiveWindow():
        widget.activateWindow()
        qtbot.waitUntil(widget.isActiveWindow, timeout=5000)
    qtbot.keyClick(widget, key)


@pytest.fixture
def shipped():
    return load(assets.lectures()[0])


def test_presenter_view_titles_are_plain_text(qtbot, make_window):
    """The audience strip escapes a slide's title; the presenter view shows it as rich text."""
    from PySide6.QtGui import Qt as G

    deck = loads(
        'title = "T"\n'
        "[[slide]]\ntitle = \"<b>bold</b> <img src='/etc/hostname'> title\"\n"
        '[[slide]]\ntitle = "<i>next</i> slide"\n'
    )
    win = make_window((1280, 720))
    win.lecture.open(deck)
    pw = win.lecture.presenter_window
    # shown as plain text, the label's text would be drawn literally: format Plain, or escaped
    title_rich = pw.title.textFormat() != Qt.TextFormat.PlainText and G.mightBeRichText(
        pw.title.text()
    )
    next_rich = pw.next_title.textFormat() != Qt.TextFormat.PlainText and G.mightBeRichText(
        pw.next_title.text()
    )
    assert not title_rich, f"presenter title rendered as HTML: {pw.title.text()!r}"
    assert not next_rich, f"presenter 'Next:' rendered as HTML: {pw.next_title.text()!r}"


def test_revisited_question_starts_from_zero_votes(qtbot, make_window, shipped):
    """Slide 4 asked, voted 3x, run; PageUp, PageDown back to it, asked again: the buttons
    (and the record the handout reads) still hold the first poll's counts."""
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    race = next(i for i, s in enumerate(shipped.slides) if s.preset and s.preset.predict)
    win.lecture._go(race)
    s = win.lecture.session
    _press(qtbot, win, Qt.Key.Key_PageDown)
    for key in (Qt.Key.Key_1, Qt.Key.Key_1, Qt.Key.Key_2):
        _press(qtbot, win, key)
    _press(qtbot, win, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: win.runs.showing_result, timeout=30000)
    _press(qtbot, win, Qt.Key.Key_PageDown)  # next slide
    _press(qtbot, win, Qt.Key.Key_PageUp)  # back to the race
    assert s.index == race
    _press(qtbot, win, Qt.Key.Key_PageDown)  # asked again
    assert win.prediction.isVisible()
    print("buttons on the second asking:", [b.text() for b in win.prediction.buttons])
    _press(qtbot, win, Qt.Key.Key_2)
    print("record votes:", s.record.votes)
    assert sum(s.record.votes.values()) == 1, (
        f"second poll counts the first's votes: {s.record.votes}"
    )


def test_handout_says_the_settings_the_run_had(qtbot, make_window, shipped, tmp_path):
    """Slide 4 (bank-race, lock off): the lecturer turns the lock on ("answer a question
    live") and runs; the exported handout still says "lock off" beside the locked run."""
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    idx = next(i for i, s in enumerate(shipped.slides) if s.title == "The ATM race")
    win.lecture._go(idx)
    p = dict(shipped.slides[idx].preset.params)
    p["lock"] = True
    win.set_params(p)
    win.predict_action.setChecked(False)
    _press(qtbot, win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: win.runs.showing_result, timeout=30000)
    rec = win.lecture.session.records[idx]
    assert rec.result is not None and rec.result.params.get("lock") is True
    assert win.lecture.export_handout(str(tmp_path / "h"))
    text = (tmp_path / "h" / "index.html").read_text()
    sect = text.split(f'id="slide-{idx + 1}"')[1].split("</section>")[0]
    print(sect[:600])
    assert "lock off" not in sect.lower(), "handout says lock off for a run made with the lock on"


def test_hand_step_between_pagedowns_keeps_schedule(qtbot, make_window, shipped):
    """Slide 5 (schedule A,B,A,B): PageDown starts it, the lecturer presses 2 (step B by
    hand), then PageDowns: the run's recorded schedule vs the deck's."""
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    idx = next(
        i
        for i, s in enumerate(shipped.slides)
        if s.preset and s.preset.schedule and not s.preset.predict
    )
    win.lecture._go(idx)
    _press(qtbot, win, Qt.Key.Key_PageDown)
    assert win.bridge.running
    qtbot.wait(300)
    _press(qtbot, win, Qt.Key.Key_2)  # a hand step
    for _ in range(8):
        qtbot.waitUntil(lambda: not win.lecture.busy, timeout=30000)
        if win.runs.showing_result:
            break
        _press(qtbot, win, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: win.runs.showing_result, timeout=30000)
    rec = win.lecture.session.records[idx]
    print("recorded schedule:", [st["task"] for st in rec.result.schedule or []])
    print("verdict:", win.verdict.text() if hasattr(win.verdict, "text") else "")


def test_pageup_during_question_hides_it(qtbot, make_window, shipped):
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    race = next(i for i, s in enumerate(shipped.slides) if s.preset and s.preset.predict)
    win.lecture._go(race)
    _press(qtbot, win, Qt.Key.Key_PageDown)
    assert win.prediction.isVisible()
    _press(qtbot, win, Qt.Key.Key_PageUp)
    assert not win.prediction.isVisible(), "the question stays on the slide before"


def test_an_edit_on_one_slide_does_not_run_on_the_next(qtbot, make_window, shipped):
    """Slide 4 (bank-race): the lecturer edits the code (Ctrl+E, type); PageDown to slide 5
    (bank-race, schedule A,B,A,B): its run is made with the edited code, though the slide's
    preset is to be "applied exactly"."""
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    idx = next(i for i, s in enumerate(shipped.slides) if s.title == "The ATM race")
    win.lecture._go(idx)
    _press(qtbot, win, Qt.Key.Key_E | 0) if False else None
    win.editing.toggle()  # Ctrl+E
    assert win.editing.editing
    cur = win.code.textCursor()
    cur.movePosition(cur.MoveOperation.End)
    cur.insertText("\n# edited by the lecturer\n")
    qtbot.wait(50)
    win.editing.leave()
    assert win.editing.edited is not None
    win.lecture._go(idx + 1)  # the next slide: the same scenario
    _press(qtbot, win, Qt.Key.Key_PageDown)  # its run
    for _ in range(10):
        qtbot.waitUntil(lambda: not win.lecture.busy, timeout=30000)
        if win.runs.showing_result:
            break
        _press(qtbot, win, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: win.runs.showing_result, timeout=30000)
    print("edit still in force on slide", idx + 2, ":", win.editing.edited is not None)
    assert win.editing.edited is None, "slide 5's preset ran the code edited on slide 4"


def test_held_deadlock_and_pageup_mid_schedule(qtbot, make_window, shipped):
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    s = win.lecture.session
    idx = next(i for i, sl in enumerate(shipped.slides) if sl.title == "Deadlock")
    win.lecture._go(idx)
    _press(qtbot, win, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: win.bridge.held_deadlock() is not None, timeout=30000)
    _press(qtbot, win, Qt.Key.Key_PageDown)  # breaks it
    qtbot.waitUntil(lambda: win.runs.showing_result, timeout=30000)
    assert s.records[idx].result is not None
    _press(qtbot, win, Qt.Key.Key_PageDown)
    assert s.index == idx + 1
    # PageUp mid-schedule, then PageDown again on the schedule slide
    sched = next(
        i
        for i, sl in enumerate(shipped.slides)
        if sl.preset and sl.preset.schedule and not sl.preset.predict
    )
    win.lecture._go(sched)
    _press(qtbot, win, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: not win.lecture.busy, timeout=30000)
    _press(qtbot, win, Qt.Key.Key_PageDown)
    _press(qtbot, win, Qt.Key.Key_PageUp)
    assert s.index == sched - 1
    _press(
        qtbot, win, Qt.Key.Key_PageDown
    )  # slide before: next → the schedule slide again (or runs)
    print("after PageUp, PageDown: index", s.index, "running", win.bridge.running)
    for _ in range(12):
        qtbot.waitUntil(lambda: not win.lecture.busy, timeout=30000)
        if s.index == sched and win.runs.showing_result:
            break
        _press(qtbot, win, Qt.Key.Key_PageDown)
    rec = s.records[sched]
    print("schedule given:", [st["task"] for st in (rec.result.schedule or [])])
    assert [st["task"] for st in rec.result.schedule][:4] == ["A", "B", "A", "B"]


def test_mashed_pagedown_plays_the_whole_schedule(qtbot, make_window, shipped):
    """Slide 5 (schedule A,B,A,B): six PageDowns pressed fast (a clicker mashed): the
    schedule's 4 steps should all be given before the run goes free."""
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    s = win.lecture.session
    sched = next(
        i
        for i, sl in enumerate(shipped.slides)
        if sl.preset and sl.preset.schedule and not sl.preset.predict
    )
    win.lecture._go(sched)
    for _ in range(6):
        _press(qtbot, win, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: win.runs.showing_result, timeout=30000)
    rec = s.records[sched]
    given = [st["task"] for st in (rec.result.schedule or [])]
    print(
        "schedule given:",
        given,
        "outcome:",
        rec.result.verdict.headline if rec.result.verdict else None,
    )
    assert given[:4] == ["A", "B", "A", "B"], f"mashed clicker dropped the schedule: {given}"


def test_space_on_a_slide_without_a_run_runs_nothing(qtbot, make_window, shipped):  # type: ignore[no-untyped-def]
    """Space on a slide of points only ran the scenario hidden under the slide and counted
    it as that slide's run."""
    win = make_window((1280, 720))
    win.lecture.open(shipped, presenter=False)
    s = win.lecture.session
    assert s.slide.preset is None
    _press(qtbot, win, Qt.Key.Key_Space)
    assert win.bridge.run is None
    assert win.statusBar().currentMessage() == (
        "This slide runs nothing: PageDown goes on to the next slide."
    )
    assert s.record.result is None
