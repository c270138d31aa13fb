"""One card per task: its name in its colour, what it set out to do, and what it did."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from threadtruth_gui.engine.narrate import Line
from threadtruth_gui.ui import theme

_TONE = {"good": theme.GOOD, "bad": theme.BAD, "wait": theme.WAIT, "info": theme.TEXT}
_STATUS = {  # text and theme role (a colour set once would go stale at a theme switch)
    "succeeded": ("✔ succeeded", "card_good"),
    "denied": ("✘ denied", "card_bad"),
    "failed": ("✘ failed", "card_bad"),
    "cancelled": ("■ stopped", "card_muted"),
}


STORY_LINES = 3  # the story lines a card shows (the latest)
TIP_LINES = 40  # the story lines its tooltip shows (the latest; a screen holds no more)


class TaskCard(QFrame):
    clicked = Signal(str)  # the task name (a later feature steps that task)

    def __init__(self, name: str, title: str, color: QColor, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.setObjectName("taskCard")
        self.setStyleSheet(
            f"#taskCard {{ border: 3px solid {color.name()}; border-radius: 10px; }}"
        )
        layout = self._box = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 6)
        layout.setSpacing(4)
        self._title = title
        self.header = QLabel(f"{name} · {title}")
        self.header.setWordWrap(True)
        self.header.setFont(theme.body_font(theme.BODY_PT, bold=True))
        # the name in the theme's text colour: the task's own colour, on the border, is too
        # light for text on white (yellow, orange) or too dark on black (blue)
        theme.role(self.header, "card")
        self.status = QLabel("ready")
        self.status.setFont(theme.body_font(theme.BODY_PT, bold=True))
        theme.role(self.status, "card_muted")
        # step mode: the thread's own variables where it stopped, beside the shared value
        self.locals = QLabel()
        self.locals.setObjectName("taskLocals")
        self.locals.setFont(theme.body_font())
        self.locals.setTextFormat(Qt.TextFormat.RichText)
        self.locals.setWordWrap(True)
        self.locals.setToolTip(
            "Step mode: this thread's own variables where it stopped (read from its frame), "
            "and the shared value they were copied from"
        )
        self.locals.hide()
        self._locals: tuple[tuple[tuple[str, str], ...], tuple[str, str] | None] = ((), None)
        self.body = QLabel()
        self.body.setFont(theme.body_font())
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setWordWrap(True)
        top = QHBoxLayout()  # the name and how it ended on one row: a row saved per card
        top.setSpacing(10)
        top.addWidget(self.header, 1)
        top.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self._top = top
        self.compact = False  # set_compact: a narrow card, its latest story line only
        self.story_cap: int | None = None  # cap_story: fewer lines when the column is short
        layout.addWidget(self.locals)
        layout.addWidget(self.body, 1)
        self._lines: list[Line] = []
        self._status: str | None = None
        self._state: str | None = None
        # the story's colours and its number of lines depend on the theme and text size
        self._theme = (theme.current_theme, theme.font_scale, False)

    def set_story(self, lines: list[Line], status: str | None, state: str | None) -> None:
        self._status, self._state = status, state
        stepping = bool(self._locals[0])  # the locals box shows: fewer story lines
        look = (theme.current_theme, theme.font_scale, stepping)
        if lines != self._lines or self._theme != look:
            self._lines, self._theme = list(lines), look
            # the last few lines, so that a card never grows past the screen; the whole
            # story is in its tooltip and in "What happened"
            keep = STORY_LINES if theme.font_scale < 1.2 else STORY_LINES - 1  # big text
            if self.story_cap is not None:  # the column is short: fewer lines (squeeze)
                keep = min(keep, self.story_cap)
            if self.compact:  # four cards on a projector: how it ended, the story in the tip
                keep = 0
            if stepping:  # the locals tell what the thread read: the story gives way
                keep -= 2
            shown = lines[-keep:] if keep > 0 else []
            cut = len(lines) > len(shown)  # "…" instead of "•": earlier lines are left out
            html = "<br>".join(
                f"<span style='color:{_TONE.get(line.tone, theme.TEXT).name()}'>"
                f"{'…' if cut and i == 0 else '•'} {_escape(line.text)}</span>"
                for i, line in enumerate(shown)
            )
            self.body.setText(html)
            self.body.setVisible(bool(shown))
            tip = lines[-TIP_LINES:]  # a long run's story would take every cursor move long
            more = [f"… {len(lines) - len(tip):,} earlier lines"] if len(lines) > len(tip) else []
            self.body.setToolTip("\n".join(more + [f"• {line.text}" for line in tip]))
            self.setToolTip(self.body.toolTip() if self.compact else "")
        text, role = _STATUS.get(status or "", (state or "ready", "card_muted"))
        self.status.setText(text)
        theme.role(self.status, role)

    def cap_story(self, lines: int | None) -> None:
        """At most this many story lines (None: as many as the card shows by default)."""
        if lines != self.story_cap:
            self.story_cap = lines
            self._theme = (self._theme[0], -1.0, self._theme[2])  # shown again, capped
            self.set_story(self._lines, self._status, self._state)

    def set_compact(self, on: bool) -> None:
        """Half a column wide (more than two cards): how it ended goes under the name, and
        the story is in the card's tooltip only (and in "What happened")."""
        if on == self.compact:
            return
        self.compact = on
        top, status = self._top, self.status
        top.setDirection(top.Direction.TopToBottom if on else top.Direction.LeftToRight)
        top.setAlignment(status, Qt.AlignmentFlag.AlignLeft if on else Qt.AlignmentFlag.AlignTop)
        top.setSpacing(0 if on else 10)
        # the name in bold, what it set out to do in the body face: one line in half a column
        self.header.setTextFormat(Qt.TextFormat.RichText if on else Qt.TextFormat.PlainText)
        self.header.setText(
            f"<b>{_escape(self.name)}</b> · {_escape(self._title)}"
            if on
            else f"{self.name} · {self._title}"
        )
        self.header.setFont(theme.body_font(theme.BODY_PT, bold=not on))
        margins = (6, 2, 6, 2) if on else (10, 4, 10, 6)
        self._box.setContentsMargins(*margins)
        self._theme = (self._theme[0], -1.0, self._theme[2])  # the story again, shorter
        self.set_story(self._lines, self._status, self._state)

    def set_locals(
        self, values: tuple[tuple[str, str], ...], shared: tuple[str, str] | None = None
    ) -> None:
        """Show a stopped thread's own variables ("balance = $1,000"), and the shared
        value (`shared`: its name in the code and its value now); nothing hides them."""
        if (values, shared) == self._locals:
            return
        self._locals = (values, shared)
        self.locals.setVisible(bool(values))
        if not values:
            self.locals.clear()
            return
        muted = theme.MUTED.name()
        # one wrapping paragraph of the thread's own values, then the shared one: a card
        # must stay as narrow as its column, and as short as the screen allows
        # (a pair never breaks inside: "amount =" alone at a line's end reads as nothing)
        own = " · ".join(_nobreak(f"{_escape(name)} = {_escape(text)}") for name, text in values)
        rows = [f"<b>{own}</b>&nbsp;<span style='color:{muted}'>own</span>"]
        if shared is not None:
            rows.append(
                f"{_escape(shared[0])} = {_escape(shared[1])} "
                f"<span style='color:{muted}'>shared</span>"
            )
        self.locals.setText("<br>".join(rows))

    def locals_text(self) -> list[str]:
        """What the locals box says, a row per variable: "balance = $1,000"."""
        values, shared = self._locals
        if not values:
            return []
        rows = [f"{name} = {text}" for name, text in values]
        return rows + ([f"{shared[0]} = {shared[1]}"] if shared is not None else [])

    def story_text(self) -> list[str]:
        return [line.text for line in self._lines]

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.name)
        super().mouseReleaseEvent(event)


def _nobreak(html: str) -> str:
    return html.replace(" ", "&nbsp;")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
