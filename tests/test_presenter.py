"""Presenter mode: themes, text size, lecture preset, clicker keys, settings that persist."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from threadtruth_gui.ui import theme


def test_font_scale_changes_the_timeline_and_code_text(qtbot, window) -> None:
    before_timeline = window.timeline._font.pointSizeF()
    before_code = window.code.font().pointSizeF()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert theme.font_scale > 1.0
    assert window.timeline._font.pointSizeF() > before_timeline
    assert window.timeline._axis_font.pointSizeF() > theme.body_font(10).pointSizeF() / 1.2
    assert window.code.font().pointSizeF() > before_code
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert theme.font_scale == 1.0
    assert window.timeline._font.pointSizeF() == before_timeline


def test_themes_switch_every_colour_in_place(qtbot, window) -> None:
    window.presenter.set_theme("dark")
    assert theme.BG.name() == "#0d1117"
    assert window.palette().color(window.backgroundRole()).name() == theme.PANEL.name()
    window.presenter.next_theme()
    assert theme.current_theme == "high-contrast"
    assert (theme.BG.name(), theme.TEXT.name()) == ("#000000", "#ffffff")
    image = window.timeline.grab().toImage()
    assert image.pixelColor(image.width() - 3, image.height() // 2).name() == "#000000"
    window.presenter.set_theme("light")


def test_lecture_preset_has_20pt_text_and_hides_the_chrome(qtbot, window) -> None:
    window.presenter.toggle_lecture(True)
    assert window.account.cards["A"].body.font().pointSizeF() >= 20
    assert window.font().pointSizeF() >= 20
    assert not window.scenario_list.isVisible() and not window.menuBar().isVisible()
    assert window.settings_bar.isVisible()  # the lock and the delay stay in view
    window.presenter.toggle_lecture(False)
    assert window.scenario_list.isVisible()
    assert theme.font_scale == 1.0


def test_clicker_pagedown_runs_and_steps_threads_in_turn_pageup_resets(qtbot, window) -> None:
    window.set_params({"lock": False, "delay": 0.0})
    window.step_action.setChecked(True)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)  # start, every thread stopped
    gate = window.bridge.gate
    assert gate is not None
    qtbot.waitUntil(lambda: gate.parked == {"A", "B"}, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: gate.settled("A"), timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_PageDown)
    assert [s.task for s in gate.steps] == ["A", "B"]
    qtbot.keyClick(window, Qt.Key.Key_PageUp)
    assert window.bridge.run is None
    window.step_action.setChecked(False)


def test_settings_persist_between_sessions(qtbot, tmp_path: Path) -> None:
    from threadtruth_gui.ui.main_window import MainWindow

    path = str(tmp_path / "threadtruth.ini")
    first = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.presenter.set_theme("dark")
    first.presenter.set_scale(1.3)
    first.select("deadlock")
    first.playback.set_speed(0.5)
    first.close()
    theme.use("light")
    theme.font_scale = 1.0
    second = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    try:
        assert theme.current_theme == "dark"
        assert theme.font_scale == 1.3
        assert second.scenario is not None and second.scenario.id == "deadlock"
        assert second.playback.speed_factor() == 0.5
        assert second.timeline._font.pointSizeF() == theme.body_font().pointSizeF()
    finally:
        second.close()
        theme.use("light")
        theme.font_scale = 1.0


def test_a_lecture_s_own_preset_is_not_kept_for_the_next_start(qtbot, tmp_path: Path) -> None:
    """`threadtruth lecture` turns the lecture preset on for itself: the plain window
    opened the next day still came up in it (the setting had been saved)."""
    from threadtruth_gui import assets
    from threadtruth_gui.lecture import load
    from threadtruth_gui.ui.main_window import MainWindow

    path = str(tmp_path / "threadtruth.ini")
    first = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.lecture.open(load(assets.lectures()[0]), presenter=False)
    assert first.presenter.lecture
    first.close()
    theme.font_scale = 1.0
    second = MainWindow(QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    try:
        assert not second.presenter.lecture
    finally:
        second.close()
        theme.use("light")
        theme.font_scale = 1.0
