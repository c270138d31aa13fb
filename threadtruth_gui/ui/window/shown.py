"""The run on screen: the bridge's finished run or an opened .ttrun file, with its events,
result, lanes and the cursor's index (History), built once and dropped when it changes."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.history import History
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import story
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.runs import runfile, tracefile
from threadtruth_gui.runs.tracefile import SavedTrace
from threadtruth_gui.ui.bridge import RunBridge

Shown = tuple[list[Any], RunResult, Lanes]  # events, result, the full lanes


class ShownRun:
    """What every view of a finished run reads: the live bridge's run once it has ended,
    else the opened file (`opened`) while nothing runs."""

    def __init__(self, bridge: RunBridge) -> None:
        self.bridge = bridge
        self._opened: runfile.SavedRun | None = None
        self._trace: SavedTrace | None = None
        self._history: History | None = None  # the shown run's events, by time

    @property
    def opened(self) -> runfile.SavedRun | None:
        """A scenario's run loaded from a .ttrun file (one opened file at a time: setting
        it, even to None, drops an opened trace too)."""
        return self._opened

    @opened.setter
    def opened(self, saved: runfile.SavedRun | None) -> None:
        self._opened, self._trace = saved, None

    @property
    def trace(self) -> SavedTrace | None:
        """A traced program's run loaded from a .ttrun file (runs/tracefile.py)."""
        return self._trace

    @trace.setter
    def trace(self, saved: SavedTrace | None) -> None:
        self._opened, self._trace = None, saved

    def _file(self) -> runfile.SavedRun | SavedTrace | None:
        return self._opened or self._trace

    def run(self) -> Shown | None:
        """The finished (or opened) run on screen: its events, result and full lanes."""
        bridge = self.bridge
        run, result, lanes = bridge.run, bridge.result, bridge.lanes
        if run is not None and result is not None and lanes is not None:
            return run.recorder.events(), result, lanes
        opened = self._file()
        if opened is not None and not bridge.running:
            return opened.events, opened.result, opened.lanes()
        return None

    def history(self) -> History | None:
        """The cursor's index of the shown run, made the first time it is asked for."""
        if self._history is None:
            shown = self.run()
            if shown is None or not shown[0]:
                return None
            events, _result, lanes = shown
            opened = self._file()
            made = opened.history() if opened is not None and lanes is opened.lanes() else None
            history = self._history = made or History(events, lanes.t0_ns)
            for track in history.until(history.end_ns).tasks.values():
                story(track)  # each note's line, worked out once, not at a cursor move
        return self._history

    def forget(self) -> None:
        """The run on screen changed: its index is made anew when next asked for."""
        self._history = None

    def saved(self) -> runfile.SavedRun | SavedTrace | None:
        """The run on screen as a SavedRun (a traced program's: a SavedTrace, its files'
        sources read now): the last finished run, or the opened file."""
        run, result = self.bridge.run, self.bridge.result
        traced = self.bridge.traced()
        if traced is not None and result is not None:
            return tracefile.from_run(traced)
        if run is not None and result is not None:
            stepped = self.bridge.gate is not None
            events = run.recorder.events()
            edit = run.plan.edit  # the playground's code travels with the run
            return runfile.parse(runfile.to_json(result, events, run.recorder.t0_ns, stepped, edit))
        return self._file()


MAX_CODE_MARKERS = 64  # beyond this many live tasks the code pane shows none (unreadable)


def live_markers(lanes: Lanes, file: str | None = None) -> dict[str, int]:
    """The code pane's markers: each live task's line (none at all past MAX_CODE_MARKERS);
    `file`: only the tasks on a line of that file (a traced program's, `CodePane.file`)."""
    live = {
        name: track.line
        for name, track in lanes.tasks.items()
        if track.state not in State.FINAL
        and track.line is not None
        and (file is None or track.file == file)
    }
    return live if len(live) <= MAX_CODE_MARKERS else {}
