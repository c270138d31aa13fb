"""`threadtruth lecture [DECK]`: a lecture deck (lecture/deck.py) checked, or opened;
`threadtruth handout DECK OUT_DIR`: its handout, from runs made now (lecture/handout.py).

`--check` reads and checks the whole deck without a window: `ok: N slides` and status 0,
or the deck's one error line and status 2. Without it the window opens on the deck's first
slide, in the lecture preset, with the presenter view (ui/window/lecture.py). Without DECK,
the shipped lecture is used.
"""

from __future__ import annotations

import argparse
import sys
import time
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


def cmd_handout(args: argparse.Namespace) -> int:
    """Check the deck and OUT_DIR (nothing runs if either is wrong), run every preset with
    its progress on stderr, draw and write the page; print the page's path."""
    from threadtruth_gui.lecture import DeckError, load
    from threadtruth_gui.lecture.handout import HandoutError, check_out_dir, run_deck

    try:
        deck = load(args.deck)
        check_out_dir(args.out_dir)
    except (DeckError, HandoutError) as exc:
        raise UsageError(str(exc)) from None
    progress = _Progress()
    try:
        runs = run_deck(deck, progress)
        progress.start("pictures and page")
        from threadtruth_gui.ui.handout import export_handout

        index = export_handout(deck, args.out_dir, runs, during_lecture=False)
        progress.done()
    except HandoutError as exc:  # the folder changed while the runs ran
        progress.cut()
        raise UsageError(str(exc)) from None
    except BaseException:
        progress.cut()
        raise
    print(index)
    return 0


class _Progress:
    """`slide 4/18: bank-race… 1.0 s` on stderr, one line a run."""

    def __init__(self) -> None:
        self.started = 0.0
        self.open = False  # a line is begun and not ended

    def __call__(self, slide: object, total: int, scenario: str, took: float | None) -> None:
        if took is None:
            self.start(f"slide {getattr(slide, 'number', '?')}/{total}: {scenario}")
        else:
            self.done(took)

    def start(self, what: str) -> None:
        self.started = time.monotonic()
        print(f"{what}…", end="", file=sys.stderr, flush=True)
        self.open = True

    def done(self, took: float | None = None) -> None:
        took = time.monotonic() - self.started if took is None else took
        print(f" {took:.1f} s", file=sys.stderr, flush=True)
        self.open = False

    def cut(self) -> None:
        """End a begun line, so an error or ^C starts a line of its own."""
        if self.open:
            print(file=sys.stderr, flush=True)
            self.open = False


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
