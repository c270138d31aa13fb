"""What this process uses, asked of the OS through psutil: the same figures on Linux, macOS
and Windows. A figure the OS would not give is None, shown as "not measured", never 0.

psutil is imported at the first reading, not at startup (it costs ~30 ms to import).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

_process: tuple[int, psutil.Process] | None = None


def _me() -> psutil.Process:
    """This process (made again after a fork or in a spawned child: its pid differs)."""
    global _process
    import psutil

    pid = os.getpid()
    if _process is None or _process[0] != pid:
        _process = (pid, psutil.Process(pid))
    return _process[1]


def rss_bytes() -> int | None:
    """This process's resident memory, or None where the OS does not say."""
    import psutil

    try:
        rss = int(_me().memory_info().rss)
    except (psutil.Error, OSError):
        return None
    return rss if rss > 0 else None


def thread_count() -> int:
    """The threads of this process as the OS counts them (the window's own and native ones
    too); where the OS would not say, Python's count of the threads it started."""
    import psutil

    try:
        return int(_me().num_threads())
    except (psutil.Error, OSError):
        return threading.active_count()


def peak(seen: int | None, now: int | None) -> int | None:
    """The larger of two readings, either of which may be missing."""
    if seen is None:
        return now
    return seen if now is None else max(seen, now)


def peak_rss_bytes(pid: int) -> int | None:
    """Another process's peak resident memory (its high-water mark), or None where the OS
    does not say. psutil gives the peak on Windows only; on Linux it is /proc's VmHWM."""
    import psutil

    try:
        peak_wset = getattr(psutil.Process(pid).memory_info(), "peak_wset", None)
        if peak_wset:
            return int(peak_wset)
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (psutil.Error, OSError, ValueError):
        pass
    return None
