"""Recorder cost: events per second from 8 threads, ns and bytes per event.

Anchor, measured in the same run: the same 8 threads appending a bare tuple carrying a
perf_counter_ns() timestamp to a plain list, with no lock (the least any recorder can do).
Goals (issue 2): <= 2 us and <= 200 bytes per event.
"""

from __future__ import annotations

import gc
import statistics
import threading
import tracemalloc
from collections.abc import Callable
from time import perf_counter_ns

from threadtruth_gui.engine.events import Kind, Recorder

THREADS = 8
PER_THREAD = 50_000
REPEATS = 5


def _timed(make_sink: Callable[[], Callable[[str, int], None]]) -> float:
    """ns per event with THREADS threads each recording PER_THREAD events."""
    sink = make_sink()
    go = threading.Barrier(THREADS + 1)

    def work(name: str) -> None:
        go.wait()
        for i in range(PER_THREAD):
            sink(name, i)

    threads = [threading.Thread(target=work, args=(f"T{n}",)) for n in range(THREADS)]
    for t in threads:
        t.start()
    go.wait()
    t0 = perf_counter_ns()
    for t in threads:
        t.join()
    return (perf_counter_ns() - t0) / (THREADS * PER_THREAD)


def _recorder_sink() -> Callable[[str, int], None]:
    rec = Recorder()
    return lambda task, i: rec.record(task, Kind.LINE, i)


def _bare_sink() -> Callable[[str, int], None]:
    log: list[tuple[int, str, str, int]] = []
    return lambda task, i: log.append((perf_counter_ns(), task, Kind.LINE, i))


def _bytes_per_event(make: Callable[[], Callable[[str, int], None]]) -> float:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    sink = make()
    n = 100_000
    for i in range(n):
        sink("A", 1000 + i)  # line numbers above the small-int cache, as in real files
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del sink
    return used / n


def main() -> None:
    rec_ns, bare_ns = [], []
    for _ in range(REPEATS):  # interleaved, so machine noise hits both alike
        rec_ns.append(_timed(_recorder_sink))
        bare_ns.append(_timed(_bare_sink))
    r, b = statistics.median(rec_ns), statistics.median(bare_ns)
    rb, bb = _bytes_per_event(_recorder_sink), _bytes_per_event(_bare_sink)
    print(f"recorder: {THREADS} threads x {PER_THREAD} events, median of {REPEATS}")
    print(f"  Recorder.record        {r:8.0f} ns/event  {1e9 / r:12,.0f} events/s")
    print(f"  anchor bare append     {b:8.0f} ns/event  {1e9 / b:12,.0f} events/s")
    print(
        f"  ratio recorder/anchor  {r / b:8.2f}x   (goal: <= 2000 ns/event: "
        f"{'met' if r <= 2000 else 'MISSED'})"
    )
    print(
        f"  memory: {rb:.0f} bytes/event (anchor {bb:.0f}), ratio {rb / bb:.2f}x  "
        f"(goal: <= 200 bytes: {'met' if rb <= 200 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
