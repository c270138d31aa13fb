"""A lecture deck: a TOML file of slides (docs/LECTURES.md), read and checked in full.

Parsed with the standard library's `tomllib`; every key is known (a typo is an error, never
ignored), every preset is checked against its scenario (lecture/preset.py), and the first
fault is one DeckError naming the file, where, and what is wrong.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadtruth_gui.engine.clip import clip
from threadtruth_gui.engine.files import read_regular, short_path
from threadtruth_gui.lecture.errors import At, DeckError, close_ones, kind_of, shown, slide_label
from threadtruth_gui.lecture.preset import Preset, parse_preset

DECK_KEYS = ("title", "author", "slide")
SLIDE_KEYS = ("title", "points", "notes", "preset", "summary")
#: the summary slides the window knows how to fill: "which-tool" is the table of threads,
#: asyncio and processes × I/O-bound, CPU-bound and memory per task, from this lecture's runs
SUMMARIES = ("which-tool",)
MAX_POINTS = 5  # shown at ≥ 20 pt beside a running scenario at 1280×720
MAX_POINT_CHARS = 90  # longer wraps to a third line there; the shipped deck keeps to ~60
MAX_TITLE_CHARS = 80  # a slide's title is read as one or two lines, at 38 pt on its own
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # not text a slide can show (\t, \n are)
MAX_BYTES = 1024 * 1024  # a deck is text: a bigger file is not one
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
# where tomllib says a syntax error is: "... (at line 4, column 9)" or "(at end of document)"
_WHERE_IN_TOML = re.compile(
    r"^(?P<what>.*?) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$", re.S
)


@dataclass(frozen=True)
class Slide:
    """One slide: its 1-based number, title, up to MAX_POINTS points, speaker notes, and a
    preset to run, or (a summary slide) the kind of summary the window fills in."""

    number: int
    title: str
    points: tuple[str, ...] = ()
    notes: str = ""
    preset: Preset | None = None
    summary: str | None = None

    @property
    def label(self) -> str:
        """How a message names it: `slide 4 (“The ATM race”)`."""
        return slide_label(self.number, self.title)


@dataclass(frozen=True)
class Deck:
    """A lecture: a title, an optional author, its slides in order, and the name of the
    file it came from (as messages name it)."""

    title: str
    slides: tuple[Slide, ...]
    author: str = ""
    source: str = ""

    def __len__(self) -> int:
        return len(self.slides)


def load(path: str | os.PathLike[str]) -> Deck:
    """Read and check the deck at `path`; raise DeckError saying what is wrong."""
    name = short_path(str(path))
    return loads(_text(Path(path), name), name)


def loads(text: str, name: str = "the deck") -> Deck:
    """Check the deck in `text`; `name` is how messages name its file."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))  # a BOM, as Windows editors add
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, name) from None
    except RecursionError:  # arrays or tables nested past the parser's reach
        raise DeckError(name, "", "not valid TOML: it nests too deep") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise DeckError(name, "", f"not valid TOML: {clip(str(exc).split(';')[0])}") from None
    at = At(name)
    at.known_keys(data, DECK_KEYS, "a deck's")
    title = _title(data, at, 'the deck has no title (e.g. title = "Threads in Python")')
    author = data.get("author", "")
    at.key("author").need(author, str, "a string")
    slides = data.get("slide", [])
    if not isinstance(slides, list):
        at.key("slide").fail(f"must be [[slide]] tables, not {kind_of(slides)}")
    for number, table in enumerate(slides, 1):
        At(name, f"slide {number}").need(table, dict, "a [[slide]] table")
    if not slides:
        at.fail("no slides: a deck needs at least one [[slide]] table")
    return Deck(
        title,
        tuple(_slide(number, table, name) for number, table in enumerate(slides, 1)),
        author.strip(),
        name,
    )


def _title(table: dict[str, Any], at: At, missing: str) -> str:
    if "title" not in table:
        at.fail(missing)
    title = table["title"]
    here = at.key("title")
    here.need(title, str, "a string")
    if not title.strip():
        here.fail("is empty")
    _text_only(title, here)
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_CHARS:
        here.fail(
            f"{len(title)} characters; a title is at most {MAX_TITLE_CHARS} (say the rest "
            "in the points)"
        )
    return title


def _text_only(text: str, at: At) -> None:
    """No control characters (a NUL, an escape): a slide shows text."""
    bad = _CONTROL.search(text)
    if bad is not None:
        at.fail(f"holds the control character U+{ord(bad.group()):04X}: a slide shows text")


def _slide(number: int, table: dict[str, Any], name: str) -> Slide:
    at = At(name, slide_label(number, table.get("title")))
    at.known_keys(table, SLIDE_KEYS, "a slide's")
    title = _title(table, at, 'no title (every slide needs one, e.g. title = "The ATM race")')
    points = _points(table.get("points", []), at)
    notes = table.get("notes", "")
    at.key("notes").need(notes, str, "a string")
    _text_only(notes, at.key("notes"))
    summary = table.get("summary")
    if summary is not None:
        here = at.key("summary")
        here.need(summary, str, "a string")
        if summary not in SUMMARIES:
            near = close_ones(summary, SUMMARIES)
            hint = f"did you mean {near[0]}?" if near else f"the summaries: {', '.join(SUMMARIES)}"
            here.fail(f"unknown summary {shown(summary)} ({hint})")
        if "preset" in table:
            here.fail("a summary slide has no preset: the window fills it with its table")
    preset = parse_preset(table["preset"], at.key("preset")) if "preset" in table else None
    return Slide(number, title, points, _paragraphs(notes), preset, summary)


def _paragraphs(text: str) -> str:
    """Notes as paragraphs: a TOML file wraps its lines to fit an editor, the presenter
    view wraps them to fit its own width; only a blank line starts a new paragraph."""
    paragraphs = (" ".join(p.split()) for p in _BLANK_LINE.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _points(value: Any, at: At) -> tuple[str, ...]:
    at.key("points").need(value, list, 'a list of strings, e.g. points = ["one", "two"]')
    if len(value) > MAX_POINTS:
        at.key("points").fail(
            f"{len(value)} points; a slide shows at most {MAX_POINTS} beside its run "
            "(split it in two)"
        )
    points = []
    for number, point in enumerate(value, 1):
        here = at.item(f"point {number}")
        here.need(point, str, "a string")
        _text_only(point, here)
        text = " ".join(point.split())
        if not text:
            here.fail("is empty")
        if len(text) > MAX_POINT_CHARS:
            here.fail(
                f"{len(text)} characters; a point is at most {MAX_POINT_CHARS} "
                "(it is read at 20 pt beside a run): say less, or move it to the notes"
            )
        points.append(text)
    return tuple(points)


def _syntax_error(exc: tomllib.TOMLDecodeError, name: str) -> DeckError:
    """tomllib's message ("Expected '=' after a key ... (at line 4, column 9)") as ours:
    the place first, then what is wrong."""
    message = str(exc)
    match = _WHERE_IN_TOML.match(message)
    if match is None:
        return DeckError(name, "", f"not valid TOML: {message}")
    what = match["what"]
    what = what[:1].lower() + what[1:]
    if match["line"] is None:
        return DeckError(name, "at the end", f"not valid TOML: {what}")
    where = f"line {match['line']}, column {match['col']}"
    return DeckError(name, where, f"not valid TOML: {what}")


def _text(path: Path, name: str) -> str:
    """The file's text: a regular file (a FIFO is never waited on: looked at, opened
    without blocking, looked at again), at most MAX_BYTES, UTF-8."""
    try:  # (the file may have grown since it was looked at: MAX_BYTES + 1 tells)
        raw = read_regular(path, MAX_BYTES + 1, lambda mode: _not_regular(name, mode))
    except OSError as exc:
        raise DeckError(name, "", f"cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise DeckError(name, "", f"too large for a deck (over {MAX_BYTES:,} bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        why = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): save it as UTF-8"
        raise DeckError(name, f"line {line}", why) from None


def _not_regular(name: str, mode: int) -> DeckError:
    if stat.S_ISDIR(mode):
        return DeckError(name, "", "is a folder, not a deck")
    return DeckError(name, "", "is not a regular file, not a deck")  # a pipe, a device
