"""The engine, scenarios, runs and lectures never import Qt (PySide6 made unimportable)."""

from __future__ import annotations

import json
import subprocess
import sys

_BLOCK_QT = r"""
import importlib.abc, sys

class _NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "qasync", "PyQt5", "PyQt6"):
            raise ImportError(f"Qt is not allowed here: {name}")
        return None

sys.meta_path.insert(0, _NoQt())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _BLOCK_QT + code], capture_output=True, text=True, timeout=60
    )


def test_engine_and_scenarios_import_without_qt() -> None:
    proc = _run(
        """
import importlib, pkgutil
import threadtruth_gui.engine as engine, threadtruth_gui.scenarios as scenarios
import threadtruth_gui.runs as runs, threadtruth_gui.lecture as lecture
names = []
for pkg in (engine, scenarios, runs, lecture):
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        importlib.import_module(info.name)
        names.append(info.name)
scenarios.all_scenarios()
print(len(names))
assert not any(m.startswith("PySide6") for m in sys.modules)
"""
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 8  # every engine module and scenario was imported


def test_the_blocker_really_blocks_qt() -> None:
    proc = _run("import PySide6.QtCore")
    assert proc.returncode != 0
    assert "Qt is not allowed" in proc.stderr


def test_cli_run_works_without_qt() -> None:
    proc = _run(
        "from threadtruth_gui.cli import main\n"
        "raise SystemExit(main(['run', 'bank-race', '--delay', '0.2', '--json']))"
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outcome"]["final_balance"] == -100
