"""The lecture handout: a deck's slides with their runs, written as one self-contained page.

OUT_DIR/index.html and its pictures (relative files beside it), no JavaScript, no URL that
leaves the folder: it opens from a USB stick. The page itself is lecture/handout_page.py;
the pictures are drawn by a `Pictures` function the caller passes (Qt: ui/handout.py), as
this package imports no Qt. Everything is written to a staging folder inside OUT_DIR and
moved into place at the end, so an interrupted export leaves no half-written handout.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from threadtruth_gui.engine.files import read_regular, short_path
from threadtruth_gui.lecture.deck import Deck, Slide
from threadtruth_gui.lecture.handout_page import GENERATOR, Picture, Runs, SlideRun, Votes, page
from threadtruth_gui.lecture.preset import run_preset

INDEX = "index.html"
STAGING_PREFIX = ".handout-"  # the staging folder inside OUT_DIR, gone when done
#: the files a handout owns in its folder: replaced, with index.html, by the next export
OWNED = re.compile(r"slide-\d+(?:-[a-z]+)?\.(?:png|gif)")

#: draws a slide's pictures into a folder: (slide, its run, the folder, file stem) → pictures
Pictures = Callable[[Slide, SlideRun, Path, str], list[Picture]]
#: told of each run: (slide, how many slides, scenario id) before, then the seconds it took
Progress = Callable[[Slide, int, str, float | None], None]


class HandoutError(ValueError):
    """Why a handout cannot be written there, in one line."""


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """OUT_DIR as a path a handout may be written to: missing (it is made), empty, or a
    previous handout (it has an index.html); a file or another folder with things in it
    is refused, before anything runs."""
    path = Path(out_dir)
    name = short_path(str(path))
    if path.is_dir():
        try:
            names = os.listdir(path)
        except OSError as exc:
            raise HandoutError(f"cannot write a handout in {name}: {exc.strerror or exc}") from None
        names = [n for n in names if not n.startswith(STAGING_PREFIX)]
        if names and not _is_handout(path / INDEX):
            raise HandoutError(
                f"{name} has files and is not a handout (no {INDEX} written by threadtruth): "
                "name a new or empty folder"
            )
        if not os.access(path, os.W_OK | os.X_OK):
            raise HandoutError(f"cannot write a handout in {name}: permission denied")
        return path
    if path.exists() or path.is_symlink():
        raise HandoutError(f"{name} is a file, not a folder: name a new or empty folder")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise HandoutError(f"cannot make {name}: {short_path(str(parent))} is not a folder")
    return path


def _is_handout(index: Path) -> bool:
    """Whether `index` is a page a handout wrote (its generator line), not someone's site."""
    try:
        head = read_regular(index, 4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}">' in head


def run_deck(deck: Deck, progress: Progress | None = None) -> dict[int, SlideRun]:
    """Run every slide's preset headless, in order (its schedule played): {index: run}."""
    runs: dict[int, SlideRun] = {}
    for index, slide in enumerate(deck.slides):
        if slide.preset is None:
            continue
        if progress is not None:
            progress(slide, len(deck), slide.preset.scenario, None)
        started = time.monotonic()
        runs[index] = run_preset(slide.preset)
        if progress is not None:
            progress(slide, len(deck), slide.preset.scenario, time.monotonic() - started)
    return runs


def write_handout(
    deck: Deck,
    out_dir: str | os.PathLike[str],
    runs: Runs,
    votes: Votes | None = None,
    pictures: Pictures | None = None,
    *,
    during_lecture: bool = True,
    ran_on: datetime.date | None = None,
) -> Path:
    """Write the handout of `deck` with `runs` (and the class's `votes`) to `out_dir`;
    the path of its index.html. `pictures` draws each run's images (none without it).
    `during_lecture`: the runs are the lecture's own (the window's), not made for it."""
    path = check_out_dir(out_dir)
    made = not path.exists()
    path.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=path))
    try:
        shown: dict[int, list[Picture]] = {}
        for index, run in sorted(runs.items()):
            if pictures is not None and 0 <= index < len(deck.slides):
                shown[index] = pictures(deck.slides[index], run, staging, f"slide-{index + 1:02d}")
        html = page(deck, runs, votes or {}, shown, during_lecture, ran_on or datetime.date.today())
        (staging / INDEX).write_text(html, encoding="utf-8")
        for old in os.listdir(path):  # the previous handout's pictures
            if OWNED.fullmatch(old):
                (path / old).unlink(missing_ok=True)
        for new in sorted(os.listdir(staging), key=lambda n: n == INDEX):
            os.replace(staging / new, path / new)  # index.html last: the page ends it
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if made:
            shutil.rmtree(path, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return path / INDEX
