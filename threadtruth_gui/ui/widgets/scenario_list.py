"""The scenario list: a bold title and a two-line summary per scenario."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.ui import theme

_ID = Qt.ItemDataRole.UserRole
_SUMMARY = Qt.ItemDataRole.UserRole + 1
_PAD = 10


class _Delegate(QStyledItemDelegate):
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        rect: QRect = option.rect
        title_role, summary_role = (
            ("list_title_selected", "list_summary_selected")
            if selected
            else ("list_title", "list_summary")
        )  # colours by role, so each pair is checked for contrast in every theme
        painter.fillRect(rect, theme.bg(title_role))
        if selected:
            painter.fillRect(QRect(rect.left(), rect.top(), 6, rect.height()), QColor("#0072B2"))
        title_font = theme.body_font(theme.BODY_PT + 1, bold=True)
        body_font = theme.body_font(theme.BODY_PT - 1)
        inner = rect.adjusted(_PAD + 6, _PAD, -_PAD, -_PAD)
        painter.setFont(title_font)
        painter.setPen(theme.fg(title_role))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        title_rect = painter.boundingRect(
            inner, flags, str(index.data(Qt.ItemDataRole.DisplayRole))
        )
        painter.drawText(inner, flags, str(index.data(Qt.ItemDataRole.DisplayRole)))
        title_h = title_rect.height()
        painter.setFont(body_font)
        painter.setPen(theme.fg(summary_role))
        painter.drawText(inner.adjusted(0, title_h + 4, 0, 0), flags, str(index.data(_SUMMARY)))
        painter.setPen(theme.GRID)
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        title = QFontMetrics(theme.body_font(theme.BODY_PT + 1, bold=True))
        body = QFontMetrics(theme.body_font(theme.BODY_PT - 1))
        view = self.parent()
        full = view.viewport().width() if isinstance(view, QListWidget) else 260
        width = max(120, full)
        box = QRect(0, 0, width - 2 * _PAD - 6, 10_000)
        wrap = Qt.TextFlag.TextWordWrap
        title_h = title.boundingRect(box, wrap, str(index.data(Qt.ItemDataRole.DisplayRole)))
        body_h = body.boundingRect(box, wrap, str(index.data(_SUMMARY)))
        return QSize(width, title_h.height() + 4 + body_h.height() + 2 * _PAD)


class ScenarioList(QListWidget):
    chosen = Signal(str)  # scenario id

    def __init__(self, scenarios: tuple[Scenario, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(_Delegate(self))
        self.setWordWrap(True)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for scenario in scenarios:
            item = QListWidgetItem(scenario.title)
            item.setData(_ID, scenario.id)
            item.setData(_SUMMARY, scenario.summary.replace("\n", " "))
            item.setToolTip(scenario.description)
            self.addItem(item)
        self.currentItemChanged.connect(self._changed)
        # A click chooses a scenario; the keyboard belongs to the window: letters were
        # eaten by the list's type-to-search and ↑/↓ switched scenario without a word.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            event.ignore()  # the window's shortcut wins over type-to-search
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.ignore()  # never a silent switch of scenario from the keyboard

    def _changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.chosen.emit(current.data(_ID))

    def select(self, scenario_id: str) -> None:
        for row in range(self.count()):
            if self.item(row).data(_ID) == scenario_id:
                self.setCurrentRow(row)
                return
        raise KeyError(scenario_id)

    def current_id(self) -> str | None:
        item = self.currentItem()
        return None if item is None else str(item.data(_ID))
