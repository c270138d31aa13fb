"""Does each demo show its effect every time? Each scenario runs RUNS times at its defaults,
headless, the way `threadtruth run` does, and the scenario's own `effect` (the test its
verdict uses too) says whether the run showed what the scenario exists for.

    python benchmarks/demo_reliability.py [--runs N] [--scenario NAME] [--switch-ms MS]

Prints one line per scenario, e.g. "lost-updates  lost updates in 100/100 runs", then
the time taken, and the reasons measured in the runs that did not show it. Goal: at least
99 of 100. The machine is not quietened first: a lecture laptop is not quiet either.
`--switch-ms` stands in for a faster machine: with a 15 ms switch interval (not 5) the
same work spans a third as many intervals, as on a CPU three times as fast. (gil-cpu sets
its own interval, from its parameter.)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from time import perf_counter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from threadtruth_gui.scenarios import all_scenarios, get

GOAL = 0.99


def measure(
    scenario_id: str, runs: int, switch_s: float | None = None
) -> tuple[str, int, int, float, Counter[str]]:
    """(effect, runs that showed it, runs, seconds, why-not sentences counted)."""
    scenario = get(scenario_id)
    if scenario.effect is None:
        return "(no effect declared)", 0, 0, 0.0, Counter()
    shown, why_not, what = 0, Counter[str](), ""
    started = perf_counter()
    for _ in range(runs):
        if switch_s is not None:
            sys.setswitchinterval(switch_s)
        result, _lanes = scenario.run()
        effect = scenario.effect(result)
        what = effect.what
        if effect.shown:
            shown += 1
        else:
            why_not[effect.why_not or "(no reason given)"] += 1
    return what, shown, runs, perf_counter() - started, why_not


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="runs per scenario (default 100)")
    parser.add_argument("--scenario", action="append", help="only this one (repeatable)")
    parser.add_argument(
        "--switch-ms", type=float, help="sys.setswitchinterval, in ms (default: as it is, 5)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.switch_ms is not None and not 0.1 <= args.switch_ms <= 1000:
        parser.error("--switch-ms must be between 0.1 and 1000")
    switch_s = None if args.switch_ms is None else args.switch_ms / 1000
    ids = args.scenario or [s.id for s in all_scenarios()]
    for scenario_id in ids:
        try:
            get(scenario_id)
        except KeyError as exc:
            parser.error(str(exc.args[0]))
    width = max(len(i) for i in ids)
    below = 0
    for scenario_id in ids:
        what, shown, runs, seconds, why_not = measure(scenario_id, args.runs, switch_s)
        ok = runs > 0 and shown >= GOAL * runs
        below += not ok
        print(
            f"{scenario_id:<{width}}  {what} in {shown}/{runs} runs"
            f"  ({seconds:.1f} s, {seconds / max(runs, 1):.2f} s a run)"
            + ("" if ok else "  BELOW 99%"),
            flush=True,
        )
        for reason, count in why_not.most_common(3):
            print(f"{'':<{width}}    not shown ×{count}: {reason}", flush=True)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
