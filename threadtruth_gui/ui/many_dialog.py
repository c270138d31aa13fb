"""Many runs: run the scenario K times in the background and show a histogram of outcomes,
lock off beside lock on, with a progress bar and Cancel. The runs are real runs
(runs/many.py) on a worker thread (ui/many_worker.py), whose signals bring their progress.

A bar is one kind of outcome: the final balance and what happened ("B denied", "both paid,
overdraft"), so a lost update ending at $400 has a bar of its own beside a correct $400."""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.runs.many import (
    DEFAULT_RUNS,
    MAX_RUNS,
    MIN_RUNS,
    Outcome,
    sorted_outcomes,
)
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import bridge_of
from threadtruth_gui.ui.many_worker import ManyWorker

# lock off in vermillion, lock on in blue (Okabe-Ito), with a hatch on one of them
_VARIANT_STYLE = {
    "lock off": (QColor("#D55E00"), Qt.BrushStyle.BDiagPattern),
    "lock on": (QColor("#0072B2"), Qt.BrushStyle.NoBrush),
    "as set": (QColor("#0072B2"), Qt.BrushStyle.NoBrush),
}


class Histogram(QWidget):
    """Bars of outcome counts, one colour per variant, side by side per kind of outcome."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: dict[str, Counter[Outcome]] = {}
        self.setMinimumSize(560, 300)

    def sizeHint(self) -> QSize:
        return QSize(760, 380)

    def set_counts(self, counts: dict[str, Counter[Outcome]]) -> None:
        self.counts = {name: Counter(c) for name, c in counts.items()}
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BG)
        font = theme.body_font()
        p.setFont(font)
        fm = p.fontMetrics()
        every: Counter[Outcome] = Counter()
        for c in self.counts.values():
            every.update(c)
        values = [kind for kind, _n in sorted_outcomes(every)]
        if not values:
            p.setPen(theme.MUTED)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No runs yet")
            p.end()
            return
        legend_h, label_h = fm.height() + 12, 3 * fm.height() + 8
        left, right = 16.0, self.width() - 16.0
        top, bottom = legend_h + 2 * fm.height() + 8, self.height() - label_h
        x = left
        for name in self.counts:  # legend
            color, pattern = _VARIANT_STYLE.get(name, (theme.MUTED, Qt.BrushStyle.NoBrush))
            swatch = QRectF(x, 8, 28, fm.height() - 4)
            p.fillRect(swatch, color)
            if pattern != Qt.BrushStyle.NoBrush:
                p.fillRect(swatch, QBrush(QColor(255, 255, 255, 140), pattern))
            p.setPen(theme.TEXT)
            total = sum(self.counts[name].values())
            text = f"{name} ({total} runs)"
            p.drawText(
                QRectF(x + 36, 4, fm.horizontalAdvance(text) + 4, fm.height()),
                Qt.AlignmentFlag.AlignVCenter,
                text,
            )
            x += 36 + fm.horizontalAdvance(text) + 28
        peak = max(max(c.values(), default=0) for c in self.counts.values()) or 1
        slot = (right - left) / len(values)
        names = list(self.counts)
        bar_w = min(90.0, slot * 0.8 / len(names))
        for i, value in enumerate(values):
            cx = left + slot * (i + 0.5)
            x0 = cx - bar_w * len(names) / 2
            for j, name in enumerate(names):
                count = self.counts[name].get(value, 0)
                total = sum(self.counts[name].values()) or 1
                h = (bottom - top) * count / peak
                bar = QRectF(x0 + j * bar_w + 2, bottom - h, bar_w - 4, h)
                color, pattern = _VARIANT_STYLE.get(name, (theme.MUTED, Qt.BrushStyle.NoBrush))
                if count:
                    p.fillRect(bar, color)
                    if pattern != Qt.BrushStyle.NoBrush:
                        p.fillRect(bar, QBrush(QColor(255, 255, 255, 140), pattern))
                p.setPen(theme.TEXT)
                share = f"{count}\n{100 * count / total:.0f}%" if count else "0"
                p.drawText(
                    QRectF(
                        bar.left(), bar.top() - 2 * fm.height() - 2, bar.width(), 2 * fm.height()
                    ),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                    share,
                )
            number = value.value
            wrong = value.correct is False or (
                value.correct is None and isinstance(number, int | float) and number < 0
            )
            p.setPen(theme.BAD if wrong else theme.TEXT)
            label = money(number) if isinstance(number, int | float) else str(number)
            if value.what:  # what happened, under the balance, in as many lines as it needs
                label += "\n" + value.what
            p.drawText(
                QRectF(cx - slot / 2 + 2, bottom + 4, slot - 4, label_h - 4),
                Qt.AlignmentFlag.AlignHCenter
                | Qt.AlignmentFlag.AlignTop
                | Qt.TextFlag.TextWordWrap,
                label,
            )
        p.setPen(theme.GRID)
        p.drawLine(int(left), int(bottom), int(right), int(bottom))
        p.end()


class ManyRunsDialog(QDialog):
    finished_runs = Signal()  # all variants done (or cancelled)

    def __init__(self, scenario: Scenario, params: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Many runs — {scenario.title}")
        self.setFont(theme.body_font())
        self.scenario, self.params = scenario, dict(params)
        names = {p.name for p in scenario.params}
        self.variants: list[tuple[str, dict[str, Any]]] = (
            [
                ("lock off", {**self.params, "lock": False}),
                ("lock on", {**self.params, "lock": True}),
            ]
            if "lock" in names
            else [("as set", self.params)]
        )
        self.counts: dict[str, Counter[Outcome]] = {name: Counter() for name, _ in self.variants}
        self._done = 0
        self._worker: ManyWorker | None = None
        self._stopped = False  # the worker was handed to the window's bridge
        self._error: str | None = None

        self.runs = QSpinBox()
        self.runs.setRange(MIN_RUNS, MAX_RUNS)
        self.runs.setValue(DEFAULT_RUNS)
        self.runs.setSuffix(" runs each")
        self.start_button = QPushButton("▶ Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("■ Cancel (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.status = QLabel(self._describe())
        self.status.setWordWrap(True)
        self.histogram = Histogram()
        row = QHBoxLayout()
        row.addWidget(self.runs)
        row.addWidget(self.start_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.histogram, 1)

    def _describe(self) -> str:
        shown = "; ".join(f"{k}={v}" for k, v in self.params.items() if k != "lock")
        return (
            f"Each run is a real run with real OS scheduling ({shown}); every outcome is "
            "counted, however rare."
        )

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.alive

    @Slot()
    def start(self) -> None:
        if self.running:
            return
        self.counts = {name: Counter() for name, _ in self.variants}
        self._done, self._error = 0, None
        total = self.runs.value() * len(self.variants)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        worker = ManyWorker(self.scenario, self.variants, self.runs.value())
        worker.progress.connect(self._on_progress)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        self._worker, self._stopped = worker, False
        worker.start()

    def _current(self) -> bool:
        """Whether a signal comes from this batch's worker: a cancelled batch's last signals
        may still wait in the queue when the next batch starts."""
        return self.sender() is self._worker

    @Slot(str, object, int)
    def _on_progress(self, name: str, counts: Counter[Outcome], done: int) -> None:
        if not self._current():
            return
        self.counts[name] = counts
        self._done = done
        self.progress.setValue(done)
        self.histogram.set_counts(self.counts)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        if self._current():
            self._error = text

    @Slot(bool)
    def _on_done(self, cancelled: bool) -> None:
        if not self._current():
            return
        if self._worker is not None:
            self._worker.join()  # it has only its return left: `running` is False from here on
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if self._error:
            self.status.setText(f"Stopped by an error: {self._error}")
            self.status.setStyleSheet(f"color: {theme.BAD.name()};")
        elif cancelled:
            self.status.setText(f"Cancelled after {self._done} runs.")
        else:
            self.status.setText(f"Done: {self._done} runs. " + self._describe())
        self.finished_runs.emit()

    @Slot()
    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def stop(self) -> None:
        """Cancel and give the window back at once: the window's bridge joins the worker as
        it ends, and the window's close waits for it. `running` stays True until then."""
        worker = self._worker
        if worker is None or self._stopped:
            return
        self._stopped = True
        # a closed dialog shows nothing more of it (a batch's signals wait in the queue)
        worker.progress.disconnect(self._on_progress)
        worker.failed.disconnect(self._on_failed)
        worker.done.disconnect(self._on_done)
        worker.cancel()
        if worker.alive:
            bridge_of(self).retire(worker)

    def reject(self) -> None:  # Esc: cancel a running batch first, close when idle
        if self.running:
            self.cancel()
        else:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)
