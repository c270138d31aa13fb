"""What a run showed, in the formats other tools read: Chrome trace JSON and CSV.

Chrome Trace Event Format (opens in Perfetto and chrome://tracing): one pid for the run,
one tid per task with a thread_name metadata event, an "X" (complete) event per state span,
an "i" (instant) event per note, and "C" (counter) events for the counters.
What Perfetto needs to read it right (each checked by tests/test_export_truth.py):
- no `ts` before 0 (it drops those and flags data loss): time zero is the run's, as on the
  timeline, and what was set before it (a counter's opening value) is shown at 0;
- names as UTF-8, not `\\uXXXX` escapes (it shows escapes literally);
- no tid equal to the pid (it calls that thread "main thread");
- whole microseconds: it reads a fractional `ts` as `int(ts * 1000.0)` ns, so decimals can
  make back-to-back spans overlap by 1 ns (it drops those); spans of one tid never overlap.
The CSV has one row per raw event: t_ns, task, kind, data (JSON), in time order (a gap seen
only afterwards is recorded late, dated when it began).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from threadtruth_gui.engine.atomic import write_atomic
from threadtruth_gui.engine.events import KINDS, Event
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import task_caption

PID = 1  # the run; tasks are tids PID + 1, PID + 2, ... (never the pid itself)


def _us(lanes: Lanes, t_ns: int) -> int:
    """Whole microseconds since time zero, never before it."""
    return max(0, (t_ns - lanes.t0_ns) // 1000)


def chrome_trace(lanes: Lanes, title: str = "threadtruth run") -> dict[str, Any]:
    """The trace as a Chrome Trace Event Format object (JSON-ready)."""
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": PID, "args": {"name": title}}
    ]
    for index, (name, track) in enumerate(lanes.tasks.items(), start=1):
        tid = PID + index
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
                "args": {"sort_index": index},
            }
        )
        free = 0  # where this tid's next span may begin: spans follow each other
        for span in track.spans:
            end_ns = span.end_ns if span.end_ns is not None else lanes.end_ns
            start = max(free, _us(lanes, span.start_ns))
            free = max(start, _us(lanes, end_ns))
            event: dict[str, Any] = {
                "name": span.state,
                "cat": "state",
                "ph": "X",
                "ts": start,
                "dur": free - start,
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
                    "ts": _us(lanes, note.t_ns),
                    "pid": PID,
                    "tid": tid,
                    "args": _jsonable(note.data),
                }
            )
    for counter, series in lanes.counters.items():
        for t_ns, value in _from_zero(lanes, series):
            events.append(
                {
                    "name": counter,
                    "ph": "C",
                    "ts": _us(lanes, t_ns),
                    "pid": PID,
                    "args": {counter: value},
                }
            )
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def _from_zero(lanes: Lanes, series: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """A counter's samples from time zero on: of those set before it (the opening value,
    set up before the first task starts), the last is the value at zero."""
    before = [sample for sample in series if sample[0] < lanes.t0_ns]
    return before[-1:] + [sample for sample in series if sample[0] >= lanes.t0_ns]


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def write_chrome_trace(path: str, lanes: Lanes, title: str) -> None:
    """Written whole or not at all (a full disk leaves no 0-byte file): see engine/atomic.py."""
    write_atomic(path, json.dumps(chrome_trace(lanes, title), ensure_ascii=False))


# -- CSV --------------------------------------------------------------------------------------
CSV_HEADER = ("t_ns", "task", "kind", "data")


def events_csv(events: Iterable[Event]) -> str:
    """One row per event, in time order (the log is in the order events were appended)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for ev in sorted(events, key=lambda ev: ev.t_ns):  # stable: one task's ties keep order
        data = json.dumps(ev.data, default=str, ensure_ascii=False)
        writer.writerow((ev.t_ns, ev.task, ev.kind, data))
    return out.getvalue()


def write_events_csv(path: str, events: Iterable[Event]) -> None:
    """`events_csv` to `path`, written whole or not at all."""
    write_atomic(path, events_csv(events))


def read_events_csv(text: str) -> list[Event]:
    """Events from `events_csv`'s text; ValueError on anything else."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != CSV_HEADER:
        raise ValueError("not a threadtruth events CSV (the header is missing)")
    events = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 4 or row[2] not in KINDS:
            raise ValueError(f"line {number} is not an event")
        try:
            data = json.loads(row[3])
            events.append(
                Event(int(row[0]), row[1], row[2], tuple(data) if isinstance(data, list) else data)
            )
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return events
