"""Run the `threadtruth` command as a user would: a subprocess, output captured."""

from __future__ import annotations

import subprocess
import sys


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "threadtruth_gui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
