"""The code pane's colours are Python's own reading of the text (pygments), not a regex's."""

from __future__ import annotations

from PySide6.QtGui import QTextCharFormat

from threadtruth_gui.ui import theme
from threadtruth_gui.ui.widgets.code_pane import CodePane

SOURCE = '''def report(name):
    note = "total # of files"  # counted once
    doc = """a string
    over # two lines"""
    return f"{name}: #{len(note)}" if note else None
'''


def _colour_at(pane: CodePane, text: str, nth: int = 0) -> str | None:
    """The foreground colour of the first character of `text` (its nth match), or None."""
    found = pane.document().find(text)
    for _ in range(nth):
        found = pane.document().find(text, found)
    assert not found.isNull(), text
    block = found.block()
    offset = found.selectionStart() - block.position()
    parts = block.layout().formats()  # kept alive while a format is copied out
    for part in parts:
        if part.start <= offset < part.start + part.length:
            return QTextCharFormat(part.format).foreground().color().name()
    return None


def test_a_hash_in_a_string_is_the_string_and_not_a_comment(qtbot) -> None:  # type: ignore[no-untyped-def]
    pane = CodePane()
    qtbot.addWidget(pane)
    pane.setPlainText(SOURCE)
    string, comment = theme.fg("code_string").name(), theme.fg("code_comment").name()
    keyword = theme.fg("code_keyword").name()
    assert _colour_at(pane, "# of files") == string
    assert _colour_at(pane, "of files") == string
    assert _colour_at(pane, "# counted") == comment
    assert _colour_at(pane, "over # two") == string  # the second line of a string
    assert _colour_at(pane, "#{len") == string
    assert _colour_at(pane, "return") == keyword
    assert _colour_at(pane, "report") is None  # a name keeps the text's own colour
