"""The effect each scenario exists to show, read from a finished run's result (see
`engine.scenario.Effect`): the verdict's test and benchmarks/demo_reliability.py's.

Each is a few lines over the outcome a scenario already measures; the scenario names its
own in `Scenario(effect=...)`.
"""

from __future__ import annotations

from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Effect
from threadtruth_gui.scenarios import _gil_verdict


def _status(result: RunResult) -> dict[str, str]:
    return {t["name"]: t["status"] for t in result.tasks}


def overdraft(result: RunResult) -> Effect:
    """bank-race, asyncio-race: an overdraft without the lock, none with it."""
    final = result.outcome["final_balance"]
    if result.params.get("lock"):
        return Effect("no overdraft with the lock", final >= 0, f"{money(final)} with the lock")
    if final < 0:
        return Effect("an overdraft", True)
    status = _status(result)
    paid = [n for n, s in status.items() if s == "succeeded"]
    denied = [n for n, s in status.items() if s == "denied"]
    if len(paid) == 1 and denied:
        why = f"{', '.join(denied)} checked after {paid[0]} had deducted, and was denied"
    else:
        why = ", ".join(f"{name} {state}" for name, state in status.items())
    return Effect("an overdraft", False, f"{money(final)}: {why}")


def lost_update(result: RunResult) -> Effect:
    """bank-deposit: one update overwritten without the lock, none with it."""
    lost, final = bool(result.outcome["lost_update"]), money(result.outcome["final_balance"])
    if result.params.get("lock"):
        return Effect("no update lost with the lock", not lost, f"{final} with the lock")
    return Effect("a lost update", lost, "" if lost else f"{final}: both updates counted")


def deadlock(result: RunResult) -> Effect:
    """deadlock: opposite orders deadlock; one order, or a timeout, gets both through."""
    out = result.outcome
    if out["variant"] == "opposite order":
        why = "one thread took both locks before the other took its first"
        return Effect("a deadlock", bool(out["deadlocked"]), "" if out["deadlocked"] else why)
    through = not out["deadlocked"] and set(_status(result).values()) == {"succeeded"}
    states = ", ".join(f"{n} {s}" for n, s in _status(result).items())
    return Effect("both threads get through", through, "" if through else states)


def gil(result: RunResult) -> Effect:
    """gil-cpu: with the GIL, threads take turns: together they keep at most one core busy,
    whatever else the machine does (CPU time over wall time, not a speedup, which load from
    other programs swings either way). Without the GIL, they run at once."""
    failed = _gil_verdict.failed_workers(result)
    if failed:
        return Effect("threads take turns", False, f"{failed[0]['name']} did not finish")
    busy = _gil_verdict.cores_busy(result)["threads"]
    if busy is None:
        return Effect("threads take turns", False, "the threads' CPU time was not recorded")
    at_once = busy >= _gil_verdict.AT_ONCE
    why = f"the threads kept {busy:.2f} cores busy"
    if not result.outcome.get("gil", True):
        return Effect("threads run at once (no GIL)", at_once, "" if at_once else why)
    return Effect("threads take turns (one core busy at most)", not at_once, why if at_once else "")


def thread_cost(result: RunResult) -> Effect:
    """thread-cost: starting a thread takes longer than starting a coroutine."""
    t, c = result.outcome.get("threads"), result.outcome.get("coroutines")
    if not t or not c:
        return Effect("a thread costs more than a coroutine", False, "a phase did not finish")
    shown = t["start_per_task_us"] > c["start_per_task_us"]
    why = f"thread {t['start_per_task_us']:.0f} µs, coroutine {c['start_per_task_us']:.0f} µs"
    return Effect("a thread costs more than a coroutine", shown, "" if shown else why)


def downloads(result: RunResult) -> Effect:
    """downloads-*: every file arrives; at once (threads, asyncio), the waits overlap: the
    run takes under half of one file's time × the files (one by one: at least that)."""
    failed = [t["name"] for t in result.tasks if t["status"] != "done"]
    if result.error or failed:
        what = "every file downloaded"
        return Effect(what, False, result.error or f"not done: {', '.join(failed[:3])}")
    params, modes = result.params, result.outcome["modes"]
    if params.get("urls"):  # no known time per file: that they all arrived is the point
        return Effect("every file downloaded", True)
    rate = params["rate"] * 1024
    one = params["latency"] + (params["size"] * 1024 / rate if rate else 0)
    serial = one * params["n"]
    overlapped = {label: m["total_s"] < serial / 2 for label, m in modes.items()}
    slow = [f"{label} {modes[label]['total_s']:.2f} s" for label, ok in overlapped.items()]
    if set(modes) == {"sequential"}:
        return Effect("every file downloaded, one by one", True)
    at_once = {label: ok for label, ok in overlapped.items() if label != "sequential"}
    shown = all(at_once.values())
    why = f"one file alone takes {one:.2f} s, {params['n']} of them: " + ", ".join(slow)
    return Effect("the waits overlapped", shown, "" if shown else why)
