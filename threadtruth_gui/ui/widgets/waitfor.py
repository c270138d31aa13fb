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
        rects = self._ring(nodes, fm)
        if rects is not None:
            arrows = [
                (i, (i + 1) % len(nodes), "waits for" if kind == "thread" else "held by")
                for i, (kind, _name) in enumerate(nodes)
            ]
        else:
            # a program's long thread names leave no room for the locks between them on
            # the ring: the threads alone, each arrow saying which lock ("waits for
            # fork.py:18 #2") and pointing at the thread that holds it
            nodes = [("thread", edge["task"]) for edge in self.cycle]
            rects = self._ring(nodes, fm, force=True)
            assert rects is not None
            arrows = [
                (i, (i + 1) % len(nodes), f"waits for {self._says(edge['waits_for'])}")
                for i, edge in enumerate(self.cycle)
            ]
        self._draw(p, fm, nodes, rects, arrows)
        p.end()

    def _says(self, name: str) -> str:
        return self.labels.get(name, name)

    def _ring(
        self, nodes: list[tuple[str, str]], fm: QFontMetricsF, force: bool = False
    ) -> list[QRectF] | None:
        """The nodes' boxes on an ellipse that fills the widget; None (unless `force`) when
        two would touch or leave no room for an arrow's words between them."""
        n = len(nodes)
        label_w = fm.horizontalAdvance("waits for") + 20
        label_h = fm.height() + 8
        size = max(48.0, fm.height() * 2.2)
        cx, cy = self.width() / 2, self.height() / 2
        # an ellipse, not a circle: the column is wider than it is tall, and the graph
        # must show whole in it (labels sit beside the arrows, inside the widget)
        widths = [max(size, fm.horizontalAdvance(self._says(name)) + 16) for _k, name in nodes]
        widest = max(widths, default=size)
        rx = max(size, self.width() / 2 - widest / 2 - 6)
        ry = max(size / 2, self.height() / 2 - size / 2 - 4)
        ry = min(ry, max(size / 2, self.height() / 2 - label_h * 1.5 + size / 4))
        rects = []
        for i, width in enumerate(widths):
            angle = -math.pi / 2 + 2 * math.pi * i / n
            at = QPointF(cx + rx * math.cos(angle), cy + ry * math.sin(angle))
            rects.append(QRectF(at.x() - width / 2, at.y() - size / 2, width, size))
        if force:
            return rects
        for i in range(n):
            a, b = rects[i], rects[(i + 1) % n]
            gap = math.hypot(b.center().x() - a.center().x(), b.center().y() - a.center().y())
            gap -= _inside(a, b) + _inside(b, a)
            if gap < min(label_w, label_h * 2):
                return None
        return rects

    def _draw(
        self,
        p: QPainter,
        fm: QFontMetricsF,
        nodes: list[tuple[str, str]],
        rects: list[QRectF],
        arrows: list[tuple[int, int, str]],
    ) -> None:
        label_h = fm.height() + 8
        cx, cy = self.width() / 2, self.height() / 2
        placed: list[QRectF] = []
        for i, j, label in arrows:
            waits = label.startswith("waits")  # waits for: dashed, in the "bad" colour
            pen = QPen(theme.BAD if waits else theme.TEXT, 4)
            pen.setStyle(Qt.PenStyle.DashLine if waits else Qt.PenStyle.SolidLine)
            # from edge to edge of the two nodes (a wide pill would hide a fixed inset's
            # arrowhead)
            self._arrow(p, rects[i], rects[j], pen)
            label_w = fm.horizontalAdvance(label) + 20
            box = self._label_box(
                rects, placed, rects[i].center(), rects[j].center(), (cx, cy), label_w, label_h
            )
            placed.append(box)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.BG)
            p.drawRoundedRect(box, 6, 6)
            p.setPen(theme.BAD if waits else theme.TEXT)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        for (kind, name), rect in zip(nodes, rects, strict=True):
            text = self._says(name)
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
        """Where an arrow's words go: outside the ring beside the arrow if no node (nor
        other words) is there, else on the arrow, else inside the ring; within the widget."""
        mid = (a + b) / 2
        ox, oy = mid.x() - centre[0], mid.y() - centre[1]
        norm = math.hypot(ox, oy) or 1.0
        ox, oy = ox / norm, oy / norm
        bounds = QRectF(self.rect())
        first: QRectF | None = None
        for along in (0.5, 0.4, 0.6):
            spot_on = a + (b - a) * along
            for out in (h, 1.4 * h, 1.8 * h, 0.0, -h, -1.4 * h):  # clear of a tall node
                x = spot_on.x() + ox * out * (w / h) * 0.35 - w / 2
                y = spot_on.y() + oy * out - h / 2
                x = min(max(x, bounds.left()), bounds.right() - w)
                y = min(max(y, bounds.top()), bounds.bottom() - h)
                box = QRectF(x, y, w, h)
                first = first or box
                if not any(box.intersects(r.adjusted(-2, -2, 2, 2)) for r in nodes + placed):
                    return box
        assert first is not None
        return first

    @staticmethod
    def _arrow(p: QPainter, ra: QRectF, rb: QRectF, pen: QPen) -> None:
        a, b = ra.center(), rb.center()
        dx, dy = b.x() - a.x(), b.y() - a.y()
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length

        start_at, end_at = _inside(ra, rb) + 6, length - _inside(rb, ra) - 6
        if end_at - start_at < 18:  # nodes (nearly) touch: a short arrow between centres
            start_at, end_at = length / 2 - 9, length / 2 + 9
        start = QPointF(a.x() + ux * start_at, a.y() + uy * start_at)
        end = QPointF(a.x() + ux * end_at, a.y() + uy * end_at)
        p.setPen(pen)
        p.drawLine(start, end)
        head = 16.0
        left = QPointF(end.x() - ux * head - uy * head / 2, end.y() - uy * head + ux * head / 2)
        right = QPointF(end.x() - ux * head + uy * head / 2, end.y() - uy * head - ux * head / 2)
        p.setBrush(pen.color())
        p.setPen(QPen(pen.color(), 1))
        p.drawPolygon(QPolygonF([end, left, right]))


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
