"""Painting around the lanes: legend, lane names, time axis, phase bands, cursor, scrollbar."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from threadtruth_gui.engine.lanes import Lane, Lanes
from threadtruth_gui.engine.narrate import task_caption
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline import folded
from threadtruth_gui.ui.timeline.frame import CENTER, INK, VCENTER, Frame, Look
from threadtruth_gui.ui.timeline.layout import AGG, LANE, LEGEND_GAP, PAD, Row, scroll_of

TICK_PX = 110.0  # aim for one tick label about every this many pixels
PHASE_BAND = theme.BAND  # changes with the theme (one shared QColor)
PHASE_LINE = QColor(87, 96, 106, 150)


def nice_step(raw: float) -> float:
    """The 1, 2 or 5 times a power of ten nearest to `raw` (on a log scale)."""
    exp = 10.0 ** math.floor(math.log10(raw))
    return min((m * exp for m in (1.0, 2.0, 5.0, 10.0)), key=lambda s: abs(math.log(s / raw)))


def legend_layout(look: Look, used: list[str], width: float) -> list[tuple[str, float, int]]:
    """Where each used state's entry goes: (state, x, row); entries wrap onto more rows
    rather than be left out (the legend explains every state drawn)."""
    items: list[tuple[str, float, int]] = []
    x, row = float(PAD), 0
    for state in used:
        w = 36 + look.fm.horizontalAdvance(look.style(state)[0].label)
        if x > PAD and x + w > width - PAD:
            x, row = float(PAD), row + 1
        items.append((state, x, row))
        x += w + 24
    return items


def paint_legend(f: Frame, used: list[str]) -> None:
    # exactly the states drawn for this trace, no more: a state not in the run is not
    # explained, and nothing is shown before a run
    p, look = f.p, f.look
    h = look.fm.height()
    for state, x, row in legend_layout(look, used, f.width):
        style, fill, pattern = look.style(state)
        top = PAD + row * (h + LEGEND_GAP)
        text_w = look.fm.horizontalAdvance(style.label)
        swatch = QRectF(x, top + (h - 18) / 2, 28, 18)
        p.setPen(theme.MUTED)
        for brush in (fill, pattern):
            p.setBrush(brush)
            p.drawRect(swatch)
        p.setPen(theme.TEXT)
        p.drawText(QRectF(x + 36, top, text_w + 2, h), VCENTER, style.label)


def paint_gutter(f: Frame, rows: list[tuple[Row, float]]) -> None:
    """Lane chips and captions, aggregate row labels: left of the plot."""
    p, g, lanes = f.p, f.g, f.lanes
    p.save()
    p.setClipRect(QRectF(0, g.lanes_top, f.width, g.counter_top - g.lanes_top))
    # Thin lanes: a name every few lanes, none sticking out of its group.
    fh = f.look.fm.height()
    every = max(1, math.ceil((fh + 2) / g.lane_h))
    first = math.ceil(max(0.0, fh / 2 - g.lane_h / 2) / g.lane_h)
    for row, top in rows:
        group = g.groups[row.group]
        if row.kind == LANE and lanes is not None:
            track = lanes.tasks[row.name]
            if row.h >= f.look.name_font(0.0)[1] + 4:  # a chip fits, maybe a smaller one
                paint_lane_label(f, top, row, track)
            elif (
                row.index >= first
                and (row.index - first) % every == 0
                and (row.index + 0.5) * g.lane_h + fh / 2 <= len(group.names) * g.lane_h
            ):
                _paint_thin_label(f, top, row)
        elif row.kind == AGG:
            folded.paint_agg_label(f, top, row.h, group)
    p.restore()


def paint_lane_label(f: Frame, top: float, row: Row, track: Lane) -> None:
    """A lane's name on a chip of its colour, then its caption."""
    p, g = f.p, f.g
    name, lane_h = row.name, row.h
    if row.index % 2:  # zebra bands let the eye follow a lane across a wide screen
        p.fillRect(QRectF(0, top, f.width, lane_h), theme.PANEL)
    color = f.colors.get(name) or theme.task_color(row.index)
    bold, fh = f.look.name_font(lane_h)
    fm_bold = QFontMetricsF(bold)
    h = min(fh + 4, lane_h)
    chip = QRectF(PAD, top + (lane_h - h) / 2, fm_bold.horizontalAdvance(name) + 16, h)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawRoundedRect(chip, 5, 5)
    luma = 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()
    p.setPen(QColor("white") if luma < 150 else INK)
    p.setFont(bold)
    p.drawText(chip, CENTER, name)
    font = QFont(bold)
    font.setBold(False)  # the caption in the chip's size: a thin lane fits it too
    p.setFont(font)
    p.setPen(theme.TEXT)
    x = chip.right() + PAD
    info = QFontMetricsF(font).elidedText(
        task_caption(track.info), Qt.TextElideMode.ElideRight, g.left - x - PAD
    )
    p.drawText(QRectF(x, top, g.left - x, lane_h), VCENTER, info)
    p.setFont(f.look.font)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)


def _paint_thin_label(f: Frame, top: float, row: Row) -> None:
    # Lanes too thin for text: every few lanes a name and a tick, like an axis.
    p, g = f.p, f.g
    mid = top + row.h / 2
    p.setPen(QPen(theme.MUTED, 1))
    p.drawLine(QLineF(g.left - PAD - 6, mid, g.left - 4, mid))
    h = f.look.fm.height()
    p.drawText(QRectF(PAD + 18, mid - h / 2, g.left - 3 * PAD - 24, h), VCENTER, row.name)


def paint_axis(f: Frame) -> None:
    p, g, look = f.p, f.g, f.look
    p.setFont(look.axis_font)
    p.setPen(theme.MUTED)
    # labels never closer than their own width (the lecture preset's big axis text ran
    # them together: "0.00 s0.02 s…")
    fm = QFontMetricsF(look.axis_font)
    room = max(TICK_PX, 1.5 * fm.horizontalAdvance(f"{max(abs(f.hi), 1.0):.3f} s"))
    step = nice_step((f.hi - f.lo) * room / max(g.right - g.left, 1.0))
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    grid, ticks = [], [QLineF(g.left, g.axis_top + 0.5, g.right, g.axis_top + 0.5)]
    k = math.ceil(f.lo / step)
    while (t := k * step) <= f.hi:
        x = round(f.x(t)) + 0.5
        grid.append(QLineF(x, g.lanes_top, x, g.axis_top))
        ticks.append(QLineF(x, g.axis_top, x, g.axis_top + 5))
        label = f"{0.0 if abs(t) < step / 2 else t:.{decimals}f} s"
        half = fm.horizontalAdvance(label) / 2 + 2
        if x + half <= f.width:  # a label cut at the right edge is left out
            p.drawText(
                QRectF(x - half, g.axis_top + 5, 2 * half, fm.height() + 4),
                Qt.AlignmentFlag.AlignHCenter,
                label,
            )
        k += 1
    p.drawLines(ticks)
    p.setPen(QPen(theme.GRID, 1))
    p.drawLines(grid)
    p.setFont(look.font)


def paint_phases(f: Frame, lanes: Lanes) -> None:
    """Faint bands named after the run's phases above the lanes, dashed lines between."""
    p, g, look = f.p, f.g, f.look
    if not lanes.phases or g.lanes_top <= g.phases_top:
        return
    top, h = g.phases_top, g.lanes_top - g.phases_top
    p.save()
    p.setClipRect(QRectF(g.left, top, g.right - g.left + PAD, g.counter_top - top))
    lines: dict[int, QLineF] = {}  # one line where one phase ends and the next starts
    phases = sorted(lanes.phases.items(), key=lambda item: item[1][0])
    placed = g.left  # right end of the last label drawn
    p.setFont(look.bold)
    p.setPen(theme.MUTED)
    for k, (label, (start, end)) in enumerate(phases):
        stop = lanes.end_ns if end is None else end
        x0, x1 = f.x(lanes.seconds(start)), f.x(lanes.seconds(stop))
        if x1 < g.left or x0 > g.right:
            continue
        p.fillRect(QRectF(x0, top + 3, max(x1 - x0, 1.0), h - 6), PHASE_BAND)
        for x in (x0, x1) if end is not None else (x0,):
            lines.setdefault(round(x), QLineF(round(x) + 0.5, top, round(x) + 0.5, g.axis_top))
        seen0, seen1 = max(x0, g.left), min(x1, g.right)
        # Centred in its band; a band too narrow lends the room up to the next phase.
        after = g.right + PAD
        if k + 1 < len(phases):
            after = f.x(lanes.seconds(phases[k + 1][1][0]))
        so_far = "" if end is not None else " so far"
        for text in (f"{label} · {(stop - start) / 1e9:.2f} s{so_far}", label):
            w = look.fm_bold.horizontalAdvance(text)
            box = QRectF((seen0 + seen1 - w) / 2, top, w, h)
            if w > seen1 - seen0 - 8:
                if text != label:
                    continue  # only the bare name may stick out of its band
                box.moveLeft(seen0 + 4)
            if box.left() >= placed + 8 and box.right() <= min(after, g.right + PAD) - 4:
                p.drawText(box, CENTER, text)
                placed = box.right()
                break
    p.setFont(look.font)
    p.setPen(QPen(PHASE_LINE, 1, Qt.PenStyle.DashLine))
    p.drawLines(list(lines.values()))
    p.restore()


def paint_cursor(f: Frame, t_s: float) -> None:
    p, g, look = f.p, f.g, f.look
    x = f.x(t_s)
    if not g.left <= x <= g.right:
        return
    p.setPen(QPen(theme.TEXT, 3))
    p.drawLine(QLineF(x, g.lanes_top, x, g.axis_top))
    text = f"{t_s:.3f} s"
    w = look.fm_bold.horizontalAdvance(text) + 12
    box = QRectF(min(x + 4, g.right - w), g.lanes_top, w, look.fm_bold.height() + 4)
    p.fillRect(box, theme.TEXT)
    p.setPen(theme.BG)
    p.setFont(look.bold)
    p.drawText(box, CENTER, text)
    p.setFont(look.font)


def paint_scrollbar(f: Frame) -> None:
    p, g = f.p, f.g
    view = g.counter_top - g.lanes_top
    total = view + g.scroll_max
    thumb = max(24.0, view * view / total)
    y = g.lanes_top + (view - thumb) * scroll_of(g, f.scroll) / g.scroll_max
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(87, 96, 106, 140))
    p.drawRect(QRectF(f.width - 6, y, 5, thumb))


def paint_no_run(f: Frame) -> None:
    g = f.g
    f.p.setPen(theme.MUTED)
    rect = QRectF(g.left, g.lanes_top, g.right - g.left, g.counter_top - g.lanes_top)
    f.p.drawText(rect, CENTER, "No run yet")
