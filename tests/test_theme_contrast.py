"""Themes keep every glyph: each text role has a colour in each theme, with enough contrast
(WCAG 2: 4.5:1, 7:1 in high contrast), and the window really draws it that way.

The first tests read the role table the app paints from (theme.ROLES); the rendered ones
grab the real window offscreen and measure the pixels, because a good table is no use if
a widget never receives its colours (the code pane once kept a white base in high
contrast, so white string literals vanished).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from threadtruth_gui.ui import theme

THEMES = list(theme.THEMES)


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(color: QColor) -> float:
    """WCAG 2 relative luminance."""
    r, g, b = (_linear(c) for c in (color.redF(), color.greenF(), color.blueF()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def minimum(theme_name: str) -> float:
    return 7.0 if theme_name == "high-contrast" else 4.5


def test_the_formula_matches_wcag() -> None:
    assert contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("white")) == pytest.approx(4.48, abs=0.01)


def test_every_theme_defines_the_same_colours() -> None:
    keys = [set(colors) for colors in theme.THEMES.values()]
    assert all(k == keys[0] for k in keys), "a colour is missing from some theme"


@pytest.mark.parametrize("theme_name", THEMES)
def test_every_role_has_colours_with_enough_contrast(theme_name: str) -> None:
    colors = theme.THEMES[theme_name]
    assert theme.MIN_CONTRAST[theme_name] >= minimum(theme_name)
    too_low = []
    for name, role in theme.ROLES.items():
        assert role.fg in colors, f"{theme_name}: role {name} has no colour {role.fg}"
        assert role.bg in colors, f"{theme_name}: role {name} has no colour {role.bg}"
        ratio = contrast(QColor(colors[role.fg]), QColor(colors[role.bg]))
        if ratio < minimum(theme_name):
            too_low.append(f"{name} ({role.where}): {role.fg} on {role.bg} = {ratio:.2f}")
    assert not too_low, f"{theme_name}: " + "; ".join(too_low)


def test_the_roles_cover_what_the_lecturer_sees() -> None:
    needed = {
        "code", "code_keyword", "code_string", "code_comment", "code_number", "muted",
        "window", "status", "status_error", "list_title", "list_summary",
        "list_title_selected", "toolbar", "button", "button_checked", "input", "menu",
        "tooltip", "dialog", "verdict_good", "verdict_bad", "card", "narration", "timeline",
    }  # fmt: skip
    assert needed <= set(theme.ROLES)


def test_strings_and_comments_do_not_look_like_plain_code() -> None:
    for name, colors in theme.THEMES.items():
        assert colors["STRING"] != colors["TEXT"], name
        assert colors["COMMENT"] != colors["TEXT"], name


def test_span_labels_on_the_timeline_are_legible_in_every_theme() -> None:
    # the timeline writes a state's name in dark ink on a light box over the span, the
    # same in every theme; the box is 225/255 white over the darkest state colour
    from threadtruth_gui.ui.timeline import frame as timeline

    box = timeline.TEXT_BOX
    a = box.alphaF()
    for style in theme.STATE_STYLES.values():
        under = style.color
        mixed = QColor.fromRgbF(
            a * box.redF() + (1 - a) * under.redF(),
            a * box.greenF() + (1 - a) * under.greenF(),
            a * box.blueF() + (1 - a) * under.blueF(),
        )
        assert contrast(timeline.INK, mixed) >= 7.0, style.label


# -- rendered: the real window, grabbed offscreen -----------------------------------------


def _ink_and_paper(image: QImage, rect: QRect) -> tuple[QColor, float]:
    """The background (the commonest colour in `rect`) and the best contrast any pixel
    there has with it: antialiased glyphs reach their full colour in their strokes."""
    rect = rect.intersected(image.rect())
    assert rect.width() > 4 and rect.height() > 4, "nothing to sample"
    counts: Counter[int] = Counter()
    for y in range(rect.top(), rect.bottom() + 1):
        for x in range(rect.left(), rect.right() + 1):
            counts[image.pixel(x, y)] += 1
    paper = QColor.fromRgb(counts.most_common(1)[0][0])
    best = max(contrast(QColor.fromRgb(rgb), paper) for rgb in counts)
    return paper, best


def _close(a: QColor, b: QColor, tolerance: int = 12) -> bool:
    return all(
        abs(x - y) <= tolerance
        for x, y in zip((a.red(), a.green(), a.blue()), (b.red(), b.green(), b.blue()), strict=True)
    )


def _in_window(window: QWidget, widget: QWidget, rect: QRect | None = None) -> QRect:
    rect = widget.rect() if rect is None else rect
    return QRect(widget.mapTo(window, rect.topLeft()), rect.size())


@pytest.fixture(params=THEMES)
def themed(request: pytest.FixtureRequest, qtbot, window) -> Iterator[tuple[str, QWidget]]:  # type: ignore[no-untyped-def]
    name: str = request.param
    window.select("bank-race")
    window.presenter.set_theme(name)
    window.show_status("Finished in 1.00 s · 33 events recorded. Space runs again.")
    QApplication.processEvents()
    yield name, window


def _literal_rect(window, text: str) -> QRect:  # type: ignore[no-untyped-def]
    """Where `text` is drawn in the code pane's viewport (it must be in view)."""
    code = window.code
    found = code.document().find(text)
    assert not found.isNull(), f"{text!r} is not in the code pane"
    start = QTextCursor(found)
    start.setPosition(found.selectionStart())
    left = code.cursorRect(start)
    right = code.cursorRect(found)
    rect = QRect(left.topLeft(), QPoint(right.left(), left.bottom()))
    assert code.viewport().rect().contains(rect), f"{text!r} is scrolled out of view"
    return rect


@pytest.mark.parametrize("literal", ['"checked"', "# processing"])
def test_string_literals_and_comments_are_drawn_visibly(themed, literal: str) -> None:  # type: ignore[no-untyped-def]
    name, window = themed
    code = window.code
    image = code.viewport().grab().toImage()
    paper, best = _ink_and_paper(image, _literal_rect(window, literal))
    colors = theme.THEMES[name]
    assert _close(paper, QColor(colors["BG"])), f"{name}: code background {paper.name()}"
    assert best >= minimum(name), f"{name}: {literal} drawn at {best:.2f}:1"


def _check_text(window: QWidget, widget: QWidget, name: str, paper_key: str) -> None:
    image = window.grab().toImage()
    paper, best = _ink_and_paper(image, _in_window(window, widget))
    want = QColor(theme.THEMES[name][paper_key])
    assert _close(paper, want), f"{name}: {widget!r} on {paper.name()}, not {want.name()}"
    assert best >= minimum(name), f"{name}: {widget!r} text at {best:.2f}:1"


def test_code_header_and_status_bar_are_legible(themed) -> None:  # type: ignore[no-untyped-def]
    name, window = themed
    header = next(w for w in window.findChildren(QLabel) if w.text() == "Code that runs")
    _check_text(window, header, name, "PANEL")
    _check_text(window, window.statusBar(), name, "PANEL")
    window.show_error("The run stopped: an example error")
    QApplication.processEvents()
    _check_text(window, window.statusBar(), name, "PANEL")
    image = window.grab().toImage()
    paper, _ = _ink_and_paper(image, _in_window(window, window.statusBar()))
    ink = QColor(theme.THEMES[name]["BAD"])
    assert contrast(ink, paper) >= minimum(name)


def test_scenario_list_and_parameter_bar_take_the_theme(themed) -> None:  # type: ignore[no-untyped-def]
    name, window = themed
    listed = window.scenario_list
    first = listed.visualItemRect(listed.item(0))
    second = listed.visualItemRect(listed.item(1))  # not selected
    image = window.grab().toImage()
    for rect, key in ((first, "SELECTED"), (second, "BG")):
        paper, best = _ink_and_paper(image, _in_window(window, listed.viewport(), rect))
        want = QColor(theme.THEMES[name][key])
        assert _close(paper, want), f"{name}: scenario list item on {paper.name()}"
        assert best >= minimum(name)
    label = next(w for w in window.settings_bar.findChildren(QLabel) if "delay" in w.text().lower())
    _check_text(window, label, name, "PANEL")
    lock = window.settings_bar.findChild(QWidget, "param_lock")
    assert lock is not None
    _check_text(window, lock, name, "PANEL")
    _check_text(window, window.settings_bar, name, "PANEL")


def test_code_colours_follow_a_theme_switch_and_not_only_by_hue(themed) -> None:  # type: ignore[no-untyped-def]
    name, window = themed

    def format_at(text: str):  # type: ignore[no-untyped-def]
        found = window.code.document().find(text)
        block = found.block()
        offset = found.selectionStart() - block.position()
        parts = block.layout().formats()  # kept alive while a format is copied out
        for part in parts:
            if part.start <= offset < part.start + part.length:
                return QTextCharFormat(part.format)
        raise AssertionError(f"{text!r} is not highlighted")

    string, comment, keyword = format_at('"checked"'), format_at("# processing"), format_at("if")
    assert string.foreground().color().name() == theme.THEMES[name]["STRING"].lower()
    assert comment.foreground().color().name() == theme.THEMES[name]["COMMENT"].lower()
    assert comment.fontItalic() and keyword.fontWeight() >= 700


def test_task_cards_keep_their_text_legible_after_a_theme_switch(themed) -> None:  # type: ignore[no-untyped-def]
    name, window = themed  # the cards were built in the light theme, then it switched
    for card in window.cards.values():  # B's colour is orange: too light for text on white
        _check_text(window, card.header, name, "BG")
        _check_text(window, card.status, name, "BG")


def test_editable_fields_have_a_visible_border(themed) -> None:  # type: ignore[no-untyped-def]
    """A number box must not read as a plain label ("Balance: 1000"): across its left edge
    some pixel contrasts with the row's background by 3:1 (WCAG 1.4.11, UI components)."""
    name, window = themed
    image = window.grab().toImage()
    paper = QColor(theme.THEMES[name]["PANEL"])
    for field_name in ("param_balance", "param_amounts"):
        field = window.settings_bar.findChild(QWidget, field_name)
        assert field is not None and field.isVisible()
        rect = _in_window(window, field)
        y = rect.center().y()
        best = max(
            contrast(image.pixelColor(x, y), paper) for x in range(rect.left(), rect.left() + 4)
        )
        assert best >= 3.0, f"{name}: {field_name}'s border is {best:.2f}:1 on the row"
