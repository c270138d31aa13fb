"""The bytecode view: the line a task stands on, as the instructions CPython runs.

A task stepping one instruction at a time is marked on the instruction it runs next, so
`account.balance -= amount` is visibly read (LOAD_ATTR), compute (BINARY_OP), write
(STORE_ATTR), and another thread can be let in between any two of them.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from threadtruth_gui.engine.bytecode import Instr, line_instructions
from threadtruth_gui.ui import theme


class BytecodeView(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.header = QLabel()
        self.header.setFont(theme.body_font(theme.BODY_PT, bold=True))
        self.header.setWordWrap(True)
        self.table = QLabel()
        self.table.setTextFormat(Qt.TextFormat.RichText)
        self.table.setFont(theme.code_font())
        self.table.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # the instructions scroll: a line of many instructions at lecture size must not
        # make the window taller than the screen, nor push the code pane shut
        self.rows = QScrollArea()
        self.rows.setWidget(self.table)
        self.rows.setWidgetResizable(True)
        self.rows.setFrameShape(QFrame.Shape.NoFrame)
        self.rows.setMinimumHeight(40)
        layout.addWidget(self.header)
        layout.addWidget(self.rows, 1)
        self.instructions: list[Instr] = []
        self.current: int | None = None  # index in `instructions` of the next one to run
        self._shown: tuple[Any, ...] | None = None
        self.clear("Bytecode: step a thread to see its line as instructions.")

    def clear(self, text: str) -> None:
        self._shown = None
        self.instructions, self.current = [], None
        self.header.setText(text)
        self.table.setText("")

    def show_line(
        self,
        task: str,
        color: QColor,
        functions: list[Callable[..., Any]],
        line: int,
        offset: int | None,
    ) -> None:
        """Show file line `line` of `task`; `offset` is the instruction it runs next (None:
        it stands at the start of the line)."""
        key = (task, color.name(), line, offset, tuple(id(f) for f in functions))
        if key == self._shown:
            return
        self._shown = key
        self.instructions = line_instructions(functions, line)
        self.current = None
        if self.instructions:
            if offset is None:
                self.current = 0
            else:
                self.current = next(
                    (i for i, ins in enumerate(self.instructions) if ins.offset == offset), None
                )
        self.header.setText(f"Thread {task}, line {line}: the instructions it runs")
        band = QColor(color)
        band.setAlpha(90)
        rgba = f"rgba({band.red()},{band.green()},{band.blue()},{band.alphaF():.2f})"
        rows = []
        for i, ins in enumerate(self.instructions):
            here = i == self.current
            style = f" style='background:{rgba}; font-weight:bold'" if here else ""
            mark = f"▶ {html.escape(task)}" if here else ""
            rows.append(
                f"<tr{style}><td>{mark}</td><td align='right'>{ins.offset}</td>"
                f"<td>{ins.opname}</td><td>{html.escape(ins.argrepr)}</td>"
                f"<td style='color:{theme.MUTED.name()}'>{html.escape(ins.gloss)}</td></tr>"
            )
        self.table.setText(
            "<table cellspacing='0' cellpadding='3'>" + "".join(rows) + "</table>"
            if rows
            else "(no instructions on this line)"
        )
        if self.current is not None and self.instructions:
            # the next instruction in view: rows are of equal height
            self.table.adjustSize()
            row_h = self.table.sizeHint().height() / len(self.instructions)
            self.rows.ensureVisible(0, int(row_h * (self.current + 0.5)), 0, int(row_h))
