"""Stepping coroutines to their next await: the gate on an asyncio phase."""

from __future__ import annotations

import asyncio
import inspect

from threadtruth_gui.engine.gate import StepGate
from threadtruth_gui.engine.plan import Phase, Plan, TaskSpec
from threadtruth_gui.engine.runner import Run


class Box:
    value = 0


async def add_one(box, pause):
    seen = box.value
    await asyncio.sleep(pause)  # another coroutine may run here
    box.value = seen + 1


def _plan(box: Box) -> Plan:
    tasks = [TaskSpec(name, add_one, (box, 0.0)) for name in ("A", "B")]
    return Plan(
        [Phase("asyncio", tasks)],
        outcome=lambda _stats: {"value": box.value},
        code=[add_one],
    )


def _start(box: Box) -> tuple[Run, StepGate]:
    run = Run(_plan(box))
    gate = run.context.gate = StepGate(run.context.cancelled)
    run.start()
    assert gate.wait_ready(["A", "B"])
    return run, gate


def test_stepping_to_the_await_interleaves_two_coroutines_into_a_lost_update() -> None:
    box = Box()
    run, gate = _start(box)
    try:
        await_line = inspect.getsourcelines(add_one)[1] + 2
        assert gate.step("A", "await").result == "stepped"  # A reads 0 and awaits
        assert run.lanes().tasks["A"].line == await_line
        assert box.value == 0
        assert gate.step("B", "await").result == "stepped"  # B reads 0 too
        assert gate.step("A", "await").result == "stepped"  # A writes 1 and ends
        assert box.value == 1
        assert gate.step("B", "await").result == "stepped"  # B writes 1: one update lost
    finally:
        gate.release()
        assert run.join(10)
    assert box.value == 1
    assert [t["status"] for t in run.result("t", {}).tasks] == ["succeeded", "succeeded"]


def test_a_coroutine_runs_to_its_await_and_no_further_without_a_step() -> None:
    box = Box()
    run, gate = _start(box)
    try:
        gate.step("A", "await")
        assert gate.wait_ready(["A", "B"])
        assert box.value == 0  # B never ran; A stopped at its await
        states = {n: t.state for n, t in run.lanes().tasks.items()}
        assert states == {"A": "paused", "B": "paused"}
    finally:
        gate.release()
        assert run.join(10)
    assert box.value in (1, 2)


def test_cancel_while_coroutines_are_parked_ends_the_run() -> None:
    box = Box()
    run, gate = _start(box)
    gate.step("A", "await")
    assert run.stop(timeout=3)
    assert {t["status"] for t in run.result("t", {}).tasks} == {"cancelled"}


def test_a_parked_coroutine_leaves_its_loop_free() -> None:
    """The gate polls from the loop: other callbacks on that loop keep running."""
    loop = asyncio.new_event_loop()
    ticks: list[int] = []

    async def main() -> None:
        box = Box()
        run = Run(_plan(box), loop=loop)
        gate = run.context.gate = StepGate(run.context.cancelled)
        run.start()
        for _ in range(20):
            ticks.append(1)
            await asyncio.sleep(0.01)
        assert gate.parked == {"A", "B"}
        gate.release()
        while not run.finished:
            await asyncio.sleep(0.01)
        assert box.value == 2 or box.value == 1

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert len(ticks) == 20


def test_the_schedule_of_a_stepped_asyncio_run_is_its_await_steps() -> None:
    from threadtruth_gui.runs.runfile import schedule_of

    box = Box()
    run, gate = _start(box)
    try:
        for task in "ABAB":
            gate.step(task, "await")
    finally:
        gate.release()
        assert run.join(10)
    steps = schedule_of(run.recorder.events(), gated=True)
    assert steps == [(t, "await") for t in "ABAB"]
