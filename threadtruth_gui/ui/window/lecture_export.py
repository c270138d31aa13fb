"""File ▸ Export the lecture's handout: the handout (ui/handout.py) of the lecture being
given, from the runs made in it on this machine and the class's votes."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from threadtruth_gui.lecture.handout import HandoutError
from threadtruth_gui.lecture.session import LectureSession


def export_session_handout(
    window: QWidget, session: LectureSession | None, out_dir: str | None = None
) -> tuple[bool, str]:
    """Write `session`'s handout to `out_dir` (asked for when None): (done, what to say).
    Slides not run in this lecture say so in the handout; nothing runs here."""
    if session is None:
        return False, "Open a lecture first (File ▸ Open lecture…): the handout is its runs'."
    if out_dir is None:
        out_dir = QFileDialog.getExistingDirectory(
            window, "Export the lecture's handout to a folder", os.path.expanduser("~")
        )
        if not out_dir:
            return False, ""
    runs, votes = session.handout_runs(), session.handout_votes()
    from threadtruth_gui.ui.handout import export_handout

    # dated the day the lecture was given (it may be exported the day after)
    given_on = datetime.date.fromtimestamp(session.started)
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # a few seconds of pictures
    try:
        index = export_handout(session.deck, out_dir, runs, votes, ran_on=given_on)
    except (HandoutError, OSError) as exc:
        return False, f"No handout written: {exc}"
    finally:
        QApplication.restoreOverrideCursor()
    ran = f"{len(runs)} of {sum(s.preset is not None for s in session.deck.slides)}"
    return True, f"Handout written: {Path(index)} ({ran} slides' runs from this lecture)."
