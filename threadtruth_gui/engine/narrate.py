"""Plain-language lines built from a task's recorded notes and lock waits.

The task cards show these; they are computed from the trace, never typed by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.trace import TaskTrack


def money(value: float) -> str:
    """-100 -> "-$100", 1000 -> "$1,000"."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def task_caption(info: dict[str, Any]) -> str:
    """What a task set out to do: {"action": "withdraw", "amount": 600} -> "withdraw $600"."""
    if "label" in info:
        return str(info["label"])
    parts = [str(info["action"])] if "action" in info else []
    if isinstance(info.get("amount"), int | float):
        parts.append(money(info["amount"]))
    parts += [f"{k}={v}" for k, v in info.items() if k not in ("action", "amount")]
    return " ".join(parts)


@dataclass(frozen=True)
class Line:
    t_ns: int
    text: str
    tone: str  # "info", "good", "bad", "wait"


def _checked(d: dict[str, Any]) -> tuple[str, str]:
    ok = d["balance"] >= d["amount"]
    sign = "≥" if ok else "<"
    return f"checked {money(d['balance'])} {sign} {money(d['amount'])} → {'yes' if ok else 'no'}", (
        "info" if ok else "bad"
    )


_NOTES: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "checked": _checked,
    "read": lambda d: (f"read balance {money(d['balance'])}", "info"),
    "withdrew": lambda d: (f"withdrew {money(d['amount'])}", "good"),
    "wrote": lambda d: (f"wrote balance {money(d['balance'])}", "good"),
    "denied": lambda d: (f"denied: balance {money(d['balance'])}", "bad"),
}


def describe(what: str, data: dict[str, Any]) -> tuple[str, str]:
    """(text, tone) for one note; unknown notes fall back to `what k=v`."""
    fmt = _NOTES.get(what)
    if fmt is not None:
        try:
            return fmt(data)
        except (KeyError, TypeError, ValueError):
            pass
    args = " ".join(f"{k}={v}" for k, v in data.items())
    return f"{what} {args}".strip(), "info"


def story(track: TaskTrack) -> list[Line]:
    """What one task did, in time order: its notes, lock waits, and how it ended."""
    lines = [Line(n.t_ns, *describe(n.what, n.data)) for n in track.notes]
    for span in track.spans:
        if span.state == State.WAITING:
            lines.append(Line(span.start_ns, span.detail or "waiting for a lock", "wait"))
            if span.end_ns is not None:
                waited = (span.end_ns - span.start_ns) / 1e9
                lines.append(Line(span.end_ns, f"got the lock after {waited:.2f} s", "info"))
        elif span.state == State.FAILED:
            lines.append(Line(span.start_ns, f"failed: {span.detail}", "bad"))
        elif span.state == State.CANCELLED:
            lines.append(Line(span.start_ns, "stopped (reset)", "info"))
    lines.sort(key=lambda line: line.t_ns)
    return lines
