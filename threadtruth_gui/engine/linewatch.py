"""Line watching: LINE events of scenario code only, from `sys.settrace` hooks.

`LineWatcher.install()` is called by each worker thread for itself (`sys.settrace` is
per thread), so the GUI thread and Qt's callbacks are never watched. The global trace
function declines every frame whose code object is not one of the scenario's own
functions, so library calls made by the scenario cost one cheap check and no line events.
"""

from __future__ import annotations

import dis
import sys
from collections.abc import Callable, Iterable, Mapping
from time import perf_counter_ns
from types import CodeType, FrameType
from typing import Any

from threadtruth_gui.engine.context import RunCancelled, TaskContext, current
from threadtruth_gui.engine.events import Kind

_TraceFn = Callable[[FrameType, str, Any], Any]
_SMALL = (int, float, str, bool, type(None))
_MAX_REPR = 24
# A task's first LINE_BUDGET lines are each recorded; after that (an endless loop in the
# playground: two threads made ~700,000 a second each, more than the window could draw,
# and it stopped answering) one line a LINE_GAP_NS at most, which still moves the marker.
# No scenario comes near it: the most is 87 lines a task (blocking-in-async).
LINE_BUDGET = 20_000
LINE_GAP_NS = 1_000_000
THINNED = "lines thinned"  # the note said once on the lane: {"after": LINE_BUDGET}


def frame_locals(
    frame: FrameType, show: Mapping[str, Callable[[Any], str] | None] | None
) -> tuple[tuple[str, str], ...]:
    """A stopped thread's own variables, as ((name, text), ...): with `show`, those names
    (as far as they are bound yet), each in its format (None: repr); without, every local
    of a small plain type (int, float, str, bool, None). Reprs are cut to a short length.
    Read only in step mode, where a thread stops anyway: `f_locals` builds a dict."""
    values = frame.f_locals
    out = []
    if show is None:
        for name, value in values.items():
            if isinstance(value, _SMALL):
                out.append((name, _short(repr(value))))
        return tuple(out)
    for name, fmt in show.items():
        if name in values:
            value = values[name]
            try:
                text = fmt(value) if fmt is not None else repr(value)
            except Exception:  # a value the format does not fit: shown as it is
                text = repr(value)
            out.append((name, _short(text)))
    return tuple(out)


def _short(text: str) -> str:
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 1] + "…"


def code_objects(functions: Iterable[Callable[..., Any]]) -> frozenset[CodeType]:
    """The code objects of `functions` (unwrapping bound methods)."""
    codes = set()
    for fn in functions:
        fn = getattr(fn, "__func__", fn)
        codes.add(fn.__code__)
    return frozenset(codes)


_PUSH_EXC_INFO = dis.opmap.get("PUSH_EXC_INFO")


def _unwinding(frame: FrameType) -> bool:
    """Whether this line event is an exception entering a handler, e.g. a `with` about to
    call its __exit__: raising there would skip the __exit__ (a file left open)."""
    return frame.f_code.co_code[frame.f_lasti] == _PUSH_EXC_INFO


class _Seen:
    """A task's lines so far (LINE_BUDGET), the last recorded one's time, and the lines
    recorded since it went over its budget."""

    __slots__ = ("count", "last_ns", "lines")

    def __init__(self) -> None:
        self.count, self.last_ns = 0, 0
        self.lines: set[int] = set()


class LineWatcher:
    """Records a LINE event each time a watched task reaches a new line of scenario code."""

    def __init__(self, codes: frozenset[CodeType]) -> None:
        self.codes = codes
        # task -> [lines seen, when the last one was recorded]: each task's entry is
        # touched only by the thread that runs it (coroutines: by their loop's thread)
        self.seen: dict[str, _Seen] = {}

    def install(self) -> None:
        """Watch the calling thread: a worker thread, or an event loop running many tasks.
        Each line event is recorded for the task whose context is current when it runs
        (the worker's own, or the running coroutine's)."""
        codes, seen = self.codes, self.seen

        def thin(ctx: TaskContext, line: int) -> bool:
            """Whether this line of `ctx` is recorded (see LINE_BUDGET). Past the budget
            a line not seen since is recorded too: the loop's lines are sampled, but the
            line after the loop (a sleep, a return) is where the marker goes."""
            entry = seen.get(ctx.task)
            if entry is None:
                entry = seen[ctx.task] = _Seen()
            entry.count += 1
            if entry.count <= LINE_BUDGET:
                return True
            now = perf_counter_ns()
            new = line not in entry.lines
            if not new and now - entry.last_ns < LINE_GAP_NS:
                return False
            if entry.last_ns == 0:  # said once, on the lane: the markers from here are sampled
                ctx.record(Kind.NOTE, (THINNED, {"after": LINE_BUDGET}))
            entry.lines.add(line)
            entry.last_ns = now
            return True

        def local(frame: FrameType, event: str, arg: Any) -> _TraceFn:
            if event == "line":
                ctx = current()
                if ctx is not None:
                    if ctx.run.cancelled.is_set() and not _unwinding(frame):
                        raise RunCancelled
                    gate = ctx.run.gate
                    # `free` only ever turns on: once released, no lock is taken per line
                    stepped = gate is not None and not gate.free and not ctx.is_async
                    if stepped or thin(ctx, frame.f_lineno):
                        ctx.record(Kind.LINE, frame.f_lineno)
                    if stepped:
                        assert gate is not None
                        frame.f_trace_opcodes = True  # instruction steps need opcode events
                        # what the thread's own variables hold where it stops (step mode only)
                        ctx.record(Kind.LOCALS, frame_locals(frame, ctx.run.show_locals))
                        gate.before_line(ctx)  # the lecturer (or a schedule) is the scheduler
            elif event == "opcode":
                ctx = current()
                if ctx is not None:
                    gate = ctx.run.gate
                    if (
                        gate is not None
                        and not gate.free
                        and not ctx.is_async
                        and gate.running_unit.get(ctx.task) == "op"
                    ):
                        ctx.record(Kind.OP, (frame.f_lineno, frame.f_lasti))
                        ctx.record(Kind.LOCALS, frame_locals(frame, ctx.run.show_locals))
                        gate.before_op(ctx)
            return local

        def global_(frame: FrameType, event: str, arg: Any) -> _TraceFn | None:
            if frame.f_code in codes:
                return local
            return None

        sys.settrace(global_)

    @staticmethod
    def uninstall() -> None:
        sys.settrace(None)
