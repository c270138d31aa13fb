"""Trace any Python program: run it in a child process under the probes, and say what it did.

`TracedRun` has the surface of a child-process scenario run (`ProcessRun`: start, cancel,
join, stop, finished, recorder), so the window's bridge can draw it live; the CLI's
`threadtruth trace` prints `report()`. The child is runs/traced_child.py; what it
observes, engine/probes.py and engine/probes_async.py.

A child in a session (process group) of its own: ending it ends the processes it started
too (a process pool's workers), so nothing it made outlives it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from threadtruth_gui.engine.clip import clip
from threadtruth_gui.engine.events import Event, Kind
from threadtruth_gui.engine.files import short_path
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.runs.child import ProcessRun

# what is never seen, said in `threadtruth trace --help`, the window's help and the report
NOT_SEEN = (
    "threads started by C code (not by threading) get no lane",
    "locks taken inside C code, and waits inside the standard library (a Future's result, "
    "a pool's shutdown), are not shown as waits",
    "on Python 3.11, a program that sets its own line hook (sys.settrace: a debugger, "
    "coverage) loses its line markers from then on",
    "a deadlock is found through Locks, RLocks, asyncio.Locks and joins; one through "
    "semaphores, conditions, events, queues or a Barrier is not (end it with Ctrl+C or R)",
)


class ScriptError(ValueError):
    """A script that cannot be traced: missing, not a file, not Python, a syntax error."""


def check_script(path: str) -> Path:
    """The script to trace, checked before anything starts: it exists, is a readable file,
    and compiles (a syntax error names its line)."""
    script = Path(path)
    if not script.exists():
        raise ScriptError(f"no such script: {short_path(path)}")
    if not script.is_file():
        raise ScriptError(f"not a file: {short_path(path)}")
    try:
        source = script.read_bytes()
    except OSError as exc:
        raise ScriptError(f"cannot read {short_path(path)}: {exc.strerror or exc}") from None
    try:
        compile(source, str(script), "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"{script.name}:{exc.lineno}" if exc.lineno else script.name
        col = f", column {exc.offset}" if exc.offset else ""
        raise ScriptError(f"{where}{col}: {exc.msg}") from None
    except ValueError as exc:  # null bytes: not a Python source
        raise ScriptError(f"{short_path(path)} is not Python source: {clip(exc)}") from None
    return script


class TracedRun(ProcessRun):
    """A traced program in a child process, its events streamed back as they happen.

    `output`: "events" records what it prints as OUTPUT events only (the window);
    "both" also writes it to `stdout`/`stderr` (the CLI's terminal, or its stderr with
    --json). `lines`: line markers for the program's own files.
    """

    def __init__(
        self,
        script: str | Path,
        args: list[str] | tuple[str, ...] = (),
        *,
        lines: bool = True,
        output: str = "events",
        stdout: int | IO[Any] | None = None,
        step: bool = False,
    ) -> None:
        self.script = Path(script).resolve()
        self.args = list(args)
        super().__init__(
            "trace",
            {"script": str(self.script), "args": self.args},
            Plan([], outcome=lambda _stats: {}, code=[]),  # the program's: not known here
        )
        self.lines = lines
        self.step = step  # step mode: its gate is in the child (see runs/traced_gate.py)
        self.gate_told: dict[str, Any] | None = None  # the child's gate, as last sent
        self.output = output
        self.stdout = stdout
        self.summary: dict[str, Any] = {}  # what the child said at the end (exit code, ...)
        self._frames_in: IO[bytes] | None = None
        self._orders: int | None = None  # our end of the commands pipe
        self._outputs: list[threading.Thread] = []  # readers of its stdout and stderr pipes
        self._seen = 0  # events read by deadlock_found
        self._notes: list[Event] = []  # the deadlock's notes seen so far (deadlock_found)

    def _spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        read, write = os.pipe()  # frames, child to parent
        orders, self._orders = os.pipe()  # commands, parent to child
        env = {
            **env,
            "THREADTRUTH_FRAMES": str(write),
            "THREADTRUTH_COMMANDS": str(orders),
            "THREADTRUTH_LINES": "1" if self.lines else "0",
            "THREADTRUTH_OUTPUT": self.output,
            "THREADTRUTH_STEP": "1" if self.step else "0",
            "PYTHONUNBUFFERED": "1",  # its prints arrive as they happen
        }
        quiet = self.output == "events"
        try:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "threadtruth_gui.runs.traced_child",
                    str(self.script),
                    *self.args,
                ],
                stdin=subprocess.DEVNULL if quiet else None,  # the program's own
                # the window's way: what its sys.stdout gets comes as events, and what is
                # written below it (os.write, a subprocess, C code) on these pipes
                stdout=subprocess.PIPE if quiet else self.stdout,
                stderr=subprocess.PIPE if quiet else None,
                env=env,
                pass_fds=(write, orders),
                start_new_session=True,  # its process group: ended whole (see the docstring)
            )
        except BaseException:
            for fd in (read, self._orders):
                os.close(fd)
            self._orders = None
            raise
        finally:
            os.close(write)
            os.close(orders)
        self._frames_in = os.fdopen(read, "rb")
        for stream, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            if pipe is not None:
                reader = threading.Thread(
                    target=self._read_output,
                    args=(stream, pipe),
                    name=f"threadtruth-{stream}",
                    daemon=True,
                )
                reader.start()
                self._outputs.append(reader)
        return proc

    def _read_output(self, stream: str, pipe: IO[bytes]) -> None:
        """What the program wrote below sys.stdout and sys.stderr: an OUTPUT event a line,
        on no lane (which thread wrote it is not known)."""
        with contextlib.suppress(OSError, ValueError):
            for raw in pipe:
                text = raw.decode("utf-8", errors="replace")
                self.recorder.record("", Kind.OUTPUT, (stream, text))

    def _frames(self) -> IO[bytes]:
        assert self._frames_in is not None
        return self._frames_in

    def _end_now(self) -> None:
        """End the program and every process it started (its process group)."""
        assert self._proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self._proc.kill()

    def _read(self) -> None:
        super()._read()
        for reader in self._outputs:  # the last lines written below sys.stdout
            reader.join(1.0)
        self.summary = dict(self._result or {})
        if self._result is not None:
            self.error = None  # the child's own word: it ended as it says
        # whatever the program started and left behind (a pool worker) goes with it
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(2.0)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)

    def _message(self, kind: str, value: Any) -> None:
        if kind == "gate":
            self.gate_told = value  # one assignment: read whole by the window's thread

    def step_task(self, task: str, unit: str) -> None:
        """Step mode: let `task` run one `unit` (line, or await for a coroutine)."""
        self._command(b"step " + json.dumps({"task": task, "unit": unit}).encode() + b"\n")

    def release_steps(self) -> None:
        """Step mode: every thread and task runs freely from here."""
        self._command(b"release\n")

    def break_deadlock(self) -> None:
        """End the held deadlock: its victim's wait raises `Deadlocked`, the others go on."""
        self._command(b"break\n")

    def cancel(self) -> None:
        """End the program (Reset, Ctrl+C, a deadlock with --json): `end` on its stdin; it
        sends what it recorded and leaves at once."""
        if self.finished:
            return
        self._cancelled = True
        self._command(b"end\n")

    def _command(self, line: bytes) -> None:
        if self._orders is None or self._proc is None or self._proc.poll() is not None:
            return
        with contextlib.suppress(OSError):  # it may have ended meanwhile
            os.write(self._orders, line)

    def _close_pipes(self) -> None:
        super()._close_pipes()
        if self._proc is not None and self._proc.stderr is not None:
            with contextlib.suppress(OSError):
                self._proc.stderr.close()
        if self._orders is not None:
            with contextlib.suppress(OSError):
                os.close(self._orders)
            self._orders = None

    def deadlock_found(self) -> bool:
        """Whether a deadlock has been found so far. Reads only the events new since the
        last call, keeping the deadlock's notes: the window asks every frame."""
        new = self.recorder.since(self._seen)
        self._seen += len(new)
        self._notes.extend(ev for ev in new if ev.kind == Kind.NOTE and ev.data[0] in _DEADLOCK)
        return any(ev.data[0] == "deadlock" for ev in self._notes)

    def deadlock(self) -> dict[str, Any] | None:
        """The deadlock found (its cycle and each thread's stack), or None."""
        self.deadlock_found()
        return deadlock_of(self._notes)

    def report(self) -> dict[str, Any]:
        return report(self.recorder.events(), self.summary, self.error, self.recorder.t0_ns)


def natural(name: str) -> tuple[Any, ...]:
    """ "x.py:2" before "x.py:17", and "x.py:17" before "x.py:17 #2"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


_DEADLOCK = ("deadlock", "stack", "deadlock broken")  # the notes deadlock_of reads


def deadlock_of(events: list[Event]) -> dict[str, Any] | None:
    cycle: list[dict[str, str]] | None = None
    stacks: dict[str, list[str]] = {}
    broken = False
    for ev in events:
        if ev.kind != Kind.NOTE:
            continue
        what, data = ev.data
        if what == "deadlock" and cycle is None:
            cycle = list(data.get("cycle", []))
        elif what == "stack":
            stacks[ev.task] = list(data.get("lines", []))
        elif what == "deadlock broken":
            broken = True
    if cycle is None:
        return None
    return {
        "cycle": cycle,
        "text": "; ".join(
            f"{e['task']} holds {e['holds']}, waits for {e['waits_for']}" for e in cycle
        ),
        "stacks": {e["task"]: stacks.get(e["task"], []) for e in cycle},
        "broken": broken,
    }


def report(
    events: list[Event], summary: dict[str, Any], error: str | None, t0_ns: int
) -> dict[str, Any]:
    """What the program did, from its events: the shape of `run --json` for a program.

    tasks: name, kind (thread, task, process) and status (done, failed with its error,
    deadlocked, cancelled); locks: name (where it was made), kind, waits and max_wait_s;
    deadlock: null or the cycle; exit_code, stdout_lines, duration_s; not_seen: what the
    probes could not observe in this run.
    """
    tasks: dict[str, dict[str, Any]] = {}
    waits: dict[str, list[float]] = {}
    began: dict[tuple[str, str], int] = {}  # (task, object) -> when its wait began
    last_ns = t0_ns
    for ev in events:
        last_ns = max(last_ns, ev.t_ns)
        if ev.kind == Kind.START:
            tasks[ev.task] = {"name": ev.task, "kind": (ev.data or {}).get("kind", "thread")}
        elif ev.kind == Kind.END:
            status, why = ev.data
            entry = tasks.setdefault(ev.task, {"name": ev.task, "kind": "thread"})
            entry["status"] = status
            if why:
                entry["error" if status in ("failed", "deadlocked") else "why"] = why
        elif ev.kind == Kind.LOCK:
            action, name, _holder = ev.data
            times = waits.setdefault(name, [])
            if action == "wait":
                began[(ev.task, name)] = ev.t_ns
                times.append(0.0)  # counted as it begins: a wait that never ends is one too
            elif action in ("acquired", "woke", "gave up"):
                start = began.pop((ev.task, name), None)
                if start is not None:
                    times.append(max(times.pop(), (ev.t_ns - start) / 1e9))
    for (_task, name), start in began.items():  # still waiting when the program ended
        waits[name].append(max(waits[name].pop(), (last_ns - start) / 1e9))
    deadlock = deadlock_of(events)
    if deadlock is not None and not deadlock["broken"]:
        for edge in deadlock["cycle"]:  # ended while stuck in the cycle: deadlocked
            stuck = tasks.get(edge["task"])
            if stuck is not None and stuck.get("status") in (None, "cancelled"):
                stuck["status"] = "deadlocked"
                stuck.pop("why", None)
    kinds = dict(summary.get("objects", []))
    locks = [
        {
            "name": name,
            "kind": kinds.get(name, "Lock"),
            "waits": len(times),
            "max_wait_s": round(max(times), 6) if times else 0.0,
        }
        for name, times in sorted(waits.items(), key=lambda item: natural(item[0]))
    ]
    for name, kind in kinds.items():  # observed, never touched: no waits
        if name not in waits:
            locks.append({"name": name, "kind": kind, "waits": 0, "max_wait_s": 0.0})
    not_seen = []
    if summary.get("foreign_threads"):
        not_seen.append(f"{summary['foreign_threads']} thread(s) started by C code: no lane")
    if summary.get("hook_replaced"):
        not_seen.append("the program set its own line hook: its lines were not seen after")
    for what in summary.get("silenced", []):
        not_seen.append(f"line markers stopped for {what}")
    out: dict[str, Any] = {
        "tasks": [{"status": "cancelled", **t} for t in tasks.values()],
        "locks": locks,
        "deadlock": deadlock,
        "exit_code": summary.get("exit_code"),
        "stdout_lines": summary.get("stdout_lines", 0),
        "duration_s": round(max(0, last_ns - t0_ns) / 1e9, 6),
        "cancelled": bool(summary.get("cancelled", not summary)),
        "not_seen": not_seen,
    }
    if error:
        out["error"] = error
    return out
