"""The "What happened" panel tells runs of any size up to its limit, and says truly why
it has nothing to tell (engine only: no Qt)."""

from __future__ import annotations

from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import NARRATED_MAX_TASKS, narration, untold


def _lanes_of(tasks: int) -> Lanes:
    lanes = Lanes(0)
    lanes.feed(Event(i, f"T{i}", Kind.NOTE, ("read", {"balance": 100 + i})) for i in range(tasks))
    return lanes


def test_runs_of_any_size_up_to_the_limit_are_told_and_the_placeholder_is_true() -> None:
    assert NARRATED_MAX_TASKS > 2
    two, empty = _lanes_of(2), Lanes(0)
    empty.feed([Event(1, "A", Kind.STATE, "paused"), Event(2, "B", Kind.STATE, "paused")])
    assert narration(empty) == []
    assert "up to" not in untold(empty)  # 2 tasks, nothing reported yet: not "too many"
    assert len(narration(two)) == 2
    assert len(narration(_lanes_of(NARRATED_MAX_TASKS))) == NARRATED_MAX_TASKS
    many = _lanes_of(NARRATED_MAX_TASKS + 1)
    assert narration(many) == []
    assert f"up to {NARRATED_MAX_TASKS} tasks" in untold(many)
