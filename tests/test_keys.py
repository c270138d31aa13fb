"""Every key in README.md's key table does what the table says, in every layout (normal,
lecture preset, full screen) and whatever widget has the focus; and every key the window
has is in the table. Adding a row without wiring the key, or the reverse, fails here."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QWidget

from threadtruth_gui.engine.events import Event, Kind, State
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.scenarios import all_scenarios
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.main_window import MainWindow

README = Path(__file__).resolve().parents[1] / "README.md"
RUN_MS = 20_000
_NAMES = {"←": "Left", "→": "Right", "PageDown": "PgDown", "PageUp": "PgUp"}


def _norm(token: str) -> str:
    for shown, name in _NAMES.items():
        token = token.replace(shown, name)
    text = QKeySequence(token).toString(QKeySequence.SequenceFormat.PortableText)
    assert text and "," not in text, f"README key {token!r} is not one key"
    return text


def readme_keys() -> list[str]:
    """The keys in the first column of README.md's key table (in backticks), in order."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| key | does |") :]
    keys: list[str] = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        first = line.split("|")[1]
        if "`1`–`9`" in first:  # a range: every number key
            first = first.replace("`1`–`9`", " ".join(f"`{n}`" for n in range(1, 10)))
        keys += [_norm(token) for token in re.findall(r"`([^`]+)`", first)]
    return keys


def window_keys(win: MainWindow) -> set[str]:
    """Every shortcut of the window, with each scenario selected in turn (some keys, such
    as L and V, belong to a scenario's settings)."""
    keys: set[str] = set()
    for scenario in all_scenarios():
        win.select(scenario.id)
        for action in win.actions():
            for seq in action.shortcuts():
                keys.add(seq.toString(QKeySequence.SequenceFormat.PortableText))
    win.select("bank-race")
    return keys


def test_the_readme_table_and_the_window_have_the_same_keys(window: MainWindow) -> None:
    documented = readme_keys()
    assert len(documented) == len(set(documented)), "a key is in the table twice"
    wired = window_keys(window)
    assert set(documented) - wired == set(), "in README.md but not wired in the window"
    assert wired - set(documented) == set(), "wired in the window but not in README.md"


# -- what each key does --------------------------------------------------------------------
Press = Callable[[str], None]


class Ctx:
    def __init__(self, win: MainWindow, qtbot: Any, press: Press, tmp: Path, mp: Any) -> None:
        self.win, self.qtbot, self.press, self.tmp, self.mp = win, qtbot, press, tmp, mp

    def finished_run(self, delay: float = 0.0) -> None:
        """A finished bank-race run on screen (started by the window, not by a key)."""
        self.win.set_params({"delay": delay})
        with self.qtbot.waitSignal(self.win.bridge.finished, timeout=RUN_MS):
            self.win.start_run()

    def running(self) -> None:
        self.win.set_params({"delay": 2.0})
        with self.qtbot.waitSignal(self.win.bridge.started, timeout=RUN_MS):
            self.win.start_run()


def _space(c: Ctx) -> None:
    c.win.set_params({"delay": 0.0})
    with c.qtbot.waitSignal(c.win.bridge.finished, timeout=RUN_MS):
        c.press("Space")
    assert c.win.verdict.headline()


def _reset(c: Ctx) -> None:
    c.running()
    c.press("R")
    assert not c.win.bridge.running


def _defaults(c: Ctx) -> None:
    c.win.set_params({"delay": 0.3, "lock": True, "balance": 100, "amounts": "60,50"})
    c.press("Shift+R")
    assert c.win.params() == {"lock": False, "delay": 1.0, "balance": 1000, "amounts": "600,500"}


def _lock(c: Ctx) -> None:
    before = c.win.params()["lock"]
    c.press("L")
    assert c.win.params()["lock"] is not before


def _variant(c: Ctx) -> None:
    c.win.select("lost-updates")
    before = c.win.params()["variant"]
    c.press("V")
    assert c.win.params()["variant"] != before


def _break_deadlock(c: Ctx) -> None:
    c.win.presenter.hold_action.setChecked(True)
    c.win.select("deadlock")
    c.win.set_params({"variant": "opposite order", "delay": 0.3})
    c.win.start_run()
    c.qtbot.waitUntil(lambda: c.win.bridge.held_deadlock() is not None, timeout=RUN_MS)
    with c.qtbot.waitSignal(c.win.bridge.finished, timeout=RUN_MS):
        c.press("D")
    assert c.win.verdict.headline() == "Deadlock"
    c.win.presenter.hold_action.setChecked(c.win.presenter.lecture)


def _toggle(action: str, key: str) -> Callable[[Ctx], None]:
    def check(c: Ctx) -> None:
        act = getattr(c.win, action)
        before = act.isChecked()
        c.press(key)
        assert act.isChecked() is not before
        c.press(key)
        assert act.isChecked() is before

    return check


def _number(n: int) -> Callable[[Ctx], None]:
    def check(c: Ctx) -> None:
        names = ["A", "B"]
        if n <= len(names):  # bank-race's threads: the step runs that thread one line
            c.win.set_params({"delay": 0.0})
            c.win.step_action.setChecked(True)
            c.win.start_run()
            c.qtbot.waitUntil(lambda: c.win.bridge.gate is not None, timeout=RUN_MS)
            c.press(str(n))
            assert c.win.statusBar().currentMessage().startswith(f"Stepped {names[n - 1]}")
            return
        # beyond the scenario's threads the key is still the window's: it answers the
        # prediction question for 1-3, else says nothing and steps nobody
        stepped: list[int] = []
        c.mp.setattr(c.win, "step_task", lambda name: stepped.append(1))
        c.press(str(n))
        assert stepped == []

    return check


def _many(c: Ctx) -> None:
    c.press("M")
    dialog = c.win.many_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.params["delay"] == 0.0  # many runs race at delay 0 unless set
    dialog.close()


def _compare(c: Ctx) -> None:
    c.press("C")
    dialog = c.win.compare_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.close()


def _home(c: Ctx) -> None:
    c.finished_run()
    c.win.timeline.set_range(0.0, 0.0001)
    c.press("Home")
    c.qtbot.waitUntil(lambda: c.win.timeline.visible_range()[1] > 0.001, timeout=2000)


def _grouped_lanes() -> Lanes:
    """Twenty downloads in one mode: a group the timeline can fold."""
    lanes = Lanes(t0_ns=0)
    for i in range(1, 21):
        info = {"label": f"file-{i}.bin", "unit": "file", "mode": "threads"}
        lanes.feed(
            [
                Event(0, f"T{i}", Kind.START, info),
                Event(0, f"T{i}", Kind.STATE, State.CONNECTING),
                Event(300_000_000, f"T{i}", Kind.END, ("done", None)),
            ]
        )
    return lanes


def _fold(c: Ctx) -> None:
    c.win.timeline.set_lanes(_grouped_lanes(), {})
    c.win.timeline.refresh(force=True)

    def folded() -> bool:
        return any(g.condensed for g in c.win.timeline._geo().groups if g.header)

    before = folded()
    c.press("E")
    assert folded() is not before
    c.press("E")
    assert folded() is before


def _cursor(key: str, sign: int) -> Callable[[Ctx], None]:
    def check(c: Ctx) -> None:
        c.finished_run(delay=0.1)
        lo, hi = c.win.timeline.visible_range()
        start = lo + (hi - lo) / 5  # a big step from here stays inside the run
        c.win.timeline.set_cursor(start)
        c.press(key)
        now = c.win.timeline.cursor_s
        assert now is not None
        step = (hi - lo) / (10 if key.startswith("Shift") else 100)  # Shift: a 10th
        assert abs(now - (start + sign * step)) < step / 100

    return check


def _escape(c: Ctx) -> None:
    c.finished_run(delay=0.1)
    c.win.set_cursor(0.05)
    c.win.timeline.set_cursor(0.05)
    c.press("Esc")
    assert c.win.timeline.cursor_s is None
    c.win.predict_action.setChecked(True)
    c.win.start_run()
    assert c.win.prediction.isVisible()
    with c.qtbot.waitSignal(c.win.bridge.finished, timeout=RUN_MS):
        c.press("Esc")  # no prediction: the run starts
    assert not c.win.prediction.isVisible()
    c.win.predict_action.setChecked(False)


def _playback(c: Ctx) -> None:
    c.finished_run(delay=0.3)
    c.press("K")
    assert c.win.playback.playing
    c.press("K")
    assert not c.win.playback.playing


def _save_open(c: Ctx) -> None:
    c.finished_run()
    path = c.tmp / "keys.ttrun"
    c.mp.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    c.mp.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    c.press("Ctrl+Shift+S")
    assert path.is_file()
    c.win.reset_run()
    c.press("Ctrl+O")
    assert c.win.opened is not None


def _trace(c: Ctx) -> None:
    script = c.tmp / "hello.py"
    script.write_text("import sys\nprint('hello', sys.argv[1:])\n")
    c.mp.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(script), ""))
    c.mp.setattr(QInputDialog, "getText", lambda *a, **k: ("a 'b c'", True))
    with c.qtbot.waitSignal(c.win.bridge.finished, timeout=RUN_MS):
        c.press("Ctrl+Shift+O")
    assert c.win.scenario is None and c.win.tracing.args == ["a", "b c"]
    assert ("stdout", "hello ['a', 'b c']") in c.win.traced_panel.output_lines()
    c.win.select("bank-race")  # the keys after this one work on the scenario again
    assert c.win.scenario is not None


def _replay(c: Ctx) -> None:
    c.finished_run()
    c.press("Ctrl+R")
    assert c.win.replayer.active
    c.win.reset_run()


def _export(key: str) -> Callable[[Ctx], None]:
    def check(c: Ctx) -> None:
        path = c.tmp / f"{key.replace('+', '-')}.png"
        c.mp.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
        c.press(key)
        assert path.is_file() and path.stat().st_size > 1000

    return check


def _theme(c: Ctx) -> None:
    before = theme.current_theme
    c.press("Ctrl+T")
    assert theme.current_theme != before
    c.win.presenter.set_theme(before)


def _scale(key: str, direction: int) -> Callable[[Ctx], None]:
    def check(c: Ctx) -> None:
        c.win.presenter.set_scale(1.15)
        c.press(key)
        if direction == 0:
            assert theme.font_scale == 1.0
        else:
            assert (theme.font_scale - 1.15) * direction > 0

    return check


def _lecture(c: Ctx) -> None:
    before = c.win.presenter.lecture
    c.press("Ctrl+L")
    assert c.win.presenter.lecture is not before
    assert c.win.toolbar.isVisible() is before
    c.press("Ctrl+L")
    assert c.win.presenter.lecture is before


def _full_screen(c: Ctx) -> None:
    before = c.win.isFullScreen()
    c.press("F11")
    c.qtbot.waitUntil(lambda: c.win.isFullScreen() is not before, timeout=2000)
    c.press("F11")
    c.qtbot.waitUntil(lambda: c.win.isFullScreen() is before, timeout=2000)


def _clicker(c: Ctx) -> None:
    c.win.set_params({"delay": 2.0})
    c.press("PgDown")
    c.qtbot.waitUntil(lambda: c.win.bridge.running, timeout=RUN_MS)
    c.press("PgUp")
    assert not c.win.bridge.running


def _unvote(c: Ctx) -> None:
    from threadtruth_gui import assets
    from threadtruth_gui.lecture import load

    deck = load(assets.lectures()[0])
    asks = next(i for i, slide in enumerate(deck.slides) if slide.preset and slide.preset.predict)
    c.win.lecture.open(deck, presenter=False)
    try:
        c.win.lecture._go(asks)
        c.press("PgDown")  # the question
        assert c.win.prediction.isVisible()
        c.press("1")
        c.press("1")
        c.press("Backspace")
        session = c.win.lecture.session
        assert session is not None
        assert session.record.votes == {c.win.prediction.choices[0]: 1}
    finally:
        c.win.lecture.close()


def _edit_code(c: Ctx) -> None:
    c.press("Ctrl+E")
    assert c.win.editing.editing and not c.win.code.isReadOnly()
    c.win.code.setFocus()  # the pane has the keys now; Ctrl+E gives them back
    QTest.keyClick(c.win.code, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert not c.win.editing.editing and c.win.code.isReadOnly()


def _quit(c: Ctx) -> None:
    c.press("Ctrl+Q")
    assert not c.win.isVisible()
    c.win.show()
    c.qtbot.waitExposed(c.win)


CHECKS: dict[str, Callable[[Ctx], None]] = {
    "Space": _space,
    "R": _reset,
    "Shift+R": _defaults,
    "L": _lock,
    "V": _variant,
    "S": _toggle("step_action", "S"),
    "B": _toggle("bytecode_action", "B"),
    "P": _toggle("predict_action", "P"),
    **{str(n): _number(n) for n in range(1, 10)},
    "D": _break_deadlock,
    "M": _many,
    "C": _compare,
    "Home": _home,
    "E": _fold,
    "Left": _cursor("Left", -1),
    "Right": _cursor("Right", +1),
    "Shift+Left": _cursor("Shift+Left", -1),
    "Shift+Right": _cursor("Shift+Right", +1),
    "Esc": _escape,
    "K": _playback,
    "Ctrl+Shift+S": _save_open,
    "Ctrl+O": _save_open,
    "Ctrl+R": _replay,
    "Ctrl+Shift+O": _trace,
    "Ctrl+S": _export("Ctrl+S"),
    "Ctrl+Alt+S": _export("Ctrl+Alt+S"),
    "Ctrl+T": _theme,
    "Ctrl+=": _scale("Ctrl+=", +1),
    "Ctrl++": _scale("Ctrl++", +1),
    "Ctrl+-": _scale("Ctrl+-", -1),
    "Ctrl+0": _scale("Ctrl+0", 0),
    "Ctrl+L": _lecture,
    "F11": _full_screen,
    "PgDown": _clicker,
    "PgUp": _clicker,
    "Ctrl+Q": _quit,
    "Ctrl+E": _edit_code,
    "Backspace": _unvote,
}


def test_every_key_in_the_table_has_a_check() -> None:
    assert set(readme_keys()) - set(CHECKS) == set()


def _focusables(win: MainWindow) -> list[QWidget]:
    """Widgets a lecturer may have clicked last: the scenario list (when shown), the
    timeline, the code pane, a toolbar button, the window itself."""
    button = win.toolbar.widgetForAction(win.step_action)
    chosen = [win.scenario_list, win.timeline, win.code, button, win.narration, win]
    return [w for w in chosen if w is not None and w.isVisible()]


@pytest.fixture
def layout_window(make_window, qtbot, request) -> MainWindow:  # type: ignore[no-untyped-def]
    win = make_window((1280, 720), lecture=request.param == "lecture")
    if request.param == "fullscreen":
        win.showFullScreen()
        qtbot.waitUntil(win.isFullScreen, timeout=2000)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    return win


@pytest.mark.heavy  # Qt's and the OS's behaviour, not the Python version's: 3.11 only
@pytest.mark.parametrize("layout_window", ["normal", "lecture", "fullscreen"], indirect=True)
@pytest.mark.timeout(240)
def test_every_key_does_what_the_readme_says_whatever_has_the_focus(
    qtbot, layout_window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = layout_window
    focus: list[QWidget] = []

    def press(key: str) -> None:
        seq = QKeySequence(key)[0]
        target = focus[0]
        target.setFocus()
        QTest.keyClick(target, seq.key(), seq.keyboardModifiers())
        qtbot.wait(1)

    for i, key in enumerate(readme_keys()):
        win.reset_run()
        win.select("bank-race")
        win.restore_defaults()
        for action in (win.step_action, win.bytecode_action, win.predict_action):
            action.setChecked(False)
        win.activateWindow()  # a dialog opened by the last key may have taken it
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
        widgets = _focusables(win)
        focus[:] = [widgets[i % len(widgets)]]
        with monkeypatch.context() as mp:
            ctx = Ctx(win, qtbot, press, tmp_path, mp)
            try:
                CHECKS[key](ctx)
            except AssertionError as exc:
                name = type(focus[0]).__name__
                raise AssertionError(f"key {key} (focus on {name}): {exc}") from exc
        win.reset_run()
        for dialog in (win.many_dialog, win.compare_dialog):
            if dialog is not None:
                dialog.close()


def test_a_number_box_keeps_its_digits_and_gives_the_window_its_letters(
    qtbot, window: MainWindow
) -> None:
    from PySide6.QtWidgets import QSpinBox

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    window.select("lost-updates")
    spin = window.findChild(QSpinBox, "param_threads")
    assert spin is not None
    fired: list[str] = []
    for action in window.actions():
        for seq in action.shortcuts():
            name = seq.toString(QKeySequence.SequenceFormat.PortableText)
            action.triggered.connect(lambda _=False, n=name: fired.append(n))
    spin.setFocus()
    qtbot.wait(20)
    edit = spin.lineEdit()
    QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # select all
    QTest.keyClicks(QApplication.focusWidget(), "5")  # being edited now
    qtbot.wait(20)
    for key in ("S", "B", "P", "V", "Shift+R", "K", "Ctrl+T", "Esc"):
        spin.setFocus()
        qtbot.wait(10)
        fired.clear()
        seq = QKeySequence(key)[0]
        QTest.keyClick(QApplication.focusWidget(), seq.key(), seq.keyboardModifiers())
        assert fired == [key], f"{key} in a number box: {fired}"
    window.presenter.set_theme("light")
    # digits edit the number; Enter gives the keyboard back to the window
    spin.setFocus()
    for key in (Qt.Key.Key_End, Qt.Key.Key_Backspace, Qt.Key.Key_3, Qt.Key.Key_Return):
        QTest.keyClick(spin, key)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not spin, timeout=2000)
    assert spin.value() == 3 and window.params()["threads"] == 3
