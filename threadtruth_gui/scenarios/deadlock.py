"""deadlock: A takes L1 then L2, B takes L2 then L1; each waits for the other forever.

The app finds the cycle in the wait-for graph of the real locks, draws it, and breaks it so
that the run ends cleanly. Two fixes: one lock order for everybody, or a timeout and back-off.
"""

from __future__ import annotations

import random
from typing import Any

from threadtruth_gui.engine.context import ObservedLock, report, sleep
from threadtruth_gui.engine.deadlock import DeadlockWatch, describe
from threadtruth_gui.engine.events import Kind
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Phase, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.scenarios import _effects

VARIANTS = ("opposite order", "same order", "timeout and back off")
VARIANT = Param(
    "variant",
    "Locking",
    "choice",
    VARIANTS[0],
    choices=VARIANTS,
    key="V",
    help="in which order the threads take the two locks",
)
DELAY = Param(
    "delay",
    "Work while holding",
    "float",
    0.3,
    0.0,
    2.0,
    0.1,
    " s",
    slider=True,
    help="how long each thread works with its first lock before taking the second",
)


def transfer(first, second, delay):
    with first:
        report("took", lock=first.name)
        sleep(delay)  # meanwhile the other thread takes its first lock
        with second:
            report("took", lock=second.name)
    return "succeeded"


def transfer_with_timeout(first, second, delay):
    while True:
        with first:
            report("took", lock=first.name)
            sleep(delay)
            if second.acquire(timeout=0.2):  # wait a while, not forever
                try:
                    report("took", lock=second.name)
                    return "succeeded"
                finally:
                    second.release()
        report("backed off", lock=first.name)  # released the first lock: the other can go
        sleep(random.uniform(0.0, 0.3))  # unequal pauses, so the next try differs


def _plan(params: dict[str, Any]) -> Plan:
    l1, l2 = ObservedLock("L1"), ObservedLock("L2")
    variant, delay = params["variant"], params["delay"]
    target = transfer_with_timeout if variant == VARIANTS[2] else transfer
    b_locks = (l1, l2) if variant == VARIANTS[1] else (l2, l1)
    tasks = [
        TaskSpec("A", target, (l1, l2, delay), {"label": "L1 then L2"}),
        TaskSpec("B", target, (*b_locks, delay), {"label": " then ".join(x.name for x in b_locks)}),
    ]
    watch = DeadlockWatch([l1, l2])

    def outcome(_stats: Any) -> dict[str, Any]:
        out = {
            "variant": variant,
            "deadlocked": watch.cycle is not None,
            "cycle": watch.cycle,
            "detected_after_s": round(watch.detected_after_s, 4) if watch.cycle else None,
            "victim": watch.victim,
        }
        if target is transfer_with_timeout and watch.context is not None:  # who gave up,
            events = watch.context.recorder.events()  # how often: a replay must do the same
            out["backed_off"] = {
                t.name: sum(
                    e.task == t.name and e.kind == Kind.NOTE and e.data[0] == "backed off"
                    for e in events
                )
                for t in tasks
            }
        return out

    return Plan([Phase("threads", tasks)], outcome=outcome, code=[target], monitor=watch)


def backoffs(lanes: Lanes) -> dict[str, int]:
    """How many times each thread backed off (gave up a timed wait and let go), counted
    from the notes its own code recorded."""
    counts = {name: sum(n.what == "backed off" for n in t.notes) for name, t in lanes.tasks.items()}
    return {name: k for name, k in counts.items() if k}


def _times(k: int) -> str:
    return "once" if k == 1 else f"{k} times"


def took_first(lanes: Lanes) -> str:
    """Who held both locks first, and whether the other had taken one by then, from the
    "took" notes in time order."""
    took = sorted(
        (n.t_ns, name) for name, t in lanes.tasks.items() for n in t.notes if n.what == "took"
    )
    held: dict[str, int] = {}
    for t_ns, name in took:
        held[name] = held.get(name, 0) + 1
        if held[name] == 2:
            others = [o for o in lanes.tasks if o != name]
            early = [o for o in others if any(n == o and t < t_ns for t, n in took)]
            if early:
                return f"{name} took both locks first"
            return f"{name} took both locks before {' or '.join(others)} took one"
    return "no thread took both locks"


def _verdict(result: RunResult, lanes: Lanes) -> Verdict:
    out = result.outcome
    if out["deadlocked"]:
        return Verdict(
            False,
            "Deadlock",
            f"{describe(out['cycle'])}: neither can ever go on; the app ended "
            f"{out['victim']}'s wait",
        )
    failed = [t for t in result.tasks if t["status"] == "failed"]
    if failed:
        return Verdict(
            False,
            "A thread failed",
            "; ".join(f"{t['name']}: {t.get('error') or 'failed'}" for t in failed),
        )
    if out["variant"] == VARIANTS[1]:
        waited = [n for n, t in lanes.tasks.items() if any(s.state == "waiting" for s in t.spans)]
        who = f"{' and '.join(waited)} waited for L1" if waited else "nobody had to wait"
        return Verdict(
            True, "No deadlock", f"both take L1 first: whoever has it gets L2 too ({who})"
        )
    if out["variant"] == VARIANTS[2]:
        counts = backoffs(lanes)
        total = sum(counts.values())
        if not total:
            return Verdict(
                True,
                "No deadlock",
                f"no timed wait ran out (0 back-offs): {took_first(lanes)}",
            )
        who = " and ".join(f"{name} {_times(k)}" for name, k in counts.items())
        return Verdict(
            True,
            "No deadlock",
            f"a wait with a timeout gave up, and its thread let go of its first lock and "
            f"tried again: {who} ({total} back-off{'s' if total != 1 else ''})",
        )
    return Verdict(True, "No deadlock this time", took_first(lanes))


def _figures(result: RunResult) -> list[tuple[str, str]]:
    out = result.outcome
    rows = [("deadlocked", "yes" if out["deadlocked"] else "no")]
    if out["deadlocked"]:
        rows.append(("found after the cycle closed", f"{out['detected_after_s'] * 1000:.1f} ms"))
        rows.append(("its wait was ended: it released its lock", str(out["victim"])))
    else:
        rows.append(("wall time", f"{result.duration_s:.2f} s"))
    return rows


SCENARIO = Scenario(
    id="deadlock",
    title="Deadlock: two locks, two orders",
    summary="A takes L1 then L2; B takes L2 then L1.\n"
    "Each holds what the other needs: both wait forever.",
    description=(
        "Threads A and B each need two locks. A takes L1 then L2, B takes L2 then L1, with "
        "some work in between. Each ends up holding one lock and waiting for the other. The "
        "app watches the real locks: a thread waiting (without a timeout) for a lock whose "
        "holder waits for a lock it holds is a cycle in the wait-for graph, which never ends "
        "by itself. It draws the cycle, then, as a database does, ends one thread's wait "
        "with an exception: that thread unwinds and releases its lock, the other goes on. "
        "Fixes: take the locks in the same order, or wait "
        "with a timeout and back off."
    ),
    plan=_plan,
    verdict=_verdict,
    params=(VARIANT, DELAY),
    order=26,
    figures=_figures,
    effect=_effects.deadlock,
)
