"""The child process of `threadtruth trace`: run the user's script under the probes and
stream its events to the parent.

    python -m threadtruth_gui.runs.traced_child SCRIPT [ARGS...]

The parent passes, in the environment: `THREADTRUTH_FRAMES`, the file descriptor for the
frames (the same framing as runs/child.py: a 4-byte length and a pickle of ("t0", ns) |
("events", [tuples]) | ("result", dict)); `THREADTRUTH_LINES` ("1": line markers);
`THREADTRUTH_OUTPUT` ("events": what the script prints is recorded as OUTPUT events and
not written again, the window's way; "both": recorded and written, the CLI's way).
`THREADTRUTH_STEP` ("1": step mode, every thread waits before each line of the program's
own code, and each task at each await, for a step; the gate's state goes back as
("gate", StepGate.snapshot() + "seq": the steps taken in so far) frames).
Commands come on the descriptor `THREADTRUTH_COMMANDS`, one a line: `break` (end the
deadlock held on screen: its victim's wait raises `Deadlocked`), `end` (stop the program
now), `step {"task": NAME, "unit": "line"|"await"}` and `release` (step mode); EOF is
`end`. Not on stdin, which is the program's own; and read from the raw
descriptor, never a buffered file: a process the program forks while a buffered read
waits inherits its lock held, and hangs closing stdin (multiprocessing does).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import linecache
import os
import pickle
import runpy
import signal
import struct
import sys
import threading
import traceback
from types import FrameType
from typing import IO, Any, TextIO

from threadtruth_gui.engine import probes_async
from threadtruth_gui.engine.context import current
from threadtruth_gui.engine.deadlock import DeadlockWatch
from threadtruth_gui.engine.events import Kind
from threadtruth_gui.engine.gate import StepGate
from threadtruth_gui.engine.probes import Probes, end_of
from threadtruth_gui.runs.child import remove_own_folder
from threadtruth_gui.runs.traced_lines import line_hook

FLUSH_S = 0.02  # events go to the parent this often; the deadlock watch looks as often
_FRAME = struct.Struct(">I")
_real_exit = os._exit


class Stream(io.TextIOBase):
    """sys.stdout or sys.stderr of the traced program: each write is an OUTPUT event of the
    thread or coroutine that wrote it, and (with `echo`) written on as before."""

    def __init__(self, probes: Probes, name: str, real: TextIO, echo: bool) -> None:
        self._probes, self._name, self._real, self._echo = probes, name, real, echo
        self.lines = 0

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # as the real stream says it
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if os.getpid() != self._probes.pid:  # a forked child process: nobody reads its events
            return self._real.write(text)
        text = str(text)  # a str subclass of the program's: its class is not the parent's
        ctx = current()
        self._probes.run.recorder.record(
            ctx.task if ctx is not None else "", Kind.OUTPUT, (self._name, text)
        )
        self.lines += text.count("\n")
        if self._echo:
            self._real.write(text)
        return len(text)

    def flush(self) -> None:
        self._real.flush()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(self._real.encoding)

    def fileno(self) -> int:
        return self._real.fileno()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:  # .buffer, .reconfigure, .errors, .newlines
        return getattr(self._real, name)


class Child:
    """The traced program's run in this process: its probes, the flushing thread, the
    commands from the parent, and the end."""

    def __init__(
        self,
        script: str,
        out: IO[bytes],
        commands: int,
        lines: bool,
        echo: bool,
        step: bool = False,
    ) -> None:
        self.script = script
        self.out = out
        self.commands = commands
        self.probes = Probes(script)
        # made before the probes are installed: its condition is ours, never observed
        self.gate = StepGate(self.probes.run.cancelled) if step else None
        self.probes.run.gate = self.gate
        self.steps_in = 0  # step commands taken in (the parent waits for its own to count)
        self.orphaned = False  # the commands pipe ended without `end`: the parent is gone
        self._told_gate: dict[str, Any] | None = None
        self.hook = line_hook(self.probes) if lines else None
        self.watch = DeadlockWatch(self.probes.locks, hold=True)
        self.done = threading.Event()
        self.ending = threading.Event()  # the parent said `end`
        self.exit_code = 0
        self.foreign: set[int] = set()  # threads seen that threading did not start
        self._sent = 0
        self._send_lock = threading.Lock()
        self._finishing = threading.Lock()
        self._pump_thread: threading.Thread | None = None
        real_out, real_err = sys.stdout, sys.stderr
        self.stdout = Stream(self.probes, "stdout", real_out, echo)
        self.stderr = Stream(self.probes, "stderr", real_err, echo)

    def _helper(self, target: Any, name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread._threadtruth_own = True  # type: ignore[attr-defined]  # not a lane
        thread.start()
        return thread

    def send(self, message: tuple[str, Any]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with self._send_lock:
            self.out.write(_FRAME.pack(len(data)) + data)
            self.out.flush()

    def flush_events(self) -> None:
        recorder = self.probes.run.recorder
        batch = recorder.since(self._sent)
        if batch:
            self._sent += len(batch)
            self.send(("events", [tuple(ev) for ev in batch]))

    def _pump(self) -> None:
        """Every FLUSH_S: look for a deadlock, see which processes ended, send the events."""
        told = False
        last_foreign: set[int] = set()
        while not self.done.wait(FLUSH_S):
            self.watch(self.probes.run)
            if self.watch.cycle is not None and not told:
                told = True
                self._tell_stacks(self.watch.cycle)
            self._processes()
            # seen in two looks in a row: a thread that threading has just forgotten can
            # still be ending in the OS for a moment, and it was not C code's
            now = foreign_threads()
            self.foreign |= now & last_foreign
            last_foreign = now
            try:
                self.flush_events()
                self._tell_gate()
            except OSError:  # the parent is gone: so is the point of going on
                os._exit(1)

    def _tell_gate(self) -> None:
        """Step mode: the gate's state, sent when it changed (after the events, so the
        parent has each step's GO before it reads that the step was used)."""
        if self.gate is None:
            return
        told = {**self.gate.snapshot(), "seq": self.steps_in}
        if told != self._told_gate:
            self._told_gate = told
            self.send(("gate", told))

    def _order(self, line: bytes) -> bool:
        """Obey one command line; True for `end`."""
        word, _, rest = line.strip().partition(b" ")
        if word == b"end":
            return True
        if word == b"break":
            self.watch.break_now()
        elif word == b"release" and self.gate is not None:
            self.gate.release()
        elif word == b"step" and self.gate is not None:
            try:
                order = json.loads(rest)
                self.gate.grant(str(order["task"]), str(order.get("unit", "line")))
            except (ValueError, KeyError, TypeError):
                pass  # not a step we sent: nothing moves, and the count says it was taken
            self.steps_in += 1
        return False

    def _tell_stacks(self, cycle: list[dict[str, str]]) -> None:
        """Each deadlocked thread's stack, where it waits: a "stack" note on its lane."""
        frames = sys._current_frames()
        for edge in cycle:
            thread = self.probes.threads.get(edge["task"])
            frame = frames.get(thread.ident) if thread is not None and thread.ident else None
            if frame is not None:
                lines = stack_lines(self.probes, frame)
                self.probes.run.recorder.record(
                    edge["task"], Kind.NOTE, ("stack", {"lines": lines})
                )

    def _processes(self) -> None:
        for entry in list(self.probes.processes):
            ctx, process = entry
            try:
                code = process.exitcode
            except ValueError:  # closed by the program: it had ended
                code = 0
            if code is not None:
                self.probes.processes.remove(entry)
                ctx.record(Kind.END, process_end(code))

    def _commands(self) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self.commands, 1024)
            except OSError:
                chunk = b""
            if not chunk:
                self.orphaned = True  # EOF: the parent is gone (killed), or done with us
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            if any([self._order(line) for line in lines]):  # every line obeyed, then `end`
                break
        self.ending.set()
        self.finish(cancelled=True)

    def main(self, args: list[str]) -> None:
        recorder = self.probes.run.recorder
        self.send(("t0", recorder.t0_ns))
        main_ctx = self.probes.bind_thread(threading.main_thread())
        hook = self.hook
        self.probes.install(on_thread=(lambda _ctx: hook.install()) if hook else None)
        probes_async.install(self.probes)
        self._pump_thread = self._helper(self._pump, "threadtruth-pump")
        self._helper(self._commands, "threadtruth-commands")
        sys.stdout, sys.stderr = self.stdout, self.stderr
        sys.argv = [self.script, *args]
        sys.path[0] = os.path.dirname(os.path.abspath(self.script))
        if hook is not None:
            hook.install()
        try:
            runpy.run_path(self.script, run_name="__main__")
        except SystemExit as exc:
            self.exit_code = _exit_code(exc.code)
        except BaseException as exc:
            if hook is not None:
                hook.remove()
            print_program_traceback(self.probes, exc)
            self.exit_code = 130 if isinstance(exc, KeyboardInterrupt) else 1
            self.probes.ended[main_ctx.task] = end_of(self.probes, exc)
        if hook is not None:
            hook.remove()
        main_ctx.record(Kind.END, self.probes.ended.pop(main_ctx.task, ("done", None)))
        # as the interpreter does at exit: threading's exit hooks (a pool left open tells its
        # idle workers to leave), its non-daemon threads joined, then the atexit functions
        threading._shutdown()  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):
            atexit._run_exitfuncs()
        self.finish(cancelled=False)

    def finish(self, cancelled: bool) -> None:
        """Send the end: every lane still open is ended (cancelled: the program ended while
        it ran), then the result; then leave, whatever threads are still stuck."""
        if not self._finishing.acquire(blocking=False):
            return  # the other way of ending got here first: it leaves for both
        self.done.set()
        if self._pump_thread is not None and self._pump_thread is not threading.current_thread():
            self._pump_thread.join(1.0)  # its last flush done: one sender of events from here
        self._processes()  # those that ended as the program did (a pool shut down)
        why = "the program was ended" if cancelled else "still running when the program ended"
        _end_open_lanes(self.probes, why)
        with contextlib.suppress(Exception):
            self.stdout.flush()
            self.stderr.flush()
        silenced = self.hook.silenced if self.hook is not None else []
        result = {
            "exit_code": None if cancelled else self.exit_code,
            "cancelled": cancelled,
            "stdout_lines": self.stdout.lines,
            "objects": self.probes.objects,
            "silenced": silenced,
            "hook_replaced": self.hook is not None and self.hook.replaced,
            "foreign_threads": len(self.foreign),
        }
        if os.getpid() == self.probes.pid:  # a forked process never sends: not its pipe
            with contextlib.suppress(OSError):
                self.flush_events()
                self.send(("result", result))
                self.out.close()
        if self.orphaned and os.getpid() == self.probes.pid:
            # a parent that was killed cannot remove the temp folder it made for this run
            # (the program's TMPDIR): the child does, as a scenario's child does
            remove_own_folder()
        if cancelled and os.getpgrp() == os.getpid():  # the leader of a group of its own
            # ended (Reset, Ctrl+C, a deadlock): every process the program started goes too,
            # whatever became of the parent meanwhile; this one last, with its group
            with contextlib.suppress(OSError):
                os.killpg(os.getpgrp(), signal.SIGKILL)
        _real_exit(self.exit_code if not cancelled else 0)


def process_end(code: int) -> tuple[str, str | None]:
    """A process's END from its exit code: done (0), failed (another code), or ended by a
    signal (negative: the program's own terminate() or kill(), or the OS's)."""
    if code == 0:
        return "done", None
    if code < 0:
        return "cancelled", f"ended by signal {-code}"
    return "failed", f"exit code {code}"


def _exit_code(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # as Python does with sys.exit("message")
    return 1


def _end_open_lanes(probes: Probes, why: str) -> None:
    for name, thread in list(probes.threads.items()):
        if thread.is_alive() and thread is not threading.current_thread():
            probes.run.recorder.record(name, Kind.END, ("cancelled", why))
    for ctx, _process in probes.processes:
        ctx.record(Kind.END, ("cancelled", why))


def print_program_traceback(probes: Probes, exc: BaseException) -> None:
    """The traceback as Python prints it for the script, from its first frame: without
    this module's and runpy's frames above it."""
    tb = exc.__traceback__
    while tb is not None and not probes.own(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb if tb is not None else exc.__traceback__)


def stack_lines(probes: Probes, frame: FrameType | None) -> list[str]:
    """A thread's stack, outermost first, as the program's own lines ("pool.py:12 in
    worker: with right:"); the innermost frame too when it is a library's (where it waits)."""
    lines = []
    innermost = True
    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(ours):  # the probes' own wrappers: not the program's
            frame = frame.f_back
            continue
        if probes.own(code.co_filename) or innermost:
            text = linecache.getline(code.co_filename, frame.f_lineno).strip()
            where = f"{probes.short(code.co_filename)}:{frame.f_lineno} in {code.co_name}"
            lines.append(f"{where}: {text}" if text else where)
        innermost = False
        frame = frame.f_back
    return lines[::-1]


def foreign_threads() -> set[int]:
    """The native ids of this process's threads that threading did not start (C code: a
    numeric library's pool, a driver's): the OS's list of them (Linux) less threading's.
    They get no lane. Empty where the OS does not list them."""
    try:
        native = {int(tid) for tid in os.listdir("/proc/self/task")}
    except (OSError, ValueError):
        return set()
    return native - {t.native_id for t in threading.enumerate() if t.native_id is not None}


def main(argv: list[str]) -> int:
    frames, commands = (
        int(os.environ["THREADTRUTH_FRAMES"]),
        int(os.environ["THREADTRUTH_COMMANDS"]),
    )
    lines = os.environ.get("THREADTRUTH_LINES", "1") == "1"
    echo = os.environ.get("THREADTRUTH_OUTPUT", "both") == "both"
    step = os.environ.get("THREADTRUTH_STEP", "0") == "1"
    for name in (
        "THREADTRUTH_FRAMES",
        "THREADTRUTH_COMMANDS",
        "THREADTRUTH_LINES",
        "THREADTRUTH_OUTPUT",
        "THREADTRUTH_STEP",
    ):
        os.environ.pop(name, None)  # not the program's, nor its children's
    out = os.fdopen(frames, "wb")

    child = Child(argv[0], out, commands, lines or step, echo, step)  # steps are at lines

    def forked() -> None:
        """A process the program forks (a process pool's worker) is not traced: nobody
        reads its events. It holds no pipe of ours open, records nothing, watches no line."""
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (frames, commands):  # /dev/null, not closed: a number it reuses is not ours
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
        os.close(null)
        child.probes.run.recorder._append = lambda _event: None
        if child.gate is not None:  # nobody steps it: it runs freely (no lock: one held
            child.gate.free = True  # by another thread at the fork is never let go here)
        if child.hook is not None:
            child.hook.forked()

    os.register_at_fork(after_in_child=forked)

    def program_exit(code: int) -> None:
        """The program's os._exit: its run is sent first (its lanes, output, exit code)."""
        if os.getpid() != child.probes.pid:
            _real_exit(code)
        child.exit_code = code
        child.finish(cancelled=False)
        _real_exit(code)

    os._exit = program_exit  # type: ignore[assignment]
    child.main(argv[1:])
    return 0  # not reached: finish() leaves with the program's exit code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
