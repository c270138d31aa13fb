"""States that are true, in the window: the legend, the status bar, the downloads table."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from typing import Any

import pytest
from PySide6.QtGui import QPainter
from pytestqt.qtbot import QtBot

from threadtruth_gui.engine.events import State
from threadtruth_gui.scenarios import get
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.panels.transfers import _ROWS, _THREADS
from threadtruth_gui.ui.timeline import TimelineView

RUN_TIMEOUT_MS = 60_000


def test_every_state_has_its_own_style() -> None:
    styles = [theme.STATE_STYLES[s] for s in State.ALL]  # none missing
    assert len({s.label for s in styles}) == len(styles)
    assert len({(s.color.name(), s.pattern) for s in styles}) == len(styles)
    assert theme.STATE_STYLES[State.DESCHEDULED].label == "paused by the OS or the app"


def test_the_legend_lists_exactly_the_states_the_trace_uses(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, lanes = get("bank-race").run({"lock": True, "delay": 0.05})
    used = {span.state for track in lanes.tasks.values() for span in track.spans}
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(3000, 330)  # wide enough for every label: nothing is left out for room
    view.set_lanes(lanes, {name: theme.task_color(i) for i, name in enumerate(lanes.tasks)})
    texts: list[str] = []
    draw_text = QPainter.drawText

    def text(painter: QPainter, *args: Any) -> None:
        texts.append(str(args[-1]))
        draw_text(painter, *args)

    monkeypatch.setattr(QPainter, "drawText", text)
    view.grab()
    labels = {st.label: state for state, st in theme.STATE_STYLES.items()}
    shown = {labels[t] for t in texts if t in labels}
    assert shown == used  # no download states for a bank scenario, none of its own missing
    assert State.RECEIVING not in shown


def test_the_legend_shows_the_stall_while_the_loop_is_blocked(qtbot: QtBot, window) -> None:
    window.select("blocking-in-async")
    window.set_params({"variant": "time.sleep (blocks)", "block": 1.0, "beats": 2})
    window.start_run()
    stalled = theme.STATE_STYLES[State.STALLED].label
    # while X still blocks the loop (it has not ended), the lanes and legend say so
    qtbot.waitUntil(lambda: State.STALLED in window.timeline.used_states(), timeout=RUN_TIMEOUT_MS)
    assert window.bridge.lanes is not None
    assert window.bridge.lanes.tasks["X"].status is None, f"'{stalled}' came only after"
    qtbot.waitUntil(lambda: window.bridge.result is not None, timeout=RUN_TIMEOUT_MS)


def test_the_status_bar_names_the_mode_of_each_phase(qtbot: QtBot, window) -> None:
    window.select("gil-cpu")
    window.set_params({"workers": 2, "limit": 10_000, "switch_ms": 5.0})
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS):
        window.start_run()
    said = [m for m in messages if m.startswith("Running")]
    assert [m.split(" (")[0] for m in said[-3:]] == [
        "Running one thread",
        "Running 2 threads",
        "Running 2 processes",
    ]
    assert "one after another, all on one thread" in said[-3]
    assert "real threads" in said[-2] and "processes" in said[-1]
    assert not any("real threads" in m for m in said if "processes" in m or "one thread" in m)


def test_the_status_bar_and_the_verdict_show_the_same_time(qtbot: QtBot, window) -> None:
    window.select("downloads-sequential")
    window.set_params({"n": 2, "size": 16, "latency": 0.05, "rate": 0.0, "timeout": 2.0})
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        window.start_run()
    result = blocker.args[0]
    figure = f"{result.duration_s:.2f} s"
    assert figure in result.verdict.headline
    assert f"Finished in {figure}" in window.statusBar().currentMessage()


def test_the_downloads_table_counts_one_thread_for_sequential(qtbot: QtBot, window) -> None:
    window.select("downloads-compare")
    window.set_params({"n": 3, "size": 16, "latency": 0.05, "rate": 0.0, "timeout": 2.0})
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_TIMEOUT_MS):
        window.start_run()
    table = window.panel.table
    cells = {table.horizontalHeaderItem(c).text(): table.item(_THREADS, c).text() for c in range(3)}
    assert cells == {"sequential": "1", "threads": "3", "asyncio": "1"}
    assert "ran this mode's downloads" in _ROWS[_THREADS][1]
