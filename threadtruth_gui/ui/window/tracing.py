"""File ▸ Trace a program: any Python program run in a child process (runs/traced.py) and
drawn live through the window's one run path (the bridge), its code, output and deadlock.

The window then shows no scenario (`scenario` is None): Space traces the program again,
R ends it (and every process it started), D breaks a deadlock it holds; choosing a
scenario in the list leaves the trace.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLabel, QWidget

from threadtruth_gui.engine.files import read_regular
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.runs.traced import NOT_SEEN, ScriptError, TracedRun, check_script
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.panels.traced import TracedPanel
from threadtruth_gui.ui.params import ParamBar
from threadtruth_gui.ui.timeline import TimelineView
from threadtruth_gui.ui.widgets.code_pane import CodePane
from threadtruth_gui.ui.widgets.scenario_list import ScenarioList
from threadtruth_gui.ui.widgets.verdict import VerdictBanner
from threadtruth_gui.ui.window.columns import StateColumn, code_spans
from threadtruth_gui.ui.window.editing import EditingController
from threadtruth_gui.ui.window.running import step_hint
from threadtruth_gui.ui.window.shown import live_markers

_NO_PLAN = Plan([], outcome=lambda _stats: {}, code=[])
SAVED_NOT_RUN = "A saved trace is shown: File ▸ Trace a program… runs it again."
SAVED_CLEARED = (  # R on an opened saved trace: its run is cleared, as a scenario's is
    "Reset: the saved trace is cleared. File ▸ Open run… shows it again; "
    "File ▸ Trace a program… runs the program."
)
END_GRACE_MS = 1500  # End the program: killed after this (Reset's, in the bridge: 1 s)
Action = TypeVar("Action", bound=Callable[..., Any])


def unless_traced(traced: Callable[[str], bool], action: Action, what: str) -> Action:
    """`action`, unless `traced(what)` says a traced program is shown (and why not)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return False if traced(what) else action(*args, **kwargs)

    return cast(Action, call)


class _NoParams:
    """A settings row with nothing in it: a traced program takes its arguments, not knobs."""

    params: tuple[Any, ...] = ()


def help_text() -> str:
    """What the window says about tracing (the description while a program is traced)."""
    unseen = "; ".join(NOT_SEEN)
    return (
        "The program runs in a separate process with its threads, asyncio tasks and "
        "processes as lanes, and every `threading` lock, condition, semaphore, event, "
        "`queue.Queue` and `asyncio` lock, event, semaphore and queue wait observed. "
        "Its own files get line markers. A deadlock is found from the wait-for graph "
        f"and held: D breaks it, R ends the program. Not seen: {unseen}."
    )


class TracingHost(Protocol):
    """What tracing needs of the window."""

    scenario: Scenario | None
    colors: dict[str, QColor]
    step_action: QAction
    title: QLabel
    description: QLabel
    column_scroll: StateColumn
    param_bar: ParamBar
    scenario_list: ScenarioList
    code: CodePane
    timeline: TimelineView
    verdict: VerdictBanner
    editing: EditingController

    def clear_run_views(self) -> None: ...
    def leave_run_modes(self) -> None: ...
    def fit_split(self) -> None: ...


class TracingController(QObject):
    status = Signal(str, int)
    error = Signal(str)

    def __init__(self, host: TracingHost, bridge: RunBridge, parent: QObject) -> None:
        super().__init__(parent)
        self.host, self.bridge = host, bridge
        self.script: Path | None = None  # the program shown (None: a scenario is shown)
        self.args: list[str] = []
        self.shown_file = ""  # which of its files the code pane shows (relative to its folder)
        self.files: list[str] = []  # its files that ran lines so far
        self._sources: dict[str, str] = {}
        self.from_file = False  # an opened .ttrun's program: never run, its code the file's
        self.panel.fileChosen.connect(self.show_file)
        self.panel.breakClicked.connect(self.break_deadlock)
        self.panel.endClicked.connect(self.end)
        bridge.updated.connect(self._on_updated)
        bridge.finished.connect(self._on_finished)

    @property
    def panel(self) -> TracedPanel:
        return self.host.column_scroll.traced

    @property
    def active(self) -> bool:
        """Whether the window shows a traced program (not a scenario)."""
        return self.script is not None and self.host.scenario is None

    def refuse(self, what: str) -> bool:
        """True, after saying so, when a traced program is shown: `what` (save, replay, many
        runs, A/B) works on a scenario's run only."""
        if not self.active:
            return False
        again = "File ▸ Trace a program… runs it" if self.from_file else "Space traces it"
        self.status.emit(
            f"{what} works on a scenario's run, not on a traced program's: File ▸ Save run "
            f"and Export (Chrome trace, CSV, GIF) work on it; {again} again.",
            6000,
        )
        return True

    # -- starting ------------------------------------------------------------------------------
    @Slot()
    def ask(self) -> bool:
        """File ▸ Trace a program…: a .py file, then a line of its arguments."""
        window = cast(QWidget, self.parent())
        path, _ = QFileDialog.getOpenFileName(
            window, "Trace a program", str(self.script.parent) if self.script else "",
            "Python programs (*.py);;All files (*)",
        )  # fmt: skip
        if not path:
            return False
        line, ok = QInputDialog.getText(
            window, "Trace a program", f"Arguments for {Path(path).name} (may be empty):"
        )
        if not ok:
            return False
        try:
            args = shlex.split(line)
        except ValueError as exc:
            self.error.emit(f"Cannot read the arguments: {exc}.")
            return False
        return self.trace(path, args)

    def trace(self, path: str, args: list[str] | tuple[str, ...] = ()) -> bool:
        """Trace the program at `path`: checked first (a missing file or a syntax error is
        said, and nothing changes), then run and drawn live. False: it was refused."""
        try:
            script = check_script(path)
        except ScriptError as exc:
            self.error.emit(f"Cannot trace: {exc}.")
            return False
        if self.bridge.resetting:  # called from the loop a reset is turning: after it
            QTimer.singleShot(0, lambda: self.trace(path, list(args)))
            return True
        self.script, self.args, self.from_file = script.resolve(), list(args), False
        self._enter()
        stepping = self.host.step_action.isChecked()  # every thread stops at its first line
        self.bridge.start_traced(TracedRun(self.script, self.args, step=stepping))
        return True

    @Slot()
    def break_deadlock(self) -> None:
        """Break the deadlock (the panel's button; D does the same)."""
        if self.bridge.break_deadlock():
            self.status.emit("Deadlock broken: one thread's wait ends with an exception.", 4000)

    @Slot()
    def end(self) -> None:
        """End the program (the panel's button): it ends and its verdict is shown (R, Reset,
        ends it too, and clears the run). One that does not leave in time is killed, with
        every process it started."""
        run = self.bridge.traced()
        if run is None or not self.bridge.running:
            return
        run.cancel()
        QTimer.singleShot(END_GRACE_MS, lambda: None if run.finished else run.kill())
        self.status.emit(f"Ending {run.script.name}…", 2000)

    def again(self) -> None:
        """Space on a traced program: trace it again, with the same arguments."""
        if self.bridge.running:
            self.status.emit("Already running: R ends the program.", 3000)
            return
        if self.from_file:  # a file is untrusted input: the program it names never runs
            self.status.emit(SAVED_NOT_RUN, 6000)
            return
        if self.script is not None:
            self.trace(str(self.script), self.args)

    def _enter(self) -> None:
        """The window shows the program: its name, the help, its code, an empty panel."""
        host, script = self.host, self.script
        assert script is not None
        host.leave_run_modes()  # a replay, a question to the class: gone with the scenario
        self.bridge.reset()
        host.editing.leave()
        host.scenario = None
        # Ctrl+E edits a scenario's shown functions, not a program's files: it says so
        host.editing.why_not = "a traced program runs its own files, as they are on disk"
        host.editing.original = None
        host.editing.key = None  # the next scenario shown works its own out again
        host.editing.show(_NO_PLAN)  # no "edited" mark nor Restore over a program's file
        host.scenario_list.blockSignals(True)  # a click on any scenario leaves the trace
        host.scenario_list.setCurrentRow(-1)
        host.scenario_list.blockSignals(False)
        args = f" {shlex.join(self.args)}" if self.args else ""
        host.title.setText(f"Traced program: {script.name}{args}")
        host.title.setToolTip(str(script))
        host.description.setText(code_spans(help_text()))
        host.param_bar.build(cast(Scenario, _NoParams()))
        host.column_scroll.show_panel("traced")
        host.colors = {}
        host.timeline.set_counter(None, "", str)  # no scenario's balance track
        self.panel.setup(_NO_PLAN, {})
        self.panel.script = script.name
        self.files, self._sources = [script.name], {}
        self.show_file(script.name)
        host.clear_run_views()
        host.column_scroll.fit()

    def enter_saved(
        self, script: Path, args: list[str], sources: dict[str, str], files: list[str]
    ) -> None:
        """Show an opened .ttrun's program (ui/window/saved_trace.py): as `_enter`, with
        the code from the file's sources only; Space does not run it."""
        self.script, self.args, self.from_file = script, list(args), True
        self._enter()
        self._sources, self.files = dict(sources), list(files) or [script.name]
        self.show_file(self.files[0])

    def ready(self) -> None:
        """After Reset: the program as it stands before a run (Space traces it again): no
        lanes, output, ring nor markers of the run that was reset."""
        if self.script is not None:
            self.host.clear_run_views()
            self.panel.setup(_NO_PLAN, {})
            self.host.code.set_markers({}, self.host.colors)
            self.host.verdict.show_idle(SAVED_CLEARED if self.from_file else self.ready_text())

    def ready_text(self) -> str:
        """What Space does now, in the verdict's place before a run."""
        if self.from_file:  # a saved trace: the program named in a file is never run
            return SAVED_NOT_RUN
        name = self.script.name if self.script is not None else "the program"
        if self.host.step_action.isChecked():
            return f"Step mode: Space traces {name} with every thread stopped at its first line."
        return f"Press Space to trace {name} again."

    # -- its files -----------------------------------------------------------------------------
    @Slot(str)
    def show_file(self, name: str) -> None:
        """Show the program's file `name` (relative to its folder) in the code pane."""
        if self.script is None:
            return
        text = self._sources.get(name)
        if text is None and self.from_file:  # (never read from disk: the file's code only)
            text = f"# {name}: its code is not in the run file"
        if text is None:
            try:
                raw = read_regular(self.script.parent / name, 16 * 1024 * 1024)
                text = raw.decode("utf-8", errors="replace")
            except OSError as exc:
                text = f"# {name}: cannot be read ({exc.strerror or exc})"
            self._sources[name] = text
        self.shown_file = name
        self.host.code.show_source(text, name)
        self.panel.set_files(self.files, name)
        lanes = self.bridge.lanes
        if lanes is not None:
            self._markers(lanes)

    def _markers(self, lanes: Lanes) -> None:
        """Each live lane's marker, on the shown file's lines only."""
        self.host.code.set_markers(live_markers(lanes, self.shown_file), self.host.colors)

    # -- as it runs ----------------------------------------------------------------------------
    @Slot()
    def _on_updated(self) -> None:
        lanes, run = self.bridge.lanes, self.bridge.traced()
        if lanes is None or run is None or not self.active:
            return
        host = self.host
        if len(host.colors) != len(lanes.tasks):  # the timeline's colours, by lane order
            host.colors = {name: theme.task_color(i) for i, name in enumerate(lanes.tasks)}
            self.panel.set_colors(host.colors)
            gate = self.bridge.gate
            if gate is not None and not gate.free:  # the number keys of the lanes so far
                host.verdict.show_idle(step_hint(host.colors))
        self.panel.add_output(self.bridge.last_batch)
        files = sorted({t.file for t in lanes.tasks.values() if t.file}, key=self._order)
        if files and files != self.files:
            self.files = files
            self.panel.set_files(self.files, self.shown_file)
        self._markers(lanes)
        self.panel.update_from(lanes)
        if self.bridge.traced_deadlock_held():
            found = run.deadlock()
            n = len(found["cycle"]) if found else 0
            text = f"Deadlock: {n} threads wait for each other's locks. D breaks it, R ends it."
            if host.verdict.idle_text() != text:
                host.verdict.show_idle(text)

    def _order(self, name: str) -> tuple[int, str]:
        return (0 if self.script is not None and name == self.script.name else 1, name)

    @Slot(object)
    def _on_finished(self, _result: object) -> None:
        if self.bridge.traced() is None or not self.active:
            return
        self.panel.flush_output()
        if self.bridge.lanes is not None:
            self._markers(self.bridge.lanes)
        self.host.column_scroll.fit()
