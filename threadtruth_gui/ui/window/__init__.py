"""The main window's parts: the run on screen (ShownRun), its controllers (the run, the
time cursor, stepping, exports, saved runs, dialogs), each a QObject that owns its slots and
tells the window what to say by signals, and two of its columns as widgets."""

from threadtruth_gui.ui.window.columns import CodeColumn, StateColumn
from threadtruth_gui.ui.window.cursor import CursorController
from threadtruth_gui.ui.window.dialogs import DialogsController
from threadtruth_gui.ui.window.exports import ExportsController
from threadtruth_gui.ui.window.running import RunController
from threadtruth_gui.ui.window.saved import SavedRunsController
from threadtruth_gui.ui.window.shown import ShownRun
from threadtruth_gui.ui.window.stepping import SteppingController

__all__ = [
    "CodeColumn",
    "CursorController",
    "DialogsController",
    "ExportsController",
    "RunController",
    "SavedRunsController",
    "ShownRun",
    "StateColumn",
    "SteppingController",
]
