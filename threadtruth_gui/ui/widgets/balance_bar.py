"""A big horizontal bar for one shared value (the balance), animated, red below zero."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEasingCurve, QEvent, QRectF, QSize, Qt, QVariantAnimation
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from threadtruth_gui.ui import theme

POSITIVE = QColor("#0072B2")
_SCALE_PT = 12  # the "0" and "start" marks under the bar


class BalanceBar(QWidget):
    def __init__(self, fmt: Callable[[float], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fmt = fmt
        self._label = "Balance"
        self._lo, self._hi = -500.0, 1500.0
        self._start: float | None = None
        self._value: float | None = None  # the recorded value
        self._shown = 0.0  # the animated value being drawn
        self._anim = QVariantAnimation(self)
        self._anim.setDuration(450)
        self._anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._anim.valueChanged.connect(self._on_anim)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.sizeHint().height())

    def _heights(self) -> tuple[float, float, float]:
        """The big figure's, the bar's and the scale labels' heights at this text size."""
        big = QFontMetricsF(theme.body_font(theme.BIG_PT, bold=True)).height()
        small = QFontMetricsF(theme.body_font(_SCALE_PT)).height()
        return big, 0.28 * big, small

    def sizeHint(self) -> QSize:
        big, bar, small = self._heights()
        return QSize(500, math.ceil(big + bar + small + 8))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.refit()

    def refit(self) -> None:
        """The text size changed: the bar's height follows (its scale labels were cut off
        under it in the lecture preset, measured, until something else relaid it out)."""
        self.setMinimumHeight(self.sizeHint().height())
        self.updateGeometry()
        self.update()

    def setup(self, label: str, start: float, lo: float, hi: float) -> None:
        """A new run: the bar spans `lo`..`hi` and shows `start`."""
        self._anim.stop()
        self._label, self._lo, self._hi = label, lo, hi
        self._start = self._value = self._shown = float(start)
        self.update()

    def clear(self) -> None:
        self._anim.stop()
        self._start = self._value = None
        self.update()

    def set_value(self, value: float, animate: bool = True) -> None:
        if value == self._value:
            return
        self._value = float(value)
        self._lo = min(self._lo, value * 1.1)
        self._hi = max(self._hi, value * 1.1)
        self._anim.stop()
        if animate and self.isVisible():
            self._anim.setStartValue(float(self._shown))
            self._anim.setEndValue(float(value))
            self._anim.start()
        else:
            self._shown = float(value)
            self.update()

    def value(self) -> float | None:
        return self._value

    def _on_anim(self, v: object) -> None:
        self._shown = float(v)  # type: ignore[arg-type]
        self.update()

    def _x(self, value: float, left: float, width: float) -> float:
        return left + (value - self._lo) / (self._hi - self._lo) * width

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = self.width()
        big = theme.body_font(theme.BIG_PT, bold=True)
        big_h, bar_h, small_h = self._heights()
        p.setFont(theme.body_font(theme.BODY_PT))
        p.setPen(theme.MUTED)
        p.drawText(QRectF(12, 4, w / 2, big_h), Qt.AlignmentFlag.AlignLeft, self._label)
        if self._value is None:
            p.setFont(big)
            p.drawText(QRectF(0, 0, w - 12, big_h), Qt.AlignmentFlag.AlignRight, "—")
            p.end()
            return
        negative = self._shown < 0
        p.setFont(big)
        p.setPen(theme.BAD if negative else theme.TEXT)
        p.drawText(
            QRectF(0, 0, w - 12, big_h),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            self._fmt(self._shown),
        )
        left, width = 12.0, w - 24.0
        track = QRectF(left, big_h + 2, width, bar_h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setPen(QPen(theme.GRID, 1))  # the outline shows the track on any background
        p.setBrush(theme.BAND)
        p.drawRoundedRect(track, 6, 6)
        p.setPen(Qt.PenStyle.NoPen)
        x0 = self._x(0, left, width)
        xv = self._x(self._shown, left, width)
        bar = QRectF(min(x0, xv), track.top(), abs(xv - x0), track.height())
        p.setBrush(theme.BAD if negative else POSITIVE)
        p.drawRect(bar)
        if negative:  # a hatch as well as red, for colour-blind viewers and video
            p.setBrush(QBrush(QColor(255, 255, 255, 120), Qt.BrushStyle.BDiagPattern))
            p.drawRect(bar)
        p.setPen(QPen(theme.TEXT, 3))
        p.drawLine(int(x0), int(track.top()) - 6, int(x0), int(track.bottom()) + 6)
        small = theme.body_font(_SCALE_PT)
        p.setFont(small)
        p.setPen(theme.MUTED)
        p.drawText(
            QRectF(x0 - 40, track.bottom() + 4, 80, small_h), Qt.AlignmentFlag.AlignCenter, "0"
        )
        if self._start is not None:
            xs = self._x(self._start, left, width)
            p.setPen(QPen(theme.MUTED, 2, Qt.PenStyle.DashLine))
            p.drawLine(int(xs), int(track.top()) - 6, int(xs), int(track.bottom()) + 6)
            p.drawText(
                QRectF(xs - 90, track.bottom() + 4, 180, small_h),
                Qt.AlignmentFlag.AlignCenter,
                f"start {self._fmt(self._start)}",
            )
        p.end()
