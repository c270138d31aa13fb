"""The playback controls (at the status bar's right end): play a finished run back at
0.1×–2×, and where the time cursor stands. The window owns the cursor; this bar only drives it."""

from __future__ import annotations

from time import perf_counter

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from threadtruth_gui.ui import theme

SPEEDS = (0.1, 0.25, 0.5, 1.0, 2.0)
_TICK_MS = 16


class PlaybackBar(QWidget):
    moved = Signal(float)  # the cursor, in seconds of the run

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.play_button = QPushButton("▶ Play  (K)")
        self.play_button.setFont(theme.body_font(bold=True))
        self.play_button.clicked.connect(self.toggle)
        self.speed = QComboBox()
        self.speed.addItems([f"{s:g}×" for s in SPEEDS])
        self.speed.setCurrentIndex(SPEEDS.index(0.25))
        self.speed.setToolTip("playback speed: 0.25× shows a 1 s race in 4 s")
        self.where = QLabel()
        theme.role(self.where, "muted")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.play_button)
        layout.addWidget(QLabel("speed"))
        layout.addWidget(self.speed)
        layout.addWidget(self.where, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(_TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._t_s = 0.0
        self._end_s = 0.0
        self._last = 0.0
        self.show_cursor(None, 0.0)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def speed_factor(self) -> float:
        return SPEEDS[self.speed.currentIndex()]

    def set_speed(self, factor: float) -> None:
        self.speed.setCurrentIndex(SPEEDS.index(factor))

    def show_cursor(self, t_s: float | None, end_s: float) -> None:
        self._end_s = end_s
        if t_s is None:
            self.where.setText("Click the timeline or ←/→: any moment")
        else:
            self._t_s = t_s
            self.where.setText(f"Every view at {t_s:.3f} s of {end_s:.3f} s · Esc: the end")

    @Slot()
    def toggle(self) -> None:
        if self.playing:
            self.stop()
            return
        if self._end_s <= 0:
            return
        if self._t_s >= self._end_s - 1e-9:
            self._t_s = 0.0  # from the start again
        self._last = perf_counter()
        self._timer.start()
        self.play_button.setText("‖ Pause  (K)")

    def stop(self) -> None:
        if self.playing:
            self._timer.stop()
            self.play_button.setText("▶ Play  (K)")

    @Slot()
    def _tick(self) -> None:
        now = perf_counter()
        self._t_s = min(self._end_s, self._t_s + (now - self._last) * self.speed_factor())
        self._last = now
        self.moved.emit(self._t_s)
        if self._t_s >= self._end_s:
            self.stop()
