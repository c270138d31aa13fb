"""The playground: Ctrl+E makes the code pane editable, Space runs the edited functions
(engine/edits.py), a marker says the code is edited, and Restore brings back the original.

Edits are kept per scenario and per set of shown functions (bank-race with the lock shows
two functions, without it one), so that a setting that shows other code does not lose an
edit, nor run one that was written for other functions.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QMessageBox, QPushButton, QWidget

from threadtruth_gui.engine.edits import (
    EditError,
    apply_edit,
    shown_text,
    syntax_error,
    why_not_editable,
)
from threadtruth_gui.engine.plan import Edit, Plan
from threadtruth_gui.runs import runfile
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.bridge import RunBridge
from threadtruth_gui.ui.widgets.code_pane import CodePane
from threadtruth_gui.ui.window.chrome import window_key

#: said once, the first time the pane is made editable
OWN_RIGHTS = (
    "The edited code runs in this app's process, with your own rights: it is your code "
    "on your machine."
)
_HOW = "Esc gives the keys back; Space runs it."
CHECK_MS = 400  # typing paused this long: the text is parsed and a syntax error marked

Key = tuple[str, tuple[str, ...]]  # the scenario, and the names of the functions shown


class EditBar(QWidget):
    """One row above the code while it is edited or being edited: "✎ edited" (or
    "editing"), and Restore original, shown whenever the code is edited."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.badge = QLabel()
        self.badge.setFont(theme.body_font(theme.BODY_PT, bold=True))
        self.badge.setToolTip("The code below is your edit: Space runs it, not the file's")
        self.restore = QPushButton("Restore original")
        self.restore.setToolTip("Bring back the scenario's own code (your edit is dropped)")
        self.restore.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays the window's Run
        row.addWidget(self.badge)
        row.addWidget(self.restore)
        row.addStretch(1)
        self.show_state(edited=False, editing=False)

    def show_state(self, edited: bool, editing: bool) -> None:
        if editing:
            self.badge.setText("✎ editing · Esc: done" if not edited else "✎ edited · Esc: done")
        else:
            self.badge.setText("✎ edited")
        theme.role(self.badge, "bad" if edited else "muted")
        self.restore.setVisible(edited)
        self.setVisible(edited or editing)


class EditHost(Protocol):
    """What the playground needs of the window: to show the scenario as it stands (the
    run on screen, or an opened one, dropped as Reset drops it), and the keys back."""

    opened: runfile.SavedRun | None

    def show_ready(self) -> None: ...
    def reset_run(self) -> None: ...
    def setFocus(self) -> None: ...


class EditingController(QObject):
    status = Signal(str, int)  # what to say in the status bar, for how long (0: until next)
    error = Signal(str)  # what is wrong with the edited code: the window shows it as an error

    def __init__(
        self, host: EditHost, bridge: RunBridge, code: CodePane, bar: EditBar, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.host, self.bridge, self.code, self.bar = host, bridge, code, bar
        self.edits: dict[Key, Edit] = {}
        self.editing = False  # the pane takes the keys
        self.told = False  # OWN_RIGHTS has been said
        self.key: Key | None = None  # what the pane shows now
        self.original: tuple[str, int] | None = None  # its text as in the file, numbered
        self.why_not: str | None = None  # why this code cannot be edited, or None
        self._quiet = False  # the pane's text is being set, not typed
        # an opened run file's edit: untrusted input, so it runs only once the lecturer
        # says yes (it is in the pane, marked edited, meanwhile)
        self.untrusted: Edit | None = None
        code.textChanged.connect(self._typed)
        # a syntax error is marked as soon as typing pauses (parsed only; nothing runs)
        self._check = QTimer(self)
        self._check.setSingleShot(True)
        self._check.setInterval(CHECK_MS)
        self._check.timeout.connect(self._check_syntax)
        code.leave.connect(self.leave)
        bar.restore.clicked.connect(self.restore)

    # -- the plan Space runs ----------------------------------------------------------------
    def plan(self, scenario_id: str, plan: Plan, to_run: bool = True) -> Plan | None:
        """`plan` with this scenario's edit for its shown functions, if there is one; None
        after marking what is wrong with the edit (nothing runs). `to_run`: it is about to
        run (a run file's edit is asked about first; compiling alone runs none of it)."""
        key = (scenario_id, tuple(getattr(fn, "__name__", "?") for fn in plan.code))
        if key != self.key:
            self.leave()  # other code on screen: the keys go back to the window
            self.key = key
            self.why_not = why_not_editable(plan)
            self.original = shown_text(plan) if self.why_not is None else None
            elsewhere = [k for k in self.edits if k[0] == scenario_id and k != key]
            if elsewhere and key not in self.edits:  # e.g. L: one function shown, or two
                self.status.emit(
                    f"These settings show other code ({', '.join(key[1])}): your edit of "
                    f"{', '.join(elsewhere[0][1])} comes back with the settings it was made for.",
                    6000,
                )
        edit = self.edits.get(key)
        self._show_state()
        if edit is None:
            return plan
        if to_run and not self.allow(edit):
            return None
        try:
            return apply_edit(plan, edit)
        except EditError as exc:
            self._show(edit.text, edit.first_line)
            self.code.mark_error(exc.line, exc.column, str(exc))
            self.error.emit(f"Nothing ran: {exc}" if to_run else f"The edited code: {exc}")
            return None

    def show(self, plan: Plan) -> None:
        """Put `plan`'s code in the pane: its edit, the editable original, or the file's."""
        if plan.edit is not None:
            if self.key is not None:  # an opened or replayed run's edit is the one shown now
                if self.edits.get(self.key) != plan.edit:
                    self.untrusted = plan.edit  # from a file: asked before it runs
                self.edits[self.key] = plan.edit
            self._show(plan.edit.text, plan.edit.first_line)
        elif self.editing and self.original is not None:
            self._show(*self.original)
        else:
            self._quiet = True
            try:
                self.code.show_functions(plan.code)
            finally:
                self._quiet = False
        self._show_state()

    def allow(self, edit: Edit) -> bool:
        """Whether `edit` may run: the lecturer's own, or a run file's once they said yes."""
        if edit != self.untrusted:
            return True
        answer = QMessageBox.question(
            self.code.window(),
            "Run the file's edited code?",
            "This run file carries edited code: it is in the code pane, marked edited. "
            "It runs in this app's process, with your own rights. Run it?",
        )
        if answer != QMessageBox.StandardButton.Yes:
            self.status.emit("Nothing ran: the file's edited code runs only if you say so.", 6000)
            return False
        self.untrusted = None
        return True

    @property
    def edited(self) -> Edit | None:
        """The edit of the code on screen (None: it is the file's)."""
        return self.edits.get(self.key) if self.key is not None else None

    # -- Ctrl+E, Esc, Restore ---------------------------------------------------------------
    def toggle(self) -> None:
        """Ctrl+E: make the code pane editable; again (or Esc): give the keys back."""
        if self.editing:
            self.leave()
            return
        if self.bridge.running:  # its markers are on the lines of the code that runs
            self.status.emit("A run is going: Reset (R) first, then edit the code.", 4000)
            return
        if self.why_not is not None or self.original is None:
            self.status.emit(f"This scenario's code cannot be edited: {self.why_not}.", 6000)
            return
        self.editing = True
        # as Reset: the run on screen goes (its markers are on the lines of its own text,
        # and the pane is numbered from its first line on while it is edited)
        self.host.opened = None
        self.host.reset_run()
        edit = self.edited
        self._show(*(edit.text, edit.first_line) if edit is not None else self.original)
        self.code.set_editable(True)
        # said once, the first time, in the status bar's one line across the window
        self.status.emit(OWN_RIGHTS if not self.told else f"Editing the code. {_HOW}", 0)
        self.told = True
        self._show_state()

    def leave(self) -> None:
        """The pane is read-only again and the window has the keys (the edit is kept)."""
        if not self.editing:
            return
        self.editing = False
        self.code.set_editable(False)
        self.host.setFocus()
        self._show_state()
        if self.edited is not None:
            self.status.emit(
                "Edited code: Space runs it; Restore original brings back the file's.", 0
            )

    def restore(self) -> None:
        """Restore original: the scenario's own code again; the next run runs it."""
        if self.key is not None:
            self.edits.pop(self.key, None)
        self.untrusted = None
        self.code.clear_error()
        if self.editing and self.original is not None:
            self._show(*self.original)
        self._show_state()
        self.host.show_ready()
        self.status.emit("The original code is back: Space runs it.", 4000)

    # -- inside ---------------------------------------------------------------------------
    def _show(self, text: str, first_line: int) -> None:
        self._quiet = True
        try:
            self.code.show_text(text, first_line)
        finally:
            self._quiet = False

    def _typed(self) -> None:
        if self._quiet or not self.editing or self.key is None or self.original is None:
            return
        self.code.clear_error()
        text, first = self.code.toPlainText(), self.original[1]
        if text == self.original[0]:
            self.edits.pop(self.key, None)
        else:
            self.edits[self.key] = Edit(text, first)
        self._show_state()
        self._check.start()

    def _check_syntax(self) -> None:
        edit = self.edited
        wrong = syntax_error(edit) if edit is not None and self.editing else None
        if wrong is not None:
            self.code.mark_error(wrong.line, wrong.column, str(wrong), move=False)

    def _show_state(self) -> None:
        self.bar.show_state(edited=self.edited is not None, editing=self.editing)


def add_edit_actions(window: QWidget, menu: QMenu, editing: EditingController) -> None:
    """Ctrl+E (a window key, as every key is) and Restore original, in the Run menu."""
    edit = window_key(window, "✎ Edit the code (Ctrl+E)", "Ctrl+E", editing.toggle)
    edit.setToolTip("Make the code pane editable; Space then runs your edit")
    menu.addSeparator()
    menu.addAction(edit)
    restore = QAction("Restore the original code", window)
    restore.triggered.connect(lambda _=False: editing.restore())
    menu.addAction(restore)
