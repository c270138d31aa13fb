"""The window's two dialogs: Many runs (M) and A/B (C), one of each open at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.panels import panel_for

if TYPE_CHECKING:  # imported when first opened: less to load at startup
    from threadtruth_gui.ui.compare_dialog import CompareDialog
    from threadtruth_gui.ui.many_dialog import ManyRunsDialog


class DialogHost(Protocol):
    """What the dialogs need of the window: its scenario and the plan its settings make."""

    @property
    def scenario(self) -> Scenario | None: ...
    def plan_for_params(self) -> tuple[Plan, dict[str, Any]] | None: ...


class DialogsController(QObject):
    status = Signal(str, int)  # what to say in the status bar, for how long (0: until next)

    def __init__(self, window: QWidget, host: DialogHost) -> None:
        super().__init__(window)
        self.window, self.host = window, host
        self.many: ManyRunsDialog | None = None
        self.compare: CompareDialog | None = None

    def open(self) -> list[ManyRunsDialog | CompareDialog]:
        return [d for d in (self.many, self.compare) if d is not None]

    @Slot()
    def open_many_runs(self) -> None:
        scenario = self.host.scenario
        if scenario is None:
            return
        if panel_for(scenario) != "account":
            self.status.emit("Many runs count the outcomes of a bank scenario: open one.", 4000)
            return
        planned = self.host.plan_for_params()
        if planned is None:
            return
        if self.many is not None:
            self.many.close()
            self.many.deleteLater()
        from threadtruth_gui.ui.many_dialog import ManyRunsDialog

        params = dict(planned[1])
        delay = next((p for p in scenario.params if p.name == "delay"), None)
        if delay is not None and params.get("delay") == delay.default:
            # hundreds of runs at the 1 s demo delay would take minutes; at 0 the race is
            # still there (the lecturer's own delay, once changed, is used as set)
            params["delay"] = 0.0
        self.many = ManyRunsDialog(scenario, params, self.window)
        self._show(self.many, 900, 560)
        if planned[0].edit is not None:  # its variants (lock off, on) show other functions
            self.status.emit("Many runs run the scenario's own code, not your edit.", 6000)

    @Slot()
    def open_compare(self) -> None:
        """C: the current scenario in two variants, one above the other, on one time axis."""
        scenario = self.host.scenario
        if scenario is None:
            return
        planned = self.host.plan_for_params()
        if planned is None:
            return
        if self.compare is not None:
            self.compare.close()
            self.compare.deleteLater()
        from threadtruth_gui.ui.compare_dialog import CompareDialog

        try:
            # edited code: the original beside the edit
            self.compare = CompareDialog(scenario, planned[1], self.window, planned[0].edit)
        except ValueError as exc:
            self.status.emit(f"Nothing to compare: {exc}.", 4000)
            self.compare = None
            return
        self._show(self.compare, 1300, 820)

    def _show(self, dialog: ManyRunsDialog | CompareDialog, w: int, h: int) -> None:
        theme.apply(dialog)  # a window of its own: it does not inherit the palette
        screen = self.window.screen().availableGeometry()  # a projector's 1280×720 holds it
        dialog.resize(min(w, screen.width() - 40), min(h, screen.height() - 60))
        dialog.show()
        dialog.start()

    def close_all(self) -> None:
        """The window closes: each dialog's run is handed to the window's bridge."""
        if self.compare is not None:
            self.compare.close()
        if self.many is not None:
            self.many.close()
