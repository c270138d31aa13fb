"""The timeline's layout on numbers alone: no widget, no painter, no font metrics."""

from __future__ import annotations

from threadtruth_gui.engine.events import Event, Kind, State
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.ui.timeline.layout import (
    AGG,
    HEADER,
    LANE,
    Metrics,
    group_specs,
    layout,
    row_at,
    summaries,
    visible_rows,
)

M = Metrics(legend=40, lane=36, counter=70, axis=30, header=24, strip=22, thin=20, text=18)


def _lanes(groups: dict[str, int]) -> Lanes:
    lanes = Lanes(0)
    events = []
    for mode, n in groups.items():
        for i in range(n):
            name = f"{mode}{i}"
            events.append(Event(1, name, Kind.START, {"mode": mode}))
            events.append(Event(2, name, Kind.STATE, State.RUNNING))
            end = ("failed", "boom") if i == 0 else ("done", None)
            events.append(Event(10 + i, name, Kind.END, end))
    lanes.feed(events)
    return lanes


def test_a_few_lanes_without_groups_get_no_headers_and_share_the_height() -> None:
    specs = [(None, ["A", "B", "C"])]
    g = layout(M, specs, {}, left=120, right=992, height=400)
    assert [r.kind for r in g.rows] == [LANE, LANE, LANE]
    assert g.lanes_top == M.legend
    assert g.lane_h >= M.lane  # spare height widens the lanes
    assert g.axis_top <= 400
    assert g.scroll_max == 0


def test_a_big_group_folds_into_one_aggregate_row_under_its_header() -> None:
    lanes = _lanes({"threads": 100, "asyncio": 3})
    specs = group_specs(lanes)
    assert [key for key, _ in specs] == ["threads", "asyncio"]
    g = layout(M, specs, {}, left=120, right=992, height=500)
    kinds = [(r.kind, r.group) for r in g.rows]
    assert kinds[:2] == [(HEADER, 0), (AGG, 0)]
    assert kinds[2:] == [(HEADER, 1), (LANE, 1), (LANE, 1), (LANE, 1)]
    # unfolded by the user: 100 thinner lanes that scroll; the small group folds for room
    g = layout(M, specs, {"threads": True}, left=120, right=992, height=500)
    assert sum(r.kind == LANE for r in g.rows) == 100
    assert [r.kind for r in g.rows[-2:]] == [HEADER, AGG]
    assert g.scroll_max > 0
    shown = list(visible_rows(g, scroll=g.scroll_max))
    assert shown[-1][0].kind == AGG
    last, top = shown[-1]
    assert row_at(g, g.scroll_max, top + 1) is last
    assert row_at(g, g.scroll_max, g.lanes_top - 1) is None  # the legend is no row


def test_summaries_count_states_and_failures_per_group() -> None:
    lanes = _lanes({"threads": 4})
    (summary,) = summaries(lanes, group_specs(lanes))
    assert summary.counts == {State.DONE: 3, State.FAILED: 1}
    assert summary.fails == [(10, "threads0", "boom")]
    assert summary.end_ns == 13
