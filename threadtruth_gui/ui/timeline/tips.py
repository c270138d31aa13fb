"""The timeline's words: tooltips, group headers and their summaries, as plain text."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from PySide6.QtCore import QPointF

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.lanes import Lanes, Span
from threadtruth_gui.engine.narrate import task_caption
from threadtruth_gui.ui.timeline.frame import FINAL_W, Look, Scene, counter_times, starts
from threadtruth_gui.ui.timeline.layout import AGG, HEADER, LANE, Group, Row, Summary, row_at

FAIL_HIT_PX = 5.0  # the tooltip finds a failure mark this close to the mouse
SUMMARY = (
    State.DONE,
    State.RECEIVING,
    State.CONNECTING,
    State.RUNNING,
    State.SLEEPING,
    State.WAITING,
    State.DENIED,
    State.CANCELLED,
    State.FAILED,
)


def _count(n: int, unit: str) -> str:
    return f"{n} {unit if n == 1 else unit + 's'}"


def unit(lanes: Lanes | None, group: Group) -> str:
    if lanes is None or not group.names:
        return "task"
    return str(lanes.tasks[group.names[0]].info.get("unit", "task"))  # downloads: "file"


def summary_parts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(state, count) in reading order: done, receiving, ..., failed, not started."""
    parts = [(s, counts[s]) for s in SUMMARY if counts.get(s)]
    parts += [(s, c) for s, c in counts.items() if c and s not in SUMMARY and s]
    if counts.get(""):
        parts.append(("", counts[""]))
    return parts


def state_text(look: Look, state: str) -> str:
    return look.style(state)[0].label if state else "not started"


def header_title(s: Scene, group: Group) -> str:
    return f"{group.title} · {_count(len(group.names), unit(s.lanes, group))}"


def header_text(s: Scene, group: Group, summary: Summary) -> str:
    """The header as one line of text: "threads · 20 files: 14 done, 1 failed"."""
    parts = summary_parts(summary.counts)
    counts = ", ".join(f"{n} {state_text(s.look, st)}" for st, n in parts)
    return f"{header_title(s, group)}: {counts}"


def _span_px(s: Scene, lanes: Lanes, span: Span) -> tuple[float, float]:
    end = lanes.end_ns if span.end_ns is None else span.end_ns
    x0, x1 = s.x(lanes.seconds(span.start_ns)), s.x(lanes.seconds(end))
    return x0, x0 + FINAL_W if span.state in State.FINAL else max(x1, x0 + 1.0)


def tooltip_at(s: Scene, pos: QPointF) -> str | None:
    """What the mouse is over: a header, a counter value, a folded group, or a span."""
    lanes, g = s.lanes, s.g
    if lanes is None:
        return None
    row = row_at(g, s.scroll, pos.y())
    if row is not None and row.kind == HEADER:
        group = g.groups[row.group]
        summary = s.summaries()[row.group]
        act = f"show its {len(group.names)} lanes" if group.condensed else "fold it into one row"
        return f"{header_text(s, group, summary)}\nClick or press E to {act}"
    if not g.left <= pos.x() <= g.right:
        return None
    t_ns = lanes.t0_ns + int(s.t(pos.x()) * 1e9)
    if s.counter and g.counter_top <= pos.y() < g.axis_top:
        series = lanes.counters.get(s.counter, [])
        i = bisect_right(counter_times(s.caches, s.counter, series), t_ns) - 1
        if i < 0:
            return None
        value = s.counter_fmt(series[i][1])
        return f"{s.counter_label}: {value} at {lanes.seconds(t_ns):.3f} s"
    if row is not None and row.kind == AGG:
        return _describe_group(s, lanes, row, pos.x(), t_ns)
    if row is None or row.kind != LANE:
        return None
    name, track = row.name, lanes.tasks[row.name]
    i = bisect_right(starts(s.caches, name, track), t_ns)
    for span in reversed(track.spans[max(0, i - 2) : i + 1]):  # the newest span wins
        x0, x1 = _span_px(s, lanes, span)
        if x0 - 1 <= pos.x() <= x1 + 1:
            text = describe(s.look, lanes, name, span)
            caption = task_caption(track.info)
            return text if g.text_lanes or not caption else f"{text}\n{caption}"
    if not g.text_lanes:  # no chip to read: still say whose lane this is
        caption = task_caption(track.info)
        return f"{name} — {caption}" if caption else name
    return None


def describe(look: Look, lanes: Lanes, name: str, span: Span) -> str:
    """One span: whose, what, and from when to when."""
    text = span.detail or look.style(span.state)[0].label
    if span.state == State.FAILED and span.detail:
        text = f"failed: {span.detail}"
    head = f"{name} — {text}"
    start = lanes.seconds(span.start_ns)
    if span.state in State.FINAL:
        return f"{head}\nat {start:.3f} s"
    if span.end_ns is None and span.state == State.RECEIVING:
        track = lanes.tasks[name]
        got = f"{track.received / 1024:,.0f} KiB"
        if track.total:
            got += f" of {track.total / 1024:,.0f} KiB ({track.received / track.total:.0%})"
        head = f"{head} {got}"
    end = lanes.seconds(lanes.end_ns if span.end_ns is None else span.end_ns)
    so_far = " so far" if span.end_ns is None else ""
    return f"{head}\n{start:.3f} s → {end:.3f} s ({end - start:.3f} s{so_far})"


def _describe_group(s: Scene, lanes: Lanes, row: Row, x: float, t_ns: int) -> str:
    """An aggregate row: the failures under the mouse, else the group's states then."""
    group = s.g.groups[row.group]
    summary = s.summaries()[row.group]
    lo = lanes.t0_ns + int(s.t(x - FAIL_HIT_PX) * 1e9)
    hi = lanes.t0_ns + int(s.t(x + FAIL_HIT_PX) * 1e9)
    near = summary.fails[bisect_left(summary.fail_ns, lo) : bisect_right(summary.fail_ns, hi)]
    if len(near) == 1:
        t, name, error = near[0]
        return f"{name} — failed: {error}\nat {lanes.seconds(t):.3f} s"
    if near:
        lines = [f"{name} — failed: {error} at {lanes.seconds(t):.3f} s" for t, name, error in near]
        more = f"\n… and {len(lines) - 8} more" if len(lines) > 8 else ""
        return "\n".join(lines[:8]) + more
    counts: dict[str, int] = {}
    for name in group.names:
        track = lanes.tasks[name]
        i = bisect_right(starts(s.caches, name, track), t_ns) - 1
        state = track.spans[i].state if i >= 0 else ""
        counts[state] = counts.get(state, 0) + 1
    parts = ", ".join(f"{n} {state_text(s.look, st)}" for st, n in summary_parts(counts))
    return f"{header_title(s, group)} at {lanes.seconds(t_ns):.3f} s: {parts}"
