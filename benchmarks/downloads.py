"""Download benchmarks on the offline demo server (loopback only).

1. N=200 files, latency 0.5 s: total time / ideal, where ideal = latency + size/bandwidth
   (what one file takes alone). Goals: threads <= 1.5, asyncio <= 1.3.
2. The same asyncio download on the app's qasync loop vs a plain asyncio loop (no Qt),
   in the same run. Goal: <= 1.3x.
Each figure is the median of REPEATS runs, alternated so machine noise hits both alike.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from threadtruth_gui.engine.runner import Run
from threadtruth_gui.scenarios import get

N, SIZE_KIB, LATENCY, RATE_KIB = 200, 64, 0.5, 256.0
IDEAL_S = LATENCY + SIZE_KIB / RATE_KIB
REPEATS = 3
PARAMS: dict[str, Any] = {"n": N, "size": SIZE_KIB, "latency": LATENCY, "rate": RATE_KIB}


def _total(scenario: str, loop: asyncio.AbstractEventLoop | None = None) -> float:
    sc = get(scenario)
    params = sc.resolve(PARAMS)
    run = Run(sc.plan(params), loop=loop)
    run.start()
    if loop is None:
        run.join()
    else:  # the qasync loop runs in this thread: wait on it, not in it

        async def wait() -> None:
            while not run.finished:
                await asyncio.sleep(0.01)

        loop.run_until_complete(wait())
    result, _ = sc.finish(run, params)
    failed = [t for t in result.tasks if t["status"] != "done"]
    if failed:
        sys.exit(f"{scenario}: {len(failed)} downloads failed, e.g. {failed[0]}")
    return float(next(iter(result.outcome["modes"].values()))["total_s"])


def main() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    qloop = qasync.QEventLoop(app)
    threads, plain, on_qasync = [], [], []
    for _ in range(REPEATS):
        threads.append(_total("downloads-threads"))
        plain.append(_total("downloads-asyncio"))
        on_qasync.append(_total("downloads-asyncio", qloop))
    qloop.close()
    t, a, q = (statistics.median(x) for x in (threads, plain, on_qasync))
    print(
        f"downloads: N={N}, {SIZE_KIB} KiB each, latency {LATENCY} s, "
        f"{RATE_KIB:.0f} KiB/s per connection; ideal {IDEAL_S:.2f} s; median of {REPEATS}"
    )
    print(f"  threads             {t:6.2f} s   total/ideal {t / IDEAL_S:5.2f}   (goal <= 1.5)")
    print(f"  asyncio, plain loop {a:6.2f} s   total/ideal {a / IDEAL_S:5.2f}   (goal <= 1.3)")
    print(f"  asyncio, qasync     {q:6.2f} s   qasync/plain {q / a:5.2f}x   (goal <= 1.3x)")


if __name__ == "__main__":
    main()
