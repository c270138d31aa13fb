"""Scenarios: one module each. Adding a scenario means adding a module that defines SCENARIO.

Modules whose names start with `_` are shared helpers, not scenarios.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from threadtruth_gui.engine.scenario import Scenario

__all__ = ["all_scenarios", "get"]


@cache
def all_scenarios() -> tuple[Scenario, ...]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        scenario = getattr(module, "SCENARIO", None)
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario module {module.__name__} defines no SCENARIO")
        found.append(scenario)
    found.sort(key=lambda s: (s.order, s.id))
    return tuple(found)


def get(scenario_id: str) -> Scenario:
    for scenario in all_scenarios():
        if scenario.id == scenario_id:
            return scenario
    known = ", ".join(s.id for s in all_scenarios())
    raise KeyError(f"unknown scenario {scenario_id!r} (known: {known})")
