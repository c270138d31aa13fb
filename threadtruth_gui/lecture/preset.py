"""A slide's scenario preset: checked against the scenario itself, and run headless."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from threadtruth_gui.engine.clip import clip
from threadtruth_gui.engine.events import Event
from threadtruth_gui.engine.gate import parse_step
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.engine.scenario import Param, Scenario
from threadtruth_gui.lecture.errors import At, close_ones, shown

PRESET_KEYS = ("scenario", "params", "step", "predict", "schedule")
MAX_STEPS = 1000  # a schedule is clicked through by hand; more is a mistake
# parameters a deck may not set, and what a slide's run does instead
NOT_IN_A_DECK = {
    "urls": "a slide downloads from the app's own demo server on this machine",
    "out": "a slide's downloads go to a temporary folder, removed after the run",
}


@dataclass(frozen=True)
class Preset:
    """What a slide runs: the scenario, every one of its parameters (the deck's values over
    its defaults, validated), step mode, the prediction question, a schedule to play.

    A schedule implies step mode (`step` is True whenever `schedule` is given): its steps
    are played through the step gate, as `threadtruth run --schedule` plays them."""

    scenario: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    given: dict[str, Any] = field(default_factory=dict, hash=False)  # the deck's own values
    step: bool = False
    predict: bool = False
    schedule: tuple[str, ...] = ()  # "A", "A:op", "A:await", as `run --schedule` takes them

    def scenario_object(self) -> Scenario:
        from threadtruth_gui.scenarios import get

        return get(self.scenario)


def run_preset(preset: Preset) -> tuple[RunResult, Lanes, list[Event]]:
    """Run the preset to its end on this thread (headless): the schedule is played, then
    the run goes on freely. The prediction is the window's to ask; this only runs."""
    scenario = preset.scenario_object()
    schedule = list(preset.schedule) if preset.schedule else None
    return scenario.execute(preset.params, schedule=schedule)


def parse_preset(table: Any, at: At) -> Preset:
    """The `[slide.preset]` table at `at`, checked; raise DeckError at the first fault."""
    at.need(table, dict, "a table ([slide.preset])")
    at.known_keys(table, PRESET_KEYS, "a preset's")
    if "scenario" not in table:
        at.fail('no scenario (e.g. scenario = "bank-race")')
    scenario = _scenario(table["scenario"], at.key("scenario"))
    given = _given_params(scenario, table.get("params", {}), at.key("params"))
    try:
        # a check of this machine's limits (thread-cost's threads) is left for the run:
        # a deck is written on one machine and given on another
        params = scenario.resolve(given, check=not scenario.checks_machine)
    except ValueError as exc:
        at.key("params").fail(str(exc))
    step = _flag(table, "step", at)
    predict = _flag(table, "predict", at)
    if predict and scenario.predict is None:
        asking = [s.id for s in _all() if s.predict is not None]
        at.key("predict").fail(
            f"{scenario.id} asks no prediction question (those that do: {', '.join(asking)})"
        )
    schedule: tuple[str, ...] = ()
    if "schedule" in table:
        schedule = _schedule(scenario, params, table["schedule"], at.key("schedule"))
        if "step" in table and not step:
            at.key("step").fail(
                "a schedule is played in step mode: leave step out or set it to true"
            )
        step = True
    return Preset(scenario.id, params, given, step, predict, schedule)


def _all() -> tuple[Scenario, ...]:
    from threadtruth_gui.scenarios import all_scenarios

    return all_scenarios()


def _scenario(value: Any, at: At) -> Scenario:
    at.need(value, str, "a scenario id (a string)")
    ids = [s.id for s in _all()]
    if value not in ids:
        near = close_ones(value, ids)
        hint = f"did you mean {', '.join(near)}?" if near else f"the scenarios: {', '.join(ids)}"
        at.fail(f"unknown scenario {shown(value)} ({hint})")
    return next(s for s in _all() if s.id == value)


def _flag(table: dict[str, Any], name: str, at: At) -> bool:
    value = table.get(name, False)
    at.key(name).need(value, bool, "true or false")
    return bool(value)


# the TOML types each kind of parameter takes (a bool param wants true/false, not "on")
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "bool": ((bool,), "true or false"),
    "int": ((int,), "a whole number"),
    "float": ((int, float), "a number"),
    "str": ((str,), "a string"),
    "choice": ((str,), "a string"),
    "ints": ((list, str), 'a list of whole numbers (e.g. [600, 500]) or a string "600,500"'),
}


def _given_params(scenario: Scenario, table: Any, at: At) -> dict[str, Any]:
    """The deck's parameters, each parsed by the scenario's own Param (its message, with
    the CLI's `--name` taken off: the key path already names it)."""
    at.need(table, dict, "a table of parameters, e.g. params = { lock = true }")
    names = [p.name for p in scenario.params]
    given: dict[str, Any] = {}
    for name, value in table.items():
        here = at.key(name)
        if name not in names:
            near = close_ones(name, names)
            hint = f"did you mean {near[0]}?" if near else f"its parameters: {', '.join(names)}"
            here.fail(f"{scenario.id} has no parameter {shown(name)} ({hint})")
        param = scenario.param(name)
        if name in NOT_IN_A_DECK:
            here.fail(
                f"a deck cannot set it: {NOT_IN_A_DECK[name]} (a deck is a file others "
                "share and open: it must not fetch URLs or write into a folder it names)"
            )
        if param.advanced:
            here.fail(
                f"is for `threadtruth run` only: the window runs {scenario.id} with the "
                f"default {name}, so a slide cannot set it"
            )
        given[name] = _parse(param, value, here)
    return given


def _parse(param: Param, value: Any, at: At) -> Any:
    types, wanted = _TYPES.get(param.kind, ((object,), "a value"))
    at.need(value, types, wanted)
    if param.kind == "ints" and isinstance(value, list):
        for number, item in enumerate(value, 1):
            at.item(f"number {number}").need(item, int, "a whole number")
    try:
        return param.parse(value)
    except ValueError as exc:
        at.fail(_without_option(str(exc), param.name))
    except OverflowError:  # TOML's integers have no bound here: one past a float's range
        at.fail(f"{clip(value, 40)} is too large a number")


def _without_option(message: str, name: str) -> str:
    """ "--delay must be between 0 and 2 s, not 5" as "must be between 0 and 2 s, not 5"."""
    for prefix in (f"--{name}: ", f"--{name} "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _schedule(scenario: Scenario, params: dict[str, Any], value: Any, at: At) -> tuple[str, ...]:
    """The steps, each a task of the plan these parameters build, in a unit that fits it
    (the same rules as `run --schedule`: engine/scenario.py)."""
    at.need(value, list, 'a list of steps, e.g. ["A", "B", "A:op"]')
    if not value:
        at.fail("is empty: leave it out for a free run")
    if len(value) > MAX_STEPS:
        at.fail(f"{len(value):,} steps; at most {MAX_STEPS:,}")
    plan = scenario.plan(params)
    names = [spec.name for spec in plan.tasks]
    coroutines = {
        spec.name for phase in plan.phases if phase.mode == "asyncio" for spec in phase.tasks
    }
    steps = []
    for number, item in enumerate(value, 1):
        here = at.item(f"step {number}")
        here.need(item, str, 'a string such as "A" or "A:op"')
        try:
            task, unit = parse_step(item)
        except ValueError as exc:
            here.fail(str(exc))
        if task not in names:
            listed = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
            here.fail(f"{scenario.id} has no task {shown(task)} (its tasks: {listed})")
        if task in coroutines and unit == "op":
            here.fail(f"{task} is a coroutine: it steps to its next await, not by op")
        if task not in coroutines and unit == "await":
            here.fail(f"{task} is a thread: it steps by line or by op, not by await")
        steps.append(task if unit in ("line", "await") else f"{task}:{unit}")
    return tuple(steps)
