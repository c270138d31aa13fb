"""`threadtruth lecture [DECK]`: a lecture deck (lecture/deck.py) checked, or opened.

`--check` reads and checks the whole deck without a window: `ok: N slides` and status 0,
or the deck's one error line and status 2. Without it the window opens on the deck's first
slide, in the lecture preset, with the presenter view (ui/window/lecture.py). Without DECK,
the shipped lecture is used.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from threadtruth_gui.cli_args import UsageError, check_display

if TYPE_CHECKING:
    from threadtruth_gui.lecture import Deck


def cmd_lecture(args: argparse.Namespace) -> int:
    from threadtruth_gui.lecture import DeckError, load

    path = args.deck if args.deck is not None else _shipped()
    try:
        deck = load(path)
    except DeckError as exc:
        raise UsageError(str(exc)) from None
    if args.check:
        print(f"ok: {len(deck)} slide{'' if len(deck) == 1 else 's'}")
        return 0
    return open_lecture(deck)


def open_lecture(deck: Deck) -> int:
    """Open the window on `deck` (cli.main sends `lecture` without --check through
    `shutdown.deferred()`, as it does `gui`: a signal closes the window once it is made)."""
    check_display()
    from threadtruth_gui.ui.app import run_app

    return run_app(lecture=deck)


def _shipped() -> str:
    from threadtruth_gui import assets

    decks = assets.lectures()
    if not decks:  # a broken install: .ci/wheel fails on it
        raise UsageError("no lecture is installed: name a DECK file")
    return str(decks[0])
