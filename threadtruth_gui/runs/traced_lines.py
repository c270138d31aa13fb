"""Line markers for a traced program's own files: a LINE event (line, file) per line run.

A function that has sent `LINE_BUDGET` line events sends no more (noted on its lane and
in the report): a hot loop's markers would cost ~1 µs a line (benchmarks/
trace_overhead.py); its lane still shows its states. On Python 3.12+ the hook is
`sys.monitoring` (`MonitorHook`), which turns off each line of code that is not the
program's, or is over budget, where it is: after that it costs nothing. Before 3.12 it is
`sys.settrace` per thread (`LineHook`), whose global function declines every frame of
code that is not the program's.

In step mode (the child's `probes.run.gate` is set) each thread waits at each line for the
window's step, as a scenario's threads do (engine/gate.py); a coroutine waits at its awaits
instead (engine/probes_async.py), never at a line, which would stop its whole event loop.
"""

from __future__ import annotations

import os
import sys
import threading
from types import CodeType, FrameType
from typing import Any

from threadtruth_gui.engine.context import current
from threadtruth_gui.engine.events import Kind
from threadtruth_gui.engine.probes import Probes

LINE_BUDGET = 20_000
# calls of functions already left alone, after which a thread's line hook is removed: on
# 3.11 each still costs a Python call (a recursive fib(32) ran 7.8x slower than untraced)
CALL_BUDGET = 200_000


class LineHook:
    """Line markers for the program's own files: a LINE event (line, file) per line run.
    A function over `LINE_BUDGET` lines is left alone from then on (noted on its lane)."""

    def __init__(self, probes: Probes) -> None:
        self.probes = probes
        self.spent: dict[CodeType, int] = {}  # line events sent, per function
        self.files: dict[CodeType, str] = {}  # its file, as LINE events name it
        self.off: dict[CodeType, str] = {}  # functions left alone: "worker() in pool.py"
        self.declined = 0  # calls of functions left alone, all threads
        self.gave_up: list[str] = []  # threads whose hook went
        self.replaced = False  # the program set a line hook of its own: lines unseen since
        self._settrace = sys.settrace
        plain_threading = threading.settrace

        def threading_settrace(hook: Any) -> None:  # as the program means it: new threads too
            self.replaced = True
            plain_threading(hook)

        plain_gettrace = sys.gettrace

        def gettrace() -> Any:  # ours is not the program's: it sees what it set, or None
            hook = plain_gettrace()
            return None if getattr(hook, "__self__", None) is self else hook

        sys.gettrace = gettrace
        sys.settrace = self._program_settrace
        threading.settrace = threading_settrace  # type: ignore[assignment]

    @property
    def silenced(self) -> list[str]:
        return [f"{what} (a hot loop)" for what in self.off.values()] + self.gave_up

    def _program_settrace(self, hook: Any) -> None:
        self.replaced = True
        self._settrace(hook)

    def _give_up(self, frame: FrameType) -> None:
        """No more line markers in this thread (said once, in the report)."""
        self._settrace(None)
        name = threading.current_thread().name
        note = f"all code in thread {name}: a hot function was called over {CALL_BUDGET:,} times"
        if note not in self.gave_up:
            self.gave_up.append(note)
            ctx = current()
            if ctx is not None:
                ctx.record(Kind.NOTE, ("line markers off", {"function": note}))

    def install(self) -> None:
        if os.getpid() == self.probes.pid:  # not in a process the program forked
            self._settrace(self.global_)

    def remove(self) -> None:
        """No more lines from the calling thread (the main thread, at its end)."""
        self._settrace(None)

    def forked(self) -> None:
        """In a process the program forked: no lines at all."""
        self._settrace(None)

    def global_(self, frame: FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code in self.off:
            # a function left alone still costs this call each time it is called (a
            # recursion, a hot helper): past CALL_BUDGET such calls, the thread's hook goes
            self.declined += 1
            if self.declined > CALL_BUDGET:
                self._give_up(frame)
            return None
        if not self.probes.own(code.co_filename):
            return None
        if code not in self.files:
            self.files[code] = self.probes.short(code.co_filename)
        return self.local

    def local(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event != "line":
            return self.local
        code = frame.f_code
        spent = self.spent.get(code, 0)
        if spent >= LINE_BUDGET or code in self.off:
            # returning None does not end a frame's line events: turning them off does
            frame.f_trace_lines = False
            if code not in self.off:
                what = self.off[code] = f"{code.co_name}() in {self.files[code]}"
                ctx = current()
                if ctx is not None:
                    ctx.record(Kind.NOTE, ("line markers off", {"function": what}))
            return None
        self.spent[code] = spent + 1
        ctx = current()
        if ctx is not None:
            ctx.record(Kind.LINE, (frame.f_lineno, self.files[code]))
            gate = ctx.run.gate
            if gate is not None and not gate.free and not ctx.is_async:
                gate.before_line(ctx)  # step mode: the lecturer lets it run this line
        return self.local


class MonitorHook:
    """The line markers through `sys.monitoring` (3.12+): one tool for every thread."""

    replaced = False  # a program's own sys.settrace does not take our events away

    def __init__(self, probes: Probes) -> None:
        mon = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
        self.probes = probes
        self.spent: dict[CodeType, int] = {}
        self.files: dict[CodeType, str] = {}
        self.off: dict[CodeType, str] = {}
        self._mon = mon
        self._disable = mon.DISABLE
        self._tool = next(i for i in range(6) if mon.get_tool(i) is None)
        mon.use_tool_id(self._tool, "threadtruth")
        mon.register_callback(self._tool, mon.events.LINE, self.line)
        self._on = False

    @property
    def silenced(self) -> list[str]:
        return [f"{what} (a hot loop)" for what in self.off.values()]

    def install(self) -> None:
        """Every thread at once: the first call turns the events on."""
        if not self._on and os.getpid() == self.probes.pid:
            self._on = True
            self._mon.set_events(self._tool, self._mon.events.LINE)

    def remove(self) -> None:
        """Nothing for one thread: the others still run the program's lines."""

    def forked(self) -> None:
        self._mon.set_events(self._tool, 0)

    def line(self, code: CodeType, line: int) -> Any:
        if code in self.off:
            return self._disable
        file = self.files.get(code)
        if file is None:
            if not self.probes.own(code.co_filename):
                return self._disable  # this line of a library's code: never asked again
            file = self.files[code] = self.probes.short(code.co_filename)
        spent = self.spent.get(code, 0)
        if spent >= LINE_BUDGET:
            what = self.off[code] = f"{code.co_name}() in {file}"
            ctx = current()
            if ctx is not None:
                ctx.record(Kind.NOTE, ("line markers off", {"function": what}))
            return self._disable
        self.spent[code] = spent + 1
        ctx = current()
        if ctx is not None:
            ctx.record(Kind.LINE, (line, file))
            gate = ctx.run.gate
            if gate is not None and not gate.free and not ctx.is_async:
                gate.before_line(ctx)  # step mode: the lecturer lets it run this line
        return None


def line_hook(probes: Probes) -> LineHook | MonitorHook:
    """The cheapest line hook this Python has."""
    if hasattr(sys, "monitoring"):
        return MonitorHook(probes)
    return LineHook(probes)
