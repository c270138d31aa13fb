"""What line tracing and the step gate cost per traced line, and how long one step takes.

Anchor, in the same run: the same loop in a thread with no tracing. The traced function is
a small loop of scenario-like lines; each figure is the median of REPEATS.
1. traced: sys.settrace scoped to the function, a LINE event recorded per line;
2. traced + gate, running freely (Run to end): the gate's check on every line;
3. one step, grant -> the thread has run its line and stopped again (the lecturer's key press);
4. the same for one bytecode instruction (opcode events are traced only while gated).
"""

from __future__ import annotations

import statistics
import threading
from time import perf_counter_ns

from threadtruth_gui.engine.context import RunContext, TaskContext, enter_task
from threadtruth_gui.engine.events import Recorder
from threadtruth_gui.engine.gate import StepGate
from threadtruth_gui.engine.linewatch import LineWatcher, code_objects

LINES = 200_000  # traced lines per measurement (the loop body is 2 lines per turn)
REPEATS = 5
STEPS = 2_000


def work(turns: int) -> int:
    total = 0
    for i in range(turns):
        total += i
    return total


def _time_lines(lanes: bool, gate: StepGate | None) -> float:
    """ns per line of `work` in a fresh thread."""
    out: list[int] = []
    ctx = RunContext(Recorder(), gate=gate)

    def body() -> None:
        enter_task(TaskContext(ctx, "T"))
        watcher = LineWatcher(code_objects([work])) if lanes else None
        if watcher is not None:
            watcher.install()
        t0 = perf_counter_ns()
        work(LINES // 2)
        out.append(perf_counter_ns() - t0)
        if watcher is not None:
            watcher.uninstall()

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return out[0] / LINES


def _step_latency(unit: str = "line") -> list[float]:
    """µs from a step to the thread being stopped again, one line (or instruction) later."""
    ctx = RunContext(Recorder())
    gate = ctx.gate = StepGate(ctx.cancelled)

    def body() -> None:
        enter_task(TaskContext(ctx, "T"))
        watcher = LineWatcher(code_objects([work]))
        watcher.install()
        work(STEPS)
        watcher.uninstall()
        gate.task_ended("T")

    thread = threading.Thread(target=body)
    thread.start()
    gate.wait_ready(["T"])
    took = []
    for _ in range(STEPS):
        t0 = perf_counter_ns()
        gate.step("T", unit)
        took.append((perf_counter_ns() - t0) / 1000)
    gate.release()
    thread.join()
    return took


def main() -> None:
    plain, watched, gated = [], [], []
    for _ in range(REPEATS):
        plain.append(_time_lines(False, None))
        watched.append(_time_lines(True, None))
        free = StepGate(threading.Event())
        free.release()
        gated.append(_time_lines(True, free))
    p, t, g = (statistics.median(x) for x in (plain, watched, gated))
    steps = _step_latency()
    ops = _step_latency("op")
    print(f"line tracing and the step gate: {LINES} lines, median of {REPEATS}")
    print(f"  anchor, untraced          {p:7.0f} ns/line")
    print(f"  traced (LINE recorded)    {t:7.0f} ns/line   {t / p:5.1f}x anchor")
    print(
        f"  traced + gate (free)      {g:7.0f} ns/line   {g / p:5.1f}x anchor, "
        f"gate alone {g - t:+.0f} ns/line"
    )
    print(
        f"  one step (grant -> stopped again): median {statistics.median(steps):.0f} us, "
        f"p99 {statistics.quantiles(steps, n=100)[98]:.0f} us over {len(steps)} steps"
    )
    print(
        f"  one instruction step:              median {statistics.median(ops):.0f} us, "
        f"p99 {statistics.quantiles(ops, n=100)[98]:.0f} us over {len(ops)} steps"
    )


if __name__ == "__main__":
    main()
