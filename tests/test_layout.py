"""A projector's 1280×720, in the normal layout and in the lecture preset: the verdict, the
scenario's main figure, every task's card, the code lines where the markers are and the
timeline lanes are all on screen at once, none scrolled out or cut (checked with each
widget's visible region, which is what its parents' clipping leaves of it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from threadtruth_gui.ui.main_window import MainWindow

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
RUN_MS = 20_000


def whole(widget: QWidget) -> bool:
    """On screen and not clipped: its visible region is its whole rectangle."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


@pytest.fixture(params=["normal", "lecture"])
def projector(make_window, request) -> MainWindow:  # type: ignore[no-untyped-def]
    return make_window((1280, 720), lecture=request.param == "lecture")


def test_the_window_can_be_as_small_as_a_projector(projector: MainWindow) -> None:
    for scenario in ("bank-race", "deadlock", "downloads-compare", "gil-cpu"):
        projector.select(scenario)
        QApplication.processEvents()
        hint = projector.minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 720, (scenario, hint)


@pytest.mark.parametrize(
    "scenario",
    ["bank-race", "bank-deposit", "asyncio-race", "deadlock", "downloads-compare", "gil-cpu"],
)
def test_what_the_class_must_see_is_on_screen_at_1280x720(
    qtbot, projector: MainWindow, scenario: str
) -> None:
    win = projector
    for other in ("downloads-compare", "gil-cpu", "blocking-in-async"):
        win.select(other)  # wider panels shown before must not widen this one
    assert win.open_run(str(SNAPSHOTS / f"{scenario}.ttrun"))
    qtbot.wait(50)  # the window's next turns of its event loop (layouts settle there)
    assert (win.width(), win.height()) == (1280, 720)
    assert whole(win.verdict), "the verdict"
    panel = win.panel
    if panel is win.account:
        assert whole(win.balance), "the balance"
        for name, card in win.cards.items():
            assert whole(card), f"card {name}"
    elif panel is win.transfers:
        assert whole(win.transfers.table), "the modes table"
    else:
        shown = [v for _n, v in win.figures._labels if v.isVisibleTo(win.figures)]
        assert shown and all(whole(v) for v in shown), "the figures"
        if win.figures.graph.cycle:
            assert whole(win.figures.graph), "the wait-for graph"
    assert whole(win.timeline), "the timeline"
    # every lane (or folded group) is within the timeline's height
    assert win.timeline.minimumSizeHint().height() <= win.timeline.height()
    assert whole(win.code), "the code pane"
    assert win.toolbar.isVisible() is not win.presenter.lecture


@pytest.mark.parametrize("scenario", ["bank-race", "bank-deposit"])
def test_every_marker_line_is_in_view_while_stepping(
    qtbot, projector: MainWindow, scenario: str
) -> None:
    win = projector
    win.select(scenario)
    win.set_params({"delay": 0.0})
    win.step_action.setChecked(True)
    win.start_run()
    qtbot.waitUntil(lambda: win.bridge.gate is not None, timeout=RUN_MS)
    for key in (Qt.Key.Key_1, Qt.Key.Key_2) * 4:
        qtbot.keyClick(win, key)
        qtbot.wait(30)
        QApplication.processEvents()
        markers = win.code.markers()
        for name, line in markers.items():
            assert win.code.marker_shown(line), f"{name}'s line {line} is scrolled out"
        # a pinned line is a last resort: two markers that fit are both in the view
        lines = sorted(markers.values())
        if lines and lines[-1] - lines[0] < 5:
            shown = {line: win.code.line_in_view(line) for line in lines}
            assert all(shown.values()), f"markers {markers}: in view {shown}"
        for name, card in win.cards.items():
            seen = card.visibleRegion().boundingRect()
            assert whole(card), f"card {name}: {seen} of {card.rect()}"
    win.reset_run()


def test_bytecode_mode_keeps_the_code_and_the_stepped_line(qtbot, projector: MainWindow) -> None:
    win = projector
    win.set_params({"delay": 0.0})
    win.step_action.setChecked(True)
    qtbot.keyClick(win, Qt.Key.Key_B)
    win.start_run()
    qtbot.waitUntil(lambda: win.bridge.gate is not None, timeout=RUN_MS)
    qtbot.keyClick(win, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: bool(win.code.markers()), timeout=RUN_MS)
    for _ in range(4):  # into `balance = account.balance`, instruction by instruction
        qtbot.keyClick(win, Qt.Key.Key_1)
        qtbot.wait(20)
    QApplication.processEvents()
    assert (win.width(), win.height()) == (1280, 720)  # B never made the window grow
    assert whole(win.bytecode) and win.bytecode.rows.height() > 80
    rows = win.code.viewport().height() / win.code.fontMetrics().lineSpacing()
    assert rows >= 3, f"the code pane shows {rows:.1f} lines"
    for line in win.code.markers().values():
        code = win.code
        block = code.document().findBlockByNumber(code._block_of[line])
        rect = code.blockBoundingGeometry(block).translated(code.contentOffset())
        scroll = code.verticalScrollBar().value()
        where = f"{rect} in {code.viewport().height()} px, scroll {scroll}"
        assert win.code.line_in_view(line), f"line {line}: {where}"
    win.reset_run()
