"""A bad deck's one message: the file, where in it (TOML line and column, or key path), what."""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

from threadtruth_gui.engine.clip import clip

TITLE_SHOWN = 40  # a slide's title in a key path is cut to this many characters


class DeckError(ValueError):
    """What is wrong with a deck, in one line: `file: where: problem` (`file: problem` when
    it is about the file as a whole). `where` is "line 4, column 9" for TOML syntax, else a
    key path such as `slide 4 (“The ATM race”), preset.params.delay`."""

    def __init__(self, file: str, where: str, problem: str) -> None:
        self.file, self.where, self.problem = file, where, problem
        super().__init__(f"{file}: {where}: {problem}" if where else f"{file}: {problem}")


def kind_of(value: Any) -> str:
    """A TOML value's type as a person says it: "a string", "a whole number", ..."""
    if isinstance(value, bool):  # before int: True is an int to Python
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return type(value).__name__


def shown(text: str) -> str:
    """A value of the deck quoted back in a message: in double quotes, clipped."""
    return f'"{clip(text, 60)}"'


def close_ones(word: str, known: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(word, list(known), n=3, cutoff=0.6)


def slide_label(number: int, title: Any) -> str:
    """`slide 4 (“The ATM race”)`, or `slide 4` while its title is not a good one."""
    if isinstance(title, str) and title.strip():
        text = " ".join(title.split())
        if len(text) > TITLE_SHOWN:
            text = text[: TITLE_SHOWN - 1] + "…"
        return f"slide {number} (“{text}”)"
    return f"slide {number}"


@dataclass(frozen=True)
class At:
    """A place in a deck: the file, the slide (its label) and the key path within it;
    `fail` raises its DeckError."""

    file: str
    slide: str = ""
    keys: str = ""

    @property
    def path(self) -> str:
        return ", ".join(part for part in (self.slide, self.keys) if part)

    def key(self, name: str) -> At:
        """The place of key `name` here: `preset` then `params` is `preset.params`."""
        return At(self.file, self.slide, f"{self.keys}.{name}" if self.keys else name)

    def item(self, what: str) -> At:
        """An item of a list here, said in words: `preset.schedule, step 3`."""
        return At(self.file, self.slide, f"{self.keys}, {what}" if self.keys else what)

    def fail(self, problem: str) -> NoReturn:
        raise DeckError(self.file, self.path, problem)

    def need(self, value: Any, kind: type | tuple[type, ...], wanted: str) -> None:
        """Fail with "must be `wanted`, not ..." unless `value` is of `kind` (a bool is
        never a number here)."""
        if isinstance(value, kind) and not (isinstance(value, bool) and bool not in _kinds(kind)):
            return
        self.fail(f"must be {wanted}, not {kind_of(value)}")

    def known_keys(self, table: dict[str, Any], keys: Iterable[str], what: str) -> None:
        """Fail on the first key of `table` not among `keys`: a typo must not pass."""
        keys = list(keys)
        for name in table:
            if name not in keys:
                near = close_ones(name, keys)
                hint = f"did you mean {near[0]}?" if near else f"{what} keys: {', '.join(keys)}"
                self.key(name).fail(f"unknown key {shown(name)} ({hint})")


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)
