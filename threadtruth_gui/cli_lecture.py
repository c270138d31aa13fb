"""`threadtruth lecture [DECK]`: a lecture deck (lecture/deck.py) checked, or opened.

`--check` reads and checks the whole deck without a window: `ok: N slides` and status 0,
or the deck's one error line and status 2. Without DECK, the shipped lecture is used.
"""

from __future__ import annotations

import argparse
import sys

from threadtruth_gui.cli_args import UsageError

EXIT_USAGE = 2


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


def open_lecture(deck: object) -> int:
    """STUB, to be replaced by the lecture view (issue 15's window part): open `deck` in
    the window. Until then it says so in one line and exits with status 2."""
    print("opening a lecture in the window comes with the lecture view", file=sys.stderr)
    return EXIT_USAGE


def _shipped() -> str:
    from threadtruth_gui import assets

    decks = assets.lectures()
    if not decks:  # a broken install: .ci/wheel fails on it
        raise UsageError("no lecture is installed: name a DECK file")
    return str(decks[0])
