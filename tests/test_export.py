"""Exports: Chrome trace JSON, CSV of the raw events, animated GIF."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from _cli import cli
from PySide6.QtCore import QPoint, Qt

from threadtruth_gui.engine import export
from threadtruth_gui.engine.history import History
from threadtruth_gui.scenarios import get


def _run(scenario: str = "bank-race", **params):
    return get(scenario).execute(params or {"lock": True, "delay": 0.05})


def test_chrome_trace_has_a_tid_per_task_its_spans_and_the_counter_values() -> None:
    result, lanes, _events = _run()
    data = json.loads(json.dumps(export.chrome_trace(lanes, "bank-race")))
    events = data["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert names == {2: "A · withdraw $600", 3: "B · withdraw $500"}  # tid 1 is the pid
    spans = [e for e in events if e["ph"] == "X"]
    assert len(spans) == sum(len(t.spans) for t in lanes.tasks.values())
    for tid, name in ((2, "A"), (3, "B")):
        assert [e["name"] for e in spans if e["tid"] == tid] == [
            s.state for s in lanes.tasks[name].spans
        ]
    waits = [e for e in spans if e["name"] == "waiting"]
    assert waits and waits[0]["tid"] == 3 and waits[0]["dur"] > 0  # B waited for the lock
    counters = [e["args"]["balance"] for e in events if e["ph"] == "C"]
    assert counters == [v for _t, v in lanes.counters["balance"]]
    assert counters[-1] == result.outcome["final_balance"] == 400
    assert counters[0] == 1000  # the opening balance, at time zero (set up just before it)
    assert all(e["ts"] >= 0 for e in events if "ts" in e)


def test_csv_round_trips_every_event() -> None:
    _result, _lanes, events = _run()
    text = export.events_csv(events)
    back = export.read_events_csv(text)
    assert back == sorted(events, key=lambda ev: ev.t_ns)
    with pytest.raises(ValueError, match="header"):
        export.read_events_csv("a,b\n1,2\n")
    with pytest.raises(ValueError, match="line 2"):
        export.read_events_csv("t_ns,task,kind,data\n1,A,nope,null\n")


def test_timeline_until_t_shows_the_balance_recorded_at_t() -> None:
    _result, lanes, events = _run("bank-race", lock=False, delay=0.05)
    timeline = History(events, events[0].t_ns)
    samples = lanes.counters["balance"]
    assert [v for _t, v in samples][-1] == -100
    for t_ns, value in samples:
        assert timeline.until(t_ns).counters["balance"][-1][1] == value
    before_any_withdrawal = samples[1][0] - 1
    assert timeline.until(before_any_withdrawal).counters["balance"][-1][1] == 1000


def test_cli_writes_trace_csv_and_gif(tmp_path: Path) -> None:
    out = {k: tmp_path / f"run.{k}" for k in ("json", "csv", "gif")}
    proc = cli(
        "run",
        "bank-race",
        "--delay",
        "0.2",
        "--trace",
        str(out["json"]),
        "--csv",
        str(out["csv"]),
        "--gif",
        str(out["gif"]),
        "--speed",
        "0.5",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out["json"].read_text())["traceEvents"]
    assert export.read_events_csv(out["csv"].read_text())
    from PIL import Image

    with Image.open(out["gif"]) as gif:
        assert gif.n_frames > 1
    proc = cli("run", "bank-race", "--trace", str(tmp_path / "x.txt"))
    assert proc.returncode == 2 and "must end in .json" in proc.stderr
    proc = cli("run", "bank-race", "--gif", str(tmp_path / "a.gif"), "--speed", "5")
    assert proc.returncode == 2 and "--speed" in proc.stderr


def test_window_exports_every_format_and_refuses_a_missing_folder(qtbot, window, tmp_path) -> None:
    assert not window.export_file("trace", str(tmp_path / "early.json"))  # no run yet
    assert not (tmp_path / "early.json").exists()
    window.set_params({"lock": True, "delay": 0.1})
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        window.start_run()
    paths = {
        kind: tmp_path / f"out-{kind}"
        for kind in ("window-png", "timeline-png", "timeline-svg", "gif", "trace", "csv")
    }
    for kind, path in paths.items():
        assert window.export_file(kind, str(path)), window.statusBar().currentMessage()
    from PIL import Image

    with Image.open(tmp_path / "out-window-png.png") as png:
        assert png.size == (window.width(), window.height())
    with Image.open(tmp_path / "out-gif.gif") as gif:
        assert gif.n_frames > 1
    assert "<svg" in (tmp_path / "out-timeline-svg.svg").read_text()
    data = json.loads((tmp_path / "out-trace.json").read_text())
    assert {e["args"]["name"] for e in data["traceEvents"] if e["name"] == "thread_name"} == {
        "A · withdraw $600",
        "B · withdraw $500",
    }
    assert export.read_events_csv((tmp_path / "out-csv.csv").read_text())
    assert not window.export_file("csv", str(tmp_path / "nope" / "x.csv"))
    assert "does not exist" in window.statusBar().currentMessage()


def test_ab_view_has_both_traces_on_one_axis(qtbot, window) -> None:
    window.set_params({"lock": False, "delay": 0.1})
    qtbot.keyClick(window, Qt.Key.Key_C)
    dialog = window.compare_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.finished_both, timeout=15_000)
    a, b = dialog.results
    assert a is not None and b is not None
    assert a.params["lock"] is False and b.params["lock"] is True
    assert a.outcome["final_balance"] == -100 and b.outcome["final_balance"] == 400
    ta, tb = (view._lanes for view in dialog.timelines)
    assert ta is not None and tb is not None and set(ta.tasks) == set(tb.tasks) == {"A", "B"}
    assert dialog.timelines[0].visible_range() == dialog.timelines[1].visible_range()
    dialog.timelines[0]._move_cursor(0.05)  # the cursor is on both
    assert dialog.timelines[1].cursor_s == 0.05
    assert "A: balance $1,000" in dialog.status.text()
    dialog.close()


def test_ab_compares_threads_with_asyncio_for_downloads(qtbot, window) -> None:
    window.select("downloads-threads")
    window.set_params({"n": 4, "size": 16, "latency": 0.05})
    window.open_compare()
    dialog = window.compare_dialog
    assert dialog is not None
    assert [side[0].id for side in dialog.sides] == ["downloads-threads", "downloads-asyncio"]
    qtbot.waitUntil(lambda: dialog.finished_both, timeout=30_000)
    modes = [{t["mode"] for t in r.tasks} for r in dialog.results if r is not None]
    assert modes == [{"threads"}, {"asyncio"}]
    assert all(len(view._lanes.tasks) == 4 for view in dialog.timelines)
    dialog.close()


def test_dragging_the_time_cursor_moves_it(qtbot, window) -> None:
    window.set_params({"lock": False, "delay": 0.2})
    with qtbot.waitSignal(window.bridge.finished, timeout=10_000):
        window.start_run()
    view = window.timeline
    window.set_cursor(0.05)
    g = view._geo()
    y = round(g.axis_top - 5)
    start = QPoint(round(view._x(0.05, g)), y)
    end = QPoint(round(view._x(0.15, g)), y)
    before = view.visible_range()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(view, start + (end - start) * step / 5)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)
    assert view.cursor_s == pytest.approx(0.15, abs=0.01)
    assert view.visible_range() == before  # the view did not pan


def test_a_stepped_gif_shows_every_step_however_short_the_run(qtbot, tmp_path: Path) -> None:
    # a stepped run at delay 0 lasts a few ms: paced by wall time it was 2 frames at 0.1x
    from PIL import Image

    from threadtruth_gui.ui import gif

    scenario = get("bank-race")
    schedule = ["A", "A", "B", "B", "A", "B", "A", "B"]
    result, _lanes, events = scenario.execute({"delay": 0.0}, schedule=schedule)
    steps = sorted({ev.t_ns for ev in events if ev.kind == "go"})
    assert len(steps) >= len(schedule)
    path = tmp_path / "steps.gif"
    frames = gif.write_gif_headless(scenario, result, events, path, 0.1)
    assert frames == len(steps) + 1  # at the gate, then each step done (the last: the end)
    times = gif.step_times(History(events, events[0].t_ns))
    for before, after in itertools.pairwise(times):  # one step between two frames
        assert sum(before < t <= after for t in steps) == 1
    with Image.open(path) as image:
        assert image.n_frames == frames
        image.seek(1)
        assert image.info["duration"] == gif.STEP_MS / 0.1  # each step 5 s at 0.1x


def test_a_gif_of_very_many_steps_keeps_the_first_the_last_and_the_end() -> None:
    from threadtruth_gui.engine.events import Event
    from threadtruth_gui.ui import gif

    events = [Event(0, "", "phase", ("start", "threads", "threads"))]
    events += [Event(1000 * (i + 1), "A", "go", "line") for i in range(400)]
    events.append(Event(500_000, "A", "end", ("succeeded", None)))
    times, delay_ms = gif.frame_times(History(events, 0), 1.0)
    assert len(times) == gif.MAX_FRAMES and delay_ms == gif.STEP_MS
    assert times[0] == 999 and times[-1] == 500_000 and times == sorted(set(times))


def test_each_gif_frame_has_the_legend_of_the_states_drawn_in_it(qtbot) -> None:
    from threadtruth_gui.ui import gif, theme
    from threadtruth_gui.ui.timeline import TimelineView

    scenario = get("deadlock")  # running, sleeping, waiting, failed, done: a legend that grows
    result, lanes, events = scenario.execute({"delay": 0.05})
    had = {span.state for track in lanes.tasks.values() for span in track.spans}
    timeline = History(events, events[0].t_ns)
    view = TimelineView()
    view.resize(*gif.SIZE)
    grab, legends = view.grab, []

    def grab_and_note():  # type: ignore[no-untyped-def]
        drawn = {span.state for track in view._lanes.tasks.values() for span in track.spans}
        legends.append((view.used_states(), drawn))
        return grab()

    view.grab = grab_and_note  # type: ignore[method-assign]
    gif.render(view, timeline, theme.plan_colors(scenario.plan(result.params)), 1.0)
    assert len(legends) > 2
    for legend, drawn in legends:
        assert set(legend) == drawn <= had  # only what the run had, and had by then
    assert set(legends[-1][0]) == had  # the last frame explains every state of the run
