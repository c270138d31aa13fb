"""Every scenario's exports read right in the tools people open them with (Perfetto).

Each scenario runs once (small, fast parameters; the download scenarios use their own local
demo server), and its Chrome trace and CSV are checked for what Perfetto needs:
- every timestamp >= 0 (Perfetto drops a negative one and flags data loss);
- names written as UTF-8, not `\\uXXXX` escapes (Perfetto shows those literally);
- no tid equal to the pid (Perfetto calls that thread "main thread");
- spans of one tid never overlap, read as Perfetto reads them (it drops overlapping ones);
- CSV rows in time order within each task.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from threadtruth_gui.engine import export
from threadtruth_gui.engine.events import Event
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.scenarios import all_scenarios

FAST: dict[str, dict[str, Any]] = {
    "bank-race": {"delay": 0.05},
    "bank-deposit": {"delay": 0.05},
    "asyncio-race": {"delay": 0.05},
    "deadlock": {"delay": 0.05},
    "lost-updates": {"threads": 2, "times": 20_000},
    "gil-cpu": {"limit": 30_000},
    "blocking-in-async": {"block": 0.1, "beats": 2},
    "thread-cost": {"tasks": 10},
}
DOWNLOADS = {"n": 3, "size": 16, "latency": 0.01, "rate": 0}


def perfetto_ns(value: int | float, exact: bool) -> int:
    """A JSON `ts` or `dur` (µs) as Perfetto's JSON importer reads it, in ns: whole numbers
    exactly; fractions exactly (the v52 UI) or truncated, `static_cast<int64_t>(value *
    1000.0)` (json_utils.cc CoerceToTs, older importers). Spans must not overlap either way."""
    if isinstance(value, int):
        return value * 1000
    return round(value * 1000) if exact else int(value * 1000.0)


def trace_problems(text: str) -> list[str]:
    """What in the text of a Chrome trace file Perfetto would misread: the four properties."""
    problems = []
    events = json.loads(text)["traceEvents"]
    early = [(e["name"], e["ts"]) for e in events if "ts" in e and e["ts"] < 0]
    if early:
        problems.append(f"timestamps before 0: {early[:3]}")
    names = [e["args"]["name"] for e in events if e["name"] in ("thread_name", "process_name")]
    if "\\u" in text or not all(f'"{name}"' in text for name in names):
        problems.append("names are written as \\u escapes, not UTF-8")
    pids = {e["pid"] for e in events}
    tids = {e["tid"] for e in events if "tid" in e}
    if pids & tids:
        problems.append(f"a tid equals the pid: {sorted(pids & tids)}")
    for exact in (True, False):
        spans: dict[int, list[tuple[int, int, str]]] = {}
        for e in events:
            if e["ph"] == "X":
                start = perfetto_ns(e["ts"], exact)
                end = start + perfetto_ns(e["dur"], exact)
                spans.setdefault(e["tid"], []).append((start, end, e["name"]))
        for tid, lane in spans.items():
            lane.sort()
            for before, after in itertools.pairwise(lane):
                if after[0] < before[1]:
                    read = "exactly" if exact else "truncated"
                    problems.append(f"tid {tid}: {after} overlaps {before} (ns, read {read})")
    return problems


def csv_problems(text: str) -> list[str]:
    """CSV rows that go back in time within their task."""
    problems = []
    newest: dict[str, int] = {}
    for number, (t_ns, task, _kind, _data) in enumerate(csv.reader(io.StringIO(text))):
        if number == 0:
            continue
        if int(t_ns) < newest.get(task, 0):
            problems.append(f"CSV line {number + 1}: {task} goes back in time")
        newest[task] = max(newest.get(task, 0), int(t_ns))
    return problems


@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: s.id)
def test_every_scenario_exports_a_trace_and_csv_that_read_right(
    scenario: Scenario, tmp_path: Path
) -> None:
    params = DOWNLOADS if scenario.id.startswith("downloads-") else FAST.get(scenario.id, {})
    _result, lanes, events = scenario.execute(params)
    path = tmp_path / "run.json"
    export.write_chrome_trace(str(path), lanes, f"threadtruth: {scenario.id}")
    problems = trace_problems(path.read_text(encoding="utf-8"))
    assert not problems + csv_problems(export.events_csv(events))


# -- each property on its own, forced, so that none depends on how a run happened to go ----
def _lanes(events: list[Event]) -> Lanes:
    lanes = Lanes(events[0].t_ns)
    lanes.feed(events)
    return lanes


def test_the_opening_value_of_a_counter_is_at_time_zero_not_before() -> None:
    t0 = 1_000_000
    lanes = _lanes(
        [
            Event(t0 - 600_000, "", "counter", ("balance", 0)),
            Event(t0 - 500_000, "", "counter", ("balance", 1000)),  # set up before the run
            Event(t0, "", "phase", ("start", "threads", "threads")),
            Event(t0 + 1000, "A", "state", "running"),
            Event(t0 + 5000, "", "counter", ("balance", 400)),
            Event(t0 + 9000, "A", "end", ("succeeded", None)),
        ]
    )
    events = export.chrome_trace(lanes)["traceEvents"]
    assert [(e["ts"], e["args"]["balance"]) for e in events if e["ph"] == "C"] == [
        (0, 1000),
        (5, 400),
    ]
    assert not trace_problems(json.dumps(export.chrome_trace(lanes), ensure_ascii=False))


def test_back_to_back_spans_do_not_overlap_as_perfetto_reads_them() -> None:
    # 0.702 µs + 0.299 µs read by Perfetto: 702 + 299 = 1001 ns, but 1.001 µs reads as 1000
    lanes = _lanes(
        [
            Event(0, "", "phase", ("start", "threads", "threads")),
            Event(702, "A", "state", "running"),
            Event(1001, "A", "state", "gil"),
            Event(5000, "A", "state", "running"),
            Event(9000, "A", "end", ("succeeded", None)),
        ]
    )
    assert not trace_problems(json.dumps(export.chrome_trace(lanes), ensure_ascii=False))


def test_csv_rows_are_in_time_order_when_the_log_is_not() -> None:
    # a gap seen only afterwards is appended late, dated when it began (engine.context.tick)
    log = [
        Event(100, "T1", "state", "running"),
        Event(900, "T1", "state", "running"),
        Event(400, "T1", "state", ("gil", "T2 had it")),
    ]
    text = export.events_csv(log)
    assert not csv_problems(text)
    assert export.read_events_csv(text) == sorted(log, key=lambda ev: ev.t_ns)


def test_names_are_utf8_in_the_file(tmp_path: Path) -> None:
    lanes = _lanes(
        [
            Event(0, "", "phase", ("start", "threads", "threads")),
            Event(1, "A", "start", {"label": "withdraw", "amount": 600}),
            Event(2, "A", "state", ("running", "naïve · 東京")),
        ]
    )
    path = tmp_path / "t.json"
    export.write_chrome_trace(str(path), lanes, "threadtruth · test")
    text = path.read_text(encoding="utf-8")
    assert "naïve · 東京" in text and "threadtruth · test" in text
    assert not trace_problems(text)
