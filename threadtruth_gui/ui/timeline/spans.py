"""Painting the task lanes: state spans as rectangles, dense lanes as rows of pixels."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QImage, QPainter

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.lanes import Lane, Lanes
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline import folded
from threadtruth_gui.ui.timeline.frame import (
    CENTER,
    FINAL_W,
    INK,
    TEXT_BOX,
    Caches,
    Frame,
    Look,
    Rects,
    pale,
    starts,
)
from threadtruth_gui.ui.timeline.layout import AGG, LANE, PAD, Geo, Row, Summary

LABEL_MIN_PX = 48.0  # narrower spans get no text; a sliver of letters helps nobody
RASTER_PX = 30  # a lane with more than one span per this many px is drawn as pixels
RASTER_CELLS = 16384  # time cells of a lane's raster over the whole run
STATE_CODE = {state: i + 1 for i, state in enumerate(State.ALL)}
_RASTER_FILLS = [bytes([code]) * (RASTER_CELLS + 2) for code in range(len(State.ALL) + 1)]
_Raster = tuple[float, float, float, float, bytes]  # x, width, top, height, codes


def paint_spans(f: Frame, rows: list[tuple[Row, float]]) -> tuple[int, int, int]:
    """Every visible lane's spans and every folded group's strip, in a few batched draws.

    Returns what benchmarks/timeline.py reports: the rectangles given to drawRects, the
    lanes drawn as pixels, and the spans in view (at most one per pixel column per lane).
    """
    lanes, g, p, look, caches = f.lanes, f.g, f.p, f.look, f.caches
    assert lanes is not None
    # Inlined ns -> px arithmetic: this loop runs per pixel column per lane at 60 Hz.
    px_per_ns = (g.right - g.left) / ((f.hi - f.lo) * 1e9)
    origin = lanes.t0_ns + f.lo * 1e9  # the ns at x = g.left
    hi_ns = lanes.t0_ns + f.hi * 1e9
    fills: Rects = {}
    pales: Rects = {}  # drawn first: what is still to come
    fail_marks: list[QRectF] = []
    rasters: list[_Raster] = []  # dense lanes, as pixels
    spans_in_view = 0
    labels: list[tuple[float, float, float, tuple[str, ...]]] = []  # x0, x1, mid y, texts
    left, limit, end_ns = g.left, g.right + FINAL_W + 2, lanes.end_ns
    inset = 5.0 if g.text_lanes else (1.0 if g.lane_h >= 8 else 0.0)
    summaries: list[Summary] = []
    style = look.style
    for row, top in rows:
        if row.kind == AGG:
            summaries = summaries or f.summaries()
            folded.heat(f, row, top, summaries[row.group].end_ns, fills, pales)
            folded.fail_marks(f, summaries[row.group], top, row.h, fail_marks)
            continue
        if row.kind != LANE:
            continue
        track = lanes.tasks[row.name]
        mid = top + row.h / 2
        spans, begins, covered = track.spans, starts(caches, row.name, track), left - 2
        i = max(0, bisect_right(begins, origin) - 1)
        # Denser than a span per few pixels: the lane as a row of pixels, sampled from a
        # byte per time cell, not one rectangle per span; then only its end, as a cap.
        in_view = bisect_right(begins, hi_ns) - i
        spans_in_view += min(in_view, int(g.right - g.left))
        dense = in_view * RASTER_PX > g.right - g.left
        if dense and _raster_lane(
            caches, row.name, track, lanes, px_per_ns, origin, g, top, row.h, inset, rasters
        ):
            if spans[-1].state not in State.FINAL:
                continue
            i = len(spans) - 1
        while i < len(spans) and begins[i] <= hi_ns:
            span = spans[i]
            i += 1
            # Clamped to what is already covered and to the plot: deep zoom gives huge x.
            x0 = max(left + (span.start_ns - origin) * px_per_ns, covered)
            final = span.state in State.FINAL
            if final:
                x1 = x0 + FINAL_W
            else:
                x1 = left + ((end_ns if span.end_ns is None else span.end_ns) - origin) * px_per_ns
                if x1 < x0 + 1.5:
                    # Level of detail: this pixel column is taken; jump to the last span
                    # that starts inside it rather than walk every sub-pixel span.
                    x1 = x0 + 1.0
                    next_ns = int(origin + (x1 - left) / px_per_ns)
                    i = max(i, bisect_left(begins, next_ns, i) - 1)
            x1 = min(x1, limit)
            rect = QRectF(x0, top + inset, x1 - x0, row.h - 2 * inset)
            covered = x1
            texts: tuple[str, ...] = (span.detail or style(span.state)[0].label,)
            if span.end_ns is None and span.state == State.RECEIVING and track.total > 0:
                # The open download: the received share filled from the bottom up, the
                # rest pale; when it closes the whole span is filled.
                share = min(max(track.received / track.total, 0.0), 1.0)
                pales.setdefault(span.state, []).append(rect)
                got = QRectF(x0, rect.bottom() - share * rect.height(), x1 - x0, 0.0)
                got.setBottom(rect.bottom())
                fills.setdefault(span.state, []).append(got)
                pct = f"{math.floor(share * 100)}%"
                texts = (f"{texts[0]} {pct}", pct)
            else:
                fills.setdefault(span.state, []).append(rect)
            if not g.text_lanes:
                continue
            if final:
                text = style(span.state)[0].label
                if span.state == State.FAILED and span.detail:
                    texts = (f"{text}: {span.detail}", text)
                else:
                    texts = (text,)
                labels.append((x1 + 2, g.right + PAD, mid, texts))
            elif x1 - x0 >= LABEL_MIN_PX:
                labels.append((max(x0, left), min(x1, g.right), mid, texts))
    p.save()
    p.setClipRect(QRectF(g.left, g.lanes_top, f.width, g.counter_top - g.lanes_top))
    p.setPen(Qt.PenStyle.NoPen)
    _draw_rasters(p, look, caches, rasters)
    for state, rects in pales.items():
        p.setBrush(look.pale.get(state, QBrush(pale(theme.MUTED))))
        p.drawRects(rects)
    for overlay in (False, True):  # every fill first, then every pattern on top
        for state, rects in fills.items():
            _, fill, pattern = style(state)
            brush = pattern if overlay else fill
            if brush.style() != Qt.BrushStyle.NoBrush:
                p.setBrush(brush)
                p.drawRects(rects)
    if fail_marks:
        p.setBrush(look.fail_brush)
        p.drawRects(fail_marks)
    _paint_labels(p, look, labels)
    p.restore()
    drawn = sum(map(len, fills.values())) + sum(map(len, pales.values()))
    return drawn, len(rasters), spans_in_view


def _paint_labels(
    p: QPainter, look: Look, labels: list[tuple[float, float, float, tuple[str, ...]]]
) -> None:
    """Span texts on light boxes: the first candidate that fits, else the last elided."""
    fm = look.fm
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for x0, x1, mid, candidates in labels:
        room = x1 - x0 - 18
        text = next(
            (t for t in candidates if fm.horizontalAdvance(t) <= room),
            fm.elidedText(candidates[-1], Qt.TextElideMode.ElideRight, room),
        )
        if text and text != "…":
            w, h = fm.horizontalAdvance(text), fm.height()
            box = QRectF(x0 + 5, mid - h / 2, w + 8, h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(TEXT_BOX)
            p.drawRoundedRect(box, 4, 4)
            p.setPen(INK)
            p.drawText(box, CENTER, text)


def _raster_codes(caches: Caches, name: str, track: Lane, lanes: Lanes) -> tuple[int, bytearray]:
    """The lane as one byte per time cell (the state's index + 1; 0: nothing), for the
    whole run at RASTER_CELLS cells; rebuilt only when the lane has changed."""
    end_ns = lanes.end_ns
    cached = caches.rasters.get(name)
    if cached is not None and cached[0] == len(track.spans) and cached[1] == end_ns:
        return cached[2], cached[3]
    t0 = lanes.t0_ns
    cell_ns = max(1, (end_ns - t0) // RASTER_CELLS + 1)
    n = (end_ns - t0) // cell_ns + 2
    codes = bytearray(n)
    fills = _RASTER_FILLS
    for span in track.spans:
        a = max(0, (span.start_ns - t0) // cell_ns)
        if span.state in State.FINAL:
            continue  # an instant: drawn as its cap by the vector path at the lane's end
        b = min(n, ((end_ns if span.end_ns is None else span.end_ns) - t0) // cell_ns + 1)
        if b > a:
            codes[a:b] = fills[STATE_CODE.get(span.state, 0)][: b - a]
    caches.rasters[name] = (len(track.spans), end_ns, cell_ns, codes)
    return cell_ns, codes


def _raster_lane(
    caches: Caches,
    name: str,
    track: Lane,
    lanes: Lanes,
    px_per_ns: float,
    origin: float,
    g: Geo,
    top: float,
    h: float,
    inset: float,
    out: list[_Raster],
) -> bool:
    """Sample the lane's cells at one per pixel column (x, width, top, height, the row
    of codes) for `_draw_rasters`; False when zoomed in past the cells (then the spans
    in view are few enough to draw as rectangles)."""
    cell_ns, codes = _raster_codes(caches, name, track, lanes)
    width = int(g.right - g.left)
    cells_per_px = 1.0 / (px_per_ns * cell_ns)
    if cells_per_px < 1.0 or width <= 0:
        return False
    c0 = (origin - lanes.t0_ns) / cell_ns
    stride = max(1, round(cells_per_px))
    first = max(0, math.ceil(c0))
    x0 = g.left + (first - c0) / cells_per_px
    row = bytes(codes[first : first + width * stride : stride])
    if row:
        out.append((x0, len(row) * stride / cells_per_px, top + inset, h - 2 * inset, row))
    return True


def _draw_rasters(p: QPainter, look: Look, caches: Caches, rows: list[_Raster]) -> None:
    """Every dense lane in one 8-bit image: each lane's row of codes copied into the
    pixel rows it covers, then a single drawImage (the lanes share the time axis, so
    they share x, width and sampling)."""
    if not rows:
        return
    x0, width = rows[0][0], rows[0][1]
    length = max(len(r[4]) for r in rows)
    line = length + (-length) % 4  # scan lines are 32-bit aligned
    top = math.floor(min(r[2] for r in rows))
    bottom = math.ceil(max(r[2] + r[3] for r in rows))
    buffer = bytearray(line * max(1, bottom - top))
    for _x, _w, y, h, codes in rows:
        for py in range(round(y) - top, max(round(y) + 1, round(y + h)) - top):
            at = py * line
            buffer[at : at + len(codes)] = codes
    image = QImage(bytes(buffer), length, bottom - top, line, QImage.Format.Format_Indexed8)
    if caches.raster_table is None:
        caches.raster_table = _raster_colors(look)
    image.setColorTable(caches.raster_table)
    scale = width / max(len(rows[0][4]), 1)
    # converted first: drawing an 8-bit image scaled converts it per pixel, measured at
    # twice the time of one conversion and a draw of the converted image
    argb = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    p.drawImage(QRectF(x0, top, length * scale, bottom - top), argb)


def _raster_colors(look: Look) -> list[int]:
    table = [0] * 256  # 0: transparent
    for state, code in STATE_CODE.items():
        table[code] = look.style(state)[1].color().rgba()
    return table
