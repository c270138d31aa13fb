"""Run a scenario many times with real OS scheduling and count the outcomes.

Every run is a full, real run (threads started afresh, no line tracing so that tracing
does not change the timing), and every outcome is counted, however rare.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from threadtruth_gui.engine.scenario import Scenario

MIN_RUNS, MAX_RUNS, DEFAULT_RUNS = 10, 1000, 200


@dataclass
class ManyResult:
    scenario: str
    params: dict[str, Any]
    key: str  # the outcome field counted, e.g. "final_balance"
    runs: int  # runs completed
    counts: Counter[Any] = field(default_factory=Counter)
    cancelled: bool = False
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "params": self.params,
            "outcome": self.key,
            "runs": self.runs,
            "counts": {str(k): v for k, v in sorted(self.counts.items(), key=_order)},
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
        }


def _order(item: tuple[Any, int]) -> tuple[int, Any]:
    key = item[0]
    return (0, key) if isinstance(key, int | float) else (1, str(key))


def run_many(
    scenario: Scenario,
    params: dict[str, Any],
    runs: int,
    *,
    key: str = "final_balance",
    cancelled: threading.Event | None = None,
    progress: Callable[[int, Counter[Any]], None] | None = None,
) -> ManyResult:
    """Run `scenario` `runs` times; stop early (and say so) when `cancelled` is set."""
    if not MIN_RUNS <= runs <= MAX_RUNS:
        raise ValueError(f"runs must be between {MIN_RUNS} and {MAX_RUNS}, not {runs}")
    resolved = scenario.resolve(params)
    result = ManyResult(scenario.id, resolved, key, 0)
    started = perf_counter()
    for _ in range(runs):
        if cancelled is not None and cancelled.is_set():
            result.cancelled = True
            break
        run = scenario.start(resolved, trace_lines=False)
        while not run.join(0.05):
            if cancelled is not None and cancelled.is_set():
                run.stop()
                result.cancelled = True
                break
        if result.cancelled:
            break
        outcome = run.result(scenario.id, resolved).outcome
        result.counts[outcome.get(key)] += 1
        result.runs += 1
        if progress is not None:
            progress(result.runs, result.counts)
    result.seconds = perf_counter() - started
    return result
