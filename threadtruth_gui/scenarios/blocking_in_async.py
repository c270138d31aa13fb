"""blocking-in-async: one coroutine calls time.sleep, and every other coroutine stops too.

An event loop runs one callback at a time on one thread; a coroutine that blocks (time.sleep,
requests.get, heavy CPU) holds the loop. The heartbeats measure how late they wake.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from threadtruth_gui.engine.context import RunContext, current, report
from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Phase, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Effect, Param, Scenario

VARIANTS = ("time.sleep (blocks)", "asyncio.to_thread", "await asyncio.sleep")
VARIANT = Param(
    "variant",
    "The slow call",
    "choice",
    VARIANTS[0],
    choices=VARIANTS,
    key="V",
    help="how the slow coroutine waits",
)
BLOCK = Param(
    "block",
    "Slow call",
    "float",
    1.0,
    0.1,
    1.0,
    0.1,
    " s",
    slider=True,
    help="how long the slow call takes",
)
BEATS = Param("beats", "Heartbeats", "int", 4, 1, 8, 1, help="coroutines that wake every 50 ms")
PERIOD_S = 0.05
_LATE_S = 0.02  # a beat this much later than due is a stall of the loop


class Clock:
    """Heartbeat bookkeeping: when each heartbeat is due next, and the worst lateness.

    A heartbeat awaiting its next beat is "awaiting". Once it is due and has not run for
    `_LATE_S`, the loop has not run it: the run's monitor (`watch`, on the driver thread,
    every ~10 ms, while the loop thread is stuck) records it as stalled from the moment it
    was due, so the lane shows the stall while it lasts, not only after the beat. The beat
    itself records the stall if the watcher has not (e.g. a watcher starved of the GIL).
    """

    def __init__(self, period: float) -> None:
        self.period_ns = int(period * 1e9)
        self.due: dict[str, int] = {}
        self.stalled: set[str] = set()  # heartbeats already recorded as stalled
        self.worst_s = 0.0
        self._lock = threading.Lock()  # the watcher and the beat record a stall once

    def beat(self, last: bool = False) -> None:
        """A beat later than due shows the loop was blocked meanwhile: drawn as a span."""
        ctx = current()
        task = ctx.task if ctx is not None else ""
        with self._lock:
            now = time.perf_counter_ns()
            due = self.due.pop(task, None)
            late = due is not None and now - due > _LATE_S * 1e9
            if due is not None and late and task not in self.stalled and ctx is not None:
                ctx.record_at(due, Kind.STATE, State.STALLED)
            self.stalled.discard(task)
            if ctx is not None:
                ctx.record(Kind.STATE, State.RUNNING)
            if not last:
                self.due[task] = now + self.period_ns
        if due is not None and late:
            lateness = (now - due) / 1e9
            self.worst_s = max(self.worst_s, lateness)
            report("woke late", late_ms=round(lateness * 1000))
        if ctx is not None and not last:
            ctx.record(Kind.STATE, State.AWAITING)  # it awaits its next beat now

    def watch(self, run: RunContext) -> None:
        """On the driver thread: mark every heartbeat that is overdue as stalled, now."""
        with self._lock:
            now = time.perf_counter_ns()
            for task, due in self.due.items():
                if task not in self.stalled and now - due > _LATE_S * 1e9:
                    self.stalled.add(task)
                    run.states[task] = State.STALLED
                    run.recorder.record_at(due, task, Kind.STATE, State.STALLED)


async def heartbeat(beats, period, clock):
    for _ in range(beats):
        clock.beat()  # on time, or late because the loop was blocked
        await asyncio.sleep(period)
    clock.beat(last=True)
    return "done"


async def slow_blocking(seconds):
    await asyncio.sleep(0.2)
    time.sleep(seconds)  # blocks the thread, and so the whole event loop
    return "done"


async def slow_in_thread(seconds):
    await asyncio.sleep(0.2)
    await asyncio.to_thread(time.sleep, seconds)  # blocks a worker thread instead
    return "done"


async def slow_awaiting(seconds):
    await asyncio.sleep(0.2)
    await asyncio.sleep(seconds)  # gives the loop back while it waits
    return "done"


def _plan(params: dict[str, Any]) -> Plan:
    variant, seconds = params["variant"], params["block"]
    slow = {VARIANTS[0]: slow_blocking, VARIANTS[1]: slow_in_thread, VARIANTS[2]: slow_awaiting}[
        variant
    ]
    beats = round((0.4 + seconds) / PERIOD_S)  # beat through the slow call and past it
    clock = Clock(PERIOD_S)
    tasks = [
        TaskSpec(
            chr(ord("A") + i), heartbeat, (beats, PERIOD_S, clock), {"label": "heartbeat, 50 ms"}
        )
        for i in range(params["beats"])
    ]
    # observed: its time suspended at an await is "awaiting", not "running"
    tasks.append(
        TaskSpec("X", slow, (seconds,), {"label": f"slow call, {seconds:g} s"}, observe=True)
    )

    def outcome(_stats: Any) -> dict[str, Any]:
        return {
            "variant": variant,
            "slow_call_s": seconds,
            "loop_stall_s": round(clock.worst_s, 4),
            "period_s": PERIOD_S,
        }

    return Plan(
        [Phase("asyncio", tasks, label="one event loop", own_loop=True)],
        outcome=outcome,
        code=[heartbeat, slow],
        monitor=clock.watch,
        # a private loop in a worker thread: blocking it must not freeze the window
    )


def _effect(result: RunResult) -> Effect:
    """time.sleep: the loop froze for most of the call; otherwise it kept beating."""
    out = result.outcome
    stall, call = out["loop_stall_s"], out["slow_call_s"]
    if out["variant"] == VARIANTS[0]:
        # a beat falls due within one period of the call's start, and waits for its end:
        # the worst is at least the call less a period (halved: timers are not exact)
        froze = stall >= (call - out["period_s"]) / 2
        why = (
            f"no heartbeat woke more than {stall * 1000:.0f} ms late during the {call:g} s "
            "call: the loop kept running them"
        )
        return Effect("the loop froze", froze, "" if froze else why)
    kept = stall < _LATE_S
    why = f"a heartbeat woke {stall * 1000:.0f} ms late: something else held the loop"
    return Effect("the loop kept beating", kept, "" if kept else why)


def _woke_late(lanes: Lanes, at_least_s: float) -> int:
    """How many heartbeats woke at least this late at some beat (their "woke late" notes)."""
    return sum(
        1
        for track in lanes.tasks.values()
        if any(
            n.what == "woke late" and n.data.get("late_ms", 0) >= at_least_s * 1000
            for n in track.notes
        )
    )


def _verdict(result: RunResult, lanes: Lanes) -> Verdict:
    out = result.outcome
    stall = out["loop_stall_s"]
    effect = _effect(result)
    if out["variant"] == VARIANTS[0]:
        if not effect.shown:
            return Verdict(True, "The loop did not freeze this time", effect.why_not)
        late = _woke_late(lanes, stall / 2)
        beats = sum(1 for t in result.tasks if t["name"] != "X")  # X: the slow call
        return Verdict(
            stall < _LATE_S,
            f"The loop froze for {stall:.2f} s",
            "time.sleep in a coroutine blocked the thread running the event loop: "
            f"{late} of {beats} heartbeats woke {stall / 2:.2f} s late or more, "
            f"the latest {stall:.2f} s",
        )
    how = "a worker thread slept" if out["variant"] == VARIANTS[1] else "the coroutine awaited"
    if stall >= _LATE_S:
        return Verdict(
            False,
            f"The loop stalled {stall:.2f} s",
            f"{how}, which leaves the loop free, yet a heartbeat woke {stall * 1000:.0f} ms "
            "late: the loop's thread did not run for that long",
        )
    return Verdict(
        True,
        "The loop kept beating",
        f"{how}; no heartbeat was more than {_LATE_S * 1000:.0f} ms late",
    )


def _figures(result: RunResult) -> list[tuple[str, str]]:
    out = result.outcome
    return [
        ("the longest a heartbeat woke late", f"{out['loop_stall_s']:.3f} s"),
        ("the slow call", f"{out['slow_call_s']:g} s"),
        ("heartbeat period", f"{out['period_s'] * 1000:g} ms"),
    ]


SCENARIO = Scenario(
    id="blocking-in-async",
    title="Blocking the event loop",
    summary="Heartbeat coroutines, and one that calls time.sleep.\n"
    "While it sleeps, nothing else on the loop runs.",
    description=(
        "Heartbeat coroutines wake every 50 ms; a slow coroutine then makes a slow call. "
        "time.sleep blocks the thread that runs the event loop, so every heartbeat is late "
        "by the whole call: the purple 'loop blocked' spans. asyncio.to_thread runs the "
        "same time.sleep in a worker thread, and awaiting asyncio.sleep gives the loop back: "
        "the heartbeats stay on time. This scenario's loop runs in its own worker thread, "
        "not the window's, so that the window keeps drawing while it is blocked."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(VARIANT, BLOCK, BEATS),
    order=41,
    figures=_figures,
    effect=_effect,
)
