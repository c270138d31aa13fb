"""Golden snapshots: each saved run in tests/snapshots/ opened in the real window, grabbed,
and compared with the checked-in PNG.

Regenerate (after a change to how the window looks, or after make_runs.py):

    pytest tests/test_snapshots.py --update-snapshots

A failure writes `<name>.actual.png` (what the window looks like now) and `<name>.diff.png`
(the expected image, dimmed, with the differing pixels in magenta) next to the golden PNG.

Tolerance: a pixel differs when one of its channels differs by more than 48 of 255; a
snapshot fails when more than 0.1% of its pixels differ (1,600 px at 1600x1000, 922 px at
1280x720). The fonts are pinned (shipped DejaVu), but Qt rasterises them with the
system's FreeType and fontconfig settings, which move anti-aliased glyph edges by a few
tens of counts from one machine to another: 48 leaves those out. What is left after that
is real: a colour change of a panel, a moved or cut line, a missing label or figure are
thousands of pixels; 0.1% is still above a handful of glyphs rendered one pixel apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops
from PySide6.QtCore import QAbstractAnimation, QBuffer, QByteArray, QIODevice, QPoint
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
CHANNEL_TOLERANCE = 48  # a channel difference above this makes a pixel "different"
MAX_DIFFERENT = 0.001  # the fraction of different pixels a snapshot may have
MAX_RUN_BYTES = 300 * 1024
MAX_RUNS_BYTES = 2 * 1024 * 1024

SCENARIOS = (
    "bank-race",
    "bank-deposit",
    "lost-updates",
    "asyncio-race",
    "deadlock",
    "downloads-sequential",
    "downloads-threads",
    "downloads-asyncio",
    "downloads-compare",
    "gil-cpu",
    "blocking-in-async",
    "thread-cost",
)
THEMES = ("light", "dark", "high-contrast")
SMALL = ("bank-race", "deadlock", "downloads-compare")


class Case:
    def __init__(
        self, run: str, size: tuple[int, int], theme: str = "light", lecture: bool = False
    ) -> None:
        self.run, self.size, self.theme, self.lecture = run, size, theme, lecture

    @property
    def name(self) -> str:
        if self.size == (1600, 1000):
            return self.run
        w, h = self.size
        return f"{self.run}-{w}x{h}-{self.theme}" + ("-lecture" if self.lecture else "")


CASES = [Case(run, (1600, 1000)) for run in SCENARIOS] + [
    Case(run, (1280, 720), name, lecture)
    for run in SMALL
    for name in THEMES
    for lecture in (False, True)
]


def test_every_scenario_has_a_small_saved_run() -> None:
    from threadtruth_gui.scenarios import all_scenarios

    assert sorted(SCENARIOS) == sorted(s.id for s in all_scenarios())
    runs = sorted(SNAPSHOTS.glob("*.ttrun"))
    assert sorted(p.stem for p in runs) == sorted(SCENARIOS)
    for path in runs:
        assert path.stat().st_size < MAX_RUN_BYTES, path.name
    assert sum(p.stat().st_size for p in runs) < MAX_RUNS_BYTES


def _settle(window: Any) -> None:
    """Until nothing on screen moves: events handled, every animation at its end (the
    balance bar glides to its value in 450 ms; its end is the snapshot)."""
    app = QApplication.instance()
    assert app is not None
    for _ in range(50):
        app.processEvents()
        running = [
            a
            for a in window.findChildren(QAbstractAnimation)
            if a.state() == QAbstractAnimation.State.Running
        ]
        if not running:
            app.processEvents()
            return
        for anim in running:
            anim.setCurrentTime(anim.totalDuration())  # at the end it stops itself
    raise AssertionError(f"animations still running: {running}")


def _grab(case: Case, qtbot: Any) -> Image.Image:
    from threadtruth_gui.ui import theme
    from threadtruth_gui.ui.main_window import MainWindow

    # what the app does at startup (ui/app.py), from the defaults: light theme, text 100%
    theme.use("light")
    theme.font_scale = 1.0
    theme.register_fonts()
    before = QApplication.font(), QApplication.cursorFlashTime(), QCursor.pos()
    QApplication.setFont(theme.body_font())
    QApplication.setCursorFlashTime(0)  # a text cursor, if one shows, does not blink
    window = MainWindow()  # settings None: nothing of this machine's saved settings
    qtbot.addWidget(window)
    try:
        window.presenter.set_theme(case.theme)
        if case.lecture:
            window.presenter.toggle_lecture(True)
        window.resize(*case.size)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitActive(window)
        # the goldens are made at 96 dpi and a device pixel ratio of 1 (the offscreen
        # platform's); anything else would compare other pictures: say so, never skip
        assert (window.devicePixelRatioF(), window.logicalDpiY()) == (1.0, 96), (
            "snapshots need 96 dpi and a device pixel ratio of 1 (QT_QPA_PLATFORM=offscreen)"
        )
        # the mouse away from the window, so nothing is hovered
        QCursor.setPos(window.mapToGlobal(QPoint(case.size[0] + 200, case.size[1] + 200)))
        assert window.open_run(str(SNAPSHOTS / f"{case.run}.ttrun"))
        _settle(window)
        # a window whose layout needs more than `case.size` is grabbed at the size it
        # takes: the golden PNG keeps that size, so a change either way shows as a size
        # mismatch (tests/test_layout.py checks that 1280x720 holds everything)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        assert window.grab().save(buffer, "PNG")
        buffer.close()
        from io import BytesIO

        image = Image.open(BytesIO(bytes(data.data())))
        image.load()
        return image.convert("RGB")
    finally:
        window.close()
        theme.use("light")
        theme.font_scale = 1.0
        QApplication.setFont(before[0])  # the next tests find the application as it was
        QApplication.setCursorFlashTime(before[1])
        QCursor.setPos(before[2])


def _compare(actual: Image.Image, expected: Image.Image) -> tuple[int, Image.Image]:
    """How many pixels differ, and a picture of where: the expected image, dimmed, with
    the different pixels in magenta."""
    channels = ImageChops.difference(actual, expected).split()
    worst = channels[0]
    for channel in channels[1:]:
        worst = ImageChops.lighter(worst, channel)
    mask = worst.point(lambda v: 255 if v > CHANNEL_TOLERANCE else 0)
    different = mask.histogram()[255]
    dimmed = expected.convert("L").point(lambda v: 160 + v * 95 // 255).convert("RGB")
    diff = Image.composite(Image.new("RGB", expected.size, (255, 0, 255)), dimmed, mask)
    return different, diff


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_snapshot(case: Case, qtbot: Any, request: pytest.FixtureRequest) -> None:
    golden = SNAPSHOTS / f"{case.name}.png"
    actual_path = SNAPSHOTS / f"{case.name}.actual.png"
    diff_path = SNAPSHOTS / f"{case.name}.diff.png"
    actual = _grab(case, qtbot)
    for stale in (actual_path, diff_path):
        stale.unlink(missing_ok=True)
    if request.config.getoption("--update-snapshots"):
        actual.save(golden, optimize=True)
        return
    if not golden.exists():
        actual.save(actual_path)
        pytest.fail(
            f"no golden snapshot {golden.name}; the window is in {actual_path.name}. "
            "Make them with: pytest tests/test_snapshots.py --update-snapshots"
        )
    expected = Image.open(golden).convert("RGB")
    if expected.size != actual.size:
        actual.save(actual_path)
        pytest.fail(
            f"{golden.name} is {expected.size[0]}x{expected.size[1]}, the window grab "
            f"{actual.size[0]}x{actual.size[1]}: see {actual_path}"
        )
    different, diff = _compare(actual, expected)
    allowed = int(MAX_DIFFERENT * actual.size[0] * actual.size[1])
    if different > allowed:
        actual.save(actual_path)
        diff.save(diff_path)
        pytest.fail(
            f"{golden.name}: {different} pixels differ by more than {CHANNEL_TOLERANCE} "
            f"(at most {allowed} may). What the window shows now: {actual_path}; "
            f"the differences in magenta: {diff_path}. If the change is meant, "
            "regenerate: pytest tests/test_snapshots.py --update-snapshots"
        )
