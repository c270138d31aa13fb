"""The transfers panel: live bytes, rate and counts, then a table comparing the modes."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.ui import theme

# one row per measure, one column per mode: three modes fit a narrow panel at 15 pt
_ROWS = (
    ("done", "files downloaded in full (whether checked or not: see 'verified')"),
    (
        "verified",
        "files whose SHA-256 matched the one their server sent; a server that sends none "
        "(pasted URLs) leaves its files saved but not verified. Known when the run ends",
    ),
    ("failed", "files that failed (the reasons are listed below)"),
    ("time", "wall time of this mode, first request to last byte"),
    ("speedup", "sequential time divided by this mode's time"),
    (
        "threads",
        "threads that ran this mode's downloads (not all threads of the process): 1 for one "
        "after another, 1 per file for threads, 1 for asyncio: its event loop's thread "
        "(asyncio.to_thread's helpers, which hash the files, are not counted)",
    ),
    ("memory", "peak growth of the process's resident memory while this mode ran"),
)
_DONE, _VERIFIED, _FAILED, _TIME, _SPEEDUP, _THREADS, _MEMORY = range(len(_ROWS))
_RATE_WINDOW_NS = 1_000_000_000  # the live rate is measured over the last second
_MAX_FAILED_SHOWN = 6


def size_text(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class TransfersPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        big = theme.body_font(theme.BODY_PT + 5, bold=True)
        self.received = QLabel("0 B")
        self.rate = QLabel("0 B/s")
        self.counts = QLabel("0 / 0 done")
        # live progress; once the run has ended, the table below says it all (and the
        # lecture preset's column has no room for both)
        self.stats_box = QWidget()
        stats = QGridLayout(self.stats_box)
        stats.setContentsMargins(0, 0, 0, 0)
        stats.setHorizontalSpacing(24)
        for col, (caption, value) in enumerate(
            (("received", self.received), ("rate", self.rate), ("files", self.counts))
        ):
            value.setFont(big)
            cap = QLabel(caption)
            theme.role(cap, "muted")
            stats.addWidget(cap, 0, col)
            stats.addWidget(value, 1, col)
            stats.setColumnStretch(col, 1)
        self.table = QTableWidget(len(_ROWS), 0)
        self.table.setVerticalHeaderLabels([name for name, _ in _ROWS])
        for row, (_, tip) in enumerate(_ROWS):
            item = self.table.verticalHeaderItem(row)
            if item is not None:
                item.setToolTip(tip)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # each mode's column at least as wide as its name ("sequential" was cut to
        # "equentia" at 1280×720); the last one takes what is left
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._fit_table()
        self.failed = QLabel()
        self.failed.setWordWrap(True)
        theme.role(self.failed, "bad")
        self.unverified = QLabel()  # files saved with nothing to check them against
        self.unverified.setWordWrap(True)
        theme.role(self.unverified, "muted")
        self.unverified.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stats_box)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.failed)
        layout.addWidget(self.unverified)
        self._modes: list[str] = []
        self._task_count = 0
        self._samples: deque[tuple[int, int]] = deque()

    def _fit_table(self) -> None:
        """Every row in view at the current text size (no scroll bar in a table of five)."""
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(QFontMetrics(self.table.font()).height() + 10)
        for row in range(self.table.rowCount()):  # the default applies to new rows only
            rows.resizeSection(row, rows.defaultSectionSize())
        columns = self.table.horizontalHeader()
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(columns.sizeHint().height() + rows.length() + frame)
        # and as wide as its row names and every column's widest cell: the state column
        # it sits in is made at least that wide (nothing cut to "equentia" or "0.…")
        cells = sum(columns.sectionSizeHint(c) for c in range(self.table.columnCount()))
        self.table.setMinimumWidth(rows.sizeHint().width() + cells + frame)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "table"):
            self._fit_table()

    def setup(self, plan: Plan, colors: dict[str, QColor]) -> None:
        self.stats_box.show()  # a new run: its live progress
        self._modes = [phase.label for phase in plan.phases]
        self._task_count = len(plan.tasks)
        self._samples.clear()
        self.received.setText("0 B")
        self.rate.setText("0 B/s")
        self.counts.setText(f"0 / {len(plan.tasks)} done")
        self.failed.setText("")
        self.unverified.setText("")
        self.unverified.hide()
        self.table.setColumnCount(len(self._modes))
        self.table.setHorizontalHeaderLabels(self._modes)
        self._fit_table()  # the column header exists now: its height counts
        for col in range(len(self._modes)):
            for row in range(len(_ROWS)):
                item = QTableWidgetItem("")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)

    def _cell(self, row: int, col: int, text: str) -> None:
        item = self.table.item(row, col)
        if item is not None:
            item.setText(text)

    def update_from(self, lanes: Lanes) -> None:
        total = done = failed = 0
        per_mode: dict[str, list[int]] = {mode: [0, 0] for mode in self._modes}
        errors: list[str] = []
        for name, track in lanes.tasks.items():
            total += track.received
            counts = per_mode.setdefault(str(track.info.get("mode", "")), [0, 0])
            if track.state == State.DONE:
                done += 1
                counts[0] += 1
            elif track.state == State.FAILED:
                failed += 1
                counts[1] += 1
                errors.append(f"{name}: {track.error}")
        self._samples.append((lanes.end_ns, total))
        while len(self._samples) > 2 and lanes.end_ns - self._samples[0][0] > _RATE_WINDOW_NS:
            self._samples.popleft()
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        rate = (b1 - b0) / ((t1 - t0) / 1e9) if t1 > t0 else 0.0
        self.received.setText(size_text(total))
        self.rate.setText(f"{size_text(rate)}/s")
        self.counts.setText(f"{done} / {self._task_count} done")
        for col, mode in enumerate(self._modes):
            ok, bad = per_mode.get(mode, [0, 0])
            self._cell(_DONE, col, str(ok))
            self._cell(_FAILED, col, str(bad))
        if errors:
            shown = errors[:_MAX_FAILED_SHOWN]
            more = len(errors) - len(shown)
            self.failed.setText(
                f"{failed} failed: " + "; ".join(shown) + (f"; +{more} more" if more else "")
            )

    def finish(self, result: RunResult, lanes: Lanes) -> None:
        self.stats_box.hide()
        self.update_from(lanes)
        self.rate.setText("—")
        modes = result.outcome.get("modes", {})
        for col, mode in enumerate(self._modes):
            stats = modes.get(mode)
            if not stats:
                continue
            self._cell(_TIME, col, f"{stats['total_s']:.2f} s")
            speedup = stats.get("speedup")
            self._cell(_SPEEDUP, col, f"{speedup:.1f}×" if speedup else "")
            self._cell(_THREADS, col, str(stats.get("task_threads", "")))
            growth = stats.get("peak_rss_growth_kib")
            memory = "not measured" if growth is None else f"{growth / 1024:.1f} MiB"
            self._cell(_MEMORY, col, memory)
        self._show_verified(result)
        self._fit_table()  # its cells are all there now

    def _show_verified(self, result: RunResult) -> None:
        """The files each mode checked against their server's SHA-256, counted from the
        tasks' own `verified`; files saved without a checksum are said to be unverified."""
        verified = {mode: 0 for mode in self._modes}
        unchecked: list[str] = []
        for task in result.tasks:
            if task.get("status") != "done":
                continue
            if task.get("verified") is True:
                mode = str(task.get("mode", ""))
                verified[mode] = verified.get(mode, 0) + 1
            else:
                unchecked.append(str(task.get("name")))
        for col, mode in enumerate(self._modes):
            self._cell(_VERIFIED, col, str(verified.get(mode, 0)))
        if unchecked:
            shown = ", ".join(unchecked[:_MAX_FAILED_SHOWN])
            more = len(unchecked) - min(len(unchecked), _MAX_FAILED_SHOWN)
            self.unverified.setText(
                f"{len(unchecked)} downloaded but not verified (no checksum came with them): "
                + shown
                + (f", +{more} more" if more else "")
            )
            self.unverified.show()
