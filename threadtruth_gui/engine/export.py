"""What a run showed, in the formats other tools read: Chrome trace JSON and CSV.

Chrome Trace Event Format (opens in Perfetto and chrome://tracing): one pid for the run,
one tid per task with a thread_name metadata event, an "X" (complete) event per state span,
an "i" (instant) event per note, and "C" (counter) events for the counters.
The CSV has one row per raw event: t_ns, task, kind, data (JSON).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.narrate import task_caption
from threadtruth_gui.engine.trace import Trace

PID = 1


def _us(trace: Trace, t_ns: int) -> float:
    return round((t_ns - trace.t0_ns) / 1000, 3)


def chrome_trace(trace: Trace, title: str = "threadtruth run") -> dict[str, Any]:
    """The trace as a Chrome Trace Event Format object (JSON-ready)."""
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": PID, "args": {"name": title}}
    ]
    for tid, (name, track) in enumerate(trace.tasks.items(), start=1):
        caption = task_caption(track.info)
        label = f"{name} · {caption}" if caption else name
        events.append(
            {"name": "thread_name", "ph": "M", "pid": PID, "tid": tid, "args": {"name": label}}
        )
        events.append(
            {
                "name": "thread_sort_index",
                "ph": "M",
                "pid": PID,
                "tid": tid,
                "args": {"sort_index": tid},
            }
        )
        for span in track.spans:
            end = span.end_ns if span.end_ns is not None else trace.end_ns
            event: dict[str, Any] = {
                "name": span.state,
                "cat": "state",
                "ph": "X",
                "ts": _us(trace, span.start_ns),
                "dur": round(max(0, end - span.start_ns) / 1000, 3),
                "pid": PID,
                "tid": tid,
            }
            if span.detail:
                event["args"] = {"detail": span.detail}
            events.append(event)
        for note in track.notes:
            events.append(
                {
                    "name": note.what,
                    "cat": "note",
                    "ph": "i",
                    "s": "t",
                    "ts": _us(trace, note.t_ns),
                    "pid": PID,
                    "tid": tid,
                    "args": _jsonable(note.data),
                }
            )
    for counter, series in trace.counters.items():
        for t_ns, value in series:
            events.append(
                {
                    "name": counter,
                    "ph": "C",
                    "ts": _us(trace, t_ns),
                    "pid": PID,
                    "args": {counter: value},
                }
            )
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def write_chrome_trace(path: str, trace: Trace, title: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(chrome_trace(trace, title), f)


# -- CSV --------------------------------------------------------------------------------------
CSV_HEADER = ("t_ns", "task", "kind", "data")


def events_csv(events: Iterable[Event]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for ev in events:
        writer.writerow((ev.t_ns, ev.task, ev.kind, json.dumps(ev.data, default=str)))
    return out.getvalue()


def read_events_csv(text: str) -> list[Event]:
    """Events from `events_csv`'s text; ValueError on anything else."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != CSV_HEADER:
        raise ValueError("not a threadtruth events CSV (the header is missing)")
    kinds = {v for k, v in vars(Kind).items() if not k.startswith("_") and isinstance(v, str)}
    events = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 4 or row[2] not in kinds:
            raise ValueError(f"line {number} is not an event")
        try:
            data = json.loads(row[3])
            events.append(
                Event(int(row[0]), row[1], row[2], tuple(data) if isinstance(data, list) else data)
            )
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return events
