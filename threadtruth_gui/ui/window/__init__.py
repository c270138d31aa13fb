"""The main window's controllers: the run on screen, its time cursor, exports and saved runs,
each a QObject that owns its slots and tells the window what to say by signals."""

from threadtruth_gui.ui.window.cursor import CursorController
from threadtruth_gui.ui.window.exports import ExportsController
from threadtruth_gui.ui.window.saved import SavedRunsController
from threadtruth_gui.ui.window.shown import ShownRun

__all__ = ["CursorController", "ExportsController", "SavedRunsController", "ShownRun"]
