"""A traced program's run as a `.ttrun` (runs/tracefile.py): `trace --save` writes it (after a
deadlock and at Ctrl+C too), Open shows it whole without running anything, `replay` says it
cannot re-run it, and a tampered file is refused with one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _cli import cli

from threadtruth_gui.engine.events import Kind
from threadtruth_gui.runs import runfile, tracecheck, tracefile
from threadtruth_gui.runs.tracefile import SavedTrace, read_sources
from threadtruth_gui.ui.main_window import MainWindow
from threadtruth_gui.ui.window.tracing import SAVED_CLEARED, SAVED_NOT_RUN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "resources" / "examples"
RUN_MS = 30_000


@pytest.fixture(scope="module")
def philosophers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`trace philosophers_deadlock.py --save`: the file it wrote (exit 3: the deadlock)."""
    out = tmp_path_factory.mktemp("saved") / "philosophers.ttrun"
    proc = cli("trace", str(EXAMPLES / "philosophers_deadlock.py"), "--save", str(out))
    assert proc.returncode == 3, proc.stderr
    return out


def _traced(path: Path) -> SavedTrace:
    saved = tracefile.load_any(path)
    assert isinstance(saved, SavedTrace)
    return saved


def test_saved_deadlock_opens_with_its_cycle_sources_and_output(philosophers: Path) -> None:
    saved = _traced(philosophers)
    data = json.loads(philosophers.read_text())
    assert data["version"] == runfile.VERSION and "scenario" not in data
    assert data["program"]["script"].endswith("philosophers_deadlock.py")
    deadlock = saved.report["deadlock"]
    assert deadlock is not None and not deadlock["broken"]
    assert sorted(e["task"] for e in deadlock["cycle"]) == [f"philosopher-{i}" for i in range(3)]
    assert saved.result.verdict is not None
    assert saved.result.verdict.headline.startswith("Deadlock: philosopher-")
    assert saved.files() == ["philosophers_deadlock.py"]
    assert "def dine" in saved.sources["philosophers_deadlock.py"]
    assert not saved.left_out
    output = [ev.data for ev in saved.events if ev.kind == Kind.OUTPUT]
    assert any(stream == "stdout" and "took fork" in text for stream, text in output)
    lines = [ev.data for ev in saved.events if ev.kind == Kind.LINE]
    assert lines and all(file == "philosophers_deadlock.py" for _line, file in lines)
    lanes = saved.lanes()
    assert {f"philosopher-{i}" for i in range(3)} <= set(lanes.tasks)
    assert saved.summary.get("objects")  # the child's own summary travels with it


def test_replay_of_a_traced_file_is_one_line_and_exit_2(philosophers: Path) -> None:
    proc = cli("replay", str(philosophers))
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line
    assert line.startswith("threadtruth: error: philosophers.ttrun is a traced program's run")
    assert "replay cannot re-run" in line and "File ▸ Open run" in line
    assert "threadtruth trace" in line and "philosophers_deadlock.py" in line
    with pytest.raises(runfile.RunFileError, match="traced program's run"):
        runfile.load(philosophers)  # the scenario-only reader says what it is too


def test_save_at_ctrl_c_writes_what_ran(tmp_path: Path) -> None:
    script = tmp_path / "hang.py"
    script.write_text(
        "import time\nprint('started', flush=True)\nfor i in range(10**6):\n    time.sleep(0.01)\n"
    )
    out = tmp_path / "hang.ttrun"
    proc = subprocess.Popen(
        [sys.executable, "-m", "threadtruth_gui", "trace", str(script), "--save", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"started\n"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(10) == 130
    proc.communicate()
    saved = _traced(out)
    assert saved.report["exit_code"] is None and saved.report["cancelled"]
    assert saved.result.verdict is not None and not saved.result.verdict.good
    assert "time.sleep(0.01)" in saved.sources["hang.py"]


def test_sources_of_every_file_that_ran_and_the_caps(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("def work():\n    return 2\n")
    main = tmp_path / "main.py"
    main.write_text("import threading, helper\nthreading.Thread(target=helper.work).start()\n")
    out = tmp_path / "two.ttrun"
    assert cli("trace", str(main), "--save", str(out)).returncode == 0
    saved = _traced(out)
    assert saved.files() == ["main.py", "helper.py"]  # the script's own first
    assert "return 2" in saved.sources["helper.py"]
    (tmp_path / "big.py").write_text("#" * (tracecheck.MAX_SOURCE_CHARS + 1))
    sources, left_out = read_sources(tmp_path, {"main.py", "big.py", "../x.py", "gone.py"})
    assert list(sources) == ["main.py"]
    assert left_out["big.py"].startswith("over 500,000 characters")
    assert left_out["../x.py"] == "not in the script's folder"
    assert left_out["gone.py"].startswith("cannot be read")


def _tampered(path: Path, tmp_path: Path, change: Any, name: str = "bad.ttrun") -> Path:
    data = json.loads(path.read_text())
    change(data)
    bad = tmp_path / name
    bad.write_text(json.dumps(data))
    return bad


def _set_first(kind: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        event = next(ev for ev in data["events"] if ev[2] == kind)
        event[3] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set_first("line", 12), "a line event holds"),
        (_set_first("line", [12, 3]), "a line event holds"),
        (_set_first("output", ["stdin", "hello\n"]), "an output event holds"),
        (_set_first("output", ["stdout", 5]), "an output event holds"),
        # a list where a word goes is unhashable: it was a TypeError, not a refusal (a fuzz)
        (_set_first("output", [["stdout"], "hi\n"]), "an output event holds"),
        (_set_first("lock", [["wait"], "philosophers_deadlock.py:18", None]), "a lock event holds"),
        (
            lambda d: d["sources"].update({"philosophers_deadlock.py": 123}),
            "the source of philosophers_deadlock.py is not text",
        ),
        (
            lambda d: d["sources"].update({"huge.py": "x" * (tracecheck.MAX_SOURCE_CHARS + 1)}),
            "the source of huge.py is too large (500,001 characters",
        ),
        (lambda d: d["program"].update({"args": "-v"}), "are not a list of words"),
        (lambda d: d.pop("program") and d.update({"program": 7}), "names no script"),
        (lambda d: d["report"].update({"tasks": [{"name": 1}]}), "its report has bad tasks"),
        (lambda d: d["report"].update({"deadlock": {"cycle": [1]}}), "bad deadlock"),
        (lambda d: d.update({"summary": [1]}), "'summary'"),
        (_set_first("note", ["deadlock", {"cycle": [{"task": "x"}]}]), "a note event holds"),
    ],
)
def test_tampered_traced_files_are_refused(
    philosophers: Path, tmp_path: Path, change: Any, message: str
) -> None:
    bad = _tampered(philosophers, tmp_path, change)
    with pytest.raises(runfile.RunFileError) as caught:
        tracefile.load_any(bad)
    text = str(caught.value)
    assert text.startswith("bad.ttrun: ") and message in text, text
    assert "\n" not in text and len(text) < 600


# -- the window ---------------------------------------------------------------------------------
def _children() -> list[Any]:
    import psutil

    return [p for p in psutil.Process().children(recursive=True) if p.is_running()]


def test_window_saves_and_opens_a_traced_run_and_space_runs_nothing(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    window.trace_program(str(EXAMPLES / "producer_consumer.py"))
    qtbot.waitUntil(lambda: window.bridge.result is not None, timeout=RUN_MS)
    live = window.bridge.result
    assert live is not None and live.verdict is not None
    saved_to = tmp_path / "pc.ttrun"
    assert window.save_run(str(saved_to))
    assert "Saved pc.ttrun" in window.statusBar().currentMessage()
    # the program it names is one that would leave a mark, and is not where it was
    marker = tmp_path / "ran"
    other = tmp_path / "elsewhere" / "producer_consumer.py"
    other.parent.mkdir()
    other.write_text(f"open({str(marker)!r}, 'w').close()\n")
    moved = _tampered(
        saved_to, tmp_path, lambda d: d["program"].update({"script": str(other)}), "moved.ttrun"
    )
    window.select("bank-race")  # something else on screen first
    assert window.open_run(str(moved))
    assert window.scenario is None
    assert window.title.text() == "Saved trace: producer_consumer.py"
    lanes = window.timeline._lanes
    assert lanes is not None and {"producer", "consumer-1", "consumer-2"} <= set(lanes.tasks)
    # the code is the file's, not the one now at that path
    assert "queue" in window.code.toPlainText().lower()
    assert "open(" not in window.code.toPlainText()
    assert window.verdict.headline() == live.verdict.headline
    assert any("put item" in line for _s, line in window.traced_panel.output_lines())
    said = window.statusBar().currentMessage()
    assert said.startswith("Saved trace moved.ttrun: ") and "runs nothing" in said
    # Space, the toolbar's Run and Replay run nothing
    window.start_run()
    assert window.statusBar().currentMessage() == SAVED_NOT_RUN
    assert not window.bridge.running and window.bridge.run is None
    assert window.replay_run() is False
    qtbot.wait(300)
    assert not marker.exists() and not _children()
    # what is shown can be saved again, and exported
    again = tmp_path / "again.ttrun"
    assert window.save_run(str(again))
    assert _traced(again).report == _traced(saved_to).report
    assert window.export_file("csv", str(tmp_path / "pc.csv"))
    # a tampered file changes nothing on screen
    broken = _tampered(saved_to, tmp_path, _set_first("output", ["stdin", "x"]))
    assert not window.open_run(str(broken))
    assert "an output event holds" in window.statusBar().currentMessage()
    assert window.title.text() == "Saved trace: producer_consumer.py"
    # choosing a scenario leaves the saved trace, and Space runs the scenario again
    window.select("bank-race")
    assert window.scenario is not None and window.scenario.id == "bank-race"


def test_window_opens_a_saved_deadlock_with_its_ring(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, philosophers: Path
) -> None:
    assert window.open_run(str(philosophers))
    panel = window.traced_panel
    assert sorted(e["task"] for e in panel.graph.cycle) == [f"philosopher-{i}" for i in range(3)]
    assert window.verdict.headline().startswith("Deadlock: philosopher-")
    assert "def dine" in window.code.toPlainText()
    assert not panel.buttons.isVisibleTo(window)  # nothing to break: it is not running
    # the time cursor moves over it as over a finished trace
    lanes = window.timeline._lanes
    assert lanes is not None
    window.set_cursor(lanes.seconds(lanes.end_ns) / 2)
    assert window.narration.lines
    window.set_cursor(None)
    window.statusBar().clearMessage()
    window.reset_run()  # R: the saved run is cleared, as a scenario's is, and says so
    assert window.verdict.idle_text() == SAVED_CLEARED
    window.start_run()  # and the program is not run afterwards either
    assert window.statusBar().currentMessage() == SAVED_NOT_RUN
    assert window.bridge.run is None


def test_window_says_why_a_file_left_out_is_not_shown(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, philosophers: Path, tmp_path: Path
) -> None:
    def leave_out(data: dict[str, Any]) -> None:
        data["sources"] = {}
        data["left_out"] = {"philosophers_deadlock.py": "over 500,000 characters"}

    assert window.open_run(str(_tampered(philosophers, tmp_path, leave_out)))
    assert window.code.toPlainText().startswith(
        "# philosophers_deadlock.py: not saved in the run file (over 500,000 characters)"
    )
    assert "left out: philosophers_deadlock.py: over" in window.statusBar().currentMessage()


@pytest.mark.heavy
@pytest.mark.timeout(150)
def test_mutated_traced_files_are_refused_in_one_line_or_shown(
    philosophers: Path, tmp_path: Path
) -> None:
    """As tests/test_fuzz_runfile.py for scenarios' files: seeded mutations of a traced
    run, each refused in one line or shown (in a child window: a crash fails this alone)."""
    import random

    from test_fuzz_runfile import _mutate, _refusal_is_one_line

    seed = json.loads(philosophers.read_text())
    rng = random.Random(14)
    files, loaded, bad = [], {}, []
    for i in range(300):
        path = tmp_path / f"t{i:03d}.ttrun"
        path.write_text(_mutate(seed, rng), encoding="utf-8")
        files.append(path)
        try:
            tracefile.load_any(path)
            loaded[path.name] = "ok"
        except runfile.RunFileError as exc:
            loaded[path.name] = "refused"
            if not _refusal_is_one_line(str(exc)):
                bad.append(f"{path.name}: not one short line: {str(exc)[:300]!r}")
        except Exception as exc:  # the finding: anything else escaped the loader
            loaded[path.name] = "error"
            bad.append(f"{path.name}: {type(exc).__name__}: {str(exc)[:300]}")
    assert 0 < list(loaded.values()).count("ok") < len(files)
    command = [sys.executable, str(ROOT / "tests" / "_open_runs.py"), "--window-only"]
    proc = subprocess.run(
        [*command, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=140,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-1500:]
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert rows[-1] == {"done": len(files)}
    for row in rows[:-1]:
        window = row["window"]
        if not window.startswith(("ok", "refused")):
            bad.append(f"{row['file']} in the window: {window[-600:]}")
        elif window.split(":")[0] != loaded[row["file"]]:
            bad.append(f"{row['file']}: the loader says {loaded[row['file']]}, the window {row}")
    assert not bad, f"{len(bad)} mutations failed; the first:\n" + "\n".join(bad[:5])
    print(f"{len(files)} mutations: {list(loaded.values()).count('ok')} opened, the rest refused")


def test_counts_say_processes() -> None:
    from threadtruth_gui.runs.traced_verdict import counts

    report = {"tasks": [{"kind": "process"}] * 4 + [{"kind": "thread"}] * 2, "locks": []}
    assert counts(report) == "4 processes, 2 threads, 0 waits"


def test_a_fifo_named_like_a_source_is_left_out_not_waited_for(tmp_path: Path) -> None:
    """A program may run code under a file name that is a FIFO in its folder: reading it
    for --save (or the code pane) would wait for a writer forever."""
    (tmp_path / "prog.py").write_text("print('hi')\n")
    os.mkfifo(tmp_path / "pipe.py")
    sources, left_out = read_sources(tmp_path, {"prog.py", "pipe.py"})
    assert sources == {"prog.py": "print('hi')\n"}
    assert left_out == {"pipe.py": "cannot be read (not a regular file)"}
