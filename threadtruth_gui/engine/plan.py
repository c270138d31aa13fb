"""What a scenario hands the runner: tasks (`TaskSpec`), grouped in phases run one after
another (`Phase`), with what to read after the run and what the code pane shows (`Plan`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from threadtruth_gui.engine.events import State

if TYPE_CHECKING:
    from threadtruth_gui.engine.context import RunContext

#: what a worker may return (or put under "status" in a returned dict) to say how it ended
STATUSES = ("succeeded", "done", "denied", "failed", "cancelled")
MODES = ("threads", "sequential", "asyncio", "processes")


@dataclass
class TaskSpec:
    """One lane: `target(*args)` (a function, or a coroutine function in asyncio mode)."""

    name: str
    target: Callable[..., Any]
    args: tuple[Any, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)  # shown on the card, e.g. amount
    state: str = State.RUNNING  # the state it starts in (downloads: connecting)
    # Line tracing slows every Python call in a traced thread (the interpreter leaves its
    # fast paths), so scenarios with many lanes trace only the few the code pane can show.
    watch_lines: bool = True
    # a coroutine: show the time it spends suspended at an await as "awaiting"
    observe: bool = False


@dataclass
class Phase:
    """Tasks run together in one mode. In asyncio mode `shared()` (if given) is entered once
    for the phase and its value passed as each target's first argument: one ClientSession.

    `own_loop`: run the coroutines on a private loop in a worker thread even in the window
    (a scenario that blocks its loop on purpose must not block the window's).
    In processes mode each target runs in a process of a `ProcessPoolExecutor` (spawned, as
    forking a process that has threads is unsafe); it must be a module-level function, and
    is timed in the child: the lane shows the start of the process, then the work.
    """

    mode: str
    tasks: list[TaskSpec]
    label: str = ""
    shared: Callable[[], AbstractAsyncContextManager[Any]] | None = None
    own_loop: bool = False
    # threads mode: every thread waits until all have started, then all go at once.
    # Starting a thread while others run Python costs the driver a GIL hand-off (~5 ms
    # each, measured 10-20 ms per start): a few ms of work each would hardly overlap
    start_together: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}")
        self.label = self.label or self.mode


@dataclass
class PhaseStats:
    label: str
    mode: str
    start_ns: int = 0
    end_ns: int = 0
    # threads in the whole process as the OS counts them (the window's and driver's too)
    peak_threads: int = 0
    base_threads: int = 0
    # how many threads ran this phase's tasks: 1 for one after another (the driver) or for
    # coroutines (their loop's thread), one per task for threads; 0 for processes
    task_threads: int = 0
    base_rss: int | None = None  # None: the OS did not say (shown as "not measured")
    peak_rss: int | None = None
    # processes mode: from the first worker's start of work to the last one's end, as the
    # workers timed it (the processes' start-up excluded)
    work_start_ns: int = 0
    work_end_ns: int = 0

    @property
    def work_s(self) -> float:
        return max(0, self.work_end_ns - self.work_start_ns) / 1e9

    @property
    def total_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9

    @property
    def rss_growth(self) -> int | None:
        if self.peak_rss is None or self.base_rss is None:
            return None
        return max(0, self.peak_rss - self.base_rss)


@dataclass(frozen=True)
class Edit:
    """The lecturer's edited text of the shown functions (engine/edits.py compiles it),
    its lines numbered from `first_line`, as the code pane numbers them."""

    text: str
    first_line: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "first_line": self.first_line}


@dataclass
class Plan:
    """What a scenario hands the runner for one run: its phases, run one after another
    (most plans have one: `Plan([Phase("threads", tasks)], ...)`)."""

    phases: list[Phase]
    outcome: Callable[[dict[str, PhaseStats]], dict[str, Any]]  # read after the run
    code: list[Callable[..., Any]]  # the functions shown in the code pane, and traced
    counters: dict[str, float] = field(default_factory=dict)  # starting values
    setup: Callable[[], None] | None = None  # on the driver thread, before the first phase
    cleanup: Callable[[], None] | None = None  # always, after the last phase
    # on the driver thread as soon as it sees a cancel, while tasks may still be blocked
    # (e.g. stop the demo server, so that reads waiting on it return at once)
    on_cancel: Callable[[], None] | None = None
    # on the driver thread every few ms while a phase runs (sample a shared counter, look
    # for a deadlock); it may record events through the RunContext's recorder
    monitor: Callable[[RunContext], None] | None = None
    # step mode: which of a stopped thread's own variables its card shows, each in its
    # format ({"balance": money}; None: repr); None: every local of a small plain type
    show_locals: dict[str, Callable[[Any], str] | None] | None = None
    # how the shown code spells a counter, for the cards: {"balance": "account.balance"}
    counter_names: dict[str, str] = field(default_factory=dict)
    # its threads never block, so they hold the GIL nearly all the time: the window runs
    # it in a child process (as it does big runs), else each call the window makes into
    # Qt waits its turn for the GIL and one frame took 1-2 s (a Reset waited for it)
    busy_threads: bool = False
    # the playground: the shown functions run as edited (None: as in their file)
    edit: Edit | None = None

    @property
    def tasks(self) -> list[TaskSpec]:
        """Every phase's tasks, in order: one lane each."""
        return [spec for phase in self.phases for spec in phase.tasks]
