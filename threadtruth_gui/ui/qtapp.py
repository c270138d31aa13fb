"""The one QApplication: its name, icon, fonts and Qt's messages (a module of its own, so
that what draws offscreen (the handout, a shot) makes it without importing the window)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QMessageLogContext, QSize, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from threadtruth_gui import assets
from threadtruth_gui.ui import theme


def _qt_messages(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    # The offscreen platform (shot, tests, headless runs) warns about a window-manager hint
    # it cannot honour; that says nothing to a user, so drop it and pass the rest on.
    if "propagateSizeHints" in message:
        return
    print(message, file=sys.stderr)


def _icon() -> QIcon:
    """The app's icon at each of its drawn sizes (Qt picks the nearest, not a blurred scale)."""
    icon = QIcon()
    for size in assets.ICON_SIZES:
        icon.addFile(str(assets.icon_png(size)), QSize(size, size))
    return icon


def application() -> QApplication:
    qInstallMessageHandler(_qt_messages)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationName("threadtruth")
    app.setOrganizationName("threadtruth")
    app.setWindowIcon(_icon())  # every window's, and the taskbar's
    app.setDesktopFileName("threadtruth")  # Wayland shows resources/threadtruth.desktop's icon
    theme.register_fonts()  # the shipped DejaVu fonts, the same on every machine
    app.setFont(theme.body_font())
    return app
