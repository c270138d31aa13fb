"""What a run amounts to: its `RunResult` (outcome, tasks, duration) and `Verdict`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Verdict:
    good: bool
    headline: str  # "Overdraft: -$100"
    detail: str  # "both threads checked $1000 before either withdrew"


@dataclass
class RunResult:
    scenario: str
    params: dict[str, Any]
    outcome: dict[str, Any]
    tasks: list[dict[str, Any]]
    duration_s: float
    events: int
    verdict: Verdict | None
    cancelled: bool
    error: str | None = None  # the run itself failed (e.g. the server did not start)
    schedule: list[dict[str, str]] | None = None  # the steps given, when it was stepped

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "params": self.params,
            "outcome": self.outcome,
            "tasks": self.tasks,
            "duration_s": round(self.duration_s, 6),
            "events": self.events,
            "cancelled": self.cancelled,
        }
        if self.error is not None:
            out["error"] = self.error
        if self.schedule is not None:
            out["schedule"] = self.schedule
        if self.verdict is not None:
            out["verdict"] = {
                "good": self.verdict.good,
                "headline": self.verdict.headline,
                "detail": self.verdict.detail,
            }
        return out
