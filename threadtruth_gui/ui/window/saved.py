"""Saved runs: File ▸ Save run, Open run and Replay run (the replayer gives a gated run its
recorded steps)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from threadtruth_gui.engine.gate import StepGate
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Edit, Plan
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.runs import runfile, tracefile
from threadtruth_gui.runs.tracefile import SavedTrace, saved_words
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.replayer import PACE_MS, Replayer, replay_message
from threadtruth_gui.ui.window.shown import ShownRun


class SavedHost(Protocol):
    """What the saved-runs controller needs of the window: the scenario and settings to
    show, the views set up for a plan, and an opened run shown whole."""

    def select(self, scenario_id: str) -> None: ...
    def set_params(self, params: dict[str, Any]) -> None: ...
    def setup_views(self, plan: Plan) -> None: ...
    def show_saved(self, saved: runfile.SavedRun, lanes: Lanes) -> None: ...
    def allow_edit(self, edit: Edit) -> bool: ...


class SavedRunsController(QObject):
    status = Signal(str, int)  # what to say in the status bar, for how long (0: until next)
    error = Signal(str)  # what went wrong: the window shows it as an error

    def __init__(self, window: QWidget, host: SavedHost, shown: ShownRun, bridge: RunBridge):
        super().__init__(window)
        self.window, self.host, self.shown, self.bridge = window, host, shown, bridge
        self.replaying: runfile.SavedRun | None = None  # the saved run being replayed
        self.replayer = Replayer(self)
        self.replayer.progress.connect(lambda text: self.status.emit(text, 0))
        # shows an opened traced program's run (file name): ui/window/saved_trace.py
        self.open_trace: Callable[[SavedTrace, str], bool] | None = None

    def stop_replay(self) -> None:
        self.replayer.stop()
        self.replaying = None

    def take_replay(self) -> runfile.SavedRun | None:
        """At a run's end: the saved run it replayed (None: not a replay); the replay ends."""
        replayed, self.replaying = self.replaying, None
        self.replayer.stop()
        return replayed

    def say_replayed(self, replayed: runfile.SavedRun, result: RunResult) -> None:
        run = self.bridge.run
        same, text = replay_message(replayed, result, run.recorder.events() if run else [])
        if same:
            self.status.emit(text, 0)
        else:
            self.error.emit(text)

    def _on_screen(self, running: str, nothing: str) -> runfile.SavedRun | SavedTrace | None:
        """The finished or opened run on screen, or None after saying why not."""
        if self.bridge.running:
            self.status.emit(running, 4000)
            return None
        try:
            saved = self.shown.saved()
        except runfile.RunFileError as exc:
            self.error.emit(str(exc))
            return None
        if saved is None:
            self.status.emit(nothing, 4000)
        return saved

    def save_run(self, path: str | None = None) -> bool:
        """File ▸ Save run: write the run on screen to a .ttrun file."""
        saved = self._on_screen(
            "The run is still going: save it when it has finished.",
            "Nothing to save yet: run the scenario first (Space).",
        )
        if saved is None:
            return False
        if isinstance(saved, SavedTrace):
            return self._save_trace(saved, path)
        path = self._save_path(path, saved.scenario.id)
        if path is None:
            return False
        data = runfile.to_json(saved.result, saved.events, 0, saved.stepped, saved.edit)
        try:
            runfile.save(path, data)
        except runfile.RunFileError as exc:
            self.error.emit(str(exc))
            return False
        self.status.emit(
            f"Saved {Path(path).name}: {len(saved.schedule)} steps, "
            f"{len(saved.events)} events. Ctrl+O opens it, Ctrl+R replays it.",
            0,
        )
        return True

    def _save_path(self, path: str | None, stem: str) -> str | None:
        """Where to save: `path`, else asked (None: the lecturer cancelled); with .ttrun."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Save run", f"{stem}.ttrun", "threadtruth runs (*.ttrun)"
            )
            if not path:
                return None
        return path if path.endswith(runfile.SUFFIX) else path + runfile.SUFFIX

    def _save_trace(self, saved: SavedTrace, path: str | None) -> bool:
        """Save a traced program's run: its events, report and its files' sources."""
        path = self._save_path(path, Path(saved.name).stem)
        if path is None:
            return False
        try:
            runfile.save(path, saved.to_json())
        except runfile.RunFileError as exc:
            self.error.emit(str(exc))
            return False
        self.status.emit(f"Saved {Path(path).name}: {saved_words(saved)} Ctrl+O opens it.", 0)
        return True

    def open_run(self, path: str | None = None) -> bool:
        """File ▸ Open run: show a saved run's trace and verdict (nothing is re-run)."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Open run", "", "threadtruth runs (*.ttrun);;All files (*)"
            )
            if not path:
                return False
        with runfile.no_gc():  # (a big run's objects, made in their millions: no cycles)
            return self._open(path)

    def _open(self, path: str) -> bool:
        try:
            saved = tracefile.load_any(path)
            lanes = saved.lanes()
        except runfile.RunFileError as exc:
            self.error.emit(str(exc))  # nothing on screen has changed
            return False
        self.stop_replay()
        if isinstance(saved, SavedTrace):  # shown whole; its program never runs from here
            self.bridge.reset()
            return self.open_trace is not None and self.open_trace(saved, Path(path).name)
        self.bridge.reset()
        host = self.host
        host.select(saved.scenario.id)
        # the fields never take where a file saved nor what it fetched: Space would run them
        dropped = [k for k in ("urls", "out") if saved.params.get(k)]
        host.set_params({**saved.params, **dict.fromkeys(dropped, "")})
        host.setup_views(saved.plan())  # its code as it ran: edited, if it was
        host.show_saved(saved, lanes)
        self.shown.opened = saved
        fetched = " from the demo server (URLs in a file are never fetched)"
        self.status.emit(
            f"Saved run {Path(path).name} ({len(saved.schedule)} steps): Ctrl+R replays it, "
            f"Space runs afresh{fetched if 'urls' in dropped else ''}.",
            0,
        )
        return True

    def replay_run(self) -> bool:
        """File ▸ Replay run: re-run the run on screen, giving its recorded steps in order."""
        saved = self._on_screen(
            "A run is going: Reset (R) first.",
            "Nothing to replay: run the scenario or open a saved run first.",
        )
        if saved is None:
            return False
        if isinstance(saved, SavedTrace):  # (the window refuses it before: a program's run)
            self.error.emit("A traced program's run is not replayed: File ▸ Trace a program…")
            return False
        why = runfile.replayable(saved.plan(), saved.stepped, saved.events)
        if why is not None:
            self.error.emit(f"This run cannot be replayed: {why}.")
            return False
        try:
            params = runfile.replay_params(saved)
        except runfile.RunFileError as exc:
            self.error.emit(f"This run cannot be replayed: {exc}.")
            return False
        if saved.edit is not None and not self.host.allow_edit(saved.edit):
            return False  # a file's edited code runs only when the lecturer says so
        host = self.host
        host.select(saved.scenario.id)
        host.set_params(params)
        plan = saved.plan(params)  # with the run's edited code, if it had one
        self.bridge.reset()
        host.setup_views(plan)
        self.replaying = saved
        self.bridge.start(saved.scenario, params, plan, stepping=True)
        gate = self.bridge.gate
        if not isinstance(gate, StepGate):  # (a scenario's run: its gate is in-process)
            self.replaying = None
            return False
        names = [spec.name for spec in plan.tasks]
        self.replayer.start(gate, names, saved.schedule, PACE_MS)
        return True
