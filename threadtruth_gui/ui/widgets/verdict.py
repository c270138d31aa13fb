"""The verdict banner: what the run proved, in one big line, green or red with a symbol."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

from threadtruth_gui.engine.result import Verdict
from threadtruth_gui.ui import theme


class VerdictBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setMinimumHeight(56)
        self.setFont(theme.body_font(theme.BODY_PT + 1))
        self.verdict: Verdict | None = None
        self.note = ""
        self._idle = ""
        self._shown_width = 0
        self.show_idle("Press Space to run.")

    def _style(self, bg: str, border: str) -> None:
        self.setStyleSheet(
            f"QLabel {{ background: {bg}; border: 2px solid {border}; border-radius: 10px;"
            " padding: 4px 14px; }"
        )

    def show_idle(self, text: str) -> None:
        self.verdict, self.note, self._idle = None, "", text
        self._style(theme.PANEL.name(), theme.GRID.name())
        self.setText(
            f"<span style='font-size:{scaled_pt(15)}pt; color:{theme.MUTED.name()}'>"
            f"{plain(text)}</span>"
        )

    def show_verdict(self, verdict: Verdict, note: str = "") -> None:
        self.verdict, self.note = verdict, note
        if verdict.good:
            symbol, fg, bg = "✔", theme.GOOD, theme.GOOD_BG
        else:
            symbol, fg, bg = "✘", theme.BAD, theme.BAD_BG
        self._style(bg.name(), fg.name())
        self._shown_width = self.width()
        headline = f"{symbol} {verdict.headline}"
        self.setText(
            f"<span style='font-size:{self.headline_pt(headline)}pt;"
            f" font-weight:bold; color:{fg.name()}'>"
            f"{_no_break_minus(plain(headline))}</span><br>"
            f"<span style='font-size:{scaled_pt(15)}pt; color:{theme.TEXT.name()}'>"
            f"{plain(verdict.detail)}</span>"
            + (
                f"<br><span style='font-size:{scaled_pt(15)}pt; font-weight:bold;"
                f" color:{theme.TEXT.name()}'>{plain(note)}</span>"
                if note
                else ""
            )
        )

    def headline_pt(self, headline: str) -> int:
        """The headline's size: 22, 20 or 18 pt (times the text scale), the biggest at
        which it fits on one line; else 18 pt, in as few lines as it can. (Before,
        "✔ Correct this time: $400" took 22 pt and two lines in a lecture's column, and
        pushed card B off screen.)"""
        room = self.contentsRect().width() - 8
        if room <= 0:  # not laid out yet: by its length
            return scaled_pt(22 if len(headline) <= 26 else 18)
        font = QFont(self.font())
        font.setBold(True)
        for points in (22, 20, 18):
            font.setPointSize(scaled_pt(points))
            if QFontMetricsF(font).horizontalAdvance(headline) <= room:
                return scaled_pt(points)
        return scaled_pt(18)  # it wraps at any size: in as few lines as it can

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.verdict is not None and self.width() != self._shown_width:
            self.show_verdict(self.verdict, self.note)  # its headline's size for this width

    def restyle(self) -> None:
        """Draw the same content again in the current theme and font scale."""
        if self.verdict is not None:
            self.show_verdict(self.verdict, self.note)
        else:
            self.show_idle(self._idle)

    def idle_text(self) -> str:
        """What it says while there is no verdict ("" once there is one)."""
        return self._idle if self.verdict is None else ""

    def headline(self) -> str:
        return self.verdict.headline if self.verdict else ""


_LONG_WORD = re.compile(r"\S{25,}")


def plain(text: str) -> str:
    """`text` shown as it is, never as markup (a program's thread names and errors, a
    saved file's words: "TypeError: '<' not supported" lost all after the '<'), and a word
    too long for the column (a 120-character thread name) breakable every 12 characters,
    so it never widens the window."""
    def breakable(word: re.Match[str]) -> str:
        w = word.group(0)
        return "\u200b".join(w[i : i + 12] for i in range(0, len(w), 12))

    return html.escape(_LONG_WORD.sub(breakable, text), quote=False)


def scaled_pt(points: float) -> int:
    """`points` at the text scale in force (the lecture preset enlarges it)."""
    return round(points * theme.font_scale)


def _no_break_minus(text: str) -> str:
    """Keep "-$100" on one line: a word joiner after the minus forbids a break there."""
    return text.replace("-$", "-\u2060$")
