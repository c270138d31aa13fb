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
        # ring order: thread, the lock it waits for, the thread holding that lock, ...
        nodes: list[tuple[str, str]] = []  # (kind, name)
        for edge in self.cycle:
            nodes.append(("thread", edge["task"]))
            nodes.append(("lock", edge["waits_for"]))
        n = len(nodes)
        fm = QFontMetricsF(self.font())
        label_w, label_h = fm.horizontalAdvance("waits for") + 20, fm.height() + 8
        size = max(48.0, fm.height() * 2.2)
        cx, cy = self.width() / 2, self.height() / 2
        # an ellipse, not a circle: the column is wider than it is tall, and the graph
        # must show whole in it (labels sit beside the arrows, inside the widget)
        widest = max(
            (fm.horizontalAdvance(self.labels.get(name, name)) + 16 for _k, name in nodes),
            default=size,
        )
        widest = max(size, widest)
        rx = max(size, self.width() / 2 - widest / 2 - 6)
        ry = max(size / 2, self.height() / 2 - size / 2 - 4)
        ry = min(ry, max(size / 2, self.height() / 2 - label_h * 1.5 + size / 4))
        points = [
            QPointF(
                cx + rx * math.cos(-math.pi / 2 + 2 * math.pi * i / n),
                cy + ry * math.sin(-math.pi / 2 + 2 * math.pi * i / n),
            )
            for i in range(n)
        ]
        for i in range(n):
            a, b = points[i], points[(i + 1) % n]
            waits = nodes[i][0] == "thread"  # thread -> lock: waits for; lock -> thread: held by
            pen = QPen(theme.BAD if waits else theme.TEXT, 4)
            pen.setStyle(Qt.PenStyle.DashLine if waits else Qt.PenStyle.SolidLine)
            self._arrow(p, a, b, size / 2 + 6, pen)
            mid = (a + b) / 2
            # the label sits outside the ring, clear of the arrow
            ox, oy = mid.x() - cx, mid.y() - cy
            norm = math.hypot(ox, oy) or 1.0
            spot = QPointF(mid.x() + ox / norm * label_w * 0.35, mid.y() + oy / norm * label_h)
            label = "waits for" if waits else "held by"
            box = QRectF(spot.x() - label_w / 2, spot.y() - label_h / 2, label_w, label_h)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.BG)
            p.drawRoundedRect(box, 6, 6)
            p.setPen(theme.BAD if waits else theme.TEXT)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        for (kind, name), at in zip(nodes, points, strict=True):
            text = self.labels.get(name, name)
            # a long name (a program's thread, "philosopher-0") gets a pill as wide as it
            width = max(size, fm.horizontalAdvance(text) + 16)
            rect = QRectF(at.x() - width / 2, at.y() - size / 2, width, size)
            if kind == "thread":
                p.setPen(QPen(QColor("white"), 3))
                p.setBrush(self.colors.get(name, theme.MUTED))
                if width > size:
                    p.drawRoundedRect(rect, size / 2, size / 2)
                else:
                    p.drawEllipse(rect)
                p.setPen(QColor("white"))
            else:
                p.setPen(QPen(theme.TEXT, 3))
                p.setBrush(theme.PANEL)
                p.drawRoundedRect(rect, 8, 8)
                p.setPen(theme.TEXT)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.end()

    @staticmethod
    def _arrow(p: QPainter, a: QPointF, b: QPointF, inset: float, pen: QPen) -> None:
        dx, dy = b.x() - a.x(), b.y() - a.y()
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        start = QPointF(a.x() + ux * inset, a.y() + uy * inset)
        end = QPointF(b.x() - ux * inset, b.y() - uy * inset)
        p.setPen(pen)
        p.drawLine(start, end)
        head = 16.0
        left = QPointF(end.x() - ux * head - uy * head / 2, end.y() - uy * head + ux * head / 2)
        right = QPointF(end.x() - ux * head + uy * head / 2, end.y() - uy * head - ux * head / 2)
        p.setBrush(pen.color())
        p.setPen(QPen(pen.color(), 1))
        p.drawPolygon(QPolygonF([end, left, right]))
