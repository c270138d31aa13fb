"""A lecture in the window: a deck opened (File ▸ Open lecture…, `threadtruth lecture`), its
slides shown, the clicker (PageDown does the next thing, PageUp goes back and resets), the
class's votes, the presenter view, and the session the handout reads (`session`)."""

from __future__ import annotations

import os
from time import monotonic
from typing import TYPE_CHECKING, Any, Protocol, cast

from PySide6.QtCore import QEvent, QObject, QRect, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QBoxLayout, QFileDialog, QLabel, QMainWindow, QMenu, QWidget

from threadtruth_gui.engine.gate import SETTLE_TIMEOUT_S, StepGate, parse_step
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.lecture.deck import Deck, load
from threadtruth_gui.lecture.errors import DeckError
from threadtruth_gui.lecture.preset import Preset
from threadtruth_gui.lecture.session import LectureSession
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.presenter_view import PresenterWindow
from threadtruth_gui.ui.widgets.prediction import PredictionPanel
from threadtruth_gui.ui.widgets.slide import SlideStrip, SlideView
from threadtruth_gui.ui.widgets.verdict import VerdictBanner
from threadtruth_gui.ui.window.chrome import window_key
from threadtruth_gui.ui.window.editing import EditingController
from threadtruth_gui.ui.window.lecture_export import export_session_handout

if TYPE_CHECKING:
    from threadtruth_gui.ui.presenter import Presenter
    from threadtruth_gui.ui.window.columns import StateColumn
    from threadtruth_gui.ui.window.running import RunController
    from threadtruth_gui.ui.window.stepping import SteppingController

POLL_MS = 15  # how often a queued step looks whether its task has stopped again


class LectureHost(Protocol):
    """What a lecture needs of the main window."""

    bridge: RunBridge
    runs: RunController
    stepping: SteppingController
    presenter: Presenter
    column_scroll: StateColumn
    prediction: PredictionPanel
    verdict: VerdictBanner
    title: QLabel
    step_action: QAction
    bytecode_action: QAction
    predict_action: QAction
    editing: EditingController

    @property
    def scenario(self) -> Scenario | None: ...
    def params(self) -> dict[str, Any]: ...
    def select(self, scenario_id: str) -> None: ...
    def set_params(self, params: dict[str, object]) -> None: ...
    def start_run(self) -> None: ...
    def reset_run(self) -> None: ...
    def break_deadlock(self) -> None: ...
    def show_error(self, text: str) -> None: ...
    def show_status(self, text: str, timeout_ms: int = 3000) -> None: ...


class LectureController(QObject):
    changed = Signal()  # a lecture opened or closed, a slide changed, a run or a vote came in

    def __init__(self, window: QMainWindow, view_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.host = cast(LectureHost, window)
        self.session: LectureSession | None = None
        self.presenter_window: PresenterWindow | None = None
        self.slide_view = SlideView(window)  # over the main area: a slide without a run
        self.strip = SlideStrip()  # atop the state column: a slide beside its run
        column = self.host.column_scroll.widget()
        assert column is not None
        cast(QBoxLayout, column.layout()).insertWidget(0, self.strip)
        window.installEventFilter(self)  # the slide view follows the central area's size
        # the slide's points stay at the column's top: it never scrolls them away (a question
        # or a tall card is cut at the bottom instead)
        self.host.column_scroll.verticalScrollBar().valueChanged.connect(self._keep_top)
        self._turned_on_preset = False
        self._applying = False  # the lecture itself selects a scenario: it does not leave
        self._applied_on = -1  # the slide whose preset was applied last
        self._step = 0  # the schedule's next step on this slide's run
        self._queued = 0  # PageDowns for steps not given yet (their task still moving)
        self._then_free = False  # a PageDown after the last one: run free once it is given
        self._given_at = 0.0
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._give_queued)
        host = self.host
        host.bridge.started.connect(self._on_started)
        host.bridge.finished.connect(self._on_finished)
        host.stepping.choice_hook = self.vote
        host.runs.guard = self._why_not_run
        host.presenter.clicker = (self.next, self.back)
        # the menus come and go with the lecture preset: the slide view leaves them room
        host.presenter.lecture_action.toggled.connect(
            lambda _on: QTimer.singleShot(0, self._fit_slide_view)
        )
        window_key(window, "Take back the last vote", "Backspace", self.unvote)
        self.presenter_action = QAction("Presenter view", window)
        self.presenter_action.triggered.connect(lambda _=False: self.show_presenter())
        view_menu.addSeparator()
        view_menu.addAction(self.presenter_action)

    # -- opening and leaving ------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.session is not None

    def ask_open(self) -> bool:
        """File ▸ Open lecture…: a deck chosen in a file dialog."""
        start = os.path.expanduser("~")
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Open lecture", start, "Lecture decks (*.toml)"
        )
        return bool(path) and self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Open the deck at `path`; a bad deck shows its one message and changes nothing."""
        try:
            deck = load(path)
        except DeckError as exc:
            self.host.show_error(str(exc))
            return False
        self.open(deck)
        return True

    def open(self, deck: Deck, presenter: bool = True) -> None:
        """Open `deck` on its first slide, in the lecture preset, with the presenter view."""
        if self.session is not None:
            self.close()
        self.session = LectureSession(deck)
        if not self.host.presenter.lecture:
            self._turned_on_preset = True
            self.host.presenter.toggle_lecture(True, remember=False)
        self.host.title.hide()  # the slide's title says what runs
        self._show_slide()
        if presenter:
            self.show_presenter()
        self.host.show_status(f"Lecture: {deck.title} ({len(deck)} slides). PageDown: next.")

    def close(self) -> None:
        """File ▸ Close lecture, or a scenario chosen in the list: the window as it was."""
        if self.session is None:
            return
        self.session = None
        self._stop_steps()
        self.slide_view.hide()
        self.strip.hide()
        self.host.title.show()
        if self.presenter_window is not None:
            self.presenter_window.close()
        if self._turned_on_preset:
            self._turned_on_preset = False
            self.host.presenter.toggle_lecture(False, remember=False)
        self.changed.emit()
        self.host.show_status("Lecture closed.")

    def export_handout(self, out_dir: str | None = None) -> bool:
        """File ▸ Export the lecture's handout (ui/window/lecture_export.py)."""
        done, text = export_session_handout(self.window, self.session, out_dir)
        if done or self.session is None:
            self.host.show_status(text, 8000)
        elif text:
            self.host.show_error(text)
        return done

    def on_chosen(self, _scenario_id: str) -> None:
        """A scenario chosen in the list leaves the lecture (not one the lecture selects)."""
        if not self._applying:
            self.close()

    def show_presenter(self) -> None:
        """View ▸ Presenter view: the lecturer's window, full screen on a second screen."""
        if self.session is None:
            self.host.show_status("The presenter view is a lecture's: File ▸ Open lecture…")
            return
        if self.presenter_window is None:
            self.presenter_window = PresenterWindow(self.window)
            self.presenter_window.share_keys(self.window)
        self._refresh_presenter()
        screens = QGuiApplication.screens()
        pw = self.presenter_window
        if len(screens) >= 2:  # each window full screen on a screen of its own
            # the lecturer's own screen is the primary one (a laptop's), the projector
            # another: the notes must never go full screen on the projector
            own = QGuiApplication.primaryScreen() or screens[0]
            shared = next(screen for screen in screens if screen is not own)
            self.window.setScreen(shared)
            self.window.setGeometry(shared.geometry())
            self.window.showFullScreen()
            pw.setScreen(own)
            pw.setGeometry(own.geometry())
            pw.showFullScreen()
        else:
            pw.show()
        # the audience window keeps the focus (the keys work in either)
        self.window.raise_()
        self.window.activateWindow()

    # -- the clicker --------------------------------------------------------------------------
    def next(self) -> bool:
        """PageDown: the next thing (False: no lecture, the plain clicker's turn)."""
        s = self.session
        if s is None:
            return False
        preset = s.slide.preset
        h = self.host
        if preset is None:
            self._go(s.index + 1)
        elif h.prediction.isVisible():
            self._answer()
        elif h.bridge.running:
            self._next_in_run(preset)
        elif h.runs.showing_result:
            self._go(s.index + 1)
        else:
            self.apply(preset)
            h.start_run()
            self._show_votes()
        return True

    def back(self) -> bool:
        """PageUp: the slide before, any run reset."""
        s = self.session
        if s is None:
            return False
        if not self._go(s.index - 1):
            self._reset()
        return True

    @property
    def busy(self) -> bool:
        """PageDown would only wait now: a step is queued, or a free run has not ended."""
        bridge = self.host.bridge
        if self._queued or bridge.resetting:
            return True
        gate = bridge.gate
        return bridge.running and (gate is None or gate.free) and bridge.held_deadlock() is None

    def _next_in_run(self, preset: Preset) -> None:
        bridge = self.host.bridge
        gate = bridge.gate
        if bridge.held_deadlock() is not None:
            self.host.break_deadlock()
        elif (
            gate is not None and not gate.free and self._step + self._queued < len(preset.schedule)
        ):
            self._queued += 1
            self._give_queued()
            if self._queued:
                self._poll.start()
        elif gate is not None and not gate.free and self._queued:
            # the schedule's last steps are given as their tasks stop: a fast clicker's
            # next press lets the threads run free only after them (before, the race the
            # slide shows did not happen)
            self._then_free = True
            self.host.show_status(
                f"The schedule's steps are given as their threads stop ({self._step} of "
                f"{len(preset.schedule)} so far); then every thread runs to its end.",
                3000,
            )
        elif gate is not None and not gate.free:
            self._stop_steps()
            self.host.start_run()  # (with a gate: every thread runs to its end)
            done = "Schedule done: every" if preset.schedule else "Every"
            self.host.show_status(f"{done} thread runs to its end.")
        else:
            self.host.show_status("Running… PageDown goes on once it has ended.", 2000)

    def _answer(self) -> None:
        """The question on screen: answered with the class's most votes (none: skipped)."""
        s, prediction = self.session, self.host.prediction
        votes = s.record.votes if s is not None else {}
        if votes:
            best = max(votes, key=lambda label: votes[label])
            prediction.answer(prediction.choices.index(best))
        else:
            prediction.cancel()

    def vote(self, index: int) -> bool:
        """1–9 while the question is asked: one vote for that choice (True: counted)."""
        s, prediction = self.session, self.host.prediction
        if s is None or not 0 <= index < len(prediction.choices):
            return s is not None
        label = prediction.choices[index]
        count = s.vote(label)
        self._show_votes()
        self.host.show_status(f"{label}: {count} vote{'' if count == 1 else 's'}", 2000)
        return True

    def unvote(self) -> None:
        s = self.session
        if s is None or not self.host.prediction.isVisible():
            return
        label = s.unvote()
        self._show_votes()
        if label is not None:
            self.host.show_status(f"One vote for {label} taken back.", 2000)

    def _show_votes(self) -> None:
        s, prediction = self.session, self.host.prediction
        if s is None or not prediction.isVisible():
            return
        prediction.hint.setWordWrap(True)  # (it must not widen the column past the screen)
        prediction.hint.setText(
            f"{prediction.keys_hint()}: one vote each, Backspace takes one back. "
            "PageDown: run with the most votes."
        )
        for label, button in zip(prediction.choices, prediction.buttons, strict=False):
            n = s.record.votes.get(label, 0)
            number = prediction.buttons.index(button) + 1
            button.setText(f"{number}   {label}" + (f"     ▮ {n}" if n else ""))
        self._refresh_presenter()

    # -- slides -------------------------------------------------------------------------------
    def apply(self, preset: Preset) -> None:
        """The preset exactly: its scenario, every parameter, step mode, the question, and
        the scenario's own code (an edit made on another slide is set aside)."""
        h, s = self.host, self.session
        here = s.index if s is not None else -1
        # this slide's preset was applied before, and a setting was changed by hand since
        changed = (
            self._applied_on == here
            and h.scenario is not None
            and h.scenario.id == preset.scenario
            and any(h.params().get(k) != v for k, v in preset.params.items())
        )
        self._applied_on = here
        self._applying = True
        try:
            h.select(preset.scenario)
        finally:
            self._applying = False
        edits = h.editing.edits
        edited = [key for key in edits if key[0] == preset.scenario]
        for key in edited:  # "applied exactly": the slide runs the code it shows
            del edits[key]
        h.set_params(dict(preset.params))
        h.bytecode_action.setChecked(False)  # a schedule names its own units
        h.step_action.setChecked(preset.step)
        h.predict_action.setChecked(preset.predict)
        if s is not None and preset.predict:
            s.new_poll()
        said = []
        if changed:
            said.append("settings changed by hand are back to the slide's")
        if edited:
            said.append("your edit of the code is set aside: the original runs")
        if said:
            self.host.show_status("The slide's preset: " + "; ".join(said) + ".", 5000)

    def _go(self, index: int) -> bool:
        s = self.session
        if s is None or not s.go(index):
            return False
        self._reset()
        self._show_slide()
        return True

    def _reset(self) -> None:
        self._stop_steps()
        self.host.reset_run()

    def _show_slide(self) -> None:
        s = self.session
        if s is None:
            return
        slide, count = s.slide, len(s.deck)
        if slide.preset is None:
            self.strip.hide()
            self.slide_view.show_slide(slide, count, s.runs_by_scenario())
            self._fit_slide_view()
            self.slide_view.show()
            self.slide_view.raise_()
        else:
            self.slide_view.hide()
            self.strip.show_slide(slide, count)
            self.strip.show()
            self.apply(slide.preset)
        self._refresh_presenter()
        self.changed.emit()

    def _keep_top(self, value: int) -> None:
        if value and self.session is not None and self.strip.isVisible():
            self.host.column_scroll.verticalScrollBar().setValue(0)

    def _fit_slide_view(self) -> None:
        """Over everything but the menus (when shown) and the status bar: the settings
        rows belong to a scenario this slide does not run."""
        w = self.window
        header = w.menuWidget()
        top = header.geometry().bottom() + 1 if header is not None and header.isVisible() else 0
        bottom = w.statusBar().geometry().top() if w.statusBar().isVisible() else w.height()
        self.slide_view.setGeometry(QRect(0, top, w.width(), max(0, bottom - top)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.slide_view.isVisible():
            QTimer.singleShot(0, self._fit_slide_view)  # once the layout has placed it
        return super().eventFilter(watched, event)

    def restyle(self) -> None:
        """A theme switch: what has colours in its text is made again."""
        if self.presenter_window is not None:
            self.presenter_window.restyle()
        if self.session is not None:
            self._show_slide() if self.session.slide.preset is None else self._strip_again()

    def _strip_again(self) -> None:
        if self.session is not None:
            self.strip.show_slide(self.session.slide, len(self.session.deck))

    def _refresh_presenter(self) -> None:
        if self.presenter_window is not None and self.session is not None:
            self.presenter_window.show_session(self.session, self.host.scenario, self._stage())

    def _why_not_run(self) -> str | None:
        """Space on a slide without a run: it would run the scenario hidden under the slide
        and count it as this slide's run."""
        s = self.session
        if s is not None and s.slide.preset is None and not self.host.bridge.running:
            return "This slide runs nothing: PageDown goes on to the next slide."
        return None

    def _stage(self) -> str:
        """What goes on now, for the lecturer: the question, the steps, a run."""
        h, s = self.host, self.session
        preset = s.slide.preset if s is not None else None
        if h.prediction.isVisible():
            return "The class is asked: PageDown runs with the most votes."
        gate = h.bridge.gate
        if h.bridge.running and gate is not None and not gate.free and preset is not None:
            if not preset.schedule:  # step mode without a schedule: the lecturer steps
                return "Step mode: 1–9 step a thread; PageDown runs every thread to its end."
            return f"Step mode: {self._step} of {len(preset.schedule)} steps given."
        return "Running…" if h.bridge.running else ""

    # -- the run's steps and end --------------------------------------------------------------
    @Slot()
    def _on_started(self) -> None:
        self._step, self._queued = 0, 0
        self._refresh_presenter()

    @Slot(object)
    def _on_finished(self, result: RunResult) -> None:
        self._stop_steps()
        gate = self.host.bridge.gate
        if result.schedule is None and isinstance(gate, StepGate) and gate.steps:
            # the steps given, as a headless run of the schedule records them (the handout's)
            result.schedule = [step.to_json() for step in gate.steps]
        if self.session is not None:
            bridge = self.host.bridge
            run, lanes = bridge.run, bridge.lanes
            drawn = (
                (lanes, run.recorder.events()) if run is not None and lanes is not None else None
            )
            self.session.record_run(result, result.scenario, drawn=drawn)
            self._refresh_presenter()
            self.changed.emit()

    def _stop_steps(self) -> None:
        self._poll.stop()
        self._queued = 0
        self._then_free = False

    @Slot()
    def _give_queued(self) -> None:
        """Give the next step of the schedule once the last one's task has stopped again
        (the first once every task waits before its first line), as the Replayer does."""
        s, bridge = self.session, self.host.bridge
        gate = bridge.gate
        preset = s.slide.preset if s is not None else None
        if preset is None or not isinstance(gate, StepGate) or gate.free:
            self._stop_steps()
            return
        if not self._queued:  # every step given: let them all go once the last is taken
            if self._then_free and self._last_settled(gate, preset):
                self._stop_steps()
                self.host.start_run()  # (with a gate: every thread runs to its end)
                self.host.show_status("Schedule done: every thread runs to its end.")
            elif not self._then_free:
                self._poll.stop()
            return
        run = bridge.run
        tasks = [spec.name for spec in run.plan.tasks] if run is not None else []
        if self._step == 0:
            if not all(t in gate.parked or t in gate.ended for t in tasks):
                return
        elif not self._last_settled(gate, preset):
            return
        task, unit = parse_step(preset.schedule[self._step])
        coroutines = (
            {t.name for phase in run.plan.phases if phase.mode == "asyncio" for t in phase.tasks}
            if run is not None
            else set()
        )
        if unit == "line" and task in coroutines:
            unit = "await"  # a coroutine's step is its run to its next await
        result = gate.grant(task, unit)
        self._step += 1
        self._queued -= 1
        self._given_at = monotonic()
        if not self._queued and not self._then_free:
            self._poll.stop()
        what = {"op": "one instruction", "await": "to its next await"}.get(unit, "one line")
        note = "" if result == "stepped" else f" ({result})"
        words = f"step {self._step} of {len(preset.schedule)}: {task}"
        self.host.verdict.show_idle(f"Schedule {words} runs {what}{note}. PageDown: next.")
        self.host.show_status(f"Lecture: {words}{note}", 0)
        self._refresh_presenter()

    def _last_settled(self, gate: StepGate, preset: Preset) -> bool:
        """The step given last has been taken (its task stopped, blocked or ended), or
        SETTLE_TIMEOUT_S went by."""
        last, _unit = parse_step(preset.schedule[self._step - 1])
        return gate.settled(last) or monotonic() - self._given_at >= SETTLE_TIMEOUT_S

    def shutdown(self) -> None:
        """The window closes: the presenter view with it."""
        self._stop_steps()
        if self.presenter_window is not None:
            self.presenter_window.close()


def slide_widgets(controller: LectureController) -> list[QWidget]:
    """What the audience sees of the lecture (the tests search its text for notes)."""
    return [controller.slide_view, controller.strip]
