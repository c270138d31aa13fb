"""The traced program's panel: its lanes' states, a deadlock (graph, stacks, what to do),
what it printed (stdout, stderr told apart) and its exit code, and what was not seen.

Fed like the other panels (`setup`, `update_from`, `finish`), plus the program's OUTPUT
events (`add_output`) and its report at the end.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.panels import bring_into_view
from threadtruth_gui.ui.widgets.waitfor import WaitForGraph

# the ring's least height while the deadlock is held, and once the run ended (the output
# then needs the room more, at 1280x720 in the lecture preset)
GRAPH_HELD_PX, GRAPH_ENDED_PX = 250, 150
MAX_OUTPUT_LINES = 2000  # the panel keeps the newest lines; the count says how many there were
STDERR_MARK = "▌"  # stderr lines start with a bar as well as their colour: told apart in grey


class TracedPanel(QWidget):
    breakClicked = Signal()
    endClicked = Signal()
    fileChosen = Signal(str)  # the code pane shows this file of the script's

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = QLabel()
        self.live.setTextFormat(Qt.TextFormat.PlainText)  # the program's names: not HTML
        self.live.setWordWrap(True)
        self.live.setFont(theme.body_font(theme.BODY_PT + 1))
        self.not_seen = QLabel()
        self.not_seen.setTextFormat(Qt.TextFormat.PlainText)  # the program's names: not HTML
        self.not_seen.setWordWrap(True)
        theme.role(self.not_seen, "muted")
        self.not_seen.hide()
        self.graph = WaitForGraph()
        # a program's names are long ("philosopher-0"): smaller words, more room for the ring
        self.graph.setFont(theme.body_font(theme.BODY_PT - 2, bold=True))
        self.graph.setMinimumHeight(GRAPH_HELD_PX)
        self.graph.hide()
        self.stacks = QLabel()
        self.stacks.setWordWrap(True)
        self.stacks.setTextFormat(Qt.TextFormat.RichText)
        self.stacks.hide()
        self.break_button = QPushButton("Break the deadlock (D)")
        self.break_button.setToolTip(
            "One thread's wait in the cycle raises an exception; the others go on"
        )
        self.end_button = QPushButton("End the program")
        self.end_button.setToolTip(
            "End the program and every process it started, and show how it ended "
            "(R, Reset, ends it too and clears the run)"
        )
        self.break_button.clicked.connect(self.breakClicked)
        self.end_button.clicked.connect(self.endClicked)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.break_button)
        buttons.addWidget(self.end_button)
        buttons.addStretch(1)
        self.buttons = QWidget()
        self.buttons.setLayout(buttons)
        self.buttons.hide()
        self.files = QComboBox()  # the script's own files, when more than one ran
        self.files.setToolTip("Which of the program's files the code pane shows")
        self.files.textActivated.connect(self.fileChosen)
        self.files.hide()
        self.output_title = QLabel("Output")
        self.output_title.setTextFormat(Qt.TextFormat.PlainText)
        self.output_title.setFont(theme.body_font(theme.BODY_PT, bold=True))
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setFont(theme.code_font())
        self.output.setMaximumBlockCount(MAX_OUTPUT_LINES)
        self.output.setMinimumHeight(80)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.live)
        layout.addWidget(self.not_seen)
        layout.addWidget(self.buttons)
        layout.addWidget(self.graph)
        layout.addWidget(self.stacks)
        layout.addWidget(self.files)
        layout.addWidget(self.output_title)
        layout.addWidget(self.output, 1)
        self._colors: dict[str, QColor] = {}
        self._lines: list[tuple[str, str]] = []  # (stream, text) as printed, for a restyle
        self._partial: dict[str, str] = {}  # a stream's text after its last newline
        self._theme = theme.current_theme
        self.exit_text = ""
        self.script = ""  # the traced script's file name
        self._done = False  # the run has ended (finish)

    # -- the panel protocol -----------------------------------------------------------------
    def setup(self, plan: Plan, colors: dict[str, QColor]) -> None:
        self._colors = dict(colors)
        self._done = False
        self.graph.setMinimumHeight(GRAPH_HELD_PX)
        self.live.show()
        self.graph.show_cycle([], colors)
        self.stacks.hide()
        self.buttons.hide()
        self.not_seen.hide()
        self._lines.clear()
        self._partial.clear()
        self.output.clear()
        self.exit_text = ""
        self.output_title.setText("Output")
        self.live.setText("The program's threads and tasks appear as they start.")

    def set_colors(self, colors: dict[str, QColor]) -> None:
        self._colors = dict(colors)

    def update_from(self, lanes: Lanes) -> None:
        if self._theme != theme.current_theme:  # stderr's colour is the theme's
            self._theme = theme.current_theme
            self._render()
        states = Counter(track.state for track in lanes.tasks.values() if track.state)
        parts = [f"{count} {state}" for state, count in states.most_common()]
        self.live.setText("Now: " + ", ".join(parts) if parts else "Starting…")
        cycle: list[dict[str, str]] = []
        stacks: dict[str, list[str]] = {}
        broken = False
        for track in lanes.tasks.values():
            for note in track.notes:
                if note.what == "deadlock" and not cycle:
                    cycle = list(note.data.get("cycle", []))
                elif note.what == "stack":
                    stacks[track.name] = list(note.data.get("lines", []))
                broken = broken or note.what == "deadlock broken"
        if cycle and not self.graph.cycle:
            self.graph.show_cycle(cycle, self._colors, short_locks(cycle))
            bring_into_view(self.graph)
        held = bool(cycle) and not broken and not self._ended(lanes, cycle) and not self._done
        if held:
            self._show_stacks(cycle, stacks)
        else:  # where they were stuck is over (the ring stays, and the output gets the room)
            self.stacks.hide()
        self.buttons.setVisible(held)
        self.live.setVisible(not held and not self._done)  # the banner says it

    @staticmethod
    def _ended(lanes: Lanes, cycle: list[dict[str, str]]) -> bool:
        return all(lanes.task(edge["task"]).status for edge in cycle)

    def _show_stacks(self, cycle: list[dict[str, str]], stacks: dict[str, list[str]]) -> None:
        rows = []
        for edge in cycle:
            name = edge["task"]
            # "bank.py:33 in dine: with forks[right]:": where, without the line's text (the
            # code pane shows it, with the thread's marker on it); the innermost 2 frames
            lines = [line.split(": ", 1)[0] for line in stacks.get(name, [])][-2:]
            if self.script:  # the title names the script: its own lines by number only
                lines = [line.replace(f"{self.script}:", "line ", 1) for line in lines]
            where = " ← ".join(f"<tt>{html.escape(line)}</tt>" for line in reversed(lines))
            rows.append(f"<b>{html.escape(name)}</b> at {where or '(no stack)'}")
        text = "<br>".join(rows)
        if self.stacks.text() != text:
            self.stacks.setText(text)
        self.stacks.show()

    def finish(self, result: RunResult, lanes: Lanes) -> None:
        self._done = True
        self.graph.setMinimumHeight(GRAPH_ENDED_PX)
        self.update_from(lanes)
        self.live.hide()  # how the tasks ended is the verdict's to say
        report = result.outcome
        code = report.get("exit_code")
        # (None: threadtruth ended it: Reset, End, Ctrl+C, or --json after a deadlock)
        self.exit_text = "ended by threadtruth" if code is None else f"exit code {code}"
        lines = report.get("stdout_lines", 0)
        self.output_title.setText(f"Output ({_lines(lines)} on stdout; {self.exit_text})")
        self.show_not_seen(list(report.get("not_seen", [])))
        self.buttons.hide()

    def show_not_seen(self, not_seen: list[str]) -> None:
        """Label the run with what the probes could not observe in it (none: no label)."""
        self.not_seen.setText("Not seen in this run: " + "; ".join(not_seen) if not_seen else "")
        self.not_seen.setVisible(bool(not_seen))

    # -- files ---------------------------------------------------------------------------------
    def set_files(self, files: list[str], current: str) -> None:
        """The script's files that ran lines so far: a selector when there is more than one."""
        known = [self.files.itemText(i) for i in range(self.files.count())]
        if known != files:
            self.files.blockSignals(True)
            self.files.clear()
            self.files.addItems(files)
            self.files.blockSignals(False)
        if self.files.currentText() != current:
            self.files.setCurrentText(current)
        self.files.setVisible(len(files) > 1)

    # -- output --------------------------------------------------------------------------------
    def add_output(self, events: Iterable[Event]) -> None:
        """Append what the program printed (its OUTPUT events): whole lines as they end."""
        added = False
        for ev in events:
            if ev.kind != Kind.OUTPUT:
                continue
            stream, text = ev.data
            pending = self._partial.get(stream, "") + str(text)
            *whole, rest = pending.split("\n")
            self._partial[stream] = rest
            for line in whole:
                self._lines.append((stream, line))
                self._append(stream, line)
                added = True
        if added:
            del self._lines[:-MAX_OUTPUT_LINES]

    def flush_output(self) -> None:
        """The program ended: what it printed without a last newline is shown too."""
        for stream, rest in list(self._partial.items()):
            if rest:
                self._lines.append((stream, rest))
                self._append(stream, rest)
        self._partial.clear()

    def output_lines(self) -> list[tuple[str, str]]:
        """What the panel shows: (stream, line), oldest first."""
        return list(self._lines)

    def _append(self, stream: str, line: str) -> None:
        # pre-wrap: the program's spaces kept, and a long line still wrapped between words
        # (spaces as &nbsp; wrapped it mid-word: "think" / "ing")
        if stream == "stderr":
            style = f"white-space:pre-wrap; color:{theme.BAD.name()}; font-weight:bold"
            body = f'<span style="{style}">{STDERR_MARK} {_esc(line)}</span>'
        else:
            text = _esc(line) or "&nbsp;"
            body = f'<span style="white-space:pre-wrap">{text}</span>'
        self.output.appendHtml(body)
        self.output.moveCursor(QTextCursor.MoveOperation.End)

    def _render(self) -> None:
        self.output.clear()
        for stream, line in self._lines:
            self._append(stream, line)


def short_locks(cycle: list[dict[str, str]]) -> dict[str, str]:
    """The graph's words for the cycle's locks: "philosophers.py:18 #2" as ":18 #2" when
    they were all made in one file (the stacks below name it)."""
    locks = {edge["waits_for"] for edge in cycle} | {edge["holds"] for edge in cycle}
    files = {name.rpartition(":")[0] for name in locks}
    if len(files) != 1 or not next(iter(files)):
        return {}
    return {name: ":" + name.rpartition(":")[2] for name in locks}


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _lines(n: Any) -> str:
    return f"{n} line" if n == 1 else f"{n} lines"
