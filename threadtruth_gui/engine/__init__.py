"""The engine: runs scenario code, records its events, folds them into lanes. No Qt here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadtruth_gui.lazy import exports

if TYPE_CHECKING:
    from threadtruth_gui.engine.context import (
        ObservedAsyncLock,
        ObservedLock,
        RunCancelled,
        TaskFailed,
    )
    from threadtruth_gui.engine.edits import EditError, apply_edit
    from threadtruth_gui.engine.events import Event, Kind, Recorder, State
    from threadtruth_gui.engine.gate import StepGate
    from threadtruth_gui.engine.history import History
    from threadtruth_gui.engine.lanes import Lane, Lanes, Span
    from threadtruth_gui.engine.plan import Edit, Phase, PhaseStats, Plan, TaskSpec
    from threadtruth_gui.engine.result import RunResult, Verdict
    from threadtruth_gui.engine.runner import Run
    from threadtruth_gui.engine.scenario import Effect, Param, Scenario

# the names other layers use, and the module each is defined in (the same as __all__:
# tests/test_contracts.py checks it)
_WHERE = {
    "ObservedAsyncLock": "context",
    "ObservedLock": "context",
    "RunCancelled": "context",
    "TaskFailed": "context",
    "EditError": "edits",
    "apply_edit": "edits",
    "Event": "events",
    "Kind": "events",
    "Recorder": "events",
    "State": "events",
    "StepGate": "gate",
    "History": "history",
    "Lane": "lanes",
    "Lanes": "lanes",
    "Span": "lanes",
    "Edit": "plan",
    "Phase": "plan",
    "PhaseStats": "plan",
    "Plan": "plan",
    "TaskSpec": "plan",
    "RunResult": "result",
    "Verdict": "result",
    "Run": "runner",
    "Effect": "scenario",
    "Param": "scenario",
    "Scenario": "scenario",
}
__all__ = [
    "Edit",
    "EditError",
    "Effect",
    "Event",
    "History",
    "Kind",
    "Lane",
    "Lanes",
    "ObservedAsyncLock",
    "ObservedLock",
    "Param",
    "Phase",
    "PhaseStats",
    "Plan",
    "Recorder",
    "Run",
    "RunCancelled",
    "RunResult",
    "Scenario",
    "Span",
    "State",
    "StepGate",
    "TaskFailed",
    "TaskSpec",
    "Verdict",
    "apply_edit",
]
__getattr__ = exports(__name__, _WHERE)
