"""`threadtruth trace`: each example program traced, and what it really did asserted; bad
input, crashes, hangs and Ctrl+C; no process left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from threadtruth_gui import assets
from threadtruth_gui.engine.events import Kind
from threadtruth_gui.runs.traced import TracedRun

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "examples"


def trace(*args: str, cwd: Path | None = None, timeout: float = 60) -> tuple[int, Any, str]:
    """(exit status, the --json report or None, stderr) of `threadtruth trace ARGS`."""
    proc = subprocess.run(
        [sys.executable, "-m", "threadtruth_gui", "trace", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    report = json.loads(proc.stdout) if "--json" in args and proc.stdout.strip() else None
    return proc.returncode, report, proc.stderr


def traced_children(script: str | Path) -> list[psutil.Process]:
    """Processes still alive of a traced program `script` (its child, or any process it
    forked): by the script's path on their command line, so that nothing else running on
    the machine counts."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info["cmdline"] or []
        if any("traced_child" in part for part in cmd) and str(script) in cmd:
            found.append(p)
    return found


def traced_to_the_end(script: Path) -> TracedRun:
    run = TracedRun(script)
    run.start()
    try:
        assert run.join(30)
    finally:
        run.stop()
    return run


def tasks(report: dict[str, Any], kind: str | None = None) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in report["tasks"] if kind is None or t["kind"] == kind}


def lock(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(entry for entry in report["locks"] if entry["name"] == name)


def test_every_example_program_is_one_the_tests_trace() -> None:
    traced = {
        "pool_downloads.py",
        "producer_consumer.py",
        "bounded_buffer.py",
        "philosophers_deadlock.py",
        "philosophers_fixed.py",
        "async_semaphore.py",
        "cpu_pool.py",
    }
    assert {p.file.name for p in assets.programs()} == traced  # type: ignore[union-attr]


def test_dining_philosophers_deadlock_is_found_reported_and_ended() -> None:
    started = time.monotonic()
    script = EXAMPLES / "philosophers_deadlock.py"
    code, report, _err = trace("--json", str(script))
    assert code == 3  # deadlocked: reported, then ended
    assert time.monotonic() - started < 20
    names = [f"philosopher-{n}" for n in range(3)]
    assert {n: tasks(report)[n]["status"] for n in names} == dict.fromkeys(names, "deadlocked")
    forks = ["philosophers_deadlock.py:18", "philosophers_deadlock.py:18 #2"]
    forks.append("philosophers_deadlock.py:18 #3")
    cycle = report["deadlock"]["cycle"]
    # each holds its left fork and waits for its right one, which the next one holds
    assert sorted((e["task"], e["holds"], e["waits_for"]) for e in cycle) == [
        (names[n], forks[n], forks[(n + 1) % 3]) for n in range(3)
    ]
    for name in names:  # every stuck thread's stack ends where it waits, in its own code
        stack = report["deadlock"]["stacks"][name]
        assert stack and stack[-1].startswith("philosophers_deadlock.py:")
        assert "right" in stack[-1]
        assert not any("threadtruth_gui" in line or "context.py" in line for line in stack)
    assert all(lock(report, f)["waits"] == 1 for f in forks)
    assert report["exit_code"] is None  # ended by us, not by itself
    assert not traced_children(script)


def test_dining_philosophers_fixed_end_without_a_deadlock() -> None:
    code, report, _err = trace("--json", str(EXAMPLES / "philosophers_fixed.py"))
    assert code == 0 and report["exit_code"] == 0 and report["deadlock"] is None
    assert {t["status"] for t in report["tasks"]} == {"done"}
    assert len(tasks(report, "thread")) == 4  # the main thread and 3 philosophers


def test_producer_consumer_puts_wait_for_room() -> None:
    code, report, _err = trace("--json", str(EXAMPLES / "producer_consumer.py"))
    assert code == 0
    assert set(tasks(report)) == {"MainThread", "producer", "consumer-1", "consumer-2"}
    queue = lock(report, "producer_consumer.py:17")
    # 8 items into a queue of 2 that consumers drain at 0.15 s an item: after the first
    # four (two taken, two queued) each put finds it full unless the producer was held
    # off the CPU for 0.15 s before each of the other four
    assert queue["kind"] == "Queue" and queue["waits"] >= 1
    assert queue["max_wait_s"] > 0.05
    assert report["stdout_lines"] >= 8


def test_bounded_buffer_producer_waits_on_the_condition() -> None:
    code, report, _err = trace("--json", str(EXAMPLES / "bounded_buffer.py"))
    assert code == 0
    cond = lock(report, "bounded_buffer.py:22")
    assert cond["kind"] == "Condition" and cond["waits"] >= 1
    assert {"producer", "consumer"} <= set(tasks(report, "thread"))


def test_asyncio_gather_bounded_by_a_semaphore() -> None:
    code, report, _err = trace("--json", str(EXAMPLES / "async_semaphore.py"))
    assert code == 0
    fetches = {n: t for n, t in tasks(report, "task").items() if n.startswith("fetch-")}
    assert sorted(fetches) == sorted(f"fetch-{n}" for n in range(1, 9))
    assert {t["status"] for t in fetches.values()} == {"done"}
    semaphore = next(e for e in report["locks"] if e["kind"] == "asyncio.Semaphore")
    # all 8 start before any leaves (each holds it for 0.25 s of asyncio.sleep): 3 go in,
    # the other 5 wait
    assert semaphore["waits"] == 5
    # no lane for asyncio.run's own housekeeping tasks
    assert not any("shutdown" in n for n in tasks(report))


def test_thread_pool_has_a_lane_per_worker_and_its_lock_observed() -> None:
    code, report, _err = trace("--json", "--no-lines", str(EXAMPLES / "pool_downloads.py"))
    assert code == 0
    workers = [n for n in tasks(report, "thread") if n.startswith("ThreadPoolExecutor-")]
    assert len(workers) == 4
    assert lock(report, "pool_downloads.py:19")["kind"] == "Lock"
    # the pool's own locks and queues are the library's: not in the story
    assert [e["name"] for e in report["locks"]] == ["pool_downloads.py:19"]


def test_cpu_pool_has_process_lanes_and_hot_loops_are_said() -> None:
    script = EXAMPLES / "cpu_pool.py"
    code, report, _err = trace("--json", str(script), timeout=90)
    assert code == 0
    processes = tasks(report, "process")
    assert processes and {t["status"] for t in processes.values()} == {"done"}
    assert any("hot loop" in what for what in report["not_seen"])
    assert len(report["not_seen"]) == len(set(report["not_seen"]))
    assert not traced_children(script)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no/such/script.py"], "no such script: no/such/script.py"),
        (["."], "not a file: ."),
    ],
)
def test_bad_input_is_one_line_and_status_2(args: list[str], message: str) -> None:
    code, _report, err = trace(*args)
    assert code == 2
    assert err.strip() == f"threadtruth: error: {message}"


def test_a_syntax_error_names_its_line_and_runs_nothing(tmp_path: Path) -> None:
    script = tmp_path / "broken.py"
    marker = tmp_path / "ran"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n\nif True\n    pass\n")
    code, _report, err = trace(str(script))
    assert code == 2
    assert err.startswith("threadtruth: error: broken.py:3, column 8: ")
    assert len(err.strip().splitlines()) == 1
    assert not marker.exists()


def test_failures_are_reported_with_their_line(tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text(
        "import threading\n"
        "def work():\n"
        "    raise ValueError('bad amount')\n"
        "t = threading.Thread(target=work, name='worker')\n"
        "t.start()\n"
        "t.join()\n"
        "print('main goes on')\n"
        "raise KeyError('main')\n"
    )
    code, report, err = trace("--json", str(script))
    assert code == 1 and report["exit_code"] == 1
    worker = tasks(report)["worker"]
    assert worker["status"] == "failed"
    assert worker["error"] == "ValueError: bad amount (crash.py:3)"
    assert tasks(report)["MainThread"]["error"] == "KeyError: 'main' (crash.py:8)"
    assert report["stdout_lines"] == 1
    assert "ValueError: bad amount" in err  # the tracebacks, as Python prints them


def test_the_scripts_own_arguments_and_exit_status(tmp_path: Path) -> None:
    script = tmp_path / "args.py"
    script.write_text("import sys\nprint(sys.argv[1:])\nsys.exit(len(sys.argv) - 1)\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "threadtruth_gui",
            "trace",
            str(script),
            "a",
            "--json",
            "--",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    report = json.loads(proc.stdout)  # stdout is the one object; the program's on stderr
    assert "['a', '--json']" in proc.stderr
    assert report["exit_code"] == 2 and proc.returncode == 1


def _start_hanging(tmp_path: Path) -> subprocess.Popen[bytes]:
    script = tmp_path / "hang.py"
    script.write_text(
        "import threading, time\n"
        "def spin():\n"
        "    while True:\n"
        "        pass\n"
        "threading.Thread(target=spin, name='spinner', daemon=True).start()\n"
        "print('started', flush=True)\n"
        "time.sleep(1000)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "threadtruth_gui", "trace", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"started\n"  # the program runs, its thread spins
    return proc


def test_ctrl_c_ends_a_hanging_program_within_2_s_and_leaves_no_process(tmp_path: Path) -> None:
    proc = _start_hanging(tmp_path)
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    assert proc.wait(10) == 130
    assert time.monotonic() - started < 2.0
    proc.communicate()
    assert not traced_children(tmp_path / "hang.py")


def test_traced_run_lines_are_the_programs_own_files_only(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("import json\ndef dump(x):\n    return json.dumps(x)\n")
    script = tmp_path / "main.py"
    script.write_text("import helper\nfor i in range(3):\n    helper.dump([i])\n")
    run = traced_to_the_end(script)
    lines = {ev.data for ev in run.recorder.events() if ev.kind == Kind.LINE}
    files = {file for _line, file in lines}
    assert files == {"main.py", "helper.py"}  # json's own lines are not the program's
    assert (3, "helper.py") in lines and (3, "main.py") in lines
    assert run.report()["exit_code"] == 0


def test_a_hot_loop_stops_sending_lines_at_the_budget(tmp_path: Path) -> None:
    from threadtruth_gui.runs.traced_lines import LINE_BUDGET

    script = tmp_path / "hot.py"
    script.write_text(
        "def spin():\n    n = 0\n    for i in range(200000):\n        n += i\n\nspin()\n"
    )
    run = traced_to_the_end(script)
    sent = sum(1 for ev in run.recorder.events() if ev.kind == Kind.LINE)
    assert LINE_BUDGET <= sent <= LINE_BUDGET + 10  # 400,001 lines ran
    assert run.report()["not_seen"] == ["line markers stopped for spin() in hot.py (a hot loop)"]


def test_exports_are_written(tmp_path: Path) -> None:
    out, csv = tmp_path / "t.json", tmp_path / "t.csv"
    code, _r, _err = trace(
        "--trace", str(out), "--csv", str(csv), str(EXAMPLES / "philosophers_fixed.py")
    )
    assert code == 0
    names = {e.get("args", {}).get("name") for e in json.loads(out.read_text())["traceEvents"]}
    assert {"philosopher-0 · thread", "philosopher-1 · thread", "MainThread · thread"} <= names
    assert "philosopher-0" in csv.read_text()


EVERY_KIND = '''
import asyncio, queue, threading, time

def held_while_waited(take, give, wait):
    """`take` before the waiter starts, `give` 0.2 s later: its wait is certain."""
    take()
    waiter = threading.Thread(target=wait, name="waiter")
    waiter.start()
    time.sleep(0.2)
    give()
    waiter.join()

lock = threading.Lock()
held_while_waited(lock.acquire, lock.release, lambda: (lock.acquire(), lock.release()))
rlock = threading.RLock()
held_while_waited(rlock.acquire, rlock.release, lambda: (rlock.acquire(), rlock.release()))
sem = threading.Semaphore(1)
held_while_waited(sem.acquire, sem.release, lambda: (sem.acquire(), sem.release()))
bsem = threading.BoundedSemaphore(1)
held_while_waited(bsem.acquire, bsem.release, lambda: (bsem.acquire(), bsem.release()))
event = threading.Event()
held_while_waited(lambda: None, event.set, event.wait)
cond = threading.Condition()
ready = []
def notify():
    with cond:
        ready.append(1)
        cond.notify()
def wait_ready():
    with cond:
        cond.wait_for(lambda: ready)
held_while_waited(lambda: None, notify, wait_ready)
q = queue.Queue()
held_while_waited(lambda: None, lambda: q.put(1), q.get)
full = queue.LifoQueue(maxsize=1)
full.put(0)
held_while_waited(lambda: None, full.get, lambda: full.put(1))

async def main():
    alock, asem = asyncio.Lock(), asyncio.Semaphore(1)
    aevent, aqueue = asyncio.Event(), asyncio.Queue()
    async def waits():
        async with alock:
            pass
        async with asem:
            pass
        await aevent.wait()
        await aqueue.get()
    await alock.acquire()
    await asem.acquire()
    task = asyncio.create_task(waits(), name="async-waiter")
    for release in (alock.release, asem.release, aevent.set, lambda: aqueue.put_nowait(1)):
        await asyncio.sleep(0.1)
        release()
    await task

asyncio.run(main())
'''


def test_every_kind_of_wait_is_observed_and_named_by_its_line(tmp_path: Path) -> None:
    script = tmp_path / "kinds.py"
    script.write_text(EVERY_KIND)
    code, report, err = trace("--json", "--no-lines", str(script))
    assert code == 0, err
    lines = EVERY_KIND.splitlines()

    def line_of(text: str) -> int:
        return next(n for n, line in enumerate(lines, start=1) if text in line)

    expected = {
        f"kinds.py:{line_of('lock = threading.Lock()')}": "Lock",
        f"kinds.py:{line_of('rlock = threading.RLock()')}": "RLock",
        f"kinds.py:{line_of('sem = threading.Semaphore(1)')}": "Semaphore",
        f"kinds.py:{line_of('bsem = threading.BoundedSemaphore(1)')}": "BoundedSemaphore",
        f"kinds.py:{line_of('event = threading.Event()')}": "Event",
        f"kinds.py:{line_of('cond = threading.Condition()')}": "Condition",
        f"kinds.py:{line_of('q = queue.Queue()')}": "Queue",
        f"kinds.py:{line_of('full = queue.LifoQueue(maxsize=1)')}": "Queue",
    }
    seen = {e["name"]: e for e in report["locks"]}
    for name, kind in expected.items():
        assert seen[name]["kind"] == kind
        assert seen[name]["waits"] >= 1, name
        assert seen[name]["max_wait_s"] >= 0.1, name  # held 0.2 s while waited for
    asyncs = {e["kind"]: e for e in report["locks"] if e["kind"].startswith("asyncio.")}
    assert set(asyncs) == {"asyncio.Lock", "asyncio.Semaphore", "asyncio.Event", "asyncio.Queue"}
    assert all(e["waits"] == 1 and e["max_wait_s"] >= 0.05 for e in asyncs.values())
    assert tasks(report)["async-waiter"]["kind"] == "task"


C_THREAD = """
import ctypes, ctypes.util, time
libc = ctypes.CDLL(ctypes.util.find_library("c"))
handle = ctypes.c_ulong()
start = ctypes.cast(libc.sleep, ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p))
libc.pthread_create(ctypes.byref(handle), None, start, ctypes.c_void_p(1))  # sleeps 1 s, in C
time.sleep(0.3)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="the OS's thread count: Linux")
def test_a_thread_started_by_c_code_is_said_to_be_unseen(tmp_path: Path) -> None:
    script = tmp_path / "cthread.py"
    script.write_text(C_THREAD)
    code, report, err = trace("--json", str(script))
    assert code == 0, err
    assert report["not_seen"] == ["1 thread(s) started by C code: no lane"]
    assert [t["name"] for t in report["tasks"]] == ["MainThread"]


def test_many_short_threads_are_not_taken_for_c_threads(tmp_path: Path) -> None:
    script = tmp_path / "short.py"
    script.write_text(
        "import threading\n"
        "for _ in range(300):\n"
        "    t = threading.Thread(target=sum, args=([1],))\n"
        "    t.start()\n"
        "    t.join()\n"
    )
    code, report, err = trace("--json", "--no-lines", str(script))
    assert code == 0, err
    assert report["not_seen"] == []
    assert len(tasks(report, "thread")) == 301


def test_a_held_deadlock_broken_ends_one_wait_and_the_others_go_on() -> None:
    run = TracedRun(EXAMPLES / "philosophers_deadlock.py", lines=False)
    run.start()
    try:
        deadline = time.monotonic() + 20
        while not run.deadlock_found():  # held: the threads stay stuck until told
            assert time.monotonic() < deadline and not run.finished
            time.sleep(0.02)
        run.break_deadlock()
        assert run.join(20)
    finally:
        run.stop()
    report = run.report()
    statuses = {t["name"]: t["status"] for t in report["tasks"]}
    broken = [name for name, status in statuses.items() if status == "deadlocked"]
    assert len(broken) == 1  # the victim: its wait raised Deadlocked, it let go of its fork
    assert statuses == {**dict.fromkeys(statuses, "done"), broken[0]: "deadlocked"}
    victim = tasks(report)[broken[0]]
    assert victim["error"].startswith("Deadlocked: deadlock: ")
    assert victim["error"].endswith("(philosophers_deadlock.py:33)")  # `with forks[right]:`
    assert report["deadlock"]["broken"] and report["exit_code"] == 0


def test_a_task_waiting_on_an_asyncio_semaphore_is_drawn_waiting_not_awaiting() -> None:
    run = traced_to_the_end(EXAMPLES / "async_semaphore.py")
    lanes = run.lanes()
    waits = {
        name: max(
            ((s.end_ns or lanes.end_ns) - s.start_ns for s in lane.spans if s.state == "waiting"),
            default=0,
        )
        for name, lane in lanes.tasks.items()
        if name.startswith("fetch-")
    }
    # 3 go in at once; the 5 others wait a round (0.25 s) or two for the semaphore
    assert sum(1 for ns in waits.values() if ns >= 0.2e9) == 5
    detail = next(
        s.detail for lane in lanes.tasks.values() for s in lane.spans if s.state == "waiting"
    )
    assert detail == "waiting on asyncio.Semaphore async_semaphore.py:31"


def test_a_recursive_hot_function_stops_costing_its_thread_line_events(tmp_path: Path) -> None:
    from threadtruth_gui.runs.traced_lines import CALL_BUDGET

    script = tmp_path / "fib.py"
    script.write_text(
        "import threading\n"
        "def fib(n):\n"
        "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
        "t = threading.Thread(target=lambda: print(fib(27)), name='fib')\n"
        "t.start()\n"
        "t.join()\n"
    )
    run = traced_to_the_end(script)
    not_seen = run.report()["not_seen"]
    assert not_seen[0] == "line markers stopped for fib() in fib.py (a hot loop)"
    if sys.version_info < (3, 12):  # sys.settrace: the thread's hook goes (fib(27): 630k calls)
        assert not_seen[1:] == [
            "line markers stopped for all code in thread fib: a hot function was called "
            f"over {CALL_BUDGET:,} times"
        ]
    else:  # sys.monitoring turned each of its lines off where it is: nothing more to stop
        assert not_seen[1:] == []
