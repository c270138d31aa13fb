"""The handout's pictures (Qt, offscreen) and `export_handout`, which File ▸ Export handout
and `threadtruth handout` call; the page itself is lecture/handout.py (no Qt there).

Each run is drawn from its own events, so the picture is of the run whose numbers the
page shows, never a second run: a PNG of the timeline at the run's end, and for a race an
animated GIF of it unfolding (ui/gif.py).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from pathlib import Path

from threadtruth_gui.lecture.deck import Deck, Slide
from threadtruth_gui.lecture.handout import write_handout
from threadtruth_gui.lecture.handout_page import Picture, SlideRun

#: the scenarios whose point is an interleaving: their handout has the GIF as well
RACES = ("bank-race", "bank-deposit", "asyncio-race", "lost-updates")
GIF_SPEED = 1.0  # real time; a stepped run gets one frame per step (ui/gif.py)


def export_handout(
    deck: Deck,
    out_dir: str | os.PathLike[str],
    runs: Mapping[int, SlideRun],
    votes: Mapping[int, Mapping[object, int]] | None = None,
    *,
    during_lecture: bool = True,
    ran_on: datetime.date | None = None,
) -> Path:
    """Write `deck`'s handout with `runs` ({index in deck.slides: (RunResult, Lanes,
    events)}) and the class's `votes` ({index: {choice: votes}}) to `out_dir`; the path
    of its index.html. Raises lecture.handout.HandoutError for a folder it must not use."""
    _application()
    return write_handout(
        deck,
        out_dir,
        runs,
        votes,
        draw_pictures,
        during_lecture=during_lecture,
        ran_on=ran_on,
    )


def _application() -> None:
    """A QApplication to draw with: the window's own, or (the CLI) an offscreen one."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a handout needs no display
    from threadtruth_gui.ui.qtapp import application

    application()


def draw_pictures(slide: Slide, run: SlideRun, folder: Path, stem: str) -> list[Picture]:
    """`stem`.png, the timeline at the run's end, and for a race `stem`.gif; [] for a run
    that recorded nothing."""
    from threadtruth_gui.scenarios import get
    from threadtruth_gui.ui.gif import SIZE, write_gif_headless
    from threadtruth_gui.ui.theme import plan_colors
    from threadtruth_gui.ui.timeline import TimelineView

    result, lanes, events = run
    if not events:
        return []
    scenario = get(result.scenario)
    plan = scenario.plan(result.params)
    view = TimelineView()
    try:
        counter = next(iter(plan.counters), None)
        view.set_counter(counter, (counter or "").capitalize(), scenario.counter_format)
        view.set_lanes(lanes, plan_colors(plan))
        view.resize(SIZE[0], min(SIZE[1], view.sizeHint().height()))
        end_s = (events[-1].t_ns - events[0].t_ns) / 1e9
        view.set_range(-end_s * 0.02, end_s * 1.04)  # as the GIF frames it
        png = f"{stem}.png"
        if not view.grab().save(str(folder / png), "PNG"):
            raise OSError(f"cannot write {png}")
    finally:
        view.deleteLater()
    what = f"{scenario.title}: the timeline of this run, at its end"
    pictures = [Picture(png, what)]
    if result.scenario in RACES and not result.cancelled:
        gif = f"{stem}.gif"
        write_gif_headless(scenario, result, events, folder / gif, GIF_SPEED)
        pictures.append(Picture(gif, f"{scenario.title}: this run as it unfolded", True))
    return pictures
