"""TimelineView: fitting, following a live run, drawing spans where the trace says, zoom/pan."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QImage, QPainter, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from threadtruth_gui.engine.events import Event, Kind, State
from threadtruth_gui.engine.trace import Span, Trace
from threadtruth_gui.scenarios import get
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.widgets.timeline import TimelineView

W, H = 1400, 330


def _money(value: float) -> str:
    return f"{'-' if value < 0 else ''}${abs(value):,.0f}"


@pytest.fixture(scope="module")
def race_trace() -> Trace:
    """A real bank-race run with the lock: B waits ~0.1 s for A."""
    _, trace = get("bank-race").run({"lock": True, "delay": 0.1})
    return trace


@pytest.fixture
def view(qtbot: QtBot, race_trace: Trace) -> Iterator[TimelineView]:
    widget = TimelineView()
    qtbot.addWidget(widget)
    widget.resize(W, H)
    colors = {name: theme.task_color(i) for i, name in enumerate(race_trace.tasks)}
    widget.set_trace(race_trace, colors)
    widget.set_counter("balance", "Balance", _money)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def _span(trace: Trace, task: str, state: str) -> Span:
    return next(s for s in trace.tasks[task].spans if s.state == state)


def _x_of(view: TimelineView, t_s: float) -> float:
    """Where time `t_s` should be, from the public range and the plot area's edges."""
    g = view._geo()
    lo, hi = view.visible_range()
    return g.left + (t_s - lo) / (hi - lo) * (g.right - g.left)


def _point_in(view: TimelineView, trace: Trace, task: str, t_s: float) -> QPoint:
    """Widget coordinates of the middle of `task`'s lane at time `t_s`."""
    g = view._geo()
    row = list(trace.tasks).index(task)
    return QPoint(round(_x_of(view, t_s)), round(g.lanes_top + (row + 0.5) * g.lane_h))


def _columns_with(image: QImage, view: TimelineView, row: int, colors: list[QColor]) -> list[int]:
    """The x of every column whose pixels in lane `row` are at least a fifth `colors`."""
    g = view._geo()
    ratio = image.devicePixelRatio()
    top, bottom = round(g.lanes_top + row * g.lane_h), round(g.lanes_top + (row + 1) * g.lane_h)
    found = []
    for x in range(round(g.left), round(g.right)):
        hits = sum(
            any(_close(image.pixelColor(round(x * ratio), round(y * ratio)), c) for c in colors)
            for y in range(top, bottom)
        )
        if hits * 5 >= bottom - top:  # the text label's box hides the middle
            found.append(x)
    return found


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 40


def _share_near(image: QImage, center: QPoint, colors: list[QColor], radius: int = 6) -> float:
    """Fraction of the pixels around `center` whose colour is close to one of `colors`."""
    ratio = image.devicePixelRatio()
    hits = total = 0
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            px = image.pixelColor(
                round((center.x() + dx) * ratio), round((center.y() + dy) * ratio)
            )
            total += 1
            hits += any(_close(px, c) for c in colors)
    return hits / total


def _state_colors(state: str) -> list[QColor]:
    color = theme.STATE_STYLES[state].color
    return [color, color.darker(170)]


def _wheel(view: TimelineView, x: float, steps: int, ctrl: bool) -> QWheelEvent:
    pos = QPointF(x, view.height() / 2)
    event = QWheelEvent(
        pos,
        QPointF(view.mapToGlobal(pos)),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)
    return event


def _feed(trace: Trace, t_s: float, task: str, kind: str, data: object) -> None:
    trace.feed([Event(trace.t0_ns + int(t_s * 1e9), task, kind, data)])


def test_fit_shows_the_whole_run(view: TimelineView, race_trace: Trace) -> None:
    duration = race_trace.seconds(race_trace.end_ns)
    lo, hi = view.visible_range()
    assert lo <= 0 < duration <= hi
    assert hi < duration * 1.5  # a finished run fills the width, not a fixed minimum
    _wheel(view, W / 2, 3, ctrl=True)
    assert view.visible_range() != (lo, hi)
    view.fit()
    assert view.visible_range() == pytest.approx((lo, hi))


def test_spans_are_drawn_where_the_trace_says(view: TimelineView, race_trace: Trace) -> None:
    waiting = _span(race_trace, "B", State.WAITING)
    assert waiting.end_ns is not None
    start, end = race_trace.seconds(waiting.start_ns), race_trace.seconds(waiting.end_ns)
    t = start + 0.8 * (end - start)  # right of the span's text label
    image = view.grab().toImage()
    in_b = _point_in(view, race_trace, "B", t)
    in_a = _point_in(view, race_trace, "A", t)
    assert _share_near(image, in_b, _state_colors(State.WAITING)) > 0.8
    ink = _state_colors(State.WAITING)[1:]
    assert 0.05 < _share_near(image, in_b, ink) < 0.6  # the diagonal pattern is drawn over it
    assert _share_near(image, in_a, _state_colors(State.WAITING)) < 0.05
    assert _share_near(image, in_a, _state_colors(State.SLEEPING)) > 0.8
    # The waiting colour starts and stops where the span does, and nowhere else in B's lane.
    columns = _columns_with(image, view, 1, _state_colors(State.WAITING))
    assert columns
    assert columns[0] == pytest.approx(_x_of(view, start), abs=2)
    assert columns[-1] == pytest.approx(_x_of(view, end), abs=2)
    assert len(columns) >= 0.9 * (columns[-1] - columns[0])


def test_ctrl_wheel_zooms_around_the_mouse_and_plain_wheel_is_left_alone(
    view: TimelineView, race_trace: Trace
) -> None:
    lo, hi = view.visible_range()
    event = _wheel(view, W / 2, 2, ctrl=False)
    assert not event.isAccepted()  # so a scroll area around the timeline can scroll
    assert view.visible_range() == (lo, hi)

    x = _x_of(view, 0.05)
    _wheel(view, x, 2, ctrl=True)
    new_lo, new_hi = view.visible_range()
    assert new_hi - new_lo < 0.7 * (hi - lo)
    assert _x_of(view, 0.05) == pytest.approx(x, abs=0.5)  # the point stays put
    _wheel(view, x, -4, ctrl=True)
    assert view.visible_range()[1] - view.visible_range()[0] > hi - lo


def test_drag_pans_and_click_emits_the_lane(
    qtbot: QtBot, view: TimelineView, race_trace: Trace
) -> None:
    lo, hi = view.visible_range()
    g = view._geo()
    start = _point_in(view, race_trace, "A", 0.05)
    with qtbot.assertNotEmitted(view.laneClicked):
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(view, start + QPoint(100, 0))
        qtbot.mouseMove(view, start + QPoint(200, 0))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=start + QPoint(200, 0))
    shift = 200 * (hi - lo) / (g.right - g.left)
    new_lo, new_hi = view.visible_range()
    assert new_lo == pytest.approx(lo - shift, rel=1e-3)
    assert new_hi - new_lo == pytest.approx(hi - lo)

    with qtbot.waitSignal(view.laneClicked, timeout=1000) as blocker:
        qtbot.mouseClick(
            view, Qt.MouseButton.LeftButton, pos=_point_in(view, race_trace, "B", 0.05)
        )
    assert blocker.args == ["B"]
    with qtbot.waitSignal(view.laneClicked, timeout=1000) as blocker:
        qtbot.mouseClick(
            view, Qt.MouseButton.LeftButton, pos=_point_in(view, race_trace, "A", 0.05)
        )
    assert blocker.args == ["A"]
    assert view.visible_range() == (new_lo, new_hi)  # a click does not move the view
    with qtbot.assertNotEmitted(view.laneClicked):
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(W // 2, H - 60))


def test_tooltip_names_task_state_and_times(view: TimelineView, race_trace: Trace) -> None:
    waiting = _span(race_trace, "B", State.WAITING)
    assert waiting.end_ns is not None
    start, end = race_trace.seconds(waiting.start_ns), race_trace.seconds(waiting.end_ns)
    pos = _point_in(view, race_trace, "B", (start + end) / 2)
    QApplication.sendEvent(view, QHelpEvent(QEvent.Type.ToolTip, pos, view.mapToGlobal(pos)))
    text = QToolTip.text()
    assert text.startswith("B — waiting for lock 'account' held by A\n")
    assert f"{start:.3f} s → {end:.3f} s ({end - start:.3f} s)" in text

    g = view._geo()
    over_counter = QPointF(_x_of(view, (start + end) / 2), (g.counter_top + g.axis_top) / 2)
    assert view._tooltip_at(over_counter) == f"Balance: $1,000 at {(start + end) / 2:.3f} s"
    before = QPointF(_x_of(view, view.visible_range()[0] / 2), over_counter.y())
    assert view._tooltip_at(before) is None  # no balance before its first sample


def test_refresh_follows_a_live_run_until_the_user_zooms(qtbot: QtBot) -> None:
    trace = Trace(t0_ns=1_000_000)
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(W, H)
    _feed(trace, 0.0, "A", Kind.START, {"action": "withdraw", "amount": 600})
    _feed(trace, 0.0, "A", Kind.STATE, State.RUNNING)
    view.set_trace(trace, {"A": QColor("#0072B2")})
    lo, hi = view.visible_range()
    assert lo <= 0 and 0.5 <= hi < 1.0  # a fresh live run shows at least the minimum

    _feed(trace, 2.0, "A", Kind.STATE, State.SLEEPING)
    view.refresh()
    assert 2.0 <= view.visible_range()[1] < 2.5

    _wheel(view, W / 2, 1, ctrl=True)
    zoomed = view.visible_range()
    _feed(trace, 4.0, "A", Kind.STATE, State.RUNNING)
    view.refresh()
    assert view.visible_range() == zoomed  # the user is looking at something: stay there

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert 4.0 <= view.visible_range()[1] < 5.0
    _feed(trace, 6.0, "A", Kind.STATE, State.SLEEPING)
    view.refresh()
    assert 6.0 <= view.visible_range()[1] < 7.5
    assert view.grab().width() > 0  # an open span (end_ns None) paints without error


def test_zoomed_out_view_batches_one_draw_per_state(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100k sub-pixel spans: few drawRects calls, and no more rects than pixel columns."""
    trace = Trace(t0_ns=0)
    states = [State.RUNNING, State.SLEEPING, State.WAITING]
    trace.feed(
        Event(i * 10_000, "A", Kind.STATE, states[i % 3]) for i in range(100_000)
    )  # a span every 10 µs for 1 s
    trace.feed([Event(1_000_000_000, "A", Kind.END, ("succeeded", None))])
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(W, H)
    view.set_trace(trace, {})
    calls: list[int] = []
    original = QPainter.drawRects

    def counting(painter: QPainter, rects: Any) -> None:
        calls.append(len(rects))
        original(painter, rects)

    monkeypatch.setattr(QPainter, "drawRects", counting)
    view.grab()
    drawn = [*states, State.DONE]
    patterned = [s for s in drawn if theme.STATE_STYLES[s].pattern != Qt.BrushStyle.NoBrush]
    assert len(calls) == len(drawn) + len(patterned)  # one fill per state, one pattern overlay
    assert sum(calls) <= 2 * (W + 10)  # each rect at most once as fill and once as pattern


def _overdraft_trace() -> Trace:
    """Balance 1000, then 400 at 0.3 s, then -100 at 0.6 s; the run ends at 1 s."""
    trace = Trace(t0_ns=0)
    _feed(trace, 0.0, "A", Kind.START, {"action": "withdraw", "amount": 600})
    _feed(trace, 0.0, "A", Kind.STATE, State.RUNNING)
    for t, value in ((0.0, 1000), (0.3, 400), (0.6, -100)):
        _feed(trace, t, "A", Kind.COUNTER, ("balance", value))
    _feed(trace, 1.0, "A", Kind.END, ("succeeded", None))
    return trace


def test_counter_track_goes_red_below_zero(qtbot: QtBot) -> None:
    trace = _overdraft_trace()
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(W, H)
    view.set_trace(trace, {})
    view.set_counter("balance", "Balance", _money)
    image = view.grab().toImage()
    g = view._geo()
    ratio = image.devicePixelRatio()

    def red_pixels(t0: float, t1: float) -> int:
        return sum(
            _close(image.pixelColor(round(x * ratio), round(y * ratio)), theme.BAD)
            for x in range(round(_x_of(view, t0)), round(_x_of(view, t1)))
            for y in range(round(g.counter_top), round(g.axis_top))
        )

    assert red_pixels(0.05, 0.55) == 0  # $1,000 and $400 are drawn in the normal colour
    assert red_pixels(0.65, 0.95) > 100  # the -$100 step line and its label
    y_mid = (g.counter_top + g.axis_top) / 2
    tip = view._tooltip_at(QPointF(_x_of(view, 0.8), y_mid))
    assert tip == "Balance: -$100 at 0.800 s"
    assert view._tooltip_at(QPointF(_x_of(view, 0.4), y_mid)) == "Balance: $400 at 0.400 s"


def test_many_counter_samples_cost_about_one_line_per_pixel(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = Trace(t0_ns=0)
    trace.feed(Event(i * 3_000, "A", Kind.COUNTER, ("count", i)) for i in range(300_000))
    trace.feed([Event(0, "A", Kind.STATE, State.RUNNING)])
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(W, H)
    view.set_trace(trace, {})
    view.set_counter("count", "Count", str)
    lines: list[int] = []
    original = QPainter.drawLines

    def counting(painter: QPainter, segments: Any) -> None:
        lines.append(len(segments))
        original(painter, segments)

    monkeypatch.setattr(QPainter, "drawLines", counting)
    view.grab()
    assert sum(lines) < 3 * (W + 100)  # axis and grid lines included
    g = view._geo()
    tip = view._tooltip_at(QPointF(_x_of(view, 0.45), (g.counter_top + g.axis_top) / 2))
    assert tip is not None and tip.startswith("Count: ")
    assert int(tip.split()[1]) == pytest.approx(150_000, abs=5)  # a sample every 3 µs


def test_clearing_and_size_hint(qtbot: QtBot, race_trace: Trace) -> None:
    view = TimelineView()
    qtbot.addWidget(view)
    empty = view.sizeHint().height()
    three = Trace(t0_ns=0)
    for name in "ABC":
        _feed(three, 0.0, name, Kind.START, {})
    view.set_trace(three, {})
    assert view.sizeHint().height() > empty
    view.set_counter("balance", "Balance", _money)
    assert view.sizeHint().height() >= empty + 60
    assert view.minimumSizeHint().height() == view.sizeHint().height()
    view.set_trace(None, {})
    view.resize(W, H)
    assert view.grab().width() > 0  # "No run yet" and an empty counter track paint fine
    assert view.visible_range()[1] >= 0.5


def test_renders_to_a_png(view: TimelineView, tmp_path: Path) -> None:
    out = tmp_path / "timeline.png"
    assert view.grab().save(str(out))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (W, H) or image.devicePixelRatio() != 1
