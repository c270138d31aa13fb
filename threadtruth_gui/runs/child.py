"""Run a scenario in a child process and stream its events to the parent.

The window uses this for runs with many tasks: a thousand busy threads in the GUI's own
process compete with it for the GIL, and the window stalls (benchmarks/
gui_responsiveness.py). In a child process they are just as real, and the parent only
receives events. Timestamps are `perf_counter_ns`, CLOCK_MONOTONIC on Linux, so the
parent's timeline lines up with them.

Wire format on the child's stdout: frames of a 4-byte big-endian length and a pickle of
("t0", ns) | ("events", [event tuples]) | ("result", RunResult.to_json()) | ("error", text).
The parent cancels by writing a line to the child's stdin (or closing it).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from time import perf_counter_ns
from typing import IO, Any

from threadtruth_gui.engine.events import Event, Recorder
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.result import RunResult

_FRAME = struct.Struct(">I")
_FLUSH_S = 0.02  # the child sends what it recorded this often
STOP_GRACE_S = 1.5  # then the child is killed (its temp files go with our folder)
CHILD_NICENESS = 5


# -- the child side ------------------------------------------------------------------------
def _send(out: IO[bytes], message: tuple[str, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_FRAME.pack(len(data)) + data)
    out.flush()


def child_main(scenario_id: str, params_json: str, edit_json: str = "") -> int:
    from threadtruth_gui.engine.edits import apply_edit
    from threadtruth_gui.engine.plan import Edit
    from threadtruth_gui.engine.runner import Run
    from threadtruth_gui.scenarios import get

    # On a busy machine the window must win the CPU: its ticks are what the lecturer sees
    # stall. The run's own times are measured in here and barely change (I/O-bound).
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICENESS)
    # frames get the real stdout; anything else that prints goes to stderr instead of
    # corrupting them
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    scenario = get(scenario_id)
    params = scenario.resolve(json.loads(params_json))
    plan = scenario.plan(params)
    if edit_json:  # the lecturer's edited code (the parent compiled it once already)
        edited = json.loads(edit_json)
        plan = apply_edit(plan, Edit(edited["text"], edited["first_line"]))
    run = Run(plan)
    run.start()
    # a signal to the child (Ctrl+C, a logout's SIGHUP to the whole process group, a kill)
    # cancels the run, as the parent's cancel line does: it ends cleanly, with no traceback
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: run.cancel())

    orphaned = threading.Event()  # the parent is gone: nobody will remove our folder

    def watch_stdin() -> None:  # any line, or EOF (the parent went away): cancel
        if not sys.stdin.readline():
            orphaned.set()
        run.cancel()

    threading.Thread(target=watch_stdin, name="threadtruth-parent", daemon=True).start()
    try:
        _send(out, ("t0", run.recorder.t0_ns))
        cursor = 0
        while True:
            ended = not run.join(_FLUSH_S)
            batch = run.recorder.since(cursor)
            if batch:
                cursor += len(batch)
                _send(out, ("events", [tuple(ev) for ev in batch]))
            if not ended:
                break
        _send(out, ("result", run.result(scenario.id, params).to_json()))
    except OSError:  # (BrokenPipeError) the parent is gone: stop the run, end quietly
        orphaned.set()
        run.stop(STOP_GRACE_S)
        with contextlib.suppress(OSError):  # what is still buffered goes nowhere, quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    if orphaned.is_set():
        remove_own_folder()
    return 0


def remove_own_folder() -> None:
    """A parent that was killed (SIGKILL, a crash) cannot remove the temp folder it made
    for this child: the child removes it as it ends, once its run has cleaned up."""
    folder = os.environ.get("TMPDIR", "")
    if os.path.basename(folder.rstrip(os.sep)).startswith("threadtruth-run-"):
        shutil.rmtree(folder, ignore_errors=True)


# -- the parent side -----------------------------------------------------------------------
_LIVE: set[ProcessRun] = set()  # started, and their temp folders not yet removed


def stop_all(timeout: float = STOP_GRACE_S) -> None:
    """Stop every child run still alive, killing those that do not stop within `timeout`,
    and remove their temp folders: the app calls this on its way out, so that no child
    process or `threadtruth-run-*` folder outlives it, whatever Reset managed."""
    for run in list(_LIVE):
        run.stop(timeout)


class ProcessRun:
    """The parent's handle on a child-process run: the same surface as `Run` that the
    bridge uses (start, cancel, join, stop, finished, recorder, result, lanes)."""

    def __init__(self, scenario_id: str, params: dict[str, Any], plan: Plan) -> None:
        self.scenario_id = scenario_id
        self.params = params
        self.plan = plan  # built here for its metadata (tasks, code); it runs in the child
        self.recorder = Recorder()
        self.error: str | None = None
        self._result: dict[str, Any] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._cancelled = False
        self._tmp: str | None = None

    def start(self) -> None:
        # Everything the child puts in temp folders lives under one folder of ours, which
        # we remove when it has ended, even if it had to be killed before its own cleanup.
        self._tmp = tempfile.mkdtemp(prefix="threadtruth-run-")
        _LIVE.add(self)
        self._proc = self._spawn({**os.environ, "TMPDIR": self._tmp})
        self._reader = threading.Thread(target=self._read, name="threadtruth-reader", daemon=True)
        self._reader.start()

    def _spawn(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start the child process; its frames come on its stdout (`_frames`)."""
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "threadtruth_gui.runs.child",
                self.scenario_id,
                json.dumps(self.params),
                # the edited code, if any: the child builds the plan again from these (as
                # UTF-8: escaped, 20,000 characters could pass the 128 KiB an argument may be)
                *(
                    [json.dumps(self.plan.edit.to_json(), ensure_ascii=False)]
                    if self.plan.edit is not None
                    else []
                ),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            # a session of its own: Ctrl+C or a hang-up for the terminal reaches the window,
            # which cancels this run (a line, or EOF, on stdin); never the child mid start-up
            # (its interpreter aborted with a traceback)
            start_new_session=True,
        )

    def _frames(self) -> IO[bytes]:
        assert self._proc is not None and self._proc.stdout is not None
        return self._proc.stdout

    def _end_now(self) -> None:
        """End the child at once (SIGKILL)."""
        assert self._proc is not None
        self._proc.kill()

    def _read(self) -> None:
        assert self._proc is not None
        stream = self._frames()
        extend = self.recorder._events.extend  # one C-level call per batch, not per event
        make = Event._make
        try:
            while True:
                head = stream.read(_FRAME.size)
                if len(head) < _FRAME.size:
                    break
                kind, value = pickle.loads(stream.read(_FRAME.unpack(head)[0]))
                if kind == "events":
                    extend(map(make, value))
                elif kind == "t0":
                    self.recorder.t0_ns = value
                elif kind == "result":
                    self._result = value
                elif kind == "error":
                    self.error = value
                else:
                    self._message(kind, value)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError) as exc:
            self.error = f"lost the run's process: {type(exc).__name__}: {exc}"
            self._end_now()  # it may be blocked writing to a pipe nobody reads now
        if self._result is None and self.error is None and not self._cancelled:
            code = self._proc.wait()
            self.error = f"the run's process ended with status {code}"

    def _message(self, kind: str, value: Any) -> None:
        """A frame of another kind than a scenario child sends (a traced program's)."""

    def cancel(self) -> None:
        if self.finished:
            return  # a finished run keeps its verdict
        self._cancelled = True
        proc = self._proc
        if proc is None or proc.poll() is not None or proc.stdin is None or proc.stdin.closed:
            return
        with contextlib.suppress(BrokenPipeError, ValueError):  # it may end meanwhile
            proc.stdin.write(b"cancel\n")
            proc.stdin.flush()

    def join(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else perf_counter_ns() + int(timeout * 1e9)
        if self._reader is not None:
            self._reader.join(timeout)
        if self._proc is not None:
            left = None if deadline is None else max(0.0, (deadline - perf_counter_ns()) / 1e9)
            try:
                self._proc.wait(left)
            except subprocess.TimeoutExpired:
                return False
            if self._reader is not None and self._reader.is_alive():
                return False  # the process has left, but its last frames are still being read
            self._close_pipes()
            self._remove_tmp()
        return not self.alive

    def kill(self) -> None:
        """End the child now, without waiting for it: `finished` turns True as its pipe
        closes, and `join` then removes its temp folder."""
        if self._proc is not None and self._proc.poll() is None:
            self._end_now()
            self.error = self.error or "the run's process did not stop in time and was ended"

    def stop(self, timeout: float = STOP_GRACE_S) -> bool:
        self.cancel()
        if self.join(timeout):
            return True
        if self._proc is not None:  # it did not stop in time: end it
            self._end_now()
            self._proc.wait()
            self._close_pipes()
            self.error = self.error or "the run's process did not stop in time and was ended"
        if self._reader is not None:
            self._reader.join(1.0)
        self._remove_tmp()
        return not self.alive

    def _remove_tmp(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        _LIVE.discard(self)

    def _close_pipes(self) -> None:
        assert self._proc is not None
        for pipe in (self._proc.stdin, self._proc.stdout, self._frames()):
            if pipe is not None and not pipe.closed:
                with contextlib.suppress(BrokenPipeError):  # the child already left
                    pipe.close()

    @property
    def alive(self) -> bool:
        reader = self._reader is not None and self._reader.is_alive()
        return reader or (self._proc is not None and self._proc.poll() is None)

    @property
    def finished(self) -> bool:
        return self._proc is not None and not self.alive

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def result(self, scenario: str, params: dict[str, Any]) -> RunResult:
        if not self.finished:
            raise RuntimeError("the run has not finished")
        got = self._result or {}
        return RunResult(
            scenario=scenario,
            params=params,
            outcome=got.get("outcome", {}),
            tasks=got.get(
                "tasks",
                [
                    {"name": s.name, "status": "cancelled" if self._cancelled else "failed"}
                    for s in self.plan.tasks
                ],
            ),
            duration_s=got.get("duration_s", 0.0),
            events=len(self.recorder),
            verdict=None,
            cancelled=got.get("cancelled", self._cancelled),
            error=got.get("error", self.error),
        )

    def lanes(self) -> Lanes:
        lanes = Lanes(self.recorder.t0_ns)
        lanes.feed(self.recorder.events())
        return lanes


if __name__ == "__main__":
    sys.exit(child_main(*sys.argv[1:4]))
