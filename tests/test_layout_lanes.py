"""A projector's 1280×720 in the lecture preset with more tasks than two: bank-race's four
ATMs, lost-updates' and blocking-in-async's lanes, bigger text. Every lane names its task in
a chip of legible text, every card is on screen, the prediction question leaves both cards
and the code pane whole, every figure row is above the status bar."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication, QWidget

from threadtruth_gui.ui import theme
from threadtruth_gui.ui.main_window import MainWindow
from threadtruth_gui.ui.timeline import decor

RUN_MS = 20_000
FOUR = {"amounts": "600,500,300,200", "delay": 0.0}


def whole(widget: QWidget) -> bool:
    """On screen and not clipped: its visible region is its whole rectangle."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


@pytest.fixture
def lecture(make_window) -> MainWindow:  # type: ignore[no-untyped-def]
    return make_window((1280, 720), lecture=True)


def _run(qtbot, win: MainWindow, scenario: str, params: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    win.select(scenario)
    win.set_params(params)
    with qtbot.waitSignal(win.bridge.finished, timeout=RUN_MS):
        win.start_run()
    qtbot.wait(50)  # the layouts settle on the next turns of the event loop
    QApplication.processEvents()


@pytest.mark.parametrize(
    ("scenario", "params", "scale"),
    [
        ("bank-race", FOUR, 1.0),
        ("bank-race", {**FOUR, "lock": True}, 1.0),
        ("lost-updates", {"threads": 4, "times": 1000}, 1.0),
        ("blocking-in-async", {}, 1.0),
        ("bank-race", {"delay": 0.0}, 1.6),
    ],
)
def test_every_lane_shows_its_name_in_legible_text(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    lecture: MainWindow,
    scenario: str,
    params: dict[str, Any],
    scale: float,
) -> None:
    win, tl = lecture, lecture.timeline
    win.presenter.set_scale(max(theme.font_scale, scale))  # the lecture preset's or bigger
    _run(qtbot, win, scenario, params)
    chips: dict[str, float] = {}  # lane -> the height of the lane its name chip is drawn in
    paint = decor.paint_lane_label

    def spy(f, top, row, track):  # type: ignore[no-untyped-def]
        chips[row.name] = row.h
        paint(f, top, row, track)

    monkeypatch.setattr(decor, "paint_lane_label", spy)
    tl.grab()
    assert tl._lanes is not None
    lanes = list(tl._lanes.tasks)
    assert len(lanes) >= 2
    assert sorted(chips) == sorted(lanes), f"lanes named: {sorted(chips)} of {lanes}"
    least = theme.body_font(14).pointSizeF()  # the axis's, the smallest text on screen
    for name, lane_h in chips.items():  # legible, and the chip fits its lane
        font, height = tl._name_font(lane_h)
        assert font.pointSizeF() >= least - 0.01, (name, font.pointSizeF(), least)
        assert height + 4 <= lane_h + 0.01, (name, height, lane_h)
    g = tl._geo()
    assert QFontMetricsF(tl._name_font(g.lane_h)[0]).horizontalAdvance("A") < g.left


@pytest.mark.parametrize("lock", [False, True])
def test_four_atms_four_cards_all_on_screen(qtbot, lecture: MainWindow, lock: bool) -> None:
    win = lecture
    _run(qtbot, win, "bank-race", {**FOUR, "lock": lock})
    assert list(win.cards) == ["A", "B", "C", "D"]
    for name, card in win.cards.items():
        seen = card.visibleRegion().boundingRect()
        assert whole(card), f"card {name}: {seen} of {card.rect()}"
        assert card.status.text() in ("✔ succeeded", "✘ denied"), card.status.text()
    assert whole(win.verdict) and whole(win.balance)


@pytest.mark.parametrize("lock", [False, True])  # with the lock: "$400, B denied"
def test_the_prediction_question_and_its_note_leave_both_cards_whole(
    qtbot, lecture: MainWindow, lock: bool
) -> None:  # type: ignore[no-untyped-def]
    # before: the question's big type pushed card B below the status bar, and after a
    # wrong answer the three-line note did the same
    win = lecture
    win.select("bank-race")
    win.set_params({"delay": 0.0, "lock": lock})
    win.predict_action.setChecked(True)
    win.start_run()
    qtbot.waitUntil(win.prediction.isVisible, timeout=5_000)
    qtbot.wait(50)
    QApplication.processEvents()
    for name, card in win.cards.items():
        assert whole(card), f"question: card {name}: {card.visibleRegion().boundingRect()}"
    assert whole(win.prediction)
    with qtbot.waitSignal(win.bridge.finished, timeout=RUN_MS):
        win.prediction.answer(1)  # $500: B paid, A denied: wrong whatever the race did
    qtbot.wait(50)
    QApplication.processEvents()
    assert "wrong ✘" in win.verdict.note or "right ✔" in win.verdict.note
    for name, card in win.cards.items():
        assert whole(card), f"note: card {name}: {card.visibleRegion().boundingRect()}"


def test_a_wrong_prediction_of_a_serial_run_leaves_both_cards_whole(
    qtbot, lecture: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    # "$400, B denied" forced by steps (A's whole withdrawal, then B's): before, the
    # headline "✔ Correct this time: $400" took two lines, the note two more, and card B
    # was cut to 58 px of its ~100 at 1280x720 in the lecture preset (a random-order flake
    # of the test above, whenever the race at delay 0 did not happen)
    win = lecture
    win.select("bank-race")
    win.set_params({"delay": 0.0})
    win.step_action.setChecked(True)
    win.predict_action.setChecked(True)
    win.start_run()
    qtbot.waitUntil(win.prediction.isVisible, timeout=5_000)
    win.prediction.answer(1)  # $500: B paid, A denied
    qtbot.waitUntil(lambda: win.bridge.gate is not None, timeout=5_000)
    for name in ("A", "B"):
        for _ in range(60):
            if win.bridge.result is not None or name in win.bridge.gate.ended:
                break
            win.step_task(name)
            qtbot.wait(20)
    qtbot.waitUntil(lambda: win.bridge.result is not None, timeout=RUN_MS)
    qtbot.wait(50)
    QApplication.processEvents()
    assert win.verdict.headline().endswith("$400")
    assert "wrong ✘" in win.verdict.note
    assert [t["status"] for t in win.bridge.result.tasks] == ["succeeded", "denied"]
    for name, card in win.cards.items():
        assert whole(card), f"card {name}: {card.visibleRegion().boundingRect()}"
    assert whole(win.verdict)


def test_a_headline_that_fits_no_size_takes_the_smallest_not_the_biggest(qtbot) -> None:  # type: ignore[no-untyped-def]
    # the review's case: a short headline in a narrow banner fell back to 22 pt (by its
    # length) and wrapped to 3 lines where 18 pt took 2
    from threadtruth_gui.ui.widgets.verdict import VerdictBanner, scaled_pt

    banner = VerdictBanner()
    qtbot.addWidget(banner)
    banner.resize(243, 200)
    banner.show()
    headline = "✔ Nothing lost (this time)"
    assert banner.headline_pt(headline) == scaled_pt(18)
    banner.resize(900, 200)
    assert banner.headline_pt(headline) == scaled_pt(22)
