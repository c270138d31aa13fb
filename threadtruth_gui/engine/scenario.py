"""The shape of a scenario: metadata, typed parameters, a plan to run and a verdict."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from threadtruth_gui.engine.clip import clip, quoted
from threadtruth_gui.engine.edits import apply_edit
from threadtruth_gui.engine.events import Event
from threadtruth_gui.engine.gate import StepGate, parse_step, run_schedule
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.plan import Edit, Plan
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.runner import Run, RunHandle


@dataclass(frozen=True)
class Param:
    """A knob the lecturer turns. `kind` is "bool", "int", "float", "str" or "choice"."""

    name: str
    label: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    unit: str = ""
    key: str = ""  # keyboard shortcut in the window, e.g. "L" for the lock
    check: Callable[[str], Any] | None = None  # "str" values: normalise or raise ValueError
    help: str = ""
    slider: bool = False  # in the window: a slider on the main toolbar, not a number box
    choices: tuple[str, ...] = ()  # "choice": the values, in the order the window offers them
    count: tuple[int, int] = (1, 8)  # "ints": how many numbers, at least and at most
    advanced: bool = False  # a CLI option (and a saved run's value) only: not in the window

    def parse(self, value: Any) -> Any:
        """Validate one value (a Python value or CLI text); raise ValueError saying why."""
        if self.kind == "ints":
            return ",".join(str(n) for n in self._parse_ints(value))
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("on", "true", "yes", "1"):
                return True
            if text in ("off", "false", "no", "0"):
                return False
            raise ValueError(f"--{self.name} must be on or off, not {quoted(value)}")
        if self.kind == "choice":
            text = str(value).strip()
            if text not in self.choices:
                raise ValueError(
                    f"--{self.name} must be one of {', '.join(self.choices)}, not {quoted(text)}"
                )
            return text
        if self.kind == "str":
            text = str(value)
            if self.check is None:
                return text
            try:
                return self.check(text)
            except ValueError as exc:
                raise ValueError(f"--{self.name}: {clip(exc)}") from None
        if isinstance(value, bool):  # True is an int to Python, not a number to a person
            raise ValueError(f"--{self.name} must be a number, not {quoted(value)}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"--{self.name} must be a number, not {quoted(value)}") from None
        if self.kind == "int" and not number.is_integer():
            raise ValueError(f"--{self.name} must be a whole number, not {quoted(value)}")
        if math.isnan(number) or (
            self.minimum is not None
            and self.maximum is not None
            and not self.minimum <= number <= self.maximum
        ):
            raise ValueError(
                f"--{self.name} must be between {self.minimum:g} and {self.maximum:g}"
                f"{self.unit}, not {value}"
            )
        if number == 0:
            number = 0.0  # never "-0.0"
        return int(number) if self.kind == "int" else number

    def numbers(self, value: Any) -> tuple[int, ...]:
        """An "ints" value (text, list or tuple) as its numbers, validated."""
        return self._parse_ints(value)

    def _parse_ints(self, value: Any) -> tuple[int, ...]:
        example = f"(e.g. {self.default})"
        if isinstance(value, str):
            parts: list[Any] = [part.strip() for part in value.split(",")]
        elif isinstance(value, list | tuple):
            parts = list(value)
        else:
            raise ValueError(f"--{self.name} must be numbers separated by commas {example}")
        numbers = []
        for part in parts:
            try:
                if isinstance(part, bool) or part == "":
                    raise ValueError
                number = float(part)
            except (TypeError, ValueError):
                raise ValueError(
                    f"--{self.name}: {clip(part) or 'an empty place'} is not a number {example}"
                ) from None
            if not number.is_integer():
                raise ValueError(f"--{self.name}: {clip(part)} is not a whole number")
            if (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum
            ):
                sign = "negative" if number < 0 else "out of range"
                low_text = "any" if self.minimum is None else f"{self.minimum:g}"
                high_text = "any" if self.maximum is None else f"{self.maximum:g}"
                raise ValueError(
                    f"--{self.name}: {clip(part)} is {sign}: each must be between "
                    f"{low_text} and {high_text}{self.unit}"
                )
            numbers.append(int(number))
        low, high = self.count
        if not low <= len(numbers) <= high:
            raise ValueError(
                f"--{self.name} needs {low} to {high} numbers, not {len(numbers)} {example}"
            )
        return tuple(numbers)


@dataclass(frozen=True)
class Effect:
    """What a scenario exists to show ("lost updates"), and whether this run showed it; if
    not, why, from what the run measured. The verdict and benchmarks/demo_reliability.py
    both ask the scenario's `effect`, so they apply the same test."""

    what: str
    shown: bool
    why_not: str = ""


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    summary: str  # two short lines for the scenario list
    description: str  # what runs, and where it departs from the reference text
    plan: Callable[[dict[str, Any]], Plan]
    verdict: Callable[[RunResult, Lanes], Verdict]
    params: tuple[Param, ...] = ()
    order: int = 100
    check: Callable[[dict[str, Any]], None] | None = None  # across params; raise ValueError
    checks_machine: bool = False  # `check` is of this machine's limits: not run on opening
    # the prediction pause: (question, [(outcome value, label)]) for these params; the
    # answer is checked against outcome[predict_key]
    predict: Callable[[dict[str, Any]], tuple[str, list[tuple[Any, str]]]] | None = None
    predict_key: str = "final_balance"
    # whether a run ended as the chosen value says; None: outcome[predict_key] == value. A
    # value alone can name two outcomes (bank: $400 with B denied, or both paid and one
    # withdrawal lost), so a scenario with classify() checks its own record
    predicted: Callable[[Any, RunResult], bool] | None = None
    # the measured results as (label, value text), for the big read-out
    figures: Callable[[RunResult], list[tuple[str, str]]] | None = None
    counter_format: Callable[[float], str] = money  # the counter track's values
    compare_with: str = ""  # A/B compare against this scenario when there is no toggle
    # many runs: a run's outcome in words ("B denied", "both paid, overdraft") and whether it
    # is a correct one; None: the runs are counted by outcome[predict_key] alone
    classify: Callable[[RunResult], tuple[str, bool]] | None = None
    # the effect this run was for, read from a finished run's result (see Effect)
    effect: Callable[[RunResult], Effect] | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def resolve(self, given: Mapping[str, Any] | None = None, check: bool = True) -> dict[str, Any]:
        """Defaults overlaid with `given`, every value validated; with `check`, also the
        scenario's own check of this machine (e.g. thread limits), for a run about to start."""
        given = dict(given or {})
        unknown = set(given) - {p.name for p in self.params}
        if unknown:
            raise ValueError(f"{self.id} has no parameter {quoted(sorted(unknown)[0])}")
        params = {p.name: p.parse(given.get(p.name, p.default)) for p in self.params}
        if check and self.check is not None:
            self.check(params)
        return params

    def start(
        self,
        params: Mapping[str, Any] | None = None,
        *,
        watch_lines: bool = True,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> Run:
        run = Run(self.plan(self.resolve(params)), watch_lines=watch_lines, loop=loop)
        run.start()
        return run

    def finish(
        self, run: RunHandle, params: Mapping[str, Any], lanes: Lanes | None = None
    ) -> tuple[RunResult, Lanes]:
        """The result and trace of a finished run, with its verdict (none if cancelled).

        `trace` is one the caller has kept up to date (the GUI); otherwise one is built.
        """
        result = run.result(self.id, dict(params))
        if lanes is None:
            lanes = run.lanes()
        if not result.cancelled:
            result.verdict = self.verdict(result, lanes)
        return result, lanes

    def run(
        self,
        params: Mapping[str, Any] | None = None,
        *,
        watch_lines: bool = True,
        schedule: list[str] | None = None,
    ) -> tuple[RunResult, Lanes]:
        """Run to the end on this thread's behalf (blocking): the CLI and tests use it.

        With `schedule` (task names, "A" for a line of A, "A:op" for one instruction, "A:await"
        for a coroutine's run to its next await) the tasks run one step at a time, in that
        order, as a lecturer stepping them would; then freely to the end.
        """
        result, lanes, _events = self.execute(params, watch_lines=watch_lines, schedule=schedule)
        return result, lanes

    def execute(
        self,
        params: Mapping[str, Any] | None = None,
        *,
        watch_lines: bool = True,
        schedule: list[str] | None = None,
        edit: Edit | None = None,
    ) -> tuple[RunResult, Lanes, list[Event]]:
        """`run`, also returning every event the run recorded; with `edit`, the shown
        functions as edited (engine/edits.py)."""
        resolved = self.resolve(params)
        plan = self.plan(resolved)
        if edit is not None:
            plan = apply_edit(plan, edit)
        names = [spec.name for spec in plan.tasks]
        steps = None
        if schedule is not None:
            coroutines = {
                spec.name
                for phase in plan.phases
                if phase.mode == "asyncio"
                for spec in phase.tasks
            }
            steps = [_fit_unit(parse_step(item), coroutines) for item in schedule]
            unknown = sorted({task for task, _unit in steps} - set(names))
            if unknown:
                raise ValueError(
                    f"--schedule: no task {quoted(unknown[0])} (tasks: {', '.join(names)})"
                )
        run = Run(plan, watch_lines=watch_lines or steps is not None)
        gate = None
        if steps is not None:
            gate = run.context.gate = StepGate(run.context.cancelled)
        run.start()
        try:
            if gate is not None and steps is not None:
                run_schedule(gate, names, steps)
            # In slices, never one wait without end: Ctrl+C may be delivered to one of the
            # run's threads, and the main thread runs Python's handler only once it wakes
            # (an endless wait here missed it on a loaded machine: the run went on).
            while not run.join(_WAKE_S):
                pass
        except BaseException:
            run.stop()
            raise
        result, lanes = self.finish(run, resolved)
        if gate is not None:
            result.schedule = [step.to_json() for step in gate.steps]
        return result, lanes, run.recorder.events()


_WAKE_S = 0.1  # how often a waiting main thread wakes to run signal handlers


def _fit_unit(step: tuple[str, str], coroutines: set[str]) -> tuple[str, str]:
    """A plain "A" is one step in the task's own unit: a line of a thread, a coroutine's
    run to its next await. Units that do not fit the task are refused."""
    task, unit = step
    if task in coroutines:
        if unit == "op":
            raise ValueError(f"--schedule: {clip(task)} is a coroutine: it steps to its next await")
        return task, "await"
    if unit == "await":
        raise ValueError(f"--schedule: {clip(task)} is a thread: it steps by line or by op")
    return task, unit
