"""A/B compare: the same scenario in two variants, one after the other, shown one above the
other on one time axis (lock off vs on, one variant of the code vs another).

Both runs are real runs, each driven by a RunBridge of its own as the window's run is (live
drawing, the child-process rule, errors shown); the two timelines share their zoom, pan and
time cursor, so the same moment can be read in both.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QVBoxLayout, QWidget

from threadtruth_gui.engine.edits import apply_edit
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.plan import Edit
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.runs.child import ProcessRun
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import RunBridge, bridge_of
from threadtruth_gui.ui.timeline import TimelineView

# what runs, with what, its label, and its edited code (None: the code in its file)
Side = tuple[Scenario, dict[str, Any], str, Edit | None]


def sides(
    scenario: Scenario, params: dict[str, Any], edit: Edit | None = None
) -> list[Side] | None:
    """The two variants: the original code vs the lecturer's edit (when the code is
    edited), a toggle off vs on, the current variant of the code vs the next, or
    (downloads) this scenario vs its sibling (threads vs asyncio) with the same files."""
    if edit is not None:
        return [
            (scenario, dict(params), "original", None),
            (scenario, dict(params), "edited", edit),
        ]
    for param in scenario.params:
        if param.kind == "bool":
            return [
                (scenario, dict(params, **{param.name: value}), describe(param, value), None)
                for value in (False, True)
            ]
    for param in scenario.params:
        if param.kind == "choice" and len(param.choices) >= 2:
            current = params.get(param.name, param.default)
            other = next(c for c in param.choices if c != current)
            return [
                (scenario, dict(params, **{param.name: value}), describe(param, value), None)
                for value in (current, other)
            ]
    if scenario.compare_with:
        from threadtruth_gui.scenarios import get

        sibling = get(scenario.compare_with)
        shared = {p.name: params[p.name] for p in sibling.params if p.name in params}
        return [
            (scenario, dict(params), scenario.title, None),
            (sibling, shared, sibling.title, None),
        ]
    return None


def describe(param: Param, value: Any) -> str:
    if param.kind == "bool":
        return f"{param.label} {'on' if value else 'off'}"
    return f"{param.label}: {value}"


class CompareDialog(QDialog):
    def __init__(
        self,
        scenario: Scenario,
        params: dict[str, Any],
        parent: QWidget | None,
        edit: Edit | None = None,
    ) -> None:
        super().__init__(parent)
        found = sides(scenario, params, edit)
        if found is None:
            raise ValueError(f"{scenario.id} has no toggle, variant or sibling to compare")
        self.sides = found
        self.setWindowTitle(f"A/B: {scenario.title}")
        self.setFont(theme.body_font())
        self.results: list[RunResult | None] = [None, None]
        self.lanes_ab: list[Lanes | None] = [None, None]
        self.heads: list[QLabel] = []
        self.timelines: list[TimelineView] = []
        # one bridge per side: the window's own run path (live drawing, the child-process
        # rule, errors), so that an A/B of a thousand downloads leaves the window's process
        self.bridges: list[RunBridge] = []
        self._colors: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        for i, name in enumerate("AB"):
            head = QLabel(f"{name}: {self.sides[i][2]}")
            head.setFont(theme.body_font(theme.BODY_PT + 3, bold=True))
            head.setWordWrap(True)
            view = TimelineView()
            view.cursorMoved.connect(self._cursor)
            view.rangeChanged.connect(lambda lo, hi, k=i: self._range(k, lo, hi))
            grid.addWidget(head, 2 * i, 0)
            grid.addWidget(view, 2 * i + 1, 0)
            grid.setRowStretch(2 * i + 1, 1)
            self.heads.append(head)
            self.timelines.append(view)
            bridge = RunBridge(self)
            bridge.started.connect(lambda k=i: self._started(k))
            bridge.updated.connect(view.refresh)
            bridge.finished.connect(lambda _result, k=i: self._finished(k))
            bridge.failed.connect(self._failed)
            self.bridges.append(bridge)
        layout.addLayout(grid, 1)
        self.status = QLabel("Running A…")
        self.status.setFont(theme.body_font())
        theme.role(self.status, "muted")
        layout.addWidget(self.status)
        self._index = 0

    @property
    def finished_both(self) -> bool:
        return self.results[1] is not None

    @property
    def run(self) -> Run | ProcessRun | None:
        """The side's run that goes now (None before, between and after the runs)."""
        bridge = self.bridges[self._index]
        return bridge.run if bridge.running else None

    def start(self) -> None:
        self._index = 0
        self._start(0)

    def _start(self, index: int) -> None:
        scenario, params, _label, edit = self.sides[index]
        resolved = scenario.resolve(params)
        try:
            plan = scenario.plan(resolved)
            if edit is not None:
                plan = apply_edit(plan, edit)
        except Exception as exc:  # as the bridge's own start: shown, never swallowed
            self._failed(f"Could not start {scenario.id}: {exc}")
            return
        self._colors = theme.plan_colors(plan)
        counter = next(iter(plan.counters), None)
        self.timelines[index].set_counter(
            counter, (counter or "").capitalize(), scenario.counter_format
        )
        self.status.setText(f"Running {'AB'[index]}…  (real threads, one run after the other)")
        # as in the window: threads that never block, or a thousand, in a child process
        # (in the window's process lost-updates froze the dialog for 2 s)
        self.bridges[index].start(scenario, resolved, plan)

    def _started(self, index: int) -> None:
        self.timelines[index].set_lanes(self.bridges[index].lanes, self._colors)

    def _finished(self, index: int) -> None:
        bridge = self.bridges[index]
        result, lanes = bridge.result, bridge.lanes
        if result is None or lanes is None:
            return
        label = self.sides[index][2]
        self.results[index], self.lanes_ab[index] = result, lanes
        self.timelines[index].refresh(force=True)
        verdict = result.verdict.headline if result.verdict else "no verdict"
        sign = "✔" if result.verdict and result.verdict.good else "✘"
        self.heads[index].setText(f"{'AB'[index]}: {label}  —  {sign} {verdict}")
        if index == 0:
            self._index = 1
            self._start(1)
            return
        self._same_axis()
        self.status.setText(
            "Both on one time axis: zoom or pan either (they move together); click a moment "
            "to put the cursor on both."
        )

    @Slot(str)
    def _failed(self, text: str) -> None:
        """A side could not start or sum up: said in the dialog; the other side does not run."""
        self.status.setText(text)

    def _same_axis(self) -> None:
        ends = [t.seconds(t.end_ns) for t in self.lanes_ab if t is not None]
        end = max(ends) if ends else 1.0
        for view in self.timelines:
            view.set_range(-end * 0.02, end * 1.05)

    def _range(self, index: int, lo: float, hi: float) -> None:
        other = self.timelines[1 - index]
        olo, ohi = other.visible_range()
        if abs(olo - lo) > 1e-9 or abs(ohi - hi) > 1e-9:
            other.set_range(lo, hi)

    @Slot(object)
    def _cursor(self, t_s: float | None) -> None:
        for view in self.timelines:
            view.set_cursor(t_s)
        if t_s is not None:
            parts = []
            for name, lanes in zip("AB", self.lanes_ab, strict=True):
                counter = next(iter(lanes.counters), None) if lanes else None
                if lanes is not None and counter:
                    value = lanes.counter_at(counter, lanes.t0_ns + round(t_s * 1e9))
                    if value is not None:
                        shown = money(value) if counter == "balance" else f"{value:,.0f}"
                        parts.append(f"{name}: {counter} {shown}")
            self.status.setText(f"At {t_s:.3f} s   " + "   ".join(parts))

    def stop(self) -> None:
        """Cancel the runs and give the window back at once: the window's bridge joins them
        as they end (by force after its grace), and the window's close waits for them."""
        window = bridge_of(self)
        for bridge in self.bridges:
            bridge.reset(into=window)

    def reject(self) -> None:  # Esc hides the dialog: its run stops with it
        self.stop()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)
