"""The timeline's pure layout: groups and folding, rows and their geometry (no painting).

Everything here works on numbers (text heights, the widget's size) handed in by the view,
so it runs and tests without a QPainter or font metrics.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.lanes import Lanes

PAD = 8.0
LEGEND_GAP = 4.0  # between the legend's rows
COUNTER_H, COUNTER_MAX_H = 70.0, 150.0
CONDENSE_AT = 12  # a group with more lanes than this starts folded into one aggregate row
THIN_MIN = 4.0  # px: the thinnest lane of an unfolded big group (then it scrolls)
AGG_MIN, AGG_MAX = 1.1, 4.0  # aggregate row height, in normal lane heights
MIN_LIVE_S = 0.5  # while live, never show less: the first frames would rescale wildly
MARGIN = 0.02  # fraction of the range left empty before t=0
END_ROOM_PX = 110.0  # right of the run's end in a fitted view, so "denied" etc. fit there
HEADER, LANE, AGG = 0, 1, 2  # row kinds

GroupSpecs = list[tuple[str | None, list[str]]]  # task names by mode, in order of appearance


@dataclass(frozen=True)
class Group:
    key: str | None  # the tasks' `mode`, None for tasks without one
    title: str
    names: list[str]
    header: bool
    condensed: bool  # drawn as one aggregate row


@dataclass(frozen=True, slots=True)
class Row:
    kind: int  # HEADER, LANE or AGG
    y: float  # top, in content coordinates: 0 is the first row before any scrolling
    h: float
    group: int
    index: int  # the lane's place in its group
    name: str = ""


@dataclass(frozen=True)
class Geo:
    left: float  # the plot area (the time axis) spans left..right in x
    right: float
    lanes_top: float
    lane_h: float  # of the task lanes (the unfolded groups)
    counter_top: float
    axis_top: float
    phases_top: float = 0.0  # the strip of phase names, above the lanes when there is one
    rows: list[Row] = field(default_factory=list)
    row_ys: list[float] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    scroll_max: float = 0.0  # content taller than the room for it scrolls with the wheel
    text_lanes: bool = True  # lanes tall enough for a chip and span labels


@dataclass(frozen=True)
class Metrics:
    """The heights the layout needs, measured by the view from its fonts."""

    legend: float  # the legend, all its rows
    lane: float  # one lane at its normal height
    counter: float  # the counter track at its least (0: no counter)
    axis: float
    header: float  # a group's header row
    strip: float  # the phase-name strip above grouped lanes
    thin: float  # a lane at its thinnest that still holds a name chip
    text: float  # one line of body text


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]  # the tasks' current state ("" not started) -> how many
    fail_ns: list[int]  # sorted failure times, for bisect
    fails: list[tuple[int, str, str]]  # (time, task, error), same order
    end_ns: int | None  # when the last task finished, once all have


def group_specs(lanes: Lanes) -> GroupSpecs:
    """Task names by `info["mode"]`, groups in order of first appearance."""
    groups: dict[str | None, list[str]] = {}
    for name, track in lanes.tasks.items():
        mode = track.info.get("mode")
        groups.setdefault(None if mode is None else str(mode), []).append(name)
    return list(groups.items())


def _few(specs: GroupSpecs) -> bool:
    """A few lanes and no groups: laid out as they have always been, no headers."""
    grouped = any(key is not None for key, _ in specs)
    return not grouped and sum(len(names) for _, names in specs) <= CONDENSE_AT


def min_height(
    m: Metrics, specs: GroupSpecs, expanded: dict[str | None, bool], natural: bool = False
) -> float:
    """The least height that shows every group (folded where it may be); `natural`: small
    groups unfolded, which is what the widget would like to have."""
    grouped = any(key is not None for key, _ in specs)
    lanes = sum(len(names) for _, names in specs)
    if _few(specs):
        # at its least a lane is one line of text high (lost-updates' 8 threads at the
        # lecture preset's size must leave the code above them room)
        least = m.lane if natural else m.thin
        return m.legend + max(lanes, 2) * least + m.counter + m.axis
    h = m.legend + (m.strip if grouped else 0.0) + m.counter + m.axis
    for key, names in specs:
        unfolded = expanded.get(key, len(names) <= CONDENSE_AT)
        rows = min(len(names), CONDENSE_AT) * m.lane if natural and unfolded else None
        h += m.header + (rows if rows is not None else m.lane * AGG_MIN)
    return h


def groups_for(
    m: Metrics, specs: GroupSpecs, expanded: dict[str | None, bool], room: float
) -> list[Group]:
    """Which groups get a header and which fold, for `room` px of rows."""
    grouped = any(key is not None for key, _ in specs)
    lane, header_h = m.lane, m.header
    titles: dict[str | None, str] = {None: "other" if grouped else "all"}
    plan = []
    for key, names in specs:
        header = grouped or len(names) > CONDENSE_AT
        chosen = expanded.get(key)
        folded = len(names) > CONDENSE_AT if chosen is None else not chosen
        plan.append(Group(key, titles.get(key, key) or "", names, header, header and folded))

    def need() -> float:
        return sum(
            (header_h if p.header else 0.0)
            + (lane * AGG_MIN if p.condensed else len(p.names) * lane)
            for p in plan
        )

    # Not everything fits at the normal lane height: fold the biggest groups first, equal
    # ones together (a comparison stays alike), never one the user unfolded.
    for size in sorted({len(names) for _, names in specs}, reverse=True):
        if need() <= room:
            break
        for i, p in enumerate(plan):
            auto = expanded.get(p.key) is None
            if len(p.names) == size and p.header and not p.condensed and auto:
                plan[i] = Group(p.key, p.title, p.names, True, True)
    return plan


def layout(
    m: Metrics,
    specs: GroupSpecs,
    expanded: dict[str | None, bool],
    left: float,
    right: float,
    height: float,
) -> Geo:
    """Where everything goes in a widget `height` px tall whose plot spans left..right."""
    legend, lane, counter = m.legend, m.lane, m.counter
    grouped = any(key is not None for key, _ in specs)
    lanes = sum(len(names) for _, names in specs)
    if _few(specs):  # a few lanes, as they have always been
        n = max(lanes, 2)
        # Spare height widens lanes a little, then the counter track, whose labels need it;
        # too little makes them thinner, down to one line of text each.
        spare = height - min_height(m, specs, expanded, natural=True)
        if spare < 0:
            lane = max(m.thin, lane + spare / n)
        grow = min(max(0.0, spare) / n, lane * 0.4)
        lane, spare = lane + grow, max(0.0, spare) - grow * n
        if counter:
            counter = min(counter + spare, COUNTER_MAX_H)
        names = specs[0][1] if specs else []
        rows = [Row(LANE, i * lane, lane, 0, i, name) for i, name in enumerate(names)]
        counter_top = legend + n * lane
        return Geo(
            left,
            right,
            lanes_top=legend,
            lane_h=lane,
            counter_top=counter_top,
            axis_top=counter_top + counter,
            phases_top=legend,
            rows=rows,
            row_ys=[r.y for r in rows],
            groups=[Group(None, "all", names, False, False)],
            text_lanes=lane >= m.text + 8,
        )
    lanes_top = legend + (m.strip if grouped else 0.0)
    room = height - lanes_top - counter - m.axis
    groups = groups_for(m, specs, expanded, room)
    header_h, agg_h = m.header, lane * AGG_MIN
    fixed = sum((header_h if g.header else 0.0) + (agg_h if g.condensed else 0.0) for g in groups)
    unfolded = sum(len(g.names) for g in groups if not g.condensed)
    lane_h = lane
    if unfolded:
        lane_h = min(max((room - fixed) / unfolded, THIN_MIN), lane * 1.4)
    spare = room - fixed - unfolded * lane_h
    folded = sum(g.condensed for g in groups)
    if spare > 0 and folded:
        grown = min(agg_h + spare / folded, lane * AGG_MAX)
        spare -= (grown - agg_h) * folded
        agg_h = grown
    if counter and spare > 0:
        counter = min(counter + spare, COUNTER_MAX_H)
    rows, y = [], 0.0
    for gi, g in enumerate(groups):
        if g.header:
            rows.append(Row(HEADER, y, header_h, gi, 0))
            y += header_h
        if g.condensed:
            rows.append(Row(AGG, y, agg_h, gi, 0))
            y += agg_h
        else:
            rows.extend(
                Row(LANE, y + i * lane_h, lane_h, gi, i, name) for i, name in enumerate(g.names)
            )
            y += len(g.names) * lane_h
    view = y if y <= room else max(room, header_h)
    counter_top = lanes_top + view
    return Geo(
        left,
        right,
        lanes_top=lanes_top,
        lane_h=lane_h,
        counter_top=counter_top,
        axis_top=counter_top + counter,
        phases_top=legend,
        rows=rows,
        row_ys=[r.y for r in rows],
        groups=groups,
        scroll_max=y - view,
        text_lanes=lane_h >= m.text + 8,
    )


def fit_range(lanes: Lanes | None, g: Geo) -> tuple[float, float]:
    """The time range that shows the whole run, with room right of its end."""
    end = lanes.seconds(lanes.end_ns) if lanes else 0.0
    live = lanes is None or not lanes.tasks or any(t.status is None for t in lanes.tasks.values())
    end = max(end, MIN_LIVE_S if live else 1e-3)
    lo = -end * MARGIN
    width = max(g.right - g.left, 2 * END_ROOM_PX)
    return lo, lo + (end - lo) * width / (width - END_ROOM_PX)


def scroll_of(g: Geo, scroll: float) -> float:
    return min(max(scroll, 0.0), g.scroll_max)


def visible_rows(g: Geo, scroll: float) -> Iterator[tuple[Row, float]]:
    """The rows in view and the y of their top on screen."""
    scroll = scroll_of(g, scroll)
    bottom = scroll + g.counter_top - g.lanes_top
    i = max(0, bisect_right(g.row_ys, scroll) - 1)
    rows = g.rows
    while i < len(rows) and rows[i].y < bottom:
        yield rows[i], g.lanes_top + rows[i].y - scroll
        i += 1


def row_at(g: Geo, scroll: float, y: float) -> Row | None:
    if not g.lanes_top <= y < g.counter_top:
        return None
    cy = y - g.lanes_top + scroll_of(g, scroll)
    i = bisect_right(g.row_ys, cy) - 1
    return g.rows[i] if i >= 0 and cy < g.rows[i].y + g.rows[i].h else None


def summaries(lanes: Lanes, specs: GroupSpecs) -> list[Summary]:
    """Per group: its tasks' current states and its failures."""
    out = []
    for _, names in specs:
        counts: dict[str, int] = {}
        fails: list[tuple[int, str, str]] = []
        end: int | None = None
        for name in names:
            track = lanes.tasks[name]
            state = track.state or ""
            counts[state] = counts.get(state, 0) + 1
            if state in State.FINAL:
                span = track.spans[-1]
                end = span.start_ns if end is None else max(end, span.start_ns)
                if state == State.FAILED:
                    fails.append((span.start_ns, name, track.error or span.detail))
        fails.sort()
        if sum(counts.get(s, 0) for s in State.FINAL) < len(names):
            end = None
        out.append(Summary(counts, [f[0] for f in fails], fails, end))
    return out
