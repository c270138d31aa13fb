"""The sample runs in resources/: each one is listed in File ▸ Examples, opens in the window
from there with its famous verdict, and the icon and .desktop file are where the app and the
desktop look for them."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMenu

from threadtruth_gui import assets

#: title in File ▸ Examples -> (scenario, verdict headline shown, whether the verdict is good)
EXPECTED = {
    "The −$100 race": ("bank-race", "Overdraft: -$100", False),
    "The bytecode lost update": ("bank-race", "Lost update: $400", False),
    "The deadlock cycle": ("deadlock", "Deadlock", False),
}


def _examples_menu(window: Any) -> QMenu:
    file_menu = window.menuBar().actions()[0].menu()
    titles = [a.text() for a in file_menu.actions()]
    found = [a.menu() for a in file_menu.actions() if a.text() == "&Examples"]
    assert found, f"no File ▸ Examples in {titles}"
    # right below Open run…, where a user looks for runs to open
    assert titles.index("&Examples") == titles.index("&Open run…") + 1
    return found[0]


def test_every_sample_run_is_listed_by_title() -> None:
    listed = assets.examples()
    assert [e.title for e in listed] == list(EXPECTED)
    files = sorted(p.name for p in Path(str(assets.root() / "examples")).glob("*.ttrun"))
    assert sorted(e.file.name for e in listed) == files  # none unlisted, none missing


@pytest.mark.parametrize("title", list(EXPECTED))
def test_each_example_opens_from_the_menu_with_its_verdict(make_window: Any, title: str) -> None:
    window = make_window()
    listed = _examples_menu(window).actions()
    # the sample runs, then a section of the example programs (tests/test_ui_trace.py)
    runs = listed[: next((i for i, a in enumerate(listed) if a.isSeparator()), len(listed))]
    actions = {a.text(): a for a in runs}
    assert list(actions) == list(EXPECTED)
    actions[title].trigger()  # what a click on it does
    scenario, headline, good = EXPECTED[title]
    assert window.opened is not None, window.statusBar().currentMessage()
    assert window.scenario.id == scenario
    shown = window.verdict.verdict
    assert shown is not None and shown.headline.startswith(headline) and shown.good is good
    assert window.opened.schedule or scenario == "deadlock"  # the races are stepped, not luck
    assert "Saved run" in window.statusBar().currentMessage()


def test_the_icon_and_desktop_file_are_shipped() -> None:
    assert b"<svg" in assets.icon_svg().read_bytes()
    for size in assets.ICON_SIZES:
        png = assets.icon_png(size).read_bytes()
        assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == size
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read_string(assets.desktop_file().read_text(encoding="utf-8"))
    desktop = entry["Desktop Entry"]
    assert (desktop["Type"], desktop["Exec"], desktop["Icon"]) == (
        "Application",
        "threadtruth",
        "threadtruth",
    )
    assert desktop["Categories"] == "Education;Development;"


def test_the_app_icon_has_every_drawn_size(qapp: Any) -> None:
    from threadtruth_gui.ui import qtapp

    icon = qtapp._icon()  # what application() gives every window
    sizes = sorted(s.width() for s in icon.availableSizes())
    assert sizes == list(assets.ICON_SIZES)  # Qt picks a drawn size, not one scaled


def test_a_plain_checkout_finds_the_resources_beside_the_package() -> None:
    # no site-packages (-S): nothing installed, not even an editable finder, can answer
    root = Path(__file__).resolve().parent.parent
    code = "from threadtruth_gui import assets; print(assets.root()); print(len(assets.examples()))"
    done = subprocess.run(
        [sys.executable, "-S", "-c", code],
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout.split() == [str(root / "resources"), str(len(EXPECTED))]
