"""The presenter view: the lecturer's own window (speaker notes, the next slide's title, a clock,
the time elapsed, the slide number, the current run's measured figures); the audience
window shows none of these."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.lecture.session import LectureSession
from threadtruth_gui.ui import theme

CLOCK_MS = 1000


def clock_text(elapsed_s: float, now: float | None = None) -> tuple[str, str]:
    """(the wall clock "14:05", the time elapsed "0:12:40")."""
    wall = time.strftime("%H:%M", time.localtime(now))
    seconds = int(max(0.0, elapsed_s))
    return wall, f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def figures_of(scenario: Scenario | None, result: RunResult | None) -> list[str]:
    """The run's measured figures as lines: the scenario's own, else its verdict's words."""
    if result is None:
        return []
    if scenario is not None and scenario.figures is not None and scenario.id == result.scenario:
        rows = scenario.figures(result)
        if rows:
            return [f"{name}: {value}" for name, value in rows]
    if result.verdict is not None:
        lines = [result.verdict.headline]
        if result.verdict.detail:
            lines.append(result.verdict.detail)
        return lines
    return [f"Finished in {result.duration_s:.2f} s."]


def _label(pt: float, bold: bool = False, muted: bool = False) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # a deck's words are text, never markup
    label.setWordWrap(True)
    label.setFont(theme.body_font(pt, bold))
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    if muted:
        theme.role(label, "muted")
    return label


class PresenterWindow(QMainWindow):
    """The lecturer's window. It holds no keys of its own: `share_keys` gives it the
    audience window's actions, so PageDown, Space, R, 1–9… work in either window (only the
    active window's shortcuts fire: no double triggering)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("threadtruth — presenter view")
        theme.apply(self)
        self.session: LectureSession | None = None
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        top = QHBoxLayout()
        self.number = _label(theme.BODY_PT + 3, bold=True)
        self.clock = _label(theme.BODY_PT + 3, bold=True)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.clock.setWordWrap(False)
        top.addWidget(self.number, 1)
        top.addWidget(self.clock)
        layout.addLayout(top)
        self.title = _label(theme.BODY_PT + 9, bold=True)
        layout.addWidget(self.title)
        self.notes = _label(theme.BODY_PT + 3)
        self.notes.setTextFormat(Qt.TextFormat.RichText)  # paragraphs of escaped text
        self.notes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidget(self.notes)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(scroll, 3)
        self.figures = _label(theme.BODY_PT + 1)
        layout.addWidget(self.figures, 1)
        self.next_title = _label(theme.BODY_PT + 1, muted=True)
        layout.addWidget(self.next_title)
        self.setCentralWidget(body)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self.resize(900, 640)

    def share_keys(self, window: QWidget) -> None:
        """The audience window's keys work here too (each QAction is added here as well)."""
        for action in window.actions():
            self.addAction(action)

    def show_session(
        self, session: LectureSession, scenario: Scenario | None, stage: str = ""
    ) -> None:
        """The current slide of `session`: its notes, the next title, the run's figures
        (`stage`: what goes on now, e.g. "Step 2 of 4 given")."""
        self.session = session
        slide = session.slide
        self.number.setText(f"slide {slide.number} of {len(session.deck)}")
        self.title.setText(slide.title)
        notes = slide.notes or "(no speaker notes for this slide)"
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in notes.split("\n\n"))
        self.notes.setText(paragraphs)
        following = session.next_slide
        self.next_title.setText(
            f"Next: {following.title}" if following is not None else "Next: (the last slide)"
        )
        record = session.record
        lines = figures_of(scenario, record.result)
        if record.votes:
            votes = "   ".join(f"{n} × “{label}”" for label, n in record.votes.items())
            lines.insert(0, f"Votes: {votes}")
        if stage:
            lines.insert(0, stage)
        if slide.preset is None:
            measured = "" if not lines else "\n".join(lines)
        else:
            measured = "\n".join(lines) if lines else "Not run yet: PageDown runs it."
        self.figures.setText(measured)
        self.figures.setVisible(bool(measured))
        self.tick()
        if not self._timer.isActive():
            self._timer.start(CLOCK_MS)

    def tick(self) -> None:
        if self.session is None:
            return
        wall, elapsed = clock_text(self.session.elapsed_s)
        self.clock.setText(f"{wall}   ·   {elapsed} elapsed")

    def restyle(self) -> None:
        theme.apply(self)

    def texts(self) -> list[str]:
        labels = (self.number, self.clock, self.title, self.notes, self.figures, self.next_title)
        return [label.text() for label in labels]

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        super().closeEvent(event)
