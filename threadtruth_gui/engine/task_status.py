"""How a task ended, read from what it returned or raised: its status, extra fields, error line."""

from __future__ import annotations

import traceback
from typing import Any

from threadtruth_gui.engine.context import TaskFailed
from threadtruth_gui.engine.edits import error_line
from threadtruth_gui.engine.plan import STATUSES


def status_of(returned: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(returned, str) and returned in STATUSES:
        return returned, {}
    if isinstance(returned, dict) and returned.get("status") in STATUSES:
        extra = dict(returned)
        return str(extra.pop("status")), extra
    return "succeeded", {}


def fields_of(exc: BaseException) -> dict[str, Any]:
    return dict(exc.fields) if isinstance(exc, TaskFailed) else {}


def describe(exc: BaseException) -> str:
    if isinstance(exc, TaskFailed):
        return str(exc)
    lines = traceback.format_exception_only(exc)
    text = lines[-1].strip() if lines else type(exc).__name__
    line = error_line(exc)  # raised in edited code: the line, as the code pane numbers it
    return text if line is None else f"{text} (line {line})"
