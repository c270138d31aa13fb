"""What one paint of the timeline needs: the fonts and brushes, caches, and the frame."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter

from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.lanes import Lane, Lanes, Span
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.timeline.layout import Geo, Summary

AXIS_PT = 14.0  # tick labels: the smallest text, still 14 pt for a shared screen
TEXT_BOX = QColor(255, 255, 255, 225)  # behind span text so the patterns don't garble it
INK = QColor("#1B1F24")  # text on a light box or chip: dark in every theme
FINAL_W = 8.0  # px: final states are instants; a cap makes them visible and hoverable
FALLBACK = theme.StateStyle("?", theme.MUTED, Qt.BrushStyle.NoBrush)
LEFT, VCENTER, CENTER = (
    Qt.AlignmentFlag.AlignLeft,
    Qt.AlignmentFlag.AlignVCenter,
    Qt.AlignmentFlag.AlignCenter,
)
Rects = dict[str, list[QRectF]]  # by state
CounterLines = dict[bool, list[QLineF]]  # the counter's steps, keyed by "below zero"
CounterLabels = list[tuple[QRectF, float, str]]  # where, which value, its text
Style = tuple[theme.StateStyle, QBrush, QBrush]  # a state's style, fill and pattern


def style_brushes(style: theme.StateStyle) -> Style:
    # The pattern needs contrast with its own fill: darker on light colours, grey on black.
    c = style.color
    ink = c.darker(170) if c.lightness() > 60 else QColor("#8C959F")
    return style, QBrush(c), QBrush(ink, style.pattern)


def pale(c: QColor, keep: float = 0.35) -> QColor:
    """`c` mixed with white: the not-yet-received part of a download, finished tasks."""
    return QColor(*(round(255 - keep * (255 - v)) for v in (c.red(), c.green(), c.blue())))


class Look:
    """The fonts, their metrics and the state brushes: rebuilt when the text scale changes."""

    def __init__(self, font: QFont) -> None:
        self.styles = {s: style_brushes(st) for s, st in theme.STATE_STYLES.items()}
        self.pale = {s: QBrush(pale(st.color)) for s, st in theme.STATE_STYLES.items()}
        self.fail_brush = QBrush(theme.STATE_STYLES[State.FAILED].color)
        self.refont(font)

    def refont(self, font: QFont) -> None:
        """New text sizes (the presenter's scale); the state brushes stay as they were."""
        self.font = QFont(font)
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.axis_font = theme.body_font(AXIS_PT)
        self.fm, self.fm_bold = QFontMetricsF(self.font), QFontMetricsF(self.bold)
        self.fm_axis = QFontMetricsF(self.axis_font)
        self._name_fonts: dict[int, tuple[QFont, float]] = {}  # by lane height

    def style(self, state: str) -> Style:
        return self.styles.get(state) or style_brushes(FALLBACK)

    def name_waits(self, other: bool) -> None:
        """The legend's word for the waiting state: "waiting for a lock" while every wait
        drawn is for a lock (the scenarios'); "waiting: lock, queue, join…" once a wait for
        something else is drawn (a traced program's queue, event, condition, join)."""
        base = theme.STATE_STYLES[State.WAITING]
        label = "waiting: lock, queue, join…" if other else base.label
        if self.styles[State.WAITING][0].label != label:
            self.styles[State.WAITING] = style_brushes(replace(base, label=label))

    def name_font(self, lane_h: float) -> tuple[QFont, float]:
        """The bold face for a lane's chip: the body size if the lane has room for it, else
        as big as fits `lane_h`, never below the axis text. Returns it and its height."""
        key = round(lane_h)
        if self._name_fonts.get(key) is None:
            full, floor = self.fm_bold.height(), self.fm_axis.height()
            pt = self.bold.pointSizeF()
            size = pt * max(floor / full, min(1.0, (lane_h - 4) / full))
            font = QFont(self.bold)
            font.setPointSizeF(max(1.0, size))
            self._name_fonts[key] = (font, QFontMetricsF(font).height())
        return self._name_fonts[key]


@dataclass
class Caches:
    """What painting keeps between frames; spans and samples are only ever appended."""

    starts: dict[str, list[int]] = field(default_factory=dict)  # span starts per task
    times: dict[str, list[int]] = field(default_factory=dict)  # sample times per counter
    # per task: (spans seen, end_ns, cell_ns, codes): the lane as one byte per cell
    rasters: dict[str, tuple[int, int, int, bytearray]] = field(default_factory=dict)
    raster_table: list[int] | None = None  # state colours, by code
    heat: dict[int, tuple[tuple[object, ...], Rects, Rects]] = field(default_factory=dict)
    # the counter strip's steps and labels for a range and geometry
    counter: tuple[tuple[object, ...], CounterLines, CounterLabels] | None = None
    crange: tuple[int, float, float] = (0, 0.0, 0.0)  # counter samples seen, min, max


def starts(caches: Caches, name: str, track: Lane) -> list[int]:
    """The start times of a lane's spans as a plain list, for bisect without a key."""
    # Called for every task of a folded group each frame: no key formatting here.
    times = caches.starts.get(name)
    if times is None:
        times = caches.starts[name] = []
    spans = track.spans
    if len(times) < len(spans):
        times.extend(span.start_ns for span in spans[len(times) :])
    return times


def counter_times(caches: Caches, name: str, series: Sequence[tuple[int, float]]) -> list[int]:
    """The sample times of a counter as a plain list (it only ever grows)."""
    times = caches.times.setdefault(name, [])
    if len(times) < len(series):
        times.extend(t for t, _v in series[len(times) :])
    return times


@dataclass(frozen=True)
class Scene:
    """The timeline as of one paint or one tooltip: built once, read by every helper."""

    g: Geo
    lanes: Lanes | None
    lo: float  # the visible time range, seconds
    hi: float
    width: float  # the widget's
    scroll: float  # clamped already
    look: Look
    caches: Caches
    colors: dict[str, QColor]
    counter: str | None
    counter_label: str
    counter_fmt: Callable[[float], str]
    cursor_s: float | None
    summaries: Callable[[], list[Summary]]  # per group; cached by the view, asked lazily

    def x(self, t_s: float) -> float:
        g = self.g
        return g.left + (t_s - self.lo) / (self.hi - self.lo) * (g.right - g.left)

    def t(self, x: float) -> float:
        g = self.g
        return self.lo + (x - g.left) / (g.right - g.left) * (self.hi - self.lo)


@dataclass(frozen=True)
class Frame(Scene):
    """A scene being painted."""

    p: QPainter


def other_wait(span: Span) -> bool:
    """A waiting span whose words say it waits for something other than a lock."""
    return (
        span.state == State.WAITING
        and bool(span.detail)
        and not span.detail.startswith("waiting for lock")
    )
