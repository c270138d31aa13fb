"""A lecture as it is given: the deck, the slide on screen, and what each slide ran and voted.

Kept by the window while a lecture is open (ui/window/lecture.py) and read by the presenter
view and the handout; no Qt here. Every figure in it is a RunResult of a run made during
this lecture, on this machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from threadtruth_gui.engine.events import Event
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.lecture.deck import Deck, Slide


@dataclass
class SlideRecord:
    """What happened on one slide: its last finished run (and that run's scenario id), and
    the class's prediction votes {choice label: votes}, with the order they came in (so the
    last one can be taken back)."""

    result: RunResult | None = None
    scenario: str | None = None
    votes: dict[str, int] = field(default_factory=dict)
    vote_log: list[str] = field(default_factory=list)
    finished_at: float = 0.0  # time.monotonic() when the run ended: the latest wins
    lanes: Lanes | None = None  # the run's lanes and events: the handout draws its picture
    events: list[Event] | None = None


class LectureSession:
    """The deck, the current slide's index, when the lecture started, and a SlideRecord
    per slide."""

    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self.index = 0
        self.started = time.time()  # wall clock: the handout says when it ran
        self._started_mono = time.monotonic()
        self.records = [SlideRecord() for _ in deck.slides]

    @property
    def slide(self) -> Slide:
        return self.deck.slides[self.index]

    @property
    def next_slide(self) -> Slide | None:
        following = self.index + 1
        return self.deck.slides[following] if following < len(self.deck.slides) else None

    @property
    def record(self) -> SlideRecord:
        return self.records[self.index]

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self._started_mono

    def go(self, index: int) -> bool:
        """Move to slide `index` (0-based); False (and no move) when there is none."""
        if not 0 <= index < len(self.deck.slides) or index == self.index:
            return False
        self.index = index
        return True

    def record_run(
        self,
        result: RunResult,
        scenario: str,
        index: int | None = None,
        drawn: tuple[Lanes, list[Event]] | None = None,
    ) -> None:
        """A run finished on slide `index` (default: the current one): it is that slide's
        last run (`drawn`: its lanes and events). A cancelled run measured nothing and is
        not kept."""
        if result.cancelled:
            return
        record = self.records[self.index if index is None else index]
        record.result, record.scenario = result, scenario
        record.lanes, record.events = drawn if drawn is not None else (None, None)
        record.finished_at = time.monotonic()

    def handout_runs(self) -> dict[int, tuple[RunResult, Lanes, list[Event]]]:
        """The runs of this lecture the handout shows: {slide index: (result, lanes,
        events)}, for each slide whose last run was kept whole."""
        return {
            i: (r.result, r.lanes, r.events)
            for i, r in enumerate(self.records)
            if r.result is not None and r.lanes is not None and r.events is not None
        }

    def handout_votes(self) -> dict[int, dict[object, int]]:
        """The class's votes per slide: {slide index: {choice label: votes}}."""
        out: dict[int, dict[object, int]] = {}
        for i, record in enumerate(self.records):
            if record.votes:
                votes: dict[object, int] = {}
                votes.update(record.votes)
                out[i] = votes
        return out

    def vote(self, label: str) -> int:
        """One more vote for `label` on this slide; its count now."""
        record = self.record
        record.votes[label] = record.votes.get(label, 0) + 1
        record.vote_log.append(label)
        return record.votes[label]

    def new_poll(self) -> None:
        """The question is asked again (the slide run again): a fresh count, the last
        poll's forgotten (the handout shows the poll of the run it shows)."""
        self.record.votes.clear()
        self.record.vote_log.clear()

    def unvote(self) -> str | None:
        """Take back this slide's last vote; the label it was for (None: there was none)."""
        record = self.record
        if not record.vote_log:
            return None
        label = record.vote_log.pop()
        record.votes[label] -= 1
        if record.votes[label] == 0:
            del record.votes[label]
        return label

    def runs_by_scenario(self) -> dict[str, RunResult]:
        """Each scenario's run on the last slide (in the deck's order) that ran it: what
        `which_tool` reads, here and in the handout (the same rule in both)."""
        return {
            r.scenario: r.result
            for r in self.records
            if r.scenario and r.result is not None  # (a failed run: its cell says so)
        }
