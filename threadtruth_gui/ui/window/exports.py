"""File ▸ Export: the window or timeline as a picture, the shown run as a GIF, a Chrome
trace or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from threadtruth_gui.engine import export
from threadtruth_gui.engine.events import Event
from threadtruth_gui.engine.history import History
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.ui.timeline import TimelineView
from threadtruth_gui.ui.window.shown import Shown, ShownRun
from threadtruth_gui.ui.window.views import RunViews


class ExportsController(QObject):
    status = Signal(str, int)  # what to say in the status bar, for how long (0: until next)
    error = Signal(str)  # what went wrong: the window shows it as an error

    KINDS: ClassVar[dict[str, tuple[str, str]]] = {
        "window-png": (".png", "PNG image (*.png)"),
        "timeline-png": (".png", "PNG image (*.png)"),
        "timeline-svg": (".svg", "SVG image (*.svg)"),
        "gif": (".gif", "Animated GIF (*.gif)"),
        "trace": (".json", "Chrome trace (*.json)"),
        "csv": (".csv", "CSV (*.csv)"),
    }

    def __init__(self, window: QWidget, views: RunViews, shown: ShownRun) -> None:
        super().__init__(window)
        self.window, self.views, self.shown = window, views, shown

    def export_file(self, kind: str, path: str | None = None) -> bool:
        """File ▸ Export: what is on screen, or the shown run, to `path` (asked if None)."""
        suffix, pattern = self.KINDS[kind]
        shown = self.shown.run()
        if kind in ("gif", "trace", "csv") and shown is None:
            self.status.emit("Nothing to export yet: run the scenario first (Space).", 4000)
            return False
        if path is None:
            scenario = self.views.scenario
            name = f"{scenario.id if scenario else 'threadtruth'}{suffix}"
            path, _ = QFileDialog.getSaveFileName(self.window, "Export", name, pattern)
            if not path:
                return False
        if not path.lower().endswith(suffix):
            path += suffix
        folder = Path(path).parent
        if not folder.is_dir():
            self.error.emit(f"Cannot export to {path}: folder {folder} does not exist.")
            return False
        try:
            what = self._write(kind, path, shown)
        except (OSError, ValueError) as exc:
            self.error.emit(f"Cannot export to {path}: {getattr(exc, 'strerror', None) or exc}")
            return False
        self.status.emit(f"Exported {what} to {Path(path).name}.", 0)
        return True

    def _write(self, kind: str, path: str, shown: Shown | None) -> str:
        timeline = self.views.timeline
        if kind in ("window-png", "timeline-png"):
            widget = self.window if kind == "window-png" else timeline
            if not widget.grab().save(path, "PNG"):
                raise OSError(f"could not write {path}")
            return "the window" if kind == "window-png" else "the timeline"
        if kind == "timeline-svg":
            from PySide6.QtSvg import QSvgGenerator

            generator = QSvgGenerator()
            generator.setFileName(path)
            generator.setSize(timeline.size())
            generator.setViewBox(timeline.rect())
            generator.setTitle("threadtruth timeline")
            painter = QPainter(generator)
            timeline.render(painter, QPoint(0, 0))
            if not painter.end():
                raise OSError(f"could not write {path}")
            return "the timeline (SVG)"
        assert shown is not None
        events, result, lanes = shown
        if kind == "trace":
            export.write_chrome_trace(path, lanes, f"threadtruth: {result.scenario}")
            return f"a Chrome trace of {len(lanes.tasks):,} tasks"
        if kind == "csv":
            export.write_events_csv(path, events)
            return f"{len(events)} events"
        return self._write_gif(path, events, lanes)

    def _write_gif(self, path: str, events: list[Event], lanes: Lanes) -> str:
        from threadtruth_gui.ui import gif

        v = self.views
        history = self.shown.history() or History(events, lanes.t0_ns)
        view = TimelineView()
        view.resize(gif.SIZE[0], 100)
        view.set_counter(*v.timeline.counter_setup())
        view.set_lanes(history.until(history.end_ns), v.colors)
        view.resize(gif.SIZE[0], min(gif.SIZE[1], view.sizeHint().height()))
        speed = v.playback.speed_factor()
        self.status.emit(f"Drawing the GIF at {speed:g}×…", 0)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            images, delay_ms = gif.render(view, history, v.colors, speed)
            frames = gif.save(images, path, delay_ms)
        finally:
            QApplication.restoreOverrideCursor()
            view.deleteLater()
        return f"a GIF of {frames} frames at {speed:g}×"
