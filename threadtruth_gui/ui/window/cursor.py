"""The time cursor and playback: every view as it was at a moment of the shown run."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.window.shown import ShownRun, live_markers
from threadtruth_gui.ui.window.views import RunViews


class CursorController(QObject):
    status = Signal(str, int)  # what to say in the status bar, for how long (0: until next)
    atEnd = Signal()  # the cursor went back to the run's end: the views show it whole

    def __init__(self, views: RunViews, shown: ShownRun, bridge: RunBridge, parent: QObject):
        super().__init__(parent)
        self.views, self.shown, self.bridge = views, shown, bridge

    def forget(self) -> None:
        """No cursor: the run on screen changed (its index is made anew when needed)."""
        v = self.views
        v.narration.set_cursor(None)
        v.playback.stop()
        self.shown.forget()
        v.timeline.set_cursor(None)
        v.playback.show_cursor(None, 0.0)

    @Slot(object)
    def set_cursor(self, t_s: float | None) -> None:
        """Show every view as it was `t_s` seconds into the shown run (None: at its end)."""
        v = self.views
        history = self.shown.history() if not self.bridge.running else None
        shown = self.shown.run()
        if history is None or shown is None:
            v.timeline.set_cursor(None)
            return
        _events, result, full = shown
        end_s = (history.end_ns - history.start_ns) / 1e9
        v.playback.show_cursor(t_s, end_s)
        v.timeline.set_cursor(t_s)
        v.narration.set_cursor(None if t_s is None else history.start_ns + round(t_s * 1e9))
        if t_s is None:
            v.panel.update_from(full)
            v.panel.finish(result, full)
            v.code.set_markers({}, v.colors)
            self.atEnd.emit()
            return
        lanes = history.until(history.start_ns + round(t_s * 1e9))
        v.panel.update_from(lanes)
        v.code.set_markers(live_markers(lanes, v.code.file), v.colors)

    @Slot()
    def toggle_playback(self) -> None:
        """K: play the shown run back from the cursor (or the start) at the chosen speed."""
        v = self.views
        history = self.shown.history() if not self.bridge.running else None
        if history is None:
            self.status.emit("Playback needs a finished run: press Space first.", 3000)
            return
        end_s = (history.end_ns - history.start_ns) / 1e9
        if v.timeline.cursor_s is None:
            v.playback.show_cursor(0.0, end_s)
        else:
            v.playback.show_cursor(v.timeline.cursor_s, end_s)
        v.playback.toggle()

    def step(self, direction: int, big: bool) -> None:
        """Left/Right (Shift: a big step): the cursor along a finished run."""
        if self.bridge.running:
            self.status.emit("The time cursor works on a finished run.", 3000)
            return
        self.views.timeline.step_cursor(direction, big)

    @Slot(float)
    def narration_clicked(self, t_s: float) -> None:
        if self.shown.history() is not None and not self.bridge.running:
            self.set_cursor(t_s)
