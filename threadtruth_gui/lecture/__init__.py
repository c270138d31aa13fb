"""Lectures: a deck of slides (TOML), each with points, notes and a scenario preset; no Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadtruth_gui.lazy import exports

if TYPE_CHECKING:
    from threadtruth_gui.lecture.deck import Deck, Slide, load, loads
    from threadtruth_gui.lecture.errors import DeckError
    from threadtruth_gui.lecture.preset import Preset, run_preset
    from threadtruth_gui.lecture.session import LectureSession, SlideRecord

# the names other layers use, and the module each is defined in (the same as __all__:
# tests/test_contracts.py checks it)
_WHERE = {
    "Deck": "deck",
    "DeckError": "errors",
    "LectureSession": "session",
    "Preset": "preset",
    "Slide": "deck",
    "SlideRecord": "session",
    "load": "deck",
    "loads": "deck",
    "run_preset": "preset",
}
__all__ = [
    "Deck",
    "DeckError",
    "LectureSession",
    "Preset",
    "Slide",
    "SlideRecord",
    "load",
    "loads",
    "run_preset",
]
__getattr__ = exports(__name__, _WHERE)
