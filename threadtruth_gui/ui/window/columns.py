"""Two of the window's columns as widgets of their own: what the run did (title, question,
verdict, the scenario's panel, description) and the code above what happened."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from threadtruth_gui.ui import theme
from threadtruth_gui.ui.panels.account import AccountPanel
from threadtruth_gui.ui.panels.figures import FiguresPanel
from threadtruth_gui.ui.panels.traced import TracedPanel
from threadtruth_gui.ui.panels.transfers import TransfersPanel
from threadtruth_gui.ui.widgets.bytecode_view import BytecodeView
from threadtruth_gui.ui.widgets.code_pane import CodePane
from threadtruth_gui.ui.widgets.narration import NarrationPanel
from threadtruth_gui.ui.widgets.prediction import PredictionPanel
from threadtruth_gui.ui.widgets.verdict import VerdictBanner
from threadtruth_gui.ui.window.editing import EditBar


class StateColumn(QScrollArea):
    """The state column; only the description may scroll out: the rest fits 720 px."""

    def __init__(self) -> None:
        super().__init__()
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a traced program's name is not HTML
        self.title.setFont(theme.body_font(theme.BODY_PT + 1, bold=True))
        self.title.setWordWrap(True)
        self.verdict = VerdictBanner()
        self.prediction = PredictionPanel()
        self.description = QLabel()
        self.description.setTextFormat(Qt.TextFormat.RichText)
        self.description.setWordWrap(True)
        theme.role(self.description, "muted")
        self.account = AccountPanel()
        self.transfers = TransfersPanel()
        self.figures = FiguresPanel()
        self.traced = TracedPanel()  # a traced program's (File ▸ Trace a program)
        self.panels = QStackedWidget()
        self.panels.addWidget(self.account)
        self.panels.addWidget(self.transfers)
        self.panels.addWidget(self.figures)
        self.panels.addWidget(self.traced)
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(12, 4, 8, 2)
        column_layout.setSpacing(4)
        column_layout.addWidget(self.title)
        column_layout.addWidget(self.prediction)
        column_layout.addWidget(self.verdict)
        column_layout.addWidget(self.panels, 1)
        column_layout.addWidget(self.description)
        self.setWidget(column)
        column.installEventFilter(self)  # its layout changes: the column's width follows
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # set_chrome

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and watched is self.widget():
            QTimer.singleShot(0, self.fit)  # once the layout has its new minimum
        return super().eventFilter(watched, event)

    def fit(self) -> None:
        """Never narrower than what it shows needs: a scroll area asks for nothing of its
        own, and the splitter would cut the verdict or a table."""
        column = self.widget()
        if column is not None:
            bar = self.verticalScrollBar().sizeHint().width()
            need = column.minimumSizeHint().width() + bar
            if self.minimumWidth() != need:
                self.setMinimumWidth(need)
            # Too tall for the screen (a prediction's note, a long verdict): the cards give
            # up story lines (the whole story stays in "What happened"), never the verdict.
            short = column.sizeHint().height() > self.viewport().height()
            if short and self.panels.currentWidget() is self.account and self.account.squeeze():
                column.updateGeometry()

    def show_panel(self, kind: str) -> None:
        """Show the panel `kind` ("account", "transfers", "figures"; ui.panels.panel_for;
        "traced": a traced program's)."""
        pages = {"transfers": self.transfers, "figures": self.figures, "traced": self.traced}
        shown = pages.get(kind, self.account)
        # a stack is as wide as its widest page, hidden ones too: only the shown page counts
        for page in (self.account, self.transfers, self.figures, self.traced):
            policy = QSizePolicy.Policy.Preferred if page is shown else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        self.panels.setCurrentWidget(shown)

    def set_scroll_bar(self, visible: bool) -> None:
        """The description may scroll; a scroll bar that came and went narrowed the column
        after its width was set (and cut the verdict's right edge): always there, or not at
        all in the lecture preset, which has no description."""
        bars = Qt.ScrollBarPolicy
        self.setVerticalScrollBarPolicy(
            bars.ScrollBarAlwaysOn if visible else bars.ScrollBarAlwaysOff
        )


class CodeColumn(QSplitter):
    """The code that runs; below it what happened, or (B) the stepped line as bytecode in
    its place, so that bytecode mode never squeezes the code to a couple of lines. A drag
    gives the code more room."""

    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.code = CodePane()
        code_only = QWidget()
        code_layout = QVBoxLayout(code_only)
        code_layout.setContentsMargins(4, 4, 4, 4)
        code_header = QLabel("Code that runs")
        code_header.setToolTip(
            "The real source of the functions the tasks execute. Each task's marker is "
            "on the line it last reached, as reported by sys.settrace line tracing."
        )
        code_header.setFont(theme.body_font(theme.BODY_PT, bold=True))
        code_layout.addWidget(code_header)
        self.edit_bar = EditBar()  # the playground: "edited", Restore original
        code_layout.addWidget(self.edit_bar)
        code_layout.addWidget(self.code, 1)
        self.bytecode = BytecodeView()
        self.story_box = QWidget()
        story_layout = QVBoxLayout(self.story_box)
        story_layout.setContentsMargins(4, 0, 4, 4)
        story_header = QLabel("What happened")
        story_header.setFont(theme.body_font(theme.BODY_PT, bold=True))
        story_layout.addWidget(story_header)
        self.narration = NarrationPanel()
        story_layout.addWidget(self.narration, 1)
        self.below_code = QStackedWidget()
        self.below_code.addWidget(self.story_box)
        self.below_code.addWidget(self.bytecode)
        self.addWidget(code_only)
        self.addWidget(self.below_code)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 1)
        self.setChildrenCollapsible(False)

    def show_below(self, bytecode: bool, lecture: bool) -> None:
        """Under the code: the bytecode view when B is on; else the narration, which the
        lecture preset leaves out."""
        self.below_code.setCurrentWidget(self.bytecode if bytecode else self.story_box)
        self.below_code.setVisible(bytecode or not lecture)
        # the instructions get as much room as the code (a line's instructions, in full);
        # the story a quarter
        total = sum(self.sizes())
        if total > 0:
            share = 0.5 if bytecode else 0.25
            self.setSizes([round(total * (1 - share)), round(total * share)])


def columns_of(
    scenarios: QWidget, state: QWidget, code: QWidget, timeline: QWidget
) -> tuple[QSplitter, QSplitter]:
    """The window's columns: the scenario list, what the run did (at full height), and the
    code above the timeline (a projector is wide, not tall). The columns, and the split."""
    split = QSplitter(Qt.Orientation.Vertical)
    split.addWidget(code)
    split.addWidget(timeline)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 2)
    split.setChildrenCollapsible(False)
    columns = QSplitter(Qt.Orientation.Horizontal)
    for widget in (scenarios, state, split):
        columns.addWidget(widget)
    columns.setStretchFactor(1, 2)
    columns.setStretchFactor(2, 3)
    columns.setSizes([200, 560, 840])
    columns.setChildrenCollapsible(False)
    return columns, split


def code_spans(text: str) -> str:
    """A description as rich text: `code` in the code font, not with its backticks."""
    return re.sub(r"`([^`]+)`", r"<tt>\1</tt>", html.escape(text, quote=False))


def share_width(columns: QSplitter, width: int, chrome: bool) -> None:
    """The state column gets more of the width in the lecture preset (no chrome): its text
    is bigger, and the cards sit side by side in it."""
    if chrome:
        columns.setSizes([200, round((width - 200) * 0.4), round((width - 200) * 0.6)])
    else:
        columns.setSizes([0, round(width * 0.46), round(width * 0.54)])
