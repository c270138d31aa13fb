"""Toolbar controls for a scenario's parameters, built from its `Param`s.

Toggles and sliders go on the main toolbar (they are what a lecturer flips mid-lecture);
number boxes go on a second row and text fields on a third, each shown only when needed.
Each scenario's controls start at its own defaults.

A list of numbers ("ints", e.g. the ATMs' withdrawals "600,500") is a short text field
among the number boxes, as wide as its longest list of default-sized amounts. A field
(list or number box) refuses a bad value when the edit ends (Enter or leaving it): it
keeps its last good value, says why in one line (`ParamBar.refused`: the window shows it
in its status bar; the field's tooltip too) and keeps a red frame until the next good
edit. A field's text is its label's size and grows with it (the fit is remeasured).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QToolBar,
    QWidget,
)

from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.ui import theme

_SLIDER_SCALE = 100  # slider units per parameter unit: 0.01 s resolution for delays
_SLIDER_PX = 140  # a slider's width: the lecture preset's row at 1280 px holds 4 amounts

#: the keys any field keeps while it has the focus: moving in it and deleting
_CARET_KEYS = {
    Qt.Key.Key_Backspace,
    Qt.Key.Key_Delete,
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
    Qt.Key.Key_Return,
    Qt.Key.Key_Enter,
}
#: and a number box these too: what typing or stepping a number needs
_NUMBER_KEYS = {
    *_CARET_KEYS,
    *(getattr(Qt.Key, f"Key_{n}") for n in range(10)),
    Qt.Key.Key_Period,
    Qt.Key.Key_Comma,
    Qt.Key.Key_Minus,
    Qt.Key.Key_Plus,
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
}
_TYPING = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


class _FieldKeys(QObject):
    """The window's keys win over a field that has the focus, except the keys the field
    is edited with (a number box: digits and the like; a text field: any plain key); Enter
    gives the keyboard back to the window, as Esc does (the window's Esc)."""

    def __init__(self, field: QWidget, window: QWidget, number: bool) -> None:
        super().__init__(field)
        self._window, self._number = window, number
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent):
            return False
        key = Qt.Key(event.key())
        if event.type() == QEvent.Type.ShortcutOverride:
            plain = not event.modifiers() & ~_TYPING  # (Shift+Left selects, keypad types)
            if self._number:
                editing = plain and key in _NUMBER_KEYS
            else:
                editing = plain and (bool(event.text()) or key in _CARET_KEYS)
            if not editing or key == Qt.Key.Key_Escape:
                event.ignore()
                return True  # not accepted: the window's shortcut runs
        elif event.type() == QEvent.Type.KeyPress and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QTimer.singleShot(0, self._window.setFocus)  # after the field has taken it
        return False


class _FieldFit(QObject):
    """A number box or list field sized for its value at its current font: measured again
    whenever its font changes (bigger text), and a number box's text (its inner line edit,
    which keeps the font it was made with) follows the box's font. A number box's edit is
    also checked when it ends (Enter, leaving it): Qt silently puts back the last good
    number for a text it cannot take; this says why."""

    def __init__(self, field: QWidget, control: _Control, sample: str, extra: int) -> None:
        super().__init__(field)
        self._field, self._control, self._sample, self._extra = field, control, sample, extra
        field.installEventFilter(self)

    def fit(self) -> None:
        field = self._field
        if isinstance(field, QAbstractSpinBox):
            field.lineEdit().setFont(field.font())
        width = field.fontMetrics().horizontalAdvance(self._sample) + self._extra
        field.setFixedWidth(width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FontChange:
            self.fit()
        elif isinstance(self._field, QAbstractSpinBox) and (
            kind == QEvent.Type.FocusOut
            or (
                isinstance(event, QKeyEvent)
                and kind == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            )
        ):
            self._control.check_number()
        return False


class _Control:
    """One parameter's widget(s) and how to read and write its value."""

    def __init__(self, param: Param, bar: ParamBar) -> None:
        self.param = param
        self.widgets: list[QWidget] = []
        self.actions: list[tuple[QToolBar, QAction]] = []
        self._action: QAction | None = None
        self._slider: QSlider | None = None
        self._spin: QSpinBox | QDoubleSpinBox | None = None
        self._edit: QLineEdit | None = None
        self._combo: QComboBox | None = None
        self._value_label: QLabel | None = None
        self.refusal = ""  # why the last edit of a field was refused ("" while none was)
        self._bar = bar
        self._good = ""  # "ints": the last value the field accepted
        tip = param.help or param.label
        if param.kind == "bool":
            action = QAction(bar.top)
            action.setCheckable(True)
            action.setToolTip(tip)
            if param.key:
                action.setShortcut(QKeySequence(param.key))
            action.toggled.connect(self._relabel)
            action.toggled.connect(bar.changed)
            bar.top.addAction(action)
            if param.key:
                bar.add_key(action)
            button = bar.top.widgetForAction(action)
            if button is not None:
                button.setObjectName(f"param_{param.name}")
                button.setFont(bar.top.font())
                button.setProperty("max_scale", bar.top.property("max_scale"))
            self._action = action
            self.actions.append((bar.top, action))
        elif param.kind == "choice":
            combo = QComboBox()
            combo.setObjectName(f"param_{param.name}")
            combo.addItems(list(param.choices))
            combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and R stay shortcuts
            combo.setToolTip(tip)
            combo.currentIndexChanged.connect(bar.changed)
            self._combo = combo
            key = f" ({param.key})" if param.key else ""
            self._add(bar.top, QLabel(f"  {param.label}{key}:"), combo)
            if param.key:  # the key steps through the choices
                cycle = QAction(bar.top)
                cycle.setShortcut(QKeySequence(param.key))
                cycle.triggered.connect(
                    lambda _=False: combo.setCurrentIndex(
                        (combo.currentIndex() + 1) % combo.count()
                    )
                )
                bar.add_key(cycle)  # a window key only: the combo box is its control
                self.actions.append((bar.top, cycle))
        elif param.slider:
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setObjectName(f"param_{param.name}")
            slider.setRange(
                round((param.minimum or 0) * _SLIDER_SCALE),
                round((param.maximum or 1) * _SLIDER_SCALE),
            )
            slider.setSingleStep(round((param.step or 0.1) * _SLIDER_SCALE))
            slider.setPageStep(slider.singleStep() * 5)
            slider.setFixedWidth(_SLIDER_PX)
            slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and R stay shortcuts
            slider.setToolTip(tip)
            self._value_label = QLabel()
            self._value_label.setMinimumWidth(80)
            slider.valueChanged.connect(self._show_slider_value)
            slider.valueChanged.connect(bar.changed)
            self._slider = slider
            self._add(bar.top, QLabel(f"  {param.label}:"), slider, self._value_label)
        elif param.kind in ("int", "float"):
            spin: QSpinBox | QDoubleSpinBox
            if param.kind == "int":
                spin = QSpinBox()
                spin.setRange(int(param.minimum or 0), int(param.maximum or 1_000_000))
            else:
                spin = QDoubleSpinBox()
                step = param.step or 0.1
                spin.setDecimals(0 if step >= 1 else 2)
                spin.setRange(param.minimum or 0.0, param.maximum or 1e9)
                spin.setSingleStep(step)
            spin.setSuffix(param.unit)
            spin.setObjectName(f"param_{param.name}")
            spin.setToolTip(tip)
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.PlusMinus)
            spin.setKeyboardTracking(False)  # one change per edit, not per digit
            spin.valueChanged.connect(bar.changed)
            spin.valueChanged.connect(lambda _=0: self._refuse(""))  # a good edit
            _FieldKeys(spin, bar.keys, number=True)
            self._spin = spin
            self._add(bar.second, QLabel(f"{param.label}:"), spin)
            # as wide as a real value needs, not the widest the range allows (1e9): the
            # lecture preset's one row of settings must hold all of them
            places = spin.decimals() if isinstance(spin, QDoubleSpinBox) else 0
            widest = f"{min(spin.maximum(), 99_999):.{places}f}{param.unit}"
            _FieldFit(spin, self, widest, 44).fit()
        elif param.kind == "ints":
            edit = QLineEdit()
            edit.setObjectName(f"param_{param.name}")
            edit.setToolTip(tip)
            edit.editingFinished.connect(lambda: self._take_ints(bar))
            _FieldKeys(edit, bar.keys, number=False)
            self._edit = edit
            self._add(bar.second, QLabel(f"{param.label}:"), edit)
            # the longest list of default-sized amounts shows whole ("600,500,300,200")
            amounts = str(param.default).split(",")
            widest = max(amounts, key=len)
            sample = ",".join([widest] * max(param.count[1] if param.count else 1, len(amounts)))
            _FieldFit(edit, self, sample, 24).fit()
        else:
            edit = QLineEdit()
            edit.setObjectName(f"param_{param.name}")
            edit.setPlaceholderText(param.help)
            edit.setToolTip(tip)
            edit.setClearButtonEnabled(True)
            edit.setMinimumWidth(300 if param.name == "urls" else 200)
            edit.editingFinished.connect(bar.changed)
            _FieldKeys(edit, bar.keys, number=False)
            self._edit = edit
            self._add(bar.texts, QLabel(f"{param.label}:"), edit)
        self.set_value(param.default)
        self._relabel()

    def _add(self, bar: QToolBar, *widgets: QWidget) -> None:
        for widget in widgets:
            widget.setFont(bar.font())  # the bar's (scaled) size: made after the scaling
            widget.setProperty("max_scale", bar.property("max_scale"))
            self.actions.append((bar, bar.addWidget(widget)))
            self.widgets.append(widget)

    def _take_ints(self, bar: ParamBar) -> None:
        """The edit of a list of numbers ended: take it, or refuse it and say why (in the
        window's status bar and the field's tooltip, with a red frame until the next good
        edit)."""
        assert self._edit is not None
        if self.refusal and self._edit.text() == self._good and not self._edit.isModified():
            # nothing typed since the refusal: Enter, then the focus going back to the
            # window, ends the same edit twice; the second must not clear the refusal
            return
        try:
            value = self.param.parse(self._edit.text())
        except ValueError as exc:
            why = str(exc).removeprefix(f"--{self.param.name}").lstrip(": ")
            self._edit.setText(self._good)
            self._refuse(f"Refused: {why}. Kept {self._good}.")
            return
        self._refuse("")
        self._edit.setText(value)
        if value != self._good:
            self._good = value
            bar.changed.emit()

    def check_number(self) -> None:
        """A number box's edit ends: a text it cannot take (empty, below its minimum) is
        refused with the reason; Qt then puts back the last good number."""
        spin = self._spin
        assert spin is not None
        text = spin.lineEdit().text()
        state = spin.validate(text, len(text))[0]
        if state == QValidator.State.Acceptable:
            if spin.lineEdit().isModified():
                self._refuse("")  # a good value typed again
            return
        what = "a whole number" if isinstance(spin, QSpinBox) else "a number"
        low, high = spin.minimum(), spin.maximum()
        if isinstance(spin, QSpinBox):
            kept = spin.textFromValue(spin.value())
        else:
            kept = spin.textFromValue(spin.value())
        kept += self.param.unit
        self._refuse(
            f"Refused: {self.param.label} must be {what} from {low:,g} to {high:,g}. Kept {kept}."
        )

    def _refuse(self, why: str) -> None:
        field = self._edit if self._spin is None else self._spin
        assert field is not None
        self.refusal = why
        field.setToolTip(why or self.param.help or self.param.label)
        field.setStyleSheet(f"border: 2px solid {theme.BAD.name()};" if why else "")
        if why:
            self._bar.refused.emit(why)  # the window says it where the class sees it

    def _relabel(self) -> None:
        if self._action is not None:
            state = "ON" if self._action.isChecked() else "OFF"
            key = f"  ({self.param.key})" if self.param.key else ""
            self._action.setText(f"{self.param.label}: {state}{key}")

    def _show_slider_value(self) -> None:
        if self._value_label is not None:
            value = self.value()
            text = f"{value:,}" if isinstance(value, int) else f"{value:.2f}"
            self._value_label.setText(f"{text}{self.param.unit}")

    def value(self) -> Any:
        if self._action is not None:
            return self._action.isChecked()
        if self._slider is not None:
            if self.param.kind == "int":
                return round(self._slider.value() / _SLIDER_SCALE)
            return self._slider.value() / _SLIDER_SCALE
        if self._combo is not None:
            return self._combo.currentText()
        if self._spin is not None:
            return self._spin.value()
        assert self._edit is not None
        return self._edit.text()

    def set_value(self, value: Any) -> None:
        if self._action is not None:
            self._action.setChecked(bool(value))
        elif self._combo is not None:
            self._combo.setCurrentText(str(value))
        elif self._slider is not None:
            self._slider.setValue(round(float(value) * _SLIDER_SCALE))
            self._show_slider_value()
        elif isinstance(self._spin, QSpinBox):
            self._spin.setValue(int(value))
        elif isinstance(self._spin, QDoubleSpinBox):
            self._spin.setValue(float(value))
        elif self._edit is not None and self.param.kind == "ints":
            try:
                self._good = self.param.parse(value)
            except ValueError:
                self._good = self.param.parse(self.param.default)
            self._edit.setText(self._good)
            self._refuse("")
        elif self._edit is not None:
            self._edit.setText(str(value))

    def remove(self, keys: QWidget) -> None:
        for bar, action in self.actions:
            bar.removeAction(action)
            keys.removeAction(action)
            action.deleteLater()
        for widget in self.widgets:
            widget.deleteLater()


class ParamBar(QObject):
    changed = Signal()
    refused = Signal(str)  # one line: why a field's edit was refused (nothing changed)

    def __init__(self, top: QToolBar, second: QToolBar, texts: QToolBar, keys: QWidget) -> None:
        """`keys`: the widget (the window) whose keys the parameters' shortcuts become, so
        that they work with the bars hidden and whatever has the focus."""
        super().__init__(top)
        self.top, self.second, self.texts, self.keys = top, second, texts, keys
        self._controls: dict[str, _Control] = {}

    def add_key(self, action: QAction) -> None:
        self.keys.addAction(action)

    def build(self, scenario: Scenario) -> None:
        """The controls of `scenario`, at its own demo defaults (a delay of 0 chosen for one
        scenario must not turn another scenario's race into a "correct" run)."""
        for control in self._controls.values():
            control.remove(self.keys)
        self.blockSignals(True)
        try:
            self._controls = {p.name: _Control(p, self) for p in scenario.params if not p.advanced}
        finally:
            self.blockSignals(False)
        for extra in (self.second, self.texts):
            extra.setVisible(
                any(bar is extra for c in self._controls.values() for bar, _ in c.actions)
            )

    def values(self) -> dict[str, Any]:
        return {name: c.value() for name, c in self._controls.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self._controls:  # (an advanced one has none: it runs at its default)
                self._controls[name].set_value(value)

    def control(self, name: str) -> _Control:
        return self._controls[name]
