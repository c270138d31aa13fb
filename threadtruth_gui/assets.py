"""The one place that finds the app's non-code files: the top-level resources/ folder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

#: the package resources/ is installed as (pyproject.toml's package-dir), by a wheel and by
#: an editable install alike
PACKAGE = "threadtruth_gui.resources"
#: the sizes of the icon's PNGs (rendered from the SVG beside them)
ICON_SIZES = (16, 32, 48, 64, 128, 256)
# a line of resources/examples/README that names a sample run: "<file>.ttrun: <title> — ..."
_EXAMPLE_LINE = re.compile(r"^(?P<file>[\w.-]+\.ttrun):\s*(?P<title>.+?)\s+—\s")
# a line of it that names an example program to trace: "<file>.py: <title> — ..."
_PROGRAM_LINE = re.compile(r"^(?P<file>[\w.-]+\.py):\s*(?P<title>.+?)\s+—\s")


def root() -> Traversable:
    """The resources folder: beside the package in a source checkout (plain, or installed
    editable), else the installed package's copy."""
    checkout = Path(__file__).resolve().parent.parent
    # a checkout is told by its pyproject.toml, so that a stray `resources` folder in
    # site-packages is never taken for ours
    if (checkout / "pyproject.toml").is_file() and (checkout / "resources").is_dir():
        return checkout / "resources"
    return resources.files(PACKAGE)


def fonts() -> Traversable:
    """The folder of the pinned DejaVu fonts (and their LICENSE)."""
    return root() / "fonts"


def icon_svg() -> Traversable:
    return root() / "icons" / "threadtruth.svg"


def icon_png(size: int) -> Traversable:
    """The icon rendered at `size`×`size` pixels, one of ICON_SIZES."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; the sizes are {ICON_SIZES}")
    return root() / "icons" / f"threadtruth-{size}.png"


def desktop_file() -> Traversable:
    return root() / "threadtruth.desktop"


#: the lecture `threadtruth lecture` opens when given no deck (resources/lectures/)
DEFAULT_LECTURE = "threads-in-python.toml"


def lectures() -> list[Traversable]:
    """The shipped lecture decks (resources/lectures/*.toml), the default one first, then
    by file name; none if the folder is missing (.ci/wheel fails on it)."""
    folder = root() / "lectures"
    if not folder.is_dir():
        return []
    decks = [f for f in folder.iterdir() if f.name.endswith(".toml") and f.is_file()]
    return sorted(decks, key=lambda f: (f.name != DEFAULT_LECTURE, f.name))


@dataclass(frozen=True)
class Example:
    """A sample run (a .ttrun file, titled as File ▸ Examples lists it) or an example
    program to trace (a .py file), with its title from resources/examples/README."""

    title: str
    file: Traversable


def examples() -> list[Example]:
    """The sample runs, in the order resources/examples/README lists them (it titles them);
    none if that README is missing (the window still opens; .ci/wheel fails on it)."""
    return _listed(_EXAMPLE_LINE)


def programs() -> list[Example]:
    """The example programs to trace (`threadtruth trace`), in the order
    resources/examples/README lists them, with their titles; none if that README is
    missing."""
    return _listed(_PROGRAM_LINE)


def _listed(shape: re.Pattern[str]) -> list[Example]:
    """The files of resources/examples whose README line has `shape`, titled by it."""
    folder = root() / "examples"
    index = folder / "README"
    if not index.is_file():
        return []
    found = []
    for line in index.read_text(encoding="utf-8").splitlines():
        match = shape.match(line)
        if match:
            found.append(Example(match["title"], folder / match["file"]))
    return found
