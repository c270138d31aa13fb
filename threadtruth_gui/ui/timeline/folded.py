"""Painting folded groups: the aggregate strip of states, failure marks, group headers."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen, QPolygonF

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.lanes import NO_GROUP, Occupancy
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline.frame import VCENTER, Frame, Rects
from threadtruth_gui.ui.timeline.layout import HEADER, PAD, Group, Row, Summary
from threadtruth_gui.ui.timeline.tips import header_title, state_text, summary_parts

STACK_MIN_PX = 2.0  # one task in a thousand still shows in the aggregate strip
STRIP_STEP_PX = 4  # column width of a strip whose every pixel differs (1000 busy tasks)
FAIL_W = 3.0  # px: the mark of a failure on an aggregate row
# Aggregate strip, bottom to top: what is over (failures first, at a fixed place), then
# the states of the download life cycle, so a task moves down the stack as it progresses.
STACK = (
    State.FAILED,
    State.CANCELLED,
    State.DENIED,
    State.DONE,
    State.RECEIVING,
    State.RUNNING,
    State.GIL,
    State.STALLED,
    State.SLEEPING,
    State.WAITING,
    State.PAUSED,
    State.CONNECTING,
    State.STARTING,
)


def heat(f: Frame, row: Row, top: float, group_end: int | None, fills: Rects, pale: Rects) -> None:
    """Add a folded group's strip to the fills; a finished group's strip is kept until
    the view changes, as nothing in it can change any more (only one group of a
    comparison runs at a time)."""
    lanes, g = f.lanes, f.g
    assert lanes is not None
    now = group_end if group_end is not None else (lanes.event_count, lanes.end_ns)
    group = g.groups[row.group]
    key = (id(lanes), f.lo, f.hi, g.left, g.right, top, row.h, len(group.names), now)
    cached = f.caches.heat.get(row.group)
    if cached is None or cached[0] != key:
        active: Rects = {}
        over: Rects = {}
        # Every task's state changes are counted into its group's occupancy as they are
        # folded (a task's START, which names its group, comes before its first state):
        # a group without one has no spans yet, so nothing to draw.
        occupancy = lanes.occupancy.get(NO_GROUP if group.key is None else group.key)
        if occupancy is not None:
            _occupancy_rects(f, row, top, group_end, occupancy, active, over)
        cached = f.caches.heat[row.group] = (key, active, over)
    for source, target in ((cached[1], fills), (cached[2], pale)):
        for state, rects in source.items():
            target.setdefault(state, []).extend(rects)


def _occupancy_rects(
    f: Frame,
    row: Row,
    top: float,
    group_end: int | None,
    occupancy: Occupancy,
    fills: Rects,
    pale: Rects,
) -> None:
    """A folded group: per pixel column, how many of its tasks are in each state, from the
    trace's per-group occupancy. A final state counts from then on, until the whole group
    is over (then the strip ends, so the groups of a comparison read as blocks). Each run
    of columns that share one step of the step function costs one bisect and one rect per
    state, whatever the number of tasks (1000 live downloads paint in a few ms)."""
    lanes, g = f.lanes, f.g
    assert lanes is not None
    times, counts = occupancy.times, occupancy.counts
    if not times:
        return
    names = len(g.groups[row.group].names)
    ncol = max(1, math.ceil(g.right - g.left))
    px_per_ns = (g.right - g.left) / ((f.hi - f.lo) * 1e9)
    origin = lanes.t0_ns + f.lo * 1e9
    over_ns = lanes.end_ns if group_end is None else group_end
    over = min(ncol, max(0, math.ceil((over_ns - origin) * px_per_ns + 0.5)))
    bottom, h = top + row.h - 3, row.h - 6
    scale, ceiling = h / max(names, 1), bottom - h
    final_states = State.FINAL
    adders = {
        state: (pale if state in final_states else fills).setdefault(state, []).append
        for state in STACK
    }
    # Wider columns when every pixel would differ (a thousand live tasks change
    # state all the time): half the work, and the strip looks the same on screen.
    step = STRIP_STEP_PX if len(times) > over else 1
    left, last = g.left, len(times) - 1
    ns_per_px = 1.0 / px_per_ns
    col = max(0, math.ceil((times[0] - origin) * px_per_ns - 0.5))
    order = [(state, adders[state]) for state in STACK]
    while col < over:
        i = bisect_right(times, origin + (col + 0.5 * step) * ns_per_px) - 1
        nxt = times[i + 1] if i < last else over_ns
        stop = min(over, max(col + step, math.ceil((nxt - origin) * px_per_ns - 0.5)))
        snapshot = counts[i]
        y, width, x = bottom, stop - col, left + col
        for state, add in order:
            k = snapshot.get(state)
            if k:
                hh = min(max(k * scale, STACK_MIN_PX), y - ceiling)
                if hh <= 0:
                    break
                add(QRectF(x, y - hh, width, hh))
                y -= hh
        col = stop


def fail_marks(f: Frame, summary: Summary, top: float, h: float, marks: list[QRectF]) -> None:
    """A red mark at every failure of a folded group: one task in 500 must not vanish."""
    lanes = f.lanes
    assert lanes is not None
    lo = lanes.t0_ns + int(f.lo * 1e9)
    hi = lanes.t0_ns + int(f.hi * 1e9)
    i, j = bisect_left(summary.fail_ns, lo), bisect_right(summary.fail_ns, hi)
    seen: set[int] = set()
    for t in summary.fail_ns[i:j]:
        x = round(f.x(lanes.seconds(t)))
        if x not in seen:
            seen.add(x)
            marks.append(QRectF(x - FAIL_W / 2, top + 2, FAIL_W, h - 4))


def paint_headers(f: Frame, rows: list[tuple[Row, float]]) -> None:
    # Last, on a clean band: grid and phase lines would cross the text.
    headers = [(row, top) for row, top in rows if row.kind == HEADER]
    if not headers:
        return
    p, g = f.p, f.g
    summaries = f.summaries()
    p.save()
    p.setClipRect(QRectF(0, g.lanes_top, f.width, g.counter_top - g.lanes_top))
    for row, top in headers:
        p.fillRect(QRectF(0, top, f.width, row.h), theme.BG)
        _paint_header(f, top, row.h, g.groups[row.group], summaries[row.group])
    p.restore()


def _paint_header(f: Frame, top: float, h: float, group: Group, summary: Summary) -> None:
    p, look = f.p, f.look
    p.setPen(QPen(theme.GRID, 1))
    p.drawLine(QLineF(0, top + 0.5, f.width, top + 0.5))
    mid = top + h / 2
    _paint_triangle(p, PAD, mid, group.condensed)
    title = header_title(f, group)
    x = PAD + 18
    p.setFont(look.bold)
    p.setPen(theme.TEXT)
    w = look.fm_bold.horizontalAdvance(title)
    p.drawText(QRectF(x, top, w + 2, h), VCENTER, title)
    p.setFont(look.font)
    # The counts, each after a swatch of its state's colour, as in the aggregate strip.
    x = max(x + w + 3 * PAD, f.g.left + PAD)
    sw = look.fm.height() * 0.6
    for state, n in summary_parts(summary.counts):
        text = f"{n} {state_text(look, state)}"
        tw = look.fm.horizontalAdvance(text)
        if x + sw + 6 + tw > f.width - PAD:
            p.setPen(theme.MUTED)
            p.drawText(QRectF(x, top, 30, h), VCENTER, "…")
            break
        if state:
            p.setPen(theme.MUTED)
            p.setBrush(look.style(state)[1])
            p.drawRect(QRectF(x, mid - sw / 2, sw, sw))
            x += sw + 6
        p.setPen(theme.BAD if state == State.FAILED else theme.TEXT)
        p.drawText(QRectF(x, top, tw + 2, h), VCENTER, text)
        x += tw + 2 * PAD


def _paint_triangle(p: QPainter, x: float, mid: float, folded: bool) -> None:
    s = 6.0
    points = (
        [QPointF(x, mid - s), QPointF(x + 1.6 * s, mid), QPointF(x, mid + s)]
        if folded
        else [QPointF(x - 1, mid - s * 0.7), QPointF(x + 2 * s - 1, mid - s * 0.7),
              QPointF(x + s - 1, mid + s * 0.9)]
    )  # fmt: skip
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(theme.MUTED)
    p.drawPolygon(QPolygonF(points))
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)


def paint_agg_label(f: Frame, top: float, h: float, group: Group) -> None:
    """Left of a folded group's strip: how many lanes it holds (a click shows them)."""
    p, g = f.p, f.g
    p.fillRect(QRectF(g.left, top + 2, f.width - g.left, h - 4), theme.PANEL)
    p.setPen(theme.MUTED)
    text = f.look.fm.elidedText(
        f"show {len(group.names)} lanes", Qt.TextElideMode.ElideRight, g.left - 3 * PAD - 18
    )
    p.drawText(QRectF(PAD + 18, top, g.left - PAD, h), VCENTER, text)
