"""A lecture slide for the audience: its title and points, large (a slide without a run) or as
a strip beside the running scenario; the summary slide's "which tool when" table. Never the
speaker notes: those are the presenter view's."""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.lecture.deck import Slide
from threadtruth_gui.lecture.summary import COLUMNS, which_tool
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.widgets.verdict import plain  # escaped, a long word breakable

# sizes at text scale 1 (the lecture preset's 1.4 makes the points 25 pt and the strip's 21)
TITLE_PT = theme.BODY_PT + 13
POINT_PT = theme.BODY_PT + 3
TABLE_PT = theme.BODY_PT - 0.5  # 20.3 pt in the lecture preset: the table fits 1280×720
MEASURED_NOTE = "Every figure was measured during this lecture on this machine."


def points_html(points: tuple[str, ...], gap: int = 6) -> str:
    """The points as a bulleted list (rich text), each point's text escaped, `gap` px apart."""
    items = "".join(f"<li style='margin-bottom: {gap}px'>{plain(p)}</li>" for p in points)
    return f"<ul style='margin-left: -18px'>{items}</ul>" if items else ""


def table_html(runs: Mapping[str, RunResult]) -> str:
    """The which-tool table filled from `runs`; a missing figure is in italics, muted."""
    line = theme.MUTED.name()
    cell = f"padding: 6px 10px; border: 1px solid {line};"
    head = "".join(f"<th style='{cell}' align='left'>{html.escape(c)}</th>" for c in COLUMNS)
    rows = [f"<tr><th style='{cell}'></th>{head}</tr>"]
    for row, cells in which_tool(runs):
        shown = []
        for got in cells:
            text = html.escape(got.text)
            if got.missing:  # "not run yet": visibly not a figure
                text = f"<i style='color: {theme.MUTED.name()}'>— {text} —</i>"
            shown.append(f"<td style='{cell}'>{text}</td>")
        rows.append(f"<tr><th style='{cell}' align='left'>{row}</th>{''.join(shown)}</tr>")
    return (
        f"<table cellspacing='0' style='border-collapse: collapse; color: {theme.TEXT.name()}'>"
        + "".join(rows)
        + "</table>"
    )


def _label(pt: float, bold: bool = False) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setFont(theme.body_font(pt, bold))
    return label


def _set_font(label: QLabel, pt: float, bold: bool = False) -> None:
    """`pt` at the current text scale; the size remembered at scale 1 (presenter.py's
    `scale_fonts`) is made again from it."""
    label.setFont(theme.body_font(pt, bold))
    label.setProperty("base_pt", None)


class SlideView(QFrame):
    """A slide filling the window's main area: counter, title, points, and on the summary
    slide the table from the lecture's runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slideView")
        self.setAutoFillBackground(True)  # over the scenario's views: the window's colour
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 20, 64, 16)
        layout.setSpacing(14)
        self.counter = _label(theme.BODY_PT)
        theme.role(self.counter, "muted")
        self.title = _label(TITLE_PT, bold=True)
        self.points = _label(POINT_PT)
        self.table = _label(TABLE_PT)
        self.note = _label(theme.BODY_PT)
        theme.role(self.note, "muted")
        for widget in (self.counter, self.title, self.points, self.table, self.note):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.slide: Slide | None = None
        self.hide()

    def show_slide(
        self, slide: Slide, count: int, runs: Mapping[str, RunResult] | None = None
    ) -> None:
        """`slide` of `count`; `runs` (scenario id: latest run) fill a summary slide."""
        self.slide = slide
        self.counter.setText(f"{slide.number} / {count}")
        self.title.setText(plain(slide.title))
        self.points.setText(points_html(slide.points))
        summary = slide.summary == "which-tool"
        # the table needs the room: its points at body size (≥ 20 pt in the lecture preset)
        _set_font(self.points, theme.BODY_PT if summary else POINT_PT)
        _set_font(self.title, TITLE_PT - (6 if summary else 0), bold=True)
        self.table.setVisible(summary)
        self.note.setVisible(summary)
        if summary:
            self.table.setText(table_html(runs or {}))
            self.note.setText(MEASURED_NOTE)

    def texts(self) -> list[str]:
        """What it shows, as plain strings (the tests search it for notes)."""
        return [w.text() for w in (self.counter, self.title, self.points, self.table, self.note)]


class SlideStrip(QFrame):
    """A slide beside its running scenario: the counter and title, then the points, at the
    lecture preset's body size; the scenario's code, lanes and verdict stay in view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slideStrip")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(0)
        self.title = _label(theme.BODY_PT + 1, bold=True)
        self.points = _label(theme.BODY_PT)
        self.points.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.title)
        layout.addWidget(self.points)
        self.hide()

    def show_slide(self, slide: Slide, count: int) -> None:
        muted = theme.MUTED.name()
        self.title.setText(
            f"<span style='color: {muted}; font-weight: normal'>{slide.number} / {count}"
            f"</span>&nbsp;&nbsp;{plain(slide.title)}"
        )
        self.points.setText(points_html(slide.points, gap=0))  # beside a run: room is short
        self.points.setVisible(bool(slide.points))

    def texts(self) -> list[str]:
        return [self.title.text(), self.points.text()]
