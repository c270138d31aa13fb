"""File ▸ Trace a program in the window: the philosophers' deadlock shown, broken or ended;
crashing and hanging programs leave the window alive and no child behind; output and
verdict from the report; bad input refused with a message."""

from __future__ import annotations

import re
import time
from pathlib import Path

import psutil
import pytest

from threadtruth_gui import assets
from threadtruth_gui.engine.events import Kind
from threadtruth_gui.runs.traced import NOT_SEEN
from threadtruth_gui.runs.traced_verdict import verdict_of
from threadtruth_gui.ui.main_window import MainWindow
from threadtruth_gui.ui.window.tracing import help_text

RUN_MS = 30_000
EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
PHILOSOPHERS = EXAMPLES / "philosophers_deadlock.py"


def _children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.is_running()]


def _no_child_left(qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not _children(), timeout=5000)


def _script(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _finished(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: win.bridge.result is not None, timeout=RUN_MS)


def _deadlocked(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(win.bridge.traced_deadlock_held, timeout=RUN_MS)
    # the panel and the lanes show it once the frame after it is drawn
    qtbot.waitUntil(lambda: win.traced_panel.buttons.isVisibleTo(win), timeout=RUN_MS)


def test_philosophers_deadlock_shown_and_broken(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.trace_program(str(PHILOSOPHERS))
    assert window.scenario is None
    assert "philosophers_deadlock.py" in window.title.text()
    _deadlocked(qtbot, window)
    lanes = window.bridge.lanes
    assert lanes is not None
    philosophers = [n for n in lanes.tasks if n.startswith("philosopher-")]
    assert len(philosophers) == 3
    assert all(lanes.tasks[n].state == "waiting" for n in philosophers)
    panel = window.traced_panel
    cycle = panel.graph.cycle
    assert sorted(e["task"] for e in cycle) == philosophers
    assert panel.graph.isVisibleTo(window) and panel.stacks.isVisibleTo(window)
    assert re.search(r"line \d+ in dine", panel.stacks.text())  # the title names the file
    assert window.verdict.idle_text().startswith("Deadlock:")
    # the code pane shows the script with the philosophers' markers on it
    assert "def dine" in window.code.toPlainText() or "forks" in window.code.toPlainText()
    assert set(window.code.markers()) >= set(philosophers)
    panel.break_button.click()
    _finished(qtbot, window)
    result = window.bridge.result
    assert result is not None
    statuses = {t["name"]: t["status"] for t in result.tasks}
    assert sorted(statuses[n] for n in philosophers) == ["deadlocked", "done", "done"]
    assert result.verdict is not None and result.verdict.headline.startswith(
        "Deadlock broken: philosopher-"
    )
    assert window.verdict.headline() == result.verdict.headline
    assert any("took fork" in line for _s, line in panel.output_lines())
    _no_child_left(qtbot)


def test_philosophers_deadlock_ended(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.trace_program(str(PHILOSOPHERS))
    _deadlocked(qtbot, window)
    assert _children()
    window.traced_panel.end_button.click()
    _finished(qtbot, window)
    result = window.bridge.result
    assert result is not None and result.verdict is not None
    assert result.verdict.headline.startswith("Deadlock: philosopher-")
    statuses = {t["name"]: t["status"] for t in result.tasks}
    assert [statuses[f"philosopher-{i}"] for i in range(3)] == ["deadlocked"] * 3
    assert window.verdict.headline() == result.verdict.headline
    _no_child_left(qtbot)


def test_philosophers_deadlock_reset(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.trace_program(str(PHILOSOPHERS))
    _deadlocked(qtbot, window)
    began = time.perf_counter()
    window.reset_run()  # R
    _no_child_left(qtbot)
    assert time.perf_counter() - began < 2.0
    assert not window.bridge.running
    assert "again" in window.verdict.idle_text()
    assert not window.traced_panel.output_lines() and not window.traced_panel.graph.cycle
    assert not window.code.markers()
    with qtbot.waitSignal(window.bridge.finished, timeout=RUN_MS):  # Space: traced again
        window.start_run()
        _deadlocked(qtbot, window)
        window.traced_panel.break_button.click()


@pytest.mark.parametrize(
    "text, who, kind",
    [
        (
            "import threading\n"
            "def worker():\n"
            "    raise ValueError('bad amount')\n"
            "t = threading.Thread(target=worker, name='worker')\n"
            "t.start(); t.join()\n"
            "print('main ends')\n",
            "worker",
            "ValueError",
        ),
        (
            "import sys\nprint('oops', file=sys.stderr)\nraise KeyError('x')\n",
            "MainThread",
            "KeyError",
        ),
    ],
)
def test_crash_leaves_window_alive(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, tmp_path: Path, text, who, kind
) -> None:
    window.trace_program(str(_script(tmp_path, "crash.py", text)))
    _finished(qtbot, window)
    result = window.bridge.result
    assert result is not None and result.verdict is not None
    assert result.verdict.headline.startswith(f"Failed: {kind} in {who} (crash.py:")
    assert window.verdict.headline() == result.verdict.headline
    assert result.verdict == verdict_of(result.outcome, "crash.py")
    assert window.isVisible()
    if who == "MainThread":
        lines = window.traced_panel.output_lines()
        assert ("stderr", "oops") in lines
        assert "exit code 1" in window.traced_panel.output_title.text()
    _no_child_left(qtbot)


def test_hanging_script_reset_fast(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "import threading\n"
        "def spin():\n"
        "    while True:\n"
        "        pass\n"
        "threading.Thread(target=spin, name='spinner', daemon=False).start()\n"
    )
    window.trace_program(str(_script(tmp_path, "hang.py", text)))
    qtbot.waitUntil(
        lambda: window.bridge.lanes is not None and "spinner" in window.bridge.lanes.tasks,
        timeout=RUN_MS,
    )
    began = time.perf_counter()
    window.reset_run()
    qtbot.waitUntil(lambda: not _children(), timeout=5000)
    took = time.perf_counter() - began
    assert took < 2.0, f"the hanging program took {took:.2f} s to end"
    assert window.isVisible() and not window.bridge.running


def test_output_and_verdict_match_the_report(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.trace_program(str(EXAMPLES / "producer_consumer.py"))
    _finished(qtbot, window)
    result = window.bridge.result
    assert result is not None and result.verdict is not None
    report = result.outcome
    assert result.verdict.headline == f"Ended: exit code {report['exit_code']}"
    waits = sum(lock["waits"] for lock in report["locks"])
    assert f"{waits} waits" in result.verdict.detail
    printed = [line for stream, line in window.traced_panel.output_lines() if stream == "stdout"]
    assert len(printed) == report["stdout_lines"]
    assert f"exit code {report['exit_code']}" in window.traced_panel.output_title.text()
    events = window.bridge.run.recorder.events() if window.bridge.run else []
    assert any(ev.kind == Kind.OUTPUT for ev in events)
    _no_child_left(qtbot)


def test_ctrl_e_does_not_edit_a_traced_program(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.trace_program(str(_script(tmp_path, "hello.py", "print('hello')\n")))
    _finished(qtbot, window)
    window.editing.toggle()
    assert not window.editing.editing and window.code.isReadOnly()
    assert "traced program" in window.statusBar().currentMessage()
    window.select("bank-race")  # a scenario again: its code may be edited
    window.editing.toggle()
    assert window.editing.editing
    window.editing.leave()


def test_bad_input_changes_nothing(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = window.scenario
    assert not window.trace_program(str(tmp_path / "missing.py"))
    assert "no such script" in window.statusBar().currentMessage()
    bad = _script(tmp_path, "bad.py", "def f(:\n    pass\n")
    assert not window.trace_program(str(bad))
    assert "bad.py:1" in window.statusBar().currentMessage()
    assert window.scenario is before and not window.bridge.running and not _children()


def test_examples_menu_lists_programs(window: MainWindow) -> None:
    from PySide6.QtWidgets import QMenu

    menus = [m for m in window.findChildren(QMenu) if m.title() == "&Examples"]
    assert menus
    texts = [a.text() for a in menus[0].actions()]
    for program in assets.programs():
        assert program.title in texts


def test_help_lists_not_seen() -> None:
    for what in NOT_SEEN:
        assert what in help_text()


def test_not_seen_labels_the_run(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a hot loop: its line markers stop at the budget, on every Python (a program's own
    # sys.settrace takes them away only on 3.11; 3.12+ watches lines through sys.monitoring)
    text = "def spin():\n    for _ in range(30000):\n        pass\n\nspin()\nprint('spun')\n"
    window.trace_program(str(_script(tmp_path, "hot.py", text)))
    _finished(qtbot, window)
    result = window.bridge.result
    assert result is not None and result.outcome["not_seen"]
    label = window.traced_panel.not_seen
    assert label.isVisibleTo(window)
    assert all(what in label.text() for what in result.outcome["not_seen"])


def test_exports_of_a_traced_run(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv
    import json

    window.trace_program(str(EXAMPLES / "producer_consumer.py"))
    _finished(qtbot, window)
    trace, table = tmp_path / "run.json", tmp_path / "run.csv"
    assert window.export_file("trace", str(trace))
    assert window.export_file("csv", str(table))
    events = json.loads(trace.read_text())["traceEvents"]
    labels = [e["args"]["name"] for e in events if e.get("name") == "thread_name"]
    assert "producer · thread" in labels  # its caption says what the probes saw
    names = {label.split(" · ")[0] for label in labels}
    assert {"producer", "consumer-1", "consumer-2"} <= names
    with table.open() as f:
        rows = list(csv.DictReader(f))
    assert any(r.get("kind") == "lock" for r in rows)
    assert any(r.get("kind") == "output" for r in rows)


def test_code_pane_switches_between_the_script_files(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _script(
        tmp_path,
        "helper.py",
        "import threading\n"
        "gate = threading.Event()\n"
        "def work():\n"
        "    gate.wait()  # held here until the test has looked\n",
    )
    main = _script(
        tmp_path,
        "main.py",
        "import threading, time\n"
        "import helper\n"
        "t = threading.Thread(target=helper.work, name='helper-thread')\n"
        "t.start()\n"
        "time.sleep(30)\n",
    )
    window.trace_program(str(main))
    panel = window.traced_panel
    qtbot.waitUntil(lambda: panel.files.count() == 2, timeout=RUN_MS)
    assert panel.files.isVisibleTo(window)
    assert "time.sleep(30)" in window.code.toPlainText()
    panel.files.textActivated.emit("helper.py")
    assert "gate.wait()" in window.code.toPlainText()
    qtbot.waitUntil(lambda: window.code.markers().get("helper-thread") == 4, timeout=RUN_MS)
    assert "MainThread" not in window.code.markers()  # its line is in main.py
    window.reset_run()
    _no_child_left(qtbot)


def test_closing_the_window_mid_run_is_quick(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    win.trace_program(str(PHILOSOPHERS))
    _deadlocked(qtbot, win)
    began = time.perf_counter()
    win.close()
    took = time.perf_counter() - began
    assert took < 2.0, f"closing took {took:.2f} s"
    assert not _children()


def test_scenario_only_actions_say_why_not(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.trace_program(str(_script(tmp_path, "hello.py", "print('hello')\n")))
    _finished(qtbot, window)
    for action in (  # (File ▸ Save run works on it: tests/test_trace_save.py)
        window.replay_run,
        window.open_many_runs,
        window.open_compare,
    ):
        window.statusBar().clearMessage()
        assert action() is False
        assert "not on a traced program's" in window.statusBar().currentMessage()
    assert window.many_dialog is None and window.compare_dialog is None
    gif = tmp_path / "run.gif"
    assert window.export_file("gif", str(gif)) and gif.stat().st_size > 1000


def test_reset_mid_process_pool_leaves_no_worker(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "import time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "def spin(n):\n"
        "    while True:\n"
        "        n += 1\n"
        "if __name__ == '__main__':\n"
        "    with ProcessPoolExecutor(2) as pool:\n"
        "        list(pool.map(spin, [0, 1]))\n"
    )
    window.trace_program(str(_script(tmp_path, "pool.py", text)))
    qtbot.waitUntil(
        lambda: (
            window.bridge.lanes is not None
            and sum(t.info.get("kind") == "process" for t in window.bridge.lanes.tasks.values())
            == 2
        ),
        timeout=RUN_MS,
    )
    assert len(_children()) >= 3  # the program and its two workers
    began = time.perf_counter()
    window.reset_run()
    qtbot.waitUntil(lambda: not _children(), timeout=5000)
    assert time.perf_counter() - began < 2.0


def test_asyncio_example_gets_task_lanes(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.trace_program(str(EXAMPLES / "async_semaphore.py"))
    _finished(qtbot, window)
    result, lanes = window.bridge.result, window.bridge.lanes
    assert result is not None and lanes is not None
    tasks = [t for t in result.tasks if t["kind"] == "task"]
    assert len(tasks) >= 2 and all(t["name"] in lanes.tasks for t in tasks)
    assert result.verdict is not None
    assert result.verdict.headline == f"Ended: exit code {result.outcome['exit_code']}"
    assert f"{len(tasks)} tasks" in result.verdict.detail


def test_tracing_ends_a_pending_prediction(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window.predict_action.setChecked(True)
    window.start_run()
    assert window.prediction.isVisible() and window.runs.pending_start is not None
    window.trace_program(str(_script(tmp_path, "hello.py", "print('hello')\n")))
    assert not window.prediction.isVisible() and window.runs.pending_start is None
    _finished(qtbot, window)
    assert window.verdict.isVisible()
    assert window.verdict.headline() == "Ended: exit code 0"
