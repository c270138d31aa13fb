"""The wait-for graph of a deadlock: threads and locks on a ring, "holds" and "waits for".

Drawn from the cycle the engine found in the real locks' state (engine/deadlock.py); every
arrow is labelled in words, and the two kinds of arrow differ in line style, not only hue.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from threadtruth_gui.ui import theme


class WaitForGraph(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cycle: list[dict[str, str]] = []
        self.colors: dict[str, QColor] = {}
        self.labels: dict[str, str] = {}  # what a node says, if not its name (a traced lock)
        self.setMinimumHeight(200)
        self.setFont(theme.body_font(theme.BODY_PT, bold=True))

    def sizeHint(self) -> QSize:
        return QSize(460, 220)

    def show_cycle(
        self,
        cycle: list[dict[str, str]],
        colors: dict[str, QColor],
        labels: dict[str, str] | None = None,
    ) -> None:
        """Draw `cycle`; `labels`: shorter words for some nodes (a node as wide as its words
        when they do not fit the round one)."""
        self.cycle, self.colors, self.labels = list(cycle), dict(colors), dict(labels or {})
        self.setVisible(bool(cycle))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.cycle:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetricsF(self.font())
        # ring order: thread, the lock it waits for, the thread holding that lock, ...
        nodes: list[tuple[str, str]] = []  # (kind, name)
        for edge in self.cycle:
            nodes.append(("thread", edge["task"]))
            nodes.append(("lock", edge["waits_for"]))
        texts = [self._says(name) for _kind, name in nodes]
        rects = self._ring(texts, fm)
        if rects is not None:
            arrows = [
                (i, (i + 1) % len(nodes), "waits for" if kind == "thread" else "held by")
                for i, (kind, _name) in enumerate(nodes)
            ]
        else:
            # a program's long thread names leave no room for the locks between them on
            # the ring: the threads alone, each arrow saying which lock ("waits for
            # fork.py:18 #2") and pointing at the thread that holds it; a name too long
            # for its place is cut short ("…": the stacks below say it whole)
            nodes = [("thread", edge["task"]) for edge in self.cycle]
            rects, texts = self._compact([edge["task"] for edge in self.cycle], fm)
            arrows = [  # two lines: as narrow as a word, so two fit side by side
                (i, (i + 1) % len(nodes), f"waits for\n{self._says(edge['waits_for'])}")
                for i, edge in enumerate(self.cycle)
            ]
        offsets = [0.0] * len(arrows)
        if len(nodes) == 2:  # one above the other: the two arrows side by side
            offsets = [min(40.0, self.width() / 6)] * 2
        try:
            self._draw(p, fm, nodes, texts, rects, arrows, offsets)
        finally:
            p.end()  # (a painter left open on a widget crashes Qt)

    def _says(self, name: str) -> str:
        return self.labels.get(name, name)

    def _sizes(self, fm: QFontMetricsF) -> tuple[float, float, float]:
        """(node height, label width for "waits for", label height)."""
        return (
            max(48.0, fm.height() * 2.2),
            fm.horizontalAdvance("waits for") + 20,
            fm.height() + 8,
        )

    def _place(self, widths: list[float], size: float, label_h: float) -> list[QRectF]:
        """Boxes of these widths on an ellipse that fills the widget, first at the top."""
        n = len(widths)
        cx, cy = self.width() / 2, self.height() / 2
        # an ellipse, not a circle: the column is wider than it is tall, and the graph
        # must show whole in it (labels sit beside the arrows, inside the widget)
        widest = max(widths, default=size)
        rx = max(size, self.width() / 2 - widest / 2 - 6)
        ry = max(size / 2, self.height() / 2 - size / 2 - 4)
        ry = min(ry, max(size / 2, self.height() / 2 - label_h * 1.5 + size / 4))
        rects = []
        for i, width in enumerate(widths):
            angle = -math.pi / 2 + 2 * math.pi * i / n
            at = QPointF(cx + rx * math.cos(angle), cy + ry * math.sin(angle))
            rects.append(QRectF(at.x() - width / 2, at.y() - size / 2, width, size))
        return rects

    def _ring(self, texts: list[str], fm: QFontMetricsF) -> list[QRectF] | None:
        """Threads and locks on one ring; None when two boxes would overlap, one would
        not show whole, or two neighbours leave no room for an arrow's words."""
        size, label_w, label_h = self._sizes(fm)
        widths = [max(size, fm.horizontalAdvance(text) + 16) for text in texts]
        rects = self._place(widths, size, label_h)
        inside = QRectF(self.rect()).adjusted(-1, -1, 1, 1)
        if not all(inside.contains(r) for r in rects):
            return None
        for i, a in enumerate(rects):
            if any(a.intersects(b.adjusted(-4, -4, 4, 4)) for b in rects[i + 1 :]):
                return None
            b = rects[(i + 1) % len(rects)]
            gap = math.hypot(b.center().x() - a.center().x(), b.center().y() - a.center().y())
            if gap - _inside(a, b) - _inside(b, a) < min(label_w, label_h * 2):
                return None
        placed: list[QRectF] = []  # and every arrow's words find a free place
        centre = (self.width() / 2, self.height() / 2)
        for i, a in enumerate(rects):
            b = rects[(i + 1) % len(rects)]
            box = self._free_box(rects, placed, a.center(), b.center(), centre, label_w, label_h)
            if box is None:
                return None
            placed.append(box)
        return rects

    def _compact(self, names: list[str], fm: QFontMetricsF) -> tuple[list[QRectF], list[str]]:
        """The threads alone: two one above the other, more on a ring; each name cut to
        the width its place has."""
        size, _label_w, label_h = self._sizes(fm)
        n = len(names)
        w, h = self.width(), self.height()
        # two: each as wide as the widget; more: neighbours side by side at the ring's
        # bottom keep an arrow between them
        room = w - 12 if n == 2 else w * (0.36 if n <= 4 else 0.26)
        texts = [
            fm.elidedText(name, Qt.TextElideMode.ElideMiddle, max(size, room) - 16)
            for name in names
        ]
        widths = [max(size, fm.horizontalAdvance(text) + 16) for text in texts]
        if n == 2:  # room between them for the arrows, their words of two lines beside
            gap = max(2 * fm.height() + 20, 64.0)
            top = max(4.0, h / 2 - size - gap / 2)
            bottom = min(h - size - 4, h / 2 + gap / 2)
            rects = [
                QRectF(w / 2 - widths[0] / 2, top, widths[0], size),
                QRectF(w / 2 - widths[1] / 2, bottom, widths[1], size),
            ]
        else:
            rects = self._place(widths, size, label_h)
        bounds = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        for r in rects:  # whole inside the widget
            r.moveLeft(min(max(r.left(), bounds.left()), bounds.right() - r.width()))
            r.moveTop(min(max(r.top(), bounds.top()), bounds.bottom() - r.height()))
        return rects, texts

    def _draw(
        self,
        p: QPainter,
        fm: QFontMetricsF,
        nodes: list[tuple[str, str]],
        texts: list[str],
        rects: list[QRectF],
        arrows: list[tuple[int, int, str]],
        offsets: list[float],
    ) -> None:
        cx, cy = self.width() / 2, self.height() / 2
        placed: list[QRectF] = []
        for (i, j, label), offset in zip(arrows, offsets, strict=True):
            waits = label.startswith("waits")  # waits for: dashed, in the "bad" colour
            pen = QPen(theme.BAD if waits else theme.TEXT, 4)
            pen.setStyle(Qt.PenStyle.DashLine if waits else Qt.PenStyle.SolidLine)
            # from edge to edge of the two nodes (a wide pill would hide a fixed inset's
            # arrowhead); `offset`: to the arrow's right, so that A->B and B->A are apart
            a, b = self._arrow(p, rects[i], rects[j], pen, offset)
            lines = label.split("\n")
            label_w = max(fm.horizontalAdvance(line) for line in lines) + 20
            label_h = fm.height() * len(lines) + 8
            centre = (cx, cy)
            if offset:  # its words on its own side (the offset's), away from the other arrow
                centre = (
                    (a.x() + b.x()) / 2 + (b.y() - a.y()),
                    (a.y() + b.y()) / 2 - (b.x() - a.x()),
                )
            box = self._label_box(rects, placed, a, b, centre, label_w, label_h)
            placed.append(box)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.BG)
            p.drawRoundedRect(box, 6, 6)
            p.setPen(theme.BAD if waits else theme.TEXT)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        for (kind, name), text, rect in zip(nodes, texts, rects, strict=True):
            if kind == "thread":
                p.setPen(QPen(QColor("white"), 3))
                p.setBrush(self.colors.get(name, theme.MUTED))
                if rect.width() > rect.height():
                    p.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
                else:
                    p.drawEllipse(rect)
                p.setPen(QColor("white"))
            else:
                p.setPen(QPen(theme.TEXT, 3))
                p.setBrush(theme.PANEL)
                p.drawRoundedRect(rect, 8, 8)
                p.setPen(theme.TEXT)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _label_box(
        self,
        nodes: list[QRectF],
        placed: list[QRectF],
        a: QPointF,
        b: QPointF,
        centre: tuple[float, float],
        w: float,
        h: float,
    ) -> QRectF:
        """Where an arrow's words go: a free place (see `_free_box`), else beside the
        arrow outside the ring whatever is there."""
        free = self._free_box(nodes, placed, a, b, centre, w, h)
        return free if free is not None else self._candidates(a, b, centre, w, h)[0]

    def _free_box(
        self,
        nodes: list[QRectF],
        placed: list[QRectF],
        a: QPointF,
        b: QPointF,
        centre: tuple[float, float],
        w: float,
        h: float,
    ) -> QRectF | None:
        """A place for an arrow's words that covers no node and no other words: outside
        the ring beside the arrow, else on it, else inside the ring; None if none is."""
        taken = [r.adjusted(-2, -2, 2, 2) for r in nodes + placed]
        for along in (0.35, 0.5, 0.65):  # nor the middle of its own arrow
            on = a + (b - a) * along
            taken.append(QRectF(on.x() - 3, on.y() - 3, 6, 6))
        for box in self._candidates(a, b, centre, w, h):
            if not any(box.intersects(r) for r in taken):
                return box
        return None

    def _candidates(
        self, a: QPointF, b: QPointF, centre: tuple[float, float], w: float, h: float
    ) -> list[QRectF]:
        mid = (a + b) / 2
        ox, oy = mid.x() - centre[0], mid.y() - centre[1]
        norm = math.hypot(ox, oy) or 1.0
        ox, oy = ox / norm, oy / norm
        bounds = QRectF(self.rect())
        boxes = []
        for along in (0.5, 0.4, 0.6):
            spot_on = a + (b - a) * along
            for out in (h, 1.4 * h, 1.8 * h, 0.0, -h, -1.4 * h):  # clear of a tall node
                x = spot_on.x() + ox * out * (w / h) * 0.35 - w / 2
                y = spot_on.y() + oy * out - h / 2
                x = min(max(x, bounds.left()), bounds.right() - w)
                y = min(max(y, bounds.top()), bounds.bottom() - h)
                boxes.append(QRectF(x, y, w, h))
        return boxes

    @staticmethod
    def _arrow(
        p: QPainter, ra: QRectF, rb: QRectF, pen: QPen, offset: float = 0.0
    ) -> tuple[QPointF, QPointF]:
        """An arrow from `ra`'s edge to `rb`'s, `offset` px to its right; its two ends."""
        a, b = ra.center(), rb.center()
        dx, dy = b.x() - a.x(), b.y() - a.y()
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        start_at, end_at = _inside(ra, rb) + 6, length - _inside(rb, ra) - 6
        if end_at - start_at < 18:  # nodes (nearly) touch: a short arrow between centres
            start_at, end_at = length / 2 - 9, length / 2 + 9
        sx, sy = -uy * offset, ux * offset  # to the right of the way it points
        start = QPointF(a.x() + ux * start_at + sx, a.y() + uy * start_at + sy)
        end = QPointF(a.x() + ux * end_at + sx, a.y() + uy * end_at + sy)
        p.setPen(pen)
        p.drawLine(start, end)
        head = 16.0
        left = QPointF(end.x() - ux * head - uy * head / 2, end.y() - uy * head + ux * head / 2)
        right = QPointF(end.x() - ux * head + uy * head / 2, end.y() - uy * head - ux * head / 2)
        p.setBrush(pen.color())
        p.setPen(QPen(pen.color(), 1))
        p.drawPolygon(QPolygonF([end, left, right]))
        return start, end


def _inside(rect: QRectF, toward: QRectF) -> float:
    """How far a line from `rect`'s centre toward `toward`'s runs inside `rect` (a round
    node: its radius)."""
    if rect.width() <= rect.height() + 0.5:
        return rect.height() / 2
    dx = toward.center().x() - rect.center().x()
    dy = toward.center().y() - rect.center().y()
    length = math.hypot(dx, dy) or 1.0
    tx = rect.width() / 2 / (abs(dx) / length) if dx else math.inf
    ty = rect.height() / 2 / (abs(dy) / length) if dy else math.inf
    return min(tx, ty)
