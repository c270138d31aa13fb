"""Review of `threadtruth trace`: failing tests for what a fresh look broke (each names the
finding it covers; F1 is the most important)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import psutil
import pytest

from threadtruth_gui.engine.events import Kind
from threadtruth_gui.runs.traced import TracedRun

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def trace(*args: str, timeout: float = 30) -> tuple[int, Any, str]:
    """(exit status, the --json report or None, stderr) of `threadtruth trace ARGS`; a hang
    is a failure, not a test that waits for ever."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "threadtruth_gui", "trace", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=ENV,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`threadtruth trace {' '.join(args)}` still running after {timeout} s")
    report = json.loads(proc.stdout) if "--json" in args and proc.stdout.strip() else None
    return proc.returncode, report, proc.stderr


def script(tmp_path: Path, text: str, name: str = "prog.py") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def gone(pid: int, within_s: float) -> bool:
    """Whether process `pid` has ended (a zombie has) within `within_s`."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


# -- F1: a program that ended well is reported lost when the frames reader lags -------------
class _LaggingFrames:
    """The frames pipe read by a reader that falls behind the program's end (a busy machine,
    or many events to unpickle): it reads nothing until the program has exited and then
    until its pipe is closed by someone else, or 3 s have passed. Deterministic: it only
    widens the window in which ProcessRun.join closes the pipe under the reader."""

    def __init__(self, real: IO[bytes], run: TracedRun) -> None:
        self.real, self.run, self.waited = real, run, False

    def read(self, n: int) -> bytes:
        if not self.waited:
            self.waited = True
            deadline = time.monotonic() + 10
            while self.run._proc is not None and self.run._proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            deadline = time.monotonic() + 3
            while not self.real.closed and time.monotonic() < deadline:
                time.sleep(0.01)
        return self.real.read(n)

    @property
    def closed(self) -> bool:
        return self.real.closed

    def close(self) -> None:
        self.real.close()


class _LaggingRun(TracedRun):
    _lagging: _LaggingFrames | None = None

    def _frames(self) -> Any:
        if self._lagging is None:
            self._lagging = _LaggingFrames(super()._frames(), self)
        return self._lagging


def test_f1_a_lagging_reader_does_not_lose_a_finished_program(tmp_path: Path) -> None:
    # F1: ProcessRun.join (as cmd_trace polls it, 0.05 s at a time) closes the frames pipe as
    # soon as the process has exited, while the reader still reads it: "lost the run's
    # process: ValueError: read of closed file", exit_code None, the CLI's status 1 for a
    # program that ended with 0 (seen 1 in 12 with 8 threads printing 16,000 lines).
    run = _LaggingRun(script(tmp_path, "print('hello')\n"))
    run.start()
    deadline = time.monotonic() + 30
    try:
        while not run.join(0.05):  # the CLI's loop (cli_trace.cmd_trace)
            assert time.monotonic() < deadline
    finally:
        run.stop(2.0)
    assert run.error is None
    report = run.report()
    assert report["exit_code"] == 0 and report["stdout_lines"] == 1


# -- F2: deadlocks outside the threading lock graph hang the CLI, even with --json ----------
ASYNC_CYCLE = """\
import asyncio

async def one(first, second):
    async with first:
        await asyncio.sleep(0.1)
        async with second:
            print("never")

async def main():
    a, b = asyncio.Lock(), asyncio.Lock()
    await asyncio.gather(one(a, b), one(b, a), return_exceptions=True)

asyncio.run(main())
"""

JOIN_HOLDING = """\
import threading

lock = threading.Lock()

def worker():
    with lock:
        print("never")

t = threading.Thread(target=worker, name="worker")
with lock:
    t.start()
    t.join()  # waits for worker while holding the lock worker waits for
"""


@pytest.mark.parametrize("text", [ASYNC_CYCLE, JOIN_HOLDING], ids=["asyncio-locks", "join"])
def test_f2_a_deadlock_with_json_is_reported_and_ended_not_hung(tmp_path: Path, text: str) -> None:
    # F2: issue 14 "With --json, a deadlocked program is reported and then ended (exit code
    # 3), so a script never hangs the CLI". A cycle of two asyncio.Locks, or a join() while
    # holding the lock the joined thread waits for, is never found: the CLI runs for ever.
    code, report, _err = trace("--json", script(tmp_path, text), timeout=20)
    assert code == 3
    assert report["deadlock"] is not None


# -- F3: the CLI ended by a signal can leave the program's processes running ------------------
def test_f3_the_program_takes_its_processes_along_when_the_cli_is_killed(tmp_path: Path) -> None:
    # F3: only the CLI's reader thread kills the program's process group (TracedRun._read),
    # after the frames end. SIGTERM, SIGHUP or Ctrl+C that land while the main thread is in
    # Thread.join(0.05) can leave the reader marked dead on 3.11 (threading's
    # _wait_for_tstate_lock releases the live thread's lock on an interrupt), so the CLI
    # exits before that kill: about 1 run in 5 leaves `sleep` behind. Made deterministic
    # here with SIGKILL: the traced child sees EOF on its commands and leaves, and nothing
    # ends what the program started. Expected: the child ends its own group as it goes.
    import tempfile

    folders = set(Path(tempfile.gettempdir()).glob("threadtruth-run-*"))
    pid_file = tmp_path / "pid"
    prog = script(
        tmp_path,
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n",
    )
    cli = subprocess.Popen(
        [sys.executable, "-m", "threadtruth_gui", "trace", prog],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    grandchild = None
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the program never started its process"
            time.sleep(0.05)
        grandchild = int(pid_file.read_text())
        cli.send_signal(signal.SIGKILL)
        cli.wait(10)
        assert gone(grandchild, 3.0), "the program's process outlived the CLI"
        # and the temp folder the killed CLI made for it (its TMPDIR) is removed by the child
        deadline = time.monotonic() + 3.0
        while set(Path(tempfile.gettempdir()).glob("threadtruth-run-*")) - folders:
            assert time.monotonic() < deadline, "the killed CLI's temp folder was left"
            time.sleep(0.05)
    finally:
        if cli.poll() is None:
            cli.kill()
        if grandchild is not None and not gone(grandchild, 0):
            os.kill(grandchild, signal.SIGKILL)


# -- F4: Ctrl+C ends a never-ending program, but writes none of the exports asked for --------
def test_f4_ctrl_c_still_writes_the_chrome_trace(tmp_path: Path) -> None:
    # F4: a program that never ends (a server, a worker loop) can only be ended by Ctrl+C;
    # cmd_trace re-raises KeyboardInterrupt before _write_exports, so `--trace` gives nothing
    # (and no report is printed).
    out = tmp_path / "t.json"
    prog = script(
        tmp_path, "import threading\nprint('ready', flush=True)\nthreading.Event().wait()\n"
    )
    cli = subprocess.Popen(
        [sys.executable, "-m", "threadtruth_gui", "trace", "--trace", str(out), prog],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert cli.stdout is not None and cli.stdout.readline() == b"ready\n"
        cli.send_signal(signal.SIGINT)
        assert cli.wait(10) == 130
    finally:
        if cli.poll() is None:
            cli.kill()
        cli.communicate()
    assert out.exists(), "no Chrome trace after Ctrl+C"
    json.loads(out.read_text())


# -- F5: os._exit(n) loses the whole run --------------------------------------------------------
def test_f5_os_exit_keeps_the_exit_code_lanes_and_output(tmp_path: Path) -> None:
    # F5: os._exit skips finish(): no result frame, and events not yet flushed are lost. The
    # report says "ended by threadtruth", exit_code None, no lane, 0 lines, 0.000 s.
    prog = script(tmp_path, "import os\nprint('bye', flush=True)\nos._exit(7)\n")
    code, report, _err = trace("--json", prog)
    assert code == 1
    assert report["exit_code"] == 7
    assert [t["name"] for t in report["tasks"]] == ["MainThread"]
    assert report["stdout_lines"] == 1


# -- F6: tracing changes what the program does ---------------------------------------------------
CHANGED = {
    # sys.stdout is a TextIOBase without .buffer or .reconfigure: AttributeError
    "stdout-buffer": "import sys\nsys.stdout.buffer.write(b'raw\\n')\nsys.stdout.flush()\n",
    "stdout-reconfigure": "import sys\nsys.stdout.reconfigure(line_buffering=True)\n",
    # the queue classes are replaced by unrelated subclasses: a LifoQueue is no Queue
    "queue-isinstance": "import queue\nassert isinstance(queue.LifoQueue(), queue.Queue)\n",
    # threading.settrace is made sys.settrace: the hook is set on the calling thread, and
    # never on the threads started after it
    "threading-settrace": (
        "import sys, threading\n"
        "names = []\n"
        "def hook(frame, event, arg):\n"
        "    names.append(threading.current_thread().name)\n"
        "threading.settrace(hook)\n"
        "assert sys.gettrace() is None, 'threading.settrace traced the main thread'\n"
        "t = threading.Thread(target=print, name='worker')\n"
        "t.start()\n"
        "t.join()\n"
        "threading.settrace(None)\n"
        "assert 'worker' in names, 'the hook never ran in the new thread'\n"
    ),
}


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_f6_the_program_behaves_as_it_does_untraced(tmp_path: Path, name: str) -> None:
    # F6: each of these programs exits 0 with plain `python`
    prog = script(tmp_path, CHANGED[name])
    plain = subprocess.run([sys.executable, prog], capture_output=True, timeout=30)
    assert plain.returncode == 0
    code, report, err = trace("--json", prog)
    assert (code, report["exit_code"]) == (0, 0), err


def test_f6_a_thread_that_failed_under_the_programs_own_excepthook_is_failed(
    tmp_path: Path,
) -> None:
    # F6: the probes learn of a thread's exception from threading.excepthook; a program that
    # sets its own (a logging setup does) makes every failed thread "done"
    prog = script(
        tmp_path,
        "import threading\n"
        "threading.excepthook = lambda args: None\n"
        "def boom():\n"
        "    raise ValueError('bad')\n"
        "t = threading.Thread(target=boom, name='boom')\n"
        "t.start()\n"
        "t.join()\n",
    )
    _code, report, _err = trace("--json", prog)
    boom = next(t for t in report["tasks"] if t["name"] == "boom")
    assert boom["status"] == "failed"
    assert boom["error"] == "ValueError: bad (prog.py:4)"


# -- F7: a virtualenv in the script's folder is taken for the program's own code ---------------
def test_f7_site_packages_under_the_scripts_folder_are_not_its_own(tmp_path: Path) -> None:
    # F7: `own()` skips only this interpreter's prefixes; a project's own .venv (or any
    # site-packages) under the script's folder has its locks observed and lines watched
    site = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    (site / "fakelib").mkdir(parents=True)
    (tmp_path / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (site / "fakelib" / "__init__.py").write_text(
        "import threading\nINNER = threading.Lock()\ndef work():\n    with INNER:\n        pass\n"
    )
    prog = script(
        tmp_path,
        f"import sys\nsys.path.insert(0, {str(site)!r})\n"
        "import fakelib\nimport threading\nmine = threading.Lock()\nfakelib.work()\n",
    )
    _code, report, _err = trace("--json", prog)
    assert [lock["name"] for lock in report["locks"]] == ["prog.py:5"]


# -- F8: a process the program terminates itself is reported failed ------------------------------
def test_f8_a_process_the_program_terminates_is_not_failed(tmp_path: Path) -> None:
    # F8: `with multiprocessing.Pool() as p:` ends its workers with terminate() (SIGTERM):
    # by luck of timing each worker is "done" or "failed (exit code -15)"; here made certain
    prog = script(
        tmp_path,
        "import multiprocessing, time\n"
        "if __name__ == '__main__':\n"
        "    p = multiprocessing.Process(target=time.sleep, args=(30,), name='sleeper')\n"
        "    p.start()\n"
        "    p.terminate()\n"
        "    p.join()\n",
    )
    _code, report, _err = trace("--json", prog)
    sleeper = next(t for t in report["tasks"] if t["name"].startswith("sleeper"))
    assert sleeper["status"] != "failed", sleeper


# -- F9: a deadlock of two daemon threads ends a program that would have succeeded -------------
def test_f9_a_deadlock_the_program_outlives_does_not_end_it(tmp_path: Path) -> None:
    # F9: the CLI ends the program at the first cycle found, even when the main thread is
    # still working and the stuck threads are daemons: untraced this prints its result and
    # exits 0; traced it is cut at 0.15 s, status 3, nothing printed
    prog = script(
        tmp_path,
        "import threading, time\n"
        "a, b = threading.Lock(), threading.Lock()\n"
        "def one(x, y):\n"
        "    with x:\n"
        "        time.sleep(0.1)\n"
        "        with y:\n"
        "            pass\n"
        "threading.Thread(target=one, args=(a, b), name='d1', daemon=True).start()\n"
        "threading.Thread(target=one, args=(b, a), name='d2', daemon=True).start()\n"
        "time.sleep(1.0)  # the main thread's own work, well after the cycle closed\n"
        "print('main finished its work')\n",
    )
    code, report, _err = trace("--json", prog)
    assert report["deadlock"] is not None  # still found and reported
    assert report["exit_code"] == 0 and report["stdout_lines"] == 1
    assert code == 0


# -- F11: a thread pool never shut down hangs the traced program at its end --------------------
def test_f11_a_pool_left_to_pythons_exit_does_not_hang(tmp_path: Path) -> None:
    # F11: Child.main joins every non-daemon thread itself (_join_threads) without first
    # running threading's own exit hooks (threading._register_atexit: concurrent.futures'
    # _python_exit tells idle workers to leave), so a pool kept in a module global waits
    # for ever; untraced the program exits 0 at once
    (tmp_path / "jobs.py").write_text(
        "from concurrent.futures import ThreadPoolExecutor\nPOOL = ThreadPoolExecutor(2)\n"
    )
    prog = script(tmp_path, "import jobs\nprint(jobs.POOL.submit(pow, 2, 10).result())\n")
    code, report, _err = trace("--json", prog, timeout=15)
    assert (code, report["exit_code"]) == (0, 0)


# -- F12: what the program writes goes into the frames as its own objects ---------------------
def test_f12_a_str_subclass_written_to_stdout_does_not_lose_the_run(tmp_path: Path) -> None:
    # F12: Stream.write records `text` as given; a str subclass of the program's own module
    # is pickled by reference, and the CLI, which cannot import that module, loses its
    # reader (ModuleNotFoundError is not among the errors _read catches): a traceback, no
    # result, and from then on no deadlock seen, so --json would hang on one. (A class in
    # the script itself fails in the child instead: PicklingError, the run lost.)
    (tmp_path / "colors.py").write_text("class Colored(str):\n    pass\n")
    prog = script(
        tmp_path,
        "import sys\nfrom colors import Colored\nsys.stdout.write(Colored('hello\\n'))\n",
    )
    code, report, err = trace("--json", prog)
    assert "Traceback" not in err, err
    assert (code, report["exit_code"], report["stdout_lines"]) == (0, 0, 1)


# -- F13: in the window, output written below sys.stdout goes nowhere -------------------------
def test_f13_output_written_to_the_file_descriptor_reaches_the_panel(tmp_path: Path) -> None:
    # F13: with output="events" (the window) the child's fds 1 and 2 are /dev/null and only
    # sys.stdout/sys.stderr writes become OUTPUT events: what a subprocess, a C extension or
    # os.write prints is lost without a word (the CLI shows it: its fds are the terminal)
    prog = script(
        tmp_path,
        "import os, subprocess, sys\n"
        "os.write(1, b'direct\\n')\n"
        "subprocess.run([sys.executable, '-c', 'print(\"from a child\")'])\n",
    )
    run = TracedRun(prog, output="events")
    run.start()
    try:
        assert run.join(30)
    finally:
        run.stop()
    shown = "".join(ev.data[1] for ev in run.recorder.events() if ev.kind == Kind.OUTPUT)
    assert "direct" in shown and "from a child" in shown


# -- F14: a forked child writes the tracer's frames into the program's own files ------------
def test_f14_a_forked_child_never_writes_frames_into_the_programs_files(tmp_path: Path) -> None:
    # F14: the at-fork handler closes the frames descriptor in the child, but the Child
    # object still holds it; a child that goes on and ends normally (os.fork, then sys.exit)
    # runs finish(), which writes its "events" and "result" frames to that descriptor
    # number, by then reused by a file the child opened: the program's data is corrupted
    prog = script(
        tmp_path,
        "import os, sys\n"
        f"names = [os.path.join({str(tmp_path)!r}, f'data{{i}}.txt') for i in range(16)]\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    sys.keep = [open(name, 'w') for name in names]\n"
        "    for f in sys.keep:\n"
        "        f.write('child data\\n')\n"
        "        f.flush()\n"
        "    sys.exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "bad = [n for n in names if open(n, 'rb').read() != b'child data\\n']\n"
        "sys.exit(f'corrupted: {bad}' if bad else 0)\n",
    )
    plain = subprocess.run([sys.executable, prog], capture_output=True, timeout=30)
    assert plain.returncode == 0
    code, report, err = trace("--json", prog)
    assert (code, report["exit_code"]) == (0, 0), err


# -- F10: the program's traceback shows threadtruth's own frames ---------------------------------
def test_f10_an_uncaught_exception_shows_only_the_programs_frames(tmp_path: Path) -> None:
    # F10: Python prints the traceback from the script's first line; traced, it starts in
    # traced_child.py and <frozen runpy>, which a class has never seen
    prog = script(tmp_path, "raise ValueError('bad')\n")
    _code, _report, err = trace("--json", prog)
    assert "ValueError: bad" in err
    assert "traced_child.py" not in err and "runpy" not in err
