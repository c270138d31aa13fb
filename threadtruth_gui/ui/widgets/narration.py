"""The narration panel: what happened, in sentences, in time order, in step with the cursor.

Lines after the time cursor are greyed; the last line at or before it is marked. Clicking a
line moves the cursor to its moment. The styling is worked out as each shown line is painted
(a delegate), so a cursor move costs the same for a story of any length; a story is told up
to MAX_SHOWN lines (a long run is told by the timeline beyond them).
"""

from __future__ import annotations

from bisect import bisect_right
from time import perf_counter

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import Told, narration, untold
from threadtruth_gui.ui import theme

_TONES = {"good": theme.GOOD, "bad": theme.BAD, "wait": theme.WAIT}
REFRESH_S = 0.25  # a live run's story is rebuilt whole, at most this often
MAX_SHOWN = 2000  # lines told; a class reads no more, and a list of them all would be slow


class _CursorStyle(QStyledItemDelegate):
    """Paints each told line in its tone, greyed and italic after the cursor, bold at it."""

    def __init__(self, panel: NarrationPanel) -> None:
        super().__init__(panel)
        self.panel = panel

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        style = self.panel.style_of(index.row())
        if style is None:
            return
        color, bold, italic = style
        option.palette.setBrush(QPalette.ColorRole.Text, QBrush(color))
        font = option.font
        font.setBold(bold)
        font.setItalic(italic)
        option.font = font
        option.fontMetrics = QFontMetrics(font)


class NarrationPanel(QListWidget):
    timeClicked = Signal(float)  # seconds into the run

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(theme.body_font())
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.lines: list[Told] = []
        self._times: list[int] = []  # the lines' moments, to bisect for the cursor
        self.setItemDelegate(_CursorStyle(self))
        self._t0 = 0
        self.cursor_ns: int | None = None
        self._current: int | None = None  # the line marked at the cursor
        self.itemClicked.connect(self._clicked)
        self._told_at = 0.0
        self._due: Lanes | None = None  # a live trace not yet told (too soon after the last)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._tell_due)
        self.setToolTip("What happened, in order. Click a line to see that moment everywhere.")

    def show_lanes(self, lanes: Lanes, force: bool = False) -> None:
        """Tell `trace` (a live run's, while it grows): at most every REFRESH_S; one that
        comes too soon is told when that time is up, so the last step is never left out."""
        self._due = lanes
        wait = REFRESH_S - (perf_counter() - self._told_at)
        if force or wait <= 0:
            self._tell_due()
        elif not self._later.isActive():
            self._later.start(int(wait * 1000) + 1)

    def _tell_due(self) -> None:
        self._later.stop()
        lanes, self._due = self._due, None
        if lanes is not None:
            self._told_at = perf_counter()
            self._fill(narration(lanes, max_lines=MAX_SHOWN + 1), lanes.t0_ns, untold(lanes))

    def set_lines(self, lines: list[Told], t0_ns: int, empty: str = "") -> None:
        """Show these lines (`empty`: what to say when there are none); a story still due
        from `show_trace` is dropped."""
        self._later.stop()
        self._due = None
        self._fill(lines, t0_ns, empty)

    def _fill(self, lines: list[Told], t0_ns: int, empty: str) -> None:
        more = len(lines) > MAX_SHOWN
        lines = lines[:MAX_SHOWN]
        if lines == self.lines and t0_ns == self._t0 and self.count():
            return
        self.lines, self._t0 = list(lines), t0_ns
        self._times = [told.t_ns for told in lines]
        self.clear()
        if more:
            empty = f"Told up to its first {MAX_SHOWN:,} lines: the timeline tells the rest."
        if not lines or more:
            if empty:
                item = QListWidgetItem(empty)
                item.setForeground(QBrush(theme.MUTED))
                self.addItem(item)
            if not lines:
                return
        for i, told in enumerate(lines):
            item = QListWidgetItem(f"{(told.t_ns - t0_ns) / 1e9:6.3f} s   {told.task}  {told.text}")
            item.setData(Qt.ItemDataRole.UserRole, (told.t_ns - t0_ns) / 1e9)
            self.insertItem(i, item)
        self._paint_cursor()
        self.scrollToBottom()

    def set_cursor(self, t_ns: int | None) -> None:
        self.cursor_ns = t_ns
        self._paint_cursor()

    def current_index(self) -> int | None:
        """The last line at or before the cursor (the last line without a cursor)."""
        if not self.lines:
            return None
        if self.cursor_ns is None:
            return len(self.lines) - 1
        at = bisect_right(self._times, self.cursor_ns) - 1
        return at if at >= 0 else None

    def style_of(self, row: int) -> tuple[QColor, bool, bool] | None:
        """(colour, bold, italic) of told line `row` for the cursor now; None: not a line."""
        if not 0 <= row < len(self.lines):
            return None
        told = self.lines[row]
        future = self.cursor_ns is not None and told.t_ns > self.cursor_ns
        color = theme.MUTED if future else _TONES.get(told.tone, theme.TEXT)
        return color, self.cursor_ns is not None and row == self._current, future

    def _paint_cursor(self) -> None:
        self._current = self.current_index()
        last = self.item(self.count() - 1) if self.count() > len(self.lines) else None
        if last is not None:  # the line that says why nothing (more) is told, after a theme switch
            last.setForeground(QBrush(theme.MUTED))
        self.viewport().update()
        if self._current is not None and self.cursor_ns is not None:
            self.scrollToItem(self.item(self._current))

    def _clicked(self, item: QListWidgetItem) -> None:
        t_s = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(t_s, float):
            self.timeClicked.emit(t_s)
