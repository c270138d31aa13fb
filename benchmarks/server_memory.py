"""The demo server's memory while it serves many big files (issue 12, item 8). Linux only.

downloads-asyncio fetches N files of SIZE_KIB from the demo server, unthrottled; a watcher
reads the server process's peak RSS (VmHWM in /proc) while it runs. The anchor, measured in
the same run, is the peak RSS of the same server serving one file of the same size.
Goals: every file done and verified, and the server's peak RSS <= 300 MB.

    python benchmarks/server_memory.py            # N=1000 files of 10 MiB (10 GiB of disk)
    python benchmarks/server_memory.py 200        # fewer files
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from typing import Any

import psutil

from threadtruth_gui.engine.measure import peak_rss_bytes
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.scenarios import get

N, SIZE_KIB = 1000, 10 * 1024
GOAL_MB = 300.0
SERVER_MODULE = "threadtruth_gui.engine.demo_server"


def _servers() -> list[int]:
    """Our demo server children (by their command line)."""
    pids = []
    for child in psutil.Process().children():
        try:
            if SERVER_MODULE in " ".join(child.cmdline()):
                pids.append(child.pid)
        except psutil.Error:
            continue
    return pids


class Watcher:
    """Polls the server's VmHWM (a high-water mark: the last read is the peak so far)."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="rss-watch", daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            for pid in _servers():
                self.peak_kib = max(self.peak_kib, (peak_rss_bytes(pid) or 0) // 1024)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(n: int) -> tuple[float, int, int, float]:
    """(server peak MB, files done and verified, files, seconds)."""
    sc = get("downloads-asyncio")
    params: dict[str, Any] = sc.resolve(
        {"n": n, "size": SIZE_KIB, "latency": 0.0, "rate": 0.0, "timeout": 30.0}
    )
    with Watcher() as watcher:
        start = time.monotonic()
        plan_run = Run(sc.plan(params))
        plan_run.start()
        plan_run.join()
        took = time.monotonic() - start
    result, _ = sc.finish(plan_run, params)
    ok = [t for t in result.tasks if t["status"] == "done" and t.get("verified")]
    if len(ok) < len(result.tasks):
        bad = next(t for t in result.tasks if t not in ok)
        print(f"  first failure: {bad['name']}: {bad.get('error')}")
    return watcher.peak_kib / 1024, len(ok), len(result.tasks), took


def main() -> int:
    if not sys.platform.startswith("linux"):
        print("server_memory: Linux only (reads /proc)")
        return 2
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N
    need = n * SIZE_KIB * 1024 * 1.1
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if free < need:
        print(f"server_memory: needs {need / 2**30:.1f} GiB free, {free / 2**30:.1f} GiB is")
        return 2
    anchor_mb, *_ = run(1)
    peak_mb, done, total, took = run(n)
    ok_files, ok_rss = done == total, peak_mb <= GOAL_MB
    print(f"demo server, downloads-asyncio, {SIZE_KIB // 1024} MiB files, unthrottled")
    print(f"  anchor: n=1      server peak RSS {anchor_mb:7.1f} MB")
    print(
        f"  n={n:<6d}        server peak RSS {peak_mb:7.1f} MB   "
        f"{peak_mb / anchor_mb:4.2f}x the anchor   {took:.1f} s"
    )
    print(f"  {'PASS' if ok_files else 'FAIL'}  files done and verified: {done} of {total}")
    print(f"  {'PASS' if ok_rss else 'FAIL'}  server peak RSS {peak_mb:.1f} MB <= {GOAL_MB:.0f} MB")
    return 0 if ok_files and ok_rss else 1


if __name__ == "__main__":
    sys.exit(main())
