"""Input quoted back in a message, kept short: a 100 kB argument is not a 100 kB line."""

from __future__ import annotations

from typing import Any

KEEP = 200  # at most this many characters of the input are quoted


def clip(value: Any, keep: int = KEEP) -> str:
    """`str(value)` as it is if short; else its start and end around "…", with its length."""
    text = str(value)
    if len(text) <= keep:
        return text
    half = (keep - 1) // 2
    return f"{text[:half]}…{text[-half:]} ({len(text):,} characters)"


def quoted(value: Any, keep: int = KEEP) -> str:
    """`repr(value)` clipped: how an error names the value it refuses."""
    return clip(repr(value), keep)
