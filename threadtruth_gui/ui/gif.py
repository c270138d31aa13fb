"""An animated GIF of a finished run: the timeline redrawn as the run unfolded.

Each frame is the timeline of everything recorded up to that moment, on the run's full time
axis, with the time cursor. `speed` < 1 is slow motion. Frames are paced by wall time, but a
stepped run (the lecturer as the scheduler) gets one frame per step, each shown as long: its
wall time is the lecturer's pauses, and a whole stepped run at delay 0 lasts a few ms.
Each frame's legend is the timeline's own: the states drawn by then. Pillow writes the GIF.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.history import History
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline import TimelineView

MIN_FRAME_S = 0.05  # 20 frames a second at most (viewers slow down faster GIFs)
MAX_FRAMES = 150
HOLD_MS = 2500  # the last frame stays this long before the loop starts again
SIZE = (1280, 420)


STEP_MS = 500  # a stepped run: each step is on screen this long at 1x


def frame_times(timeline: History, speed: float) -> tuple[list[int], int]:
    """The moments to draw (ns) and the delay between frames (ms) for `speed`."""
    steps = step_times(timeline)
    if steps:
        return steps, max(20, round(STEP_MS / speed))
    span_ns = max(timeline.end_ns - timeline.start_ns, 1)
    clip_s = span_ns / 1e9 / speed  # how long the clip plays
    count = max(2, min(MAX_FRAMES, math.ceil(clip_s / MIN_FRAME_S)))
    times = [timeline.start_ns + round(span_ns * i / (count - 1)) for i in range(count)]
    return times, max(20, round(clip_s * 1000 / (count - 1)))


def step_times(timeline: History) -> list[int]:
    """A stepped run's frames: all at the gate before the first step, the moment before each
    next step (the step done), and the end. [] for a run that was not stepped. More steps
    than MAX_FRAMES: evenly chosen ones, and the end."""
    goes = [ev.t_ns for ev in timeline.events if ev.kind == Kind.GO]
    if not goes:
        return []
    times = sorted({max(timeline.start_ns, t - 1) for t in goes} | {timeline.end_ns})
    if len(times) > MAX_FRAMES:
        last = len(times) - 1
        times = [times[round(last * i / (MAX_FRAMES - 1))] for i in range(MAX_FRAMES)]
    return times


def render(
    view: TimelineView, timeline: History, colors: dict[str, Any], speed: float
) -> tuple[list[QImage], int]:
    times, delay_ms = frame_times(timeline, speed)
    end_s = (timeline.end_ns - timeline.start_ns) / 1e9
    images = []
    for t_ns in times:
        lanes = timeline.until(t_ns)
        view.set_lanes(lanes, colors)
        view.set_range(-end_s * 0.02, end_s * 1.04)
        view.set_cursor((t_ns - timeline.start_ns) / 1e9)
        images.append(view.grab().toImage())
    return images, delay_ms


def save(images: Iterable[QImage], path: str | os.PathLike[str], delay_ms: int) -> int:
    frames = [_to_pil(image) for image in images]
    if not frames:
        raise ValueError("no frames to save")
    durations = [delay_ms] * (len(frames) - 1) + [HOLD_MS]
    frames[0].save(
        path, save_all=True, append_images=frames[1:], duration=durations, loop=0, disposal=1
    )
    return len(frames)


def _to_pil(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())
    frame = Image.frombuffer(
        "RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine(), 1
    )
    return frame.quantize(colors=64, method=Image.Quantize.MEDIANCUT)


def write_gif_headless(
    scenario: Scenario, result: RunResult, events: list[Event], path: Path, speed: float
) -> int:
    """The CLI's `run X --gif OUT.gif`: draw the frames offscreen, save; the frame count."""
    app = QApplication.instance() or QApplication([])
    del app  # kept alive by Qt as the instance
    plan = scenario.plan(result.params)
    view = TimelineView()
    view.resize(*SIZE)
    counter = next(iter(plan.counters), None)
    view.set_counter(counter, (counter or "").capitalize(), scenario.counter_format)
    timeline = History(events, events[0].t_ns if events else 0)
    colors = theme.plan_colors(plan)
    view.set_lanes(timeline.until(timeline.end_ns), colors)
    view.resize(SIZE[0], min(SIZE[1], view.sizeHint().height()))
    images, delay_ms = render(view, timeline, colors, speed)
    return save(images, path, delay_ms)
