"""`threadtruth shot`: run a scenario in the real main window offscreen and save a PNG."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from threadtruth_gui.engine.scenario import Scenario

TIMEOUT_MS = 30_000
SETTLE_MS = 700  # let the balance animation land on its final value


def take_shot(
    scenario: Scenario,
    params: dict[str, Any],
    out: Path,
    size: tuple[int, int],
    theme_name: str = "light",
    lecture: bool = False,
) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, QTimer

    from threadtruth_gui.ui.main_window import MainWindow
    from threadtruth_gui.ui.qtapp import application

    application()
    window = MainWindow()  # the defaults, not this user's saved settings
    try:
        window.presenter.set_theme(theme_name)
        window.presenter.toggle_lecture(lecture)
        window.presenter.hold_action.setChecked(False)  # a shot waits for the run's end
        window.resize(*size)
        window.select(scenario.id)
        window.set_params(params)
        window.show()
        loop = QEventLoop()
        window.bridge.finished.connect(loop.quit)
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(TIMEOUT_MS)
        window.start_run()
        loop.exec()
        if window.bridge.result is None:
            raise TimeoutError(f"{scenario.id} did not finish within {TIMEOUT_MS / 1000:.0f} s")
        QTimer.singleShot(SETTLE_MS, loop.quit)
        loop.exec()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        window.grab().save(buffer, "PNG")
        out.write_bytes(bytes(data.data()))
    finally:
        window.close()
        window.deleteLater()
