"""Run a scenario many times with real OS scheduling and count the outcomes.

Every run is a full, real run (threads started afresh, no line watching so that watching
does not change the timing), and every outcome is counted, however rare.

Two tallies: `counts`, by the outcome field (the final balance), and `outcomes`, by what
happened as the scenario tells it (`Scenario.classify`: "B denied", "both paid, overdraft"),
with that balance, so that a lost update ending at $400 and a correct $400 are told apart.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from threadtruth_gui.engine.clip import clip
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Scenario

MIN_RUNS, MAX_RUNS, DEFAULT_RUNS = 10, 1000, 200
EFFECT = "effect"  # what is counted for a scenario with no balance: did it show its effect


def counted_key(scenario: Scenario) -> str:
    """The bank scenarios count final balances (told apart by classify()); the others,
    whether each run showed the effect the scenario exists for. A scenario with neither is
    refused (ValueError): its runs would all count as "None"."""
    if scenario.classify is not None:
        return scenario.predict_key
    if scenario.effect is not None:
        return EFFECT
    raise ValueError(
        f"many cannot count {scenario.id} runs: it has no balance and no effect to count"
    )


@dataclass(frozen=True)
class Outcome:
    """One kind of outcome: the counted field's value and, where the scenario tells it, what
    happened ("B denied") and whether that is a correct result (None: not told)."""

    value: Any
    what: str = ""
    correct: bool | None = None

    def label(self) -> str:
        if isinstance(self.value, bool):  # counted by effect: "lost updates: shown"
            return f"{self.what}: {'shown' if self.value else 'not shown'}"
        shown = money(self.value) if isinstance(self.value, int | float) else str(self.value)
        return f"{shown}: {self.what}" if self.what else shown


def outcome_of(scenario: Scenario, result: RunResult, key: str) -> Outcome:
    if key == EFFECT:
        assert scenario.effect is not None
        effect = scenario.effect(result)
        return Outcome(effect.shown, effect.what)
    value = result.outcome.get(key)
    if scenario.classify is None:
        return Outcome(value)
    what, correct = scenario.classify(result)
    return Outcome(value, what, correct)


@dataclass
class ManyResult:
    scenario: str
    params: dict[str, Any]
    key: str  # the outcome field counted, e.g. "final_balance"
    runs: int  # runs completed
    counts: Counter[Any] = field(default_factory=Counter)  # by the field's value alone
    outcomes: Counter[Outcome] = field(default_factory=Counter)  # by value and what happened
    cancelled: bool = False
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """ "counts" as before (by value, keys as text); "outcomes" beside it, one entry per
        kind of outcome: {"final_balance": 400, "what": "B denied", "correct": true,
        "runs": 12}, in the order of `sorted_outcomes`."""
        return {
            "scenario": self.scenario,
            "params": self.params,
            "outcome": self.key,
            "runs": self.runs,
            "counts": {str(k): v for k, v in sorted(self.counts.items(), key=_order)},
            "outcomes": [
                {self.key: k.value, "what": k.what, "correct": k.correct, "runs": n}
                for k, n in sorted_outcomes(self.outcomes)
            ],
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
        }

    def lines(self) -> list[str]:
        """The tally as text, one line per kind of outcome, with a bar: the CLI prints it."""
        rows = [(k.label(), n, k.correct) for k, n in sorted_outcomes(self.outcomes)]
        width = max((len(label) for label, _n, _c in rows), default=1)
        counted = "whether each showed its effect" if self.key == EFFECT else self.key
        out = [f"{self.scenario}: {self.runs} runs in {self.seconds:.1f} s, {counted}:"]
        for label, count, correct in rows:
            bar = "#" * max(1, round(40 * count / max(self.runs, 1)))
            mark = {True: "ok   ", False: "WRONG", None: ""}[correct]
            out.append(f"  {label:<{width}}  {count:5d}  {mark} {bar}".rstrip())
        return out


def _order(item: tuple[Any, int]) -> tuple[int, Any]:
    key = item[0]
    return (0, key) if isinstance(key, int | float) else (1, str(key))


def sorted_outcomes(outcomes: Counter[Outcome]) -> list[tuple[Outcome, int]]:
    """By value (numbers first), then by what happened."""
    return sorted(outcomes.items(), key=lambda item: (*_order((item[0].value, 0)), item[0].what))


def run_many(
    scenario: Scenario,
    params: dict[str, Any],
    runs: int,
    *,
    key: str | None = None,
    cancelled: threading.Event | None = None,
    progress: Callable[[int, ManyResult], None] | None = None,
) -> ManyResult:
    """Run `scenario` `runs` times; stop early (and say so) when `cancelled` is set.
    `progress(runs done, the result so far)` is called after each run, on this thread."""
    if not MIN_RUNS <= runs <= MAX_RUNS:
        raise ValueError(f"runs must be between {MIN_RUNS} and {MAX_RUNS}, not {clip(runs)}")
    resolved = scenario.resolve(params)
    key = counted_key(scenario) if key is None else key
    result = ManyResult(scenario.id, resolved, key, 0)
    started = perf_counter()
    for _ in range(runs):
        if cancelled is not None and cancelled.is_set():
            result.cancelled = True
            break
        run = scenario.start(resolved, watch_lines=False)
        while not run.join(0.05):
            if cancelled is not None and cancelled.is_set():
                run.stop()
                result.cancelled = True
                break
        if result.cancelled:
            break
        done = run.result(scenario.id, resolved)
        outcome = outcome_of(scenario, done, key)
        result.counts[outcome.value if key == EFFECT else done.outcome.get(key)] += 1
        result.outcomes[outcome] += 1
        result.runs += 1
        if progress is not None:
            progress(result.runs, result)
    result.seconds = perf_counter() - started
    return result
