"""The many-runs dialog's worker: a batch of real runs per variant on one thread of its own,
told to the GUI thread by signals (progress, one error path, done); never a widget."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from PySide6.QtCore import QObject, Signal

from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.runs.many import ManyResult, run_many


class ManyWorker(QObject):
    """Runs `runs` runs of each variant, one after another, on a thread of its own.

    Its signals cross to the GUI thread queued (it is made there). It is also what the
    window's bridge joins after a stop (`Stoppable`): cancelled by its event, finished when
    its thread has ended. It has no parent, so that a closed dialog does not delete it while
    its thread still ends."""

    progress = Signal(str, object, int)  # variant, its Counter[Outcome] so far, runs done
    failed = Signal(str)  # what stopped the batch; `done` follows
    done = Signal(bool)  # the batch ended: True when cancelled (or stopped by an error)

    def __init__(
        self, scenario: Scenario, variants: list[tuple[str, dict[str, Any]]], runs: int
    ) -> None:
        super().__init__()
        self.scenario, self.variants, self.runs = scenario, variants, runs
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._work, name="threadtruth-many", daemon=True)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def start(self) -> None:
        self._thread.start()

    # -- Stoppable: what the window's bridge needs to join it after a stop ------------------
    @property
    def finished(self) -> bool:
        return self._thread.ident is not None and not self._thread.is_alive()

    def cancel(self) -> None:
        self._cancel.set()

    def join(self, timeout: float | None = None) -> bool:
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return self.finished

    def interrupt(self) -> None:
        """Nothing more to force here: the worker stops its current run itself
        (runs/many.py), at the run's next line, sleep or lock wait."""

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _work(self) -> None:  # on the worker thread: signals only
        done = 0
        try:
            for name, params in self.variants:

                def progress(_n: int, got: ManyResult, name: str = name) -> None:
                    nonlocal done
                    done += 1
                    # a new Counter each time, never changed after: the GUI thread keeps it
                    self.progress.emit(name, Counter(got.outcomes), done)

                result = run_many(
                    self.scenario, params, self.runs, cancelled=self._cancel, progress=progress
                )
                if result.cancelled:
                    break
        except Exception as exc:  # shown by the dialog, never lost
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        self.done.emit(self._cancel.is_set())
