"""The prediction pause: before the run, the class commits to an answer; the verdict reveals it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from threadtruth_gui.ui import theme


class PredictionPanel(QFrame):
    answered = Signal(int)  # the index of the choice
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prediction")
        self.setStyleSheet(  # the background comes from the theme's style sheet
            f"#prediction {{ border: 3px solid {theme.TASK_COLORS[0]}; border-radius: 10px; }}"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        self.question = QLabel()
        self.question.setFont(theme.body_font(theme.BODY_PT + 4, bold=True))
        self.question.setWordWrap(True)
        layout.addWidget(self.question)
        self._row = QVBoxLayout()
        layout.addLayout(self._row)
        self.hint = hint = QLabel()  # the keys: as many as the choices (ask)
        theme.role(hint, "muted")
        hint.setFont(theme.body_font(theme.BODY_PT - 1))
        layout.addWidget(hint)
        self.buttons: list[QPushButton] = []
        self.choices: list[str] = []
        self.hide()

    def ask(self, question: str, choices: list[str]) -> None:
        for button in self.buttons:
            self._row.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.buttons, self.choices = [], list(choices)
        self.question.setText(question)
        self.hint.setText(f"Press {self.keys_hint()} (or click). Esc: run without predicting.")
        for i, text in enumerate(choices):
            button = QPushButton(f"{i + 1}   {text}")
            button.setFont(theme.body_font(theme.BODY_PT + 2, bold=True))
            button.setMinimumHeight(40)
            button.setStyleSheet("text-align: left; padding: 6px 14px;")
            button.clicked.connect(lambda _=False, n=i: self.answer(n))
            self._row.addWidget(button)
            self.buttons.append(button)
        self.show()

    def keys_hint(self) -> str:
        """ "1, 2 or 3": as many keys as there are choices."""
        keys = ", ".join(str(n) for n in range(1, len(self.choices)))
        return f"{keys} or {len(self.choices)}" if keys else "1"

    def answer(self, index: int) -> None:
        if self.isVisible() and 0 <= index < len(self.choices):
            self.hide()
            self.answered.emit(index)

    def cancel(self) -> None:
        if self.isVisible():
            self.hide()
            self.cancelled.emit()
