"""Services on runs, above the engine and the scenarios: run files, child runs, many runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadtruth_gui.lazy import exports

if TYPE_CHECKING:
    from threadtruth_gui.runs.child import ProcessRun
    from threadtruth_gui.runs.many import ManyResult, Outcome, run_many
    from threadtruth_gui.runs.runfile import RunFileError, SavedRun

# the names other layers use, and the module each is defined in (the same as __all__:
# tests/test_contracts.py checks it)
_WHERE = {
    "ProcessRun": "child",
    "ManyResult": "many",
    "Outcome": "many",
    "run_many": "many",
    "RunFileError": "runfile",
    "SavedRun": "runfile",
}
__all__ = [
    "ManyResult",
    "Outcome",
    "ProcessRun",
    "RunFileError",
    "SavedRun",
    "run_many",
]
__getattr__ = exports(__name__, _WHERE)
