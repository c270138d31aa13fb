"""The account panel: a big balance bar and one card per thread (bank scenarios)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money, story, task_caption
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.panels import bring_into_view
from threadtruth_gui.ui.widgets.balance_bar import BalanceBar
from threadtruth_gui.ui.widgets.task_card import STORY_LINES, TaskCard

_TYPICAL_LINE = "• checked $1,000 ≥ $600 → yes"


def _amounts(plan: Plan) -> list[float]:
    return [
        float(spec.info["amount"])
        for spec in plan.tasks
        if isinstance(spec.info.get("amount"), int | float)
    ]


def balance_range(plan: Plan, start: float) -> tuple[float, float]:
    """The bar's span for this plan: from the lowest balance the run can reach (every
    withdrawal paid) to the highest (every deposit counted), 0 and the start always in
    it, with a margin of a quarter of it each side; never empty (an opening balance of 0)."""
    out = sum(float(s.info["amount"]) for s in plan.tasks if _is(s.info, "withdraw"))
    into = sum(float(s.info["amount"]) for s in plan.tasks if _is(s.info, "deposit"))
    lo, hi = min(0.0, start - out), max(0.0, start, start + into)
    pad = 0.25 * max(hi - lo, 1.0)
    return lo - pad, hi + pad


def _is(info: dict[str, object], action: str) -> bool:
    return info.get("action") == action and isinstance(info.get("amount"), int | float)


class AccountPanel(QWidget):
    task_clicked = Signal(str)  # a card was clicked: in step mode, step that task

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.balance = BalanceBar(money)
        self.cards: dict[str, TaskCard] = {}
        self._cards_row = QGridLayout()
        self._cards_row.setSpacing(8)
        self._columns = 0  # the cards' columns as arranged
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.balance)
        layout.addLayout(self._cards_row)
        layout.addStretch(1)  # cards as tall as their text, not as the column
        self._counter: str | None = None
        self._counter_name = ""  # how the shown code spells it: "account.balance"
        self._typical_line = _TYPICAL_LINE

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """Cards side by side while a typical story line fits on one line in each; else
        one above the other, full width (the lecture preset's big text, a narrow column);
        more than two cards go in two columns of compact cards (four ATMs on a projector)."""
        if not self.cards:
            return
        # a typical line of a bank card's story, measured in the current text size (the
        # cards' real lines grow during a run: the layout must not flip as they do)
        line = QFontMetrics(theme.body_font()).horizontalAdvance(self._typical_line)
        n = len(self.cards)
        columns = n if self.width() >= n * (line + 32) else (2 if n > 2 else 1)
        if columns == self._columns:
            return
        self._columns = columns
        for i, card in enumerate(self.cards.values()):
            self._cards_row.removeWidget(card)
            self._cards_row.addWidget(card, i // columns, i % columns)
            card.set_compact(columns < n and n > 2)
        for c in range(4):
            self._cards_row.setColumnStretch(c, 1 if c < columns else 0)

    def squeeze(self) -> bool:
        """One story line fewer on every card (the column does not fit its height); False
        when the cards show none already. A new setup() gives the lines back."""
        cards = self.cards.values()
        shown = [STORY_LINES if c.story_cap is None else c.story_cap for c in cards]
        if not shown or max(shown) <= 0:
            return False
        for card in cards:
            card.cap_story(max(shown) - 1)
        return True

    def setup(self, plan: Plan, colors: dict[str, QColor]) -> None:
        for card in self.cards.values():
            self._cards_row.removeWidget(card)
            card.hide()  # gone now, not only when the event loop deletes it
            card.deleteLater()
        self.cards = {}
        # the cards' typical line for these amounts ("• checked $100 ≥ $60 → yes")
        amounts, start = _amounts(plan), next(iter(plan.counters.values()), None)
        self._typical_line = (
            f"• checked {money(start)} ≥ {money(max(amounts))} → yes"
            if amounts and start is not None
            else _TYPICAL_LINE
        )
        for spec in plan.tasks:
            card = TaskCard(spec.name, task_caption(spec.info), colors[spec.name])
            card.clicked.connect(self.task_clicked)
            self.cards[spec.name] = card
        self._columns = 0
        self._arrange()
        self._counter = next(iter(plan.counters), None)
        self._counter_name = plan.counter_names.get(self._counter or "", self._counter or "")
        if self._counter is not None:
            start = plan.counters[self._counter]
            self.balance.setup(self._counter.capitalize(), start, *balance_range(plan, start))
        else:
            self.balance.clear()

    def update_from(self, lanes: Lanes) -> None:
        series = lanes.counters.get(self._counter or "")
        shared = (self._counter_name, money(series[-1][1])) if series else None
        for name, track in lanes.tasks.items():
            card = self.cards.get(name)
            if card is not None:
                hidden = card.locals.isHidden()
                card.set_locals(track.locals, shared)  # first: the story is shorter beside it
                card.set_story(story(track), track.status, track.state)
                if hidden and not card.locals.isHidden():
                    bring_into_view(card.locals)
        if series:
            self.balance.set_value(series[-1][1])

    def finish(self, result: RunResult, lanes: Lanes) -> None:
        self.update_from(lanes)
        # the recorded series can end a few microseconds out of order between threads;
        # the outcome is the account's own final value
        final = result.outcome.get(f"final_{self._counter}")
        if isinstance(final, int | float):
            self.balance.set_value(final)
