"""File ▸ Open run of a traced program's `.ttrun` (runs/tracefile.py): shown whole, as a
finished trace is (lanes, its code from the file's sources with the file selector, the
output, the deadlock's ring, the verdict worked out from its report). Nothing runs: the
file is untrusted input, so Space says how to trace the program instead
(TracingController.from_file)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Protocol

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.runs.tracefile import SavedTrace, saved_words
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.window.shown import ShownRun
from threadtruth_gui.ui.window.tracing import TracingController


class SavedTraceHost(Protocol):
    """What showing an opened trace needs of the window."""

    colors: dict[str, QColor]
    title: QLabel
    shown: ShownRun

    def show_saved(self, saved: SavedTrace, lanes: Lanes) -> None: ...


def show_saved_trace(
    host: SavedTraceHost, tracing: TracingController, saved: SavedTrace, file_name: str
) -> bool:
    """Show the opened traced run `saved` (read from `file_name`) whole; True."""
    lanes = saved.lanes()
    missing = {
        name: f"# {name}: not saved in the run file ({why})" for name, why in saved.left_out.items()
    }
    code = {**missing, **saved.sources}  # the pane says why a file left out is not shown
    tracing.enter_saved(Path(saved.script), saved.args, code, saved.files())
    args = f" {shlex.join(saved.args)}" if saved.args else ""
    host.title.setText(f"Saved trace: {saved.name}{args}")
    host.title.setToolTip(f"{saved.script} (from {file_name}; nothing is run)")
    # the timeline's colours by lane order, as a live trace gives them
    host.colors = {name: theme.task_color(i) for i, name in enumerate(lanes.tasks)}
    panel = tracing.panel
    panel.set_colors(host.colors)
    panel.add_output(saved.events)
    panel.flush_output()
    host.show_saved(saved, lanes)  # timeline, panel (the ring, the not-seen label), verdict
    host.shown.trace = saved
    tracing.status.emit(
        f"Saved trace {file_name}: {saved_words(saved)} Shown only: it runs nothing.", 0
    )
    return True
