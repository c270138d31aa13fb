"""The code pane: the real source of the scenario's functions, with one marker per task.

Markers sit on the line each task last reached, as reported by the line tracer. The
gutter shows the file's real line numbers and a chip per task; the line itself gets a
band of the task's colour.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

from pygments.lexers.python import PythonLexer
from pygments.token import Token
from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from threadtruth_gui.ui import theme

_CHIP_W = 30


def _role_of(token: Any) -> str | None:  # a pygments token type (a tuple of names)
    """The theme role a pygments token is coloured with; None: the text's own colour."""
    if token in Token.Comment:
        return "code_comment"
    if token in Token.Literal.String:
        return "code_string"
    if token in Token.Literal.Number:
        return "code_number"
    if token in Token.Keyword or token in Token.Operator.Word:  # `and`, `in`, `not` too
        return "code_keyword"
    return None


def python_spans(source: str) -> list[list[tuple[int, int, str]]]:
    """Per line of `source`: (start, length, theme role) of each coloured token, as
    pygments' Python lexer reads the whole text (so a `#` in a string is the string's, and
    a string over several lines is one string)."""
    lines: list[list[tuple[int, int, str]]] = [[]]
    column = 0
    lexer = PythonLexer(stripnl=False, ensurenl=False)
    for token, text in lexer.get_tokens(source):
        role = _role_of(token)
        for i, piece in enumerate(text.split("\n")):
            if i:
                lines.append([])
                column = 0
            if role is not None and piece:
                lines[-1].append((column, len(piece), role))
            column += len(piece)
    return lines


class _PythonHighlighter(QSyntaxHighlighter):
    """Keywords, strings, comments and numbers: enough colour to read code at a distance.

    The whole text is lexed once (by pygments) per change, and each block takes its line's
    spans. Colours come from the theme's roles when a block is highlighted, so a theme
    switch followed by `rehighlight` recolours everything; keywords are bold and comments
    italic, so the kinds differ by more than hue.
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._lexed: tuple[str, list[list[tuple[int, int, str]]]] = ("", [[]])

    def highlightBlock(self, text: str) -> None:
        source = self.document().toPlainText()
        if source != self._lexed[0]:
            self._lexed = (source, python_spans(source))
        spans = self._lexed[1]
        number = self.currentBlock().blockNumber()
        if not 0 <= number < len(spans):
            return
        formats: dict[str, QTextCharFormat] = {}
        for start, length, role in spans[number]:
            fmt = formats.get(role)
            if fmt is None:
                fmt = formats[role] = QTextCharFormat()
                fmt.setForeground(theme.fg(role))  # the theme's colour now (it may have switched)
                if role == "code_keyword":
                    fmt.setFontWeight(QFont.Weight.Bold)
                elif role == "code_comment":
                    fmt.setFontItalic(True)
            self.setFormat(start, length, fmt)


class _Gutter(QWidget):
    def __init__(self, pane: CodePane) -> None:
        super().__init__(pane)
        self._pane = pane

    def sizeHint(self) -> QSize:
        return QSize(self._pane.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._pane.paint_gutter(self, event)


class CodePane(QPlainTextEdit):
    """Read-only, except in the playground (`set_editable`): then `leave` is emitted for Esc,
    which gives the keys back to the window."""

    leave = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        # long lines wrap: a cut-off line hides what runs (the gutter numbers the first
        # row of each line, so a wrapped row has no number of its own)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFont(theme.code_font())
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._highlighter = _PythonHighlighter(self.document())
        self._gutter = _Gutter(self)
        self._file_lines: list[int | None] = []  # block number -> line number in the file
        self._block_of: dict[int, int] = {}  # line number in the file -> block number
        self._markers: dict[str, int] = {}  # task -> file line
        self._colors: dict[str, QColor] = {}
        # edited code: its lines numbered from this one on, one after another (None: the
        # shown functions' own lines in their file)
        self._numbered_from: int | None = None
        # the traced program's file shown (relative to its folder; show_source), else None
        self.file: str | None = None
        self._error: tuple[int, int, str] | None = None  # block, column (1-based), message
        self.blockCountChanged.connect(self._renumber)
        self.blockCountChanged.connect(self._update_margins)
        self.updateRequest.connect(self._update_gutter)
        self._update_margins()

    def rehighlight(self) -> None:
        """Colour the code again (after a theme switch), its marks too."""
        self._highlighter.rehighlight()
        self._refresh_markers()  # (their colours are the theme's)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "_gutter"):
            self._update_margins()  # the gutter is as wide as the line numbers

    # -- content -------------------------------------------------------------------------
    def show_text(self, text: str, first_line: int) -> None:
        """Show edited code: `text`, its lines numbered from `first_line` on. The same text
        again leaves the pane as it is (the caret where the lecturer is typing)."""
        if self._numbered_from == first_line and self.toPlainText() == text:
            return
        self._numbered_from = first_line
        self.file = None
        self._markers.clear()
        self.clear_error()
        self.setPlainText(text)
        self._renumber()
        self._refresh_markers()

    @property
    def numbered_from(self) -> int | None:
        """The first line's number when the pane shows edited code; None: the file's lines."""
        return self._numbered_from

    def set_editable(self, on: bool) -> None:
        """The playground: the lecturer types in the pane (Tab indents by four spaces)."""
        self.setReadOnly(not on)
        flags = Qt.TextInteractionFlag
        self.setTextInteractionFlags(
            flags.TextEditorInteraction if on else flags.TextSelectableByMouse
        )
        if on:
            self.setFocus()

    def mark_error(
        self, line: int | None, column: int | None, message: str, move: bool = True
    ) -> None:
        """Mark where the edited code is wrong: a red wavy underline from `column` (1-based)
        to the line's end and a ✘ in the gutter (no line: the first line); `move`: the
        caret goes there (not while the lecturer is typing)."""
        block = self._block_of.get(line if line is not None else -1, 0)
        self._error = (block, max(1, column or 1), message)
        self._refresh_markers()
        self._gutter.setToolTip(message)
        if move:
            self.setTextCursor(QTextCursor(self.document().findBlockByNumber(block)))
            self.ensureCursorVisible()

    def clear_error(self) -> None:
        if self._error is not None:
            self._error = None
            self._gutter.setToolTip("")
            self._refresh_markers()

    def error_at(self) -> tuple[int, int] | None:
        """(line, column) of the marked error, as the gutter numbers it; None: no error."""
        if self._error is None:
            return None
        block, column, _message = self._error
        line = self._file_lines[block] if block < len(self._file_lines) else None
        return (line or 0, column)

    def event(self, e: QEvent) -> bool:
        # Esc in the editable pane is the pane's (it gives the keys back), not the window's
        if (
            e.type() == QEvent.Type.ShortcutOverride
            and not self.isReadOnly()
            and isinstance(e, QKeyEvent)
            and e.key() == Qt.Key.Key_Escape
        ):
            e.accept()
            return True
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if not self.isReadOnly():
            if e.key() == Qt.Key.Key_Escape:
                self.leave.emit()
                return
            if e.key() == Qt.Key.Key_Tab:  # spaces: a tab among spaces is a TabError
                self.insertPlainText("    ")
                return
        super().keyPressEvent(e)

    def _renumber(self, *_: Any) -> None:
        """Edited code's lines are numbered one after another as lines come and go."""
        if self._numbered_from is None:
            return
        first = self._numbered_from
        self._file_lines = [first + i for i in range(self.blockCount())]
        self._block_of = {ln: i for i, ln in enumerate(self._file_lines) if ln is not None}
        self._gutter.update()

    def show_functions(self, functions: list[Callable[..., Any]]) -> None:
        """Show the source of `functions`, in order, as it stands in their file."""
        self._numbered_from = None
        self.file = None
        self.clear_error()
        texts: list[str] = []
        self._file_lines = []
        for fn in functions:
            lines, first = inspect.getsourcelines(fn)
            if texts:
                texts.append("")
                self._file_lines.append(None)
            for offset, line in enumerate(lines):
                texts.append(line.rstrip("\n"))
                self._file_lines.append(first + offset)
        self._markers.clear()  # first: the new text's layout may ask where markers are
        self._block_of = {ln: i for i, ln in enumerate(self._file_lines) if ln is not None}
        self.setPlainText("\n".join(texts))
        self._refresh_markers()

    def show_source(self, text: str, file: str) -> None:
        """Show a whole file's `text` (a traced program's `file`), its lines numbered from 1:
        markers are then for the lanes in that file (`shown.live_markers`)."""
        self._numbered_from = None
        self.file = file
        self.clear_error()
        lines = text.splitlines()
        self._file_lines = list(range(1, len(lines) + 1))
        self._markers.clear()
        self._block_of = {ln: i for i, ln in enumerate(range(1, len(lines) + 1))}
        self.setPlainText("\n".join(lines))
        self._refresh_markers()

    def set_markers(self, markers: Mapping[str, int | None], colors: dict[str, QColor]) -> None:
        """Put task `name` on file line `markers[name]` (None: not on a shown line)."""
        new = {name: line for name, line in markers.items() if line in self._block_of}
        if new == self._markers and colors == self._colors:
            return
        self._markers, self._colors = new, dict(colors)
        self._refresh_markers()

    def markers(self) -> dict[str, int]:
        return dict(self._markers)

    def line_in_view(self, file_line: int) -> bool:
        """Whether file line `file_line` is shown whole in the pane now."""
        return self._block_in_view(self._block_of[file_line])

    def marker_shown(self, file_line: int) -> bool:
        """Whether a marker on `file_line` can be seen: its line in view, or pinned to the
        pane's top or bottom edge because the markers are too far apart to fit."""
        above, below = self._pinned()
        block = self._block_of[file_line]
        return self._block_in_view(block) or block in dict(above) or block in dict(below)

    def _block_in_view(self, block_no: int) -> bool:
        block = self.document().findBlockByNumber(block_no)
        rect = self.blockBoundingGeometry(block).translated(self.contentOffset())
        return rect.top() >= 0 and rect.bottom() <= self.viewport().height()

    def _pinned(self) -> tuple[list[tuple[int, list[str]]], list[tuple[int, list[str]]]]:
        """Marker lines scrolled out of view, above and below: [(block, task names)]."""
        by_block = self._markers_by_block()
        above: list[tuple[int, list[str]]] = []
        below: list[tuple[int, list[str]]] = []
        for block_no, names in sorted(by_block.items()):
            if self._block_in_view(block_no):
                continue
            block = self.document().findBlockByNumber(block_no)
            top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
            (above if top < 0 else below).append((block_no, names))
        return above, below

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        above, below = self._pinned()
        if not above and not below:
            return
        # Markers too far apart to fit (two functions at lecture size): each line that is
        # scrolled out is pinned to the edge it left by, with its number, so every task's
        # line is on screen at once.
        painter = QPainter(self.viewport())
        row = self.fontMetrics().lineSpacing() + 6
        height = self.viewport().height()
        for i, (block_no, names) in enumerate(above):
            self._paint_pin(painter, i * row, row, block_no, names, "↑")
        for i, (block_no, names) in enumerate(reversed(below)):
            self._paint_pin(painter, height - (i + 1) * row, row, block_no, names, "↓")
        painter.end()

    def _paint_pin(
        self, p: QPainter, y: int, h: int, block_no: int, names: list[str], arrow: str
    ) -> None:
        width = self.viewport().width()
        p.fillRect(0, y, width, h, theme.BG)
        band = QColor(self._colors.get(names[0], theme.MUTED))
        band.setAlpha(90)
        p.fillRect(0, y, width, h, band)
        p.setPen(theme.TEXT)
        edge = y + h - 1 if arrow == "↑" else y
        p.drawLine(0, edge, width, edge)
        for i, name in enumerate(names[:2]):
            self._paint_chip(p, name, QRectF(4 + i * _CHIP_W, y + 3, _CHIP_W - 4, h - 6))
        x = 4 + min(len(names), 2) * _CHIP_W
        line = self._file_lines[block_no]
        text = f"{arrow} {line}  {self.document().findBlockByNumber(block_no).text().strip()}"
        p.setFont(self.font())
        p.setPen(theme.TEXT)
        room = QRect(x + 4, y, width - x - 8, h)
        elided = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room.width())
        p.drawText(room, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)

    def line_text(self, file_line: int) -> str:
        block = self.document().findBlockByNumber(self._block_of[file_line])
        return block.text()

    # -- drawing -------------------------------------------------------------------------
    def _refresh_markers(self) -> None:
        selections = []
        by_block = self._markers_by_block()
        for block_no, names in by_block.items():
            color = QColor(self._colors.get(names[0], theme.MUTED))
            color.setAlpha(70 if len(names) == 1 else 110)
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(color)
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(self.document().findBlockByNumber(block_no))
            sel.cursor = cursor
            selections.append(sel)
        if self._error is not None:  # where the edited code is wrong
            block_no, column, _message = self._error
            block = self.document().findBlockByNumber(block_no)
            sel = QTextEdit.ExtraSelection()
            sel.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            sel.format.setUnderlineColor(theme.BAD)
            sel.format.setBackground(
                QColor(theme.BAD.red(), theme.BAD.green(), theme.BAD.blue(), 40)
            )
            cursor = QTextCursor(block)
            start = min(column - 1, max(0, block.length() - 2))
            cursor.setPosition(block.position() + start)
            cursor.setPosition(
                block.position() + max(start + 1, block.length() - 1),
                QTextCursor.MoveMode.KeepAnchor,
            )
            sel.cursor = cursor
            selections.append(sel)
        self.setExtraSelections(selections)
        if by_block:
            self._keep_in_view(min(by_block), max(by_block))
        self._gutter.update()
        self.viewport().update()  # the pinned lines of markers scrolled out, or none now

    def _keep_in_view(self, first: int, last: int) -> None:
        """Scroll (only if needed) so that every marker's line is in view: the lines from
        `first` to `last` if they fit, else the last one. Measured on the laid-out text,
        a row at a time (the scroll bar counts rows, and wrapping changes with the width)."""
        doc, bar = self.document(), self.verticalScrollBar()
        height, row = self.viewport().height(), max(1, self.fontMetrics().lineSpacing())

        def span(a: int, b: int) -> tuple[float, float]:
            offset = self.contentOffset()
            top = self.blockBoundingGeometry(doc.findBlockByNumber(a)).translated(offset)
            bottom = self.blockBoundingGeometry(doc.findBlockByNumber(b)).translated(offset)
            return top.top(), bottom.bottom()

        for _ in range(8):
            top, bottom = span(first, last)
            if bottom - top > height:
                top, bottom = span(last, last)  # they cannot all fit: the last one
            before = bar.value()
            if top < 0:
                bar.setValue(before - math.ceil(-top / row))
            elif bottom > height:
                bar.setValue(before + min(math.ceil((bottom - height) / row), int(top // row)))
            if bar.value() == before:
                return

    def _markers_by_block(self) -> dict[int, list[str]]:
        """The tasks on each shown line, by block number."""
        by_block: dict[int, list[str]] = {}
        for name, line in self._markers.items():
            if line in self._block_of:  # (a line of code no longer shown has no marker)
                by_block.setdefault(self._block_of[line], []).append(name)
        return by_block

    def _paint_chip(self, p: QPainter, name: str, chip: QRectF) -> None:
        """A task's marker: its name on its colour."""
        font = QFont(self.font())
        font.setBold(True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self._colors.get(name, theme.MUTED))
        p.drawRoundedRect(chip, 5, 5)
        p.setPen(QColor("white"))
        p.setFont(font)
        p.drawText(chip, Qt.AlignmentFlag.AlignCenter, name[:2])

    def gutter_width(self) -> int:
        digits = len(str(max((ln for ln in self._file_lines if ln), default=99)))
        return 12 + self.fontMetrics().horizontalAdvance("9") * digits + 2 * _CHIP_W + 8

    def _update_margins(self, *_: Any) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _update_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))
        by_block = self._markers_by_block()
        if by_block:  # smaller now (bytecode took half the column): the markers stay in view
            self._keep_in_view(min(by_block), max(by_block))

    def paint_gutter(self, gutter: QWidget, event: QPaintEvent) -> None:
        painter = QPainter(gutter)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(event.rect(), theme.PANEL)
        on_block = self._markers_by_block()
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        fm = self.fontMetrics()
        num_right = gutter.width() - 2 * _CHIP_W - 10
        while block.isValid() and top <= event.rect().bottom():
            height = round(self.blockBoundingRect(block).height())
            number = block.blockNumber()
            file_line = self._file_lines[number] if number < len(self._file_lines) else None
            if file_line is not None:
                painter.setPen(theme.MUTED)
                painter.setFont(self.font())
                painter.drawText(
                    QRect(0, top, num_right, fm.height()),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    str(file_line),
                )
            for i, name in enumerate(on_block.get(number, [])[:2]):
                chip = QRectF(num_right + 6 + i * _CHIP_W, top + 2, _CHIP_W - 4, height - 4)
                self._paint_chip(painter, name, chip)
            if self._error is not None and self._error[0] == number:
                painter.setPen(theme.BAD)
                painter.setFont(self.font())
                painter.drawText(
                    QRect(num_right + 6, top, _CHIP_W, fm.height()),
                    Qt.AlignmentFlag.AlignCenter,
                    "✘",
                )
            block = block.next()
            top += height
        painter.end()
