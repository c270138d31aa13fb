"""The interpreter label that verdicts naming interpreter behaviour carry."""

from __future__ import annotations

import platform
import sys

import pytest

from threadtruth_gui.engine import interp


def test_label_names_the_running_python() -> None:
    label = interp.python_label()
    assert label.startswith(f"{platform.python_implementation()} {platform.python_version()}")
    assert ("free-threaded" in label) == interp.free_threaded_build()


def test_free_threaded_build_is_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interp.sysconfig, "get_config_var", lambda name: 1)
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: False, raising=False)
    assert interp.python_label().endswith("free-threaded (GIL off)")
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: True, raising=False)
    assert interp.python_label().endswith("free-threaded (GIL on)")
