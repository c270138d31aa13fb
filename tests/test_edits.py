"""The playground's engine (engine/edits.py): edited functions run in place of the shown
ones, errors say where, an endless loop stops at a cancel, and run files carry the edit."""

from __future__ import annotations

import inspect
import json
import threading
import time
from pathlib import Path

import pytest

from threadtruth_gui.engine.edits import EditError, apply_edit, shown_text, why_not_editable
from threadtruth_gui.engine.plan import Edit, Plan
from threadtruth_gui.engine.runner import Run
from threadtruth_gui.runs import runfile
from threadtruth_gui.runs.child import ProcessRun
from threadtruth_gui.scenarios import all_scenarios, get

SLEEP = "    sleep(delay)  # processing: the other ATM runs now\n"
READ = "    balance = account.balance\n"
# each thread runs its lines up to and including its sleep, then the other does; then A
# to its end, then B (steps for a task that has ended are no-ops)
ORIGINAL_TURNS = ["A"] * 4 + ["B"] * 4 + ["A"] * 10 + ["B"] * 10
EDITED_TURNS = ["A", "B"] + ["A"] * 10 + ["B"] * 10
NO_LOCK = {"lock": False, "delay": 0.05}


def _plan(params: dict, scenario: str = "bank-race") -> Plan:
    sc = get(scenario)
    return sc.plan(sc.resolve(params))


def sleep_first(plan: Plan) -> Edit:
    """bank-race's withdraw with the sleep moved before the read: no race window."""
    text, first = shown_text(plan)
    assert SLEEP in text and READ in text
    return Edit(text.replace(SLEEP, "").replace(READ, SLEEP + READ), first)


def test_moving_the_sleep_before_the_check_ends_at_400_where_the_original_ends_at_minus_100():
    sc = get("bank-race")
    original, _lanes = sc.run(NO_LOCK, schedule=ORIGINAL_TURNS)
    assert original.outcome["final_balance"] == -100
    edit = sleep_first(_plan(NO_LOCK))
    edited, _lanes, events = sc.execute(NO_LOCK, schedule=EDITED_TURNS, edit=edit)
    assert edited.outcome["final_balance"] == 400
    assert [t["status"] for t in edited.tasks] == ["succeeded", "denied"]
    # the line markers are the edited code's lines, numbered as the pane shows them
    lines = {ev.data for ev in events if ev.kind == "line"}
    sleep_line = edit.first_line + edit.text.splitlines().index(SLEEP.rstrip("\n"))
    assert sleep_line == edit.first_line + 1 and sleep_line in lines


def test_the_edited_code_reads_as_a_file_and_the_scenario_module_is_untouched() -> None:
    plan = _plan({"lock": True})
    edit = sleep_first(plan)
    edited = apply_edit(plan, edit)
    withdraw_with_lock, withdraw = edited.code
    assert inspect.getsource(withdraw).startswith("def withdraw(account, amount, delay):\n")
    assert inspect.getsourcelines(withdraw_with_lock)[1] == edit.first_line
    # the edited withdraw_with_lock calls the edited withdraw, not the module's
    assert withdraw_with_lock.__globals__["withdraw"] is withdraw
    from threadtruth_gui.scenarios import bank_race

    assert bank_race.withdraw is not withdraw and SLEEP in inspect.getsource(bank_race.withdraw)
    assert [spec.target for spec in edited.tasks] == [withdraw_with_lock] * 2
    assert edited.edit == edit and plan.edit is None


def test_the_bytecode_view_reads_the_edited_lines() -> None:
    from threadtruth_gui.engine.bytecode import line_instructions

    plan = _plan(NO_LOCK)
    edit = sleep_first(plan)
    edited = apply_edit(plan, edit)
    sleep_line = edit.first_line + 1
    words = " ".join(str(ins) for ins in line_instructions(edited.code, sleep_line))
    assert "sleep" in words and "delay" in words


def test_a_syntax_error_names_its_line_and_column_and_nothing_is_compiled() -> None:
    plan = _plan(NO_LOCK)
    text, first = shown_text(plan)
    broken = text.replace("if balance < amount:", "if balance < amount")
    with pytest.raises(EditError) as caught:
        apply_edit(plan, Edit(broken, first))
    line = first + broken.splitlines().index("    if balance < amount")
    assert (caught.value.line, caught.value.column) == (line, 24)
    assert f"line {line}, column 24" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("import os\n", "only the definitions of withdraw"),
        ("def other(a):\n    pass\n", "other is not a shown function"),
        ("def withdraw(a, b, c):\n    pass\ndef withdraw(a, b, c):\n    pass\n", "twice"),
        ("def withdraw(a, b, c=print('ran')):\n    pass\n", "a default value must be a"),
        ("@print\ndef withdraw(a, b, c):\n    pass\n", "decorators"),
        ("async def withdraw(a, b, c):\n    pass\n", "must stay def"),
        ("", "withdraw is missing"),
    ],
)
def test_only_definitions_of_the_shown_functions_are_taken(
    text: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(EditError, match=says):
        apply_edit(_plan(NO_LOCK), Edit(text, 58))
    assert capsys.readouterr().out == ""  # nothing in the text ran


def test_annotations_are_never_evaluated(capsys: pytest.CaptureFixture[str]) -> None:
    text = "def withdraw(a, b: print('ran'), c) -> print('ran'):\n    return 'denied'\n"
    apply_edit(_plan(NO_LOCK), Edit(text, 1))
    assert capsys.readouterr().out == ""


def test_an_exception_in_a_thread_ends_its_task_with_the_edited_line() -> None:
    plan = _plan(NO_LOCK)
    text, first = shown_text(plan)
    broken = text.replace(READ, READ + "    amount = amount / 0\n")
    run = Run(apply_edit(plan, Edit(broken, first)))
    run.start()
    assert run.join(10)
    result = run.result("bank-race", NO_LOCK)
    line = first + broken.splitlines().index("    amount = amount / 0")
    assert [t["status"] for t in result.tasks] == ["failed", "failed"]
    assert result.tasks[0]["error"] == f"ZeroDivisionError: division by zero (line {line})"
    ends = [ev for ev in run.recorder.events() if ev.kind == "end"]
    assert all(f"(line {line})" in str(ev.data) for ev in ends)


@pytest.mark.parametrize(
    "loop", ["    while True:\n        pass\n", "    x = 0\n    while True:\n        x += 1\n"]
)
def test_an_endless_loop_stops_at_a_cancel_within_half_a_second(loop: str) -> None:
    plan = _plan({"lock": True, "delay": 0.0})
    text, first = shown_text(plan)
    run = Run(apply_edit(plan, Edit(text.replace(READ, loop + READ), first)))
    run.start()
    time.sleep(0.2)
    assert not run.finished  # it loops
    t0 = time.perf_counter()
    run.cancel()
    assert run.join(2)
    took = time.perf_counter() - t0
    assert took < 0.5, f"cancel took {took:.3f} s"
    assert not [t for t in threading.enumerate() if t.name.startswith("threadtruth")]


def test_an_endless_loop_records_its_first_lines_then_at_most_one_a_millisecond() -> None:
    """Two threads in `while True: pass` made ~700,000 line events a second each, more
    than the window could draw: it stopped answering. Past LINE_BUDGET a task's lines
    are sampled, once per LINE_GAP_NS at most, and its lane says so once."""
    from threadtruth_gui.engine.linewatch import LINE_BUDGET, LINE_GAP_NS

    plan = _plan({"lock": False, "delay": 0.0})
    text, first = shown_text(plan)
    run = Run(
        apply_edit(plan, Edit(text.replace(READ, "    while True:\n        pass\n" + READ), first))
    )
    run.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # each thread past its budget (a slow machine: 20 s)
        notes = [ev for ev in run.recorder.events() if ev.kind == "note"]
        if len({ev.task for ev in notes if ev.data[0] == "lines thinned"}) == 2:
            break
        time.sleep(0.05)
    t0 = time.perf_counter_ns()
    before = sum(ev.kind == "line" for ev in run.recorder.events())
    time.sleep(0.5)
    lines = [ev for ev in run.recorder.events() if ev.kind == "line"][before:]
    took = time.perf_counter_ns() - t0
    run.cancel()
    assert run.join(2)
    thinned = [
        ev for ev in run.recorder.events() if ev.data == ("lines thinned", {"after": LINE_BUDGET})
    ]
    assert sorted(ev.task for ev in thinned) == ["A", "B"]
    # unthinned, 0.5 s of two looping threads is hundreds of thousands of lines; thinned,
    # each thread records one per LINE_GAP_NS at most (+1 for the window's edges)
    assert len(lines) <= 2 * (took // LINE_GAP_NS + 1), len(lines)
    assert {ev.task for ev in lines} == {"A", "B"}  # the markers still move


def test_endless_coroutines_stop_at_a_cancel_each_of_them() -> None:
    """One loop thread runs every coroutine: the line watcher's raise (which unsets the
    thread's trace function) must not leave the next coroutine's loop unwatched."""
    plan = _plan({}, "asyncio-race")
    text, first = shown_text(plan)
    edited = apply_edit(
        plan, Edit(text.replace(READ, "    while True:\n        pass\n" + READ), first)
    )
    assert all(phase.own_loop for phase in edited.phases)  # never the window's loop
    run = Run(edited)
    run.start()
    time.sleep(0.2)
    t0 = time.perf_counter()
    run.cancel()
    assert run.join(2), "a coroutine still loops"
    assert time.perf_counter() - t0 < 0.5
    assert {t["status"] for t in run.result("asyncio-race", {}).tasks} == {"cancelled"}


def test_an_endless_coroutine_of_a_scenario_that_watches_no_lines_stops_at_a_cancel() -> None:
    plan = _plan({"tasks": 20}, "thread-cost")
    text, first = shown_text(plan)
    body = "    await room.enter_async()  # the same, as a coroutine"
    assert body in text
    edited = apply_edit(plan, Edit(text.replace(body, "    while True:\n        pass"), first))
    run = Run(edited)
    run.start()
    time.sleep(0.3)
    t0 = time.perf_counter()
    run.cancel()
    assert run.join(2), "a coroutine still loops"
    assert time.perf_counter() - t0 < 0.5


def test_each_scenario_that_shows_code_can_be_edited_or_says_why_not() -> None:
    for scenario in all_scenarios():
        plan = scenario.plan(scenario.resolve({}, check=False))
        why = why_not_editable(plan)
        if why is not None:
            assert scenario.id == "gil-cpu" and "processes" in why
            continue
        text, first = shown_text(plan)
        edited = apply_edit(plan, Edit(text, first))
        # every task runs edited code: its target, or what its wrapper calls
        for before, after in zip(plan.tasks, edited.tasks, strict=True):
            assert after.target is not before.target, (scenario.id, before.name)
        assert len(edited.code) == len(plan.code)


def test_a_saved_edited_run_opens_with_its_edit_and_replays_the_edited_code(
    tmp_path: Path,
) -> None:
    sc = get("bank-race")
    edit = sleep_first(_plan(NO_LOCK))
    result, _lanes, events = sc.execute(NO_LOCK, schedule=EDITED_TURNS, edit=edit)
    path = runfile.save(tmp_path / "edited.ttrun", runfile.to_json(result, events, 0, True, edit))
    saved = runfile.load(path)
    assert saved.edit == edit
    assert saved.plan().edit == edit and SLEEP in inspect.getsource(saved.plan().code[0])
    with pytest.raises(runfile.RunFileError, match="ran edited code"):
        runfile.replay(saved)  # the CLI's replay: a file's code never runs unasked
    replay = runfile.replay(saved, run_edited=True)
    assert replay.same_outcome and replay.same_schedule
    assert replay.result.outcome["final_balance"] == 400
    # an old file, without the field, opens as the original code
    data = json.loads(path.read_text())
    del data["edit"]
    assert runfile.parse(data).edit is None


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        ("def withdraw(", "its edited code cannot run"),
        ({"text": "x"}, "is not edited code"),
        ({"text": 1, "first_line": 1}, "is not edited code"),
        ({"text": "", "first_line": 0}, "out of range"),
        ({"text": "def withdraw(a=open('x')):\n  pass\n", "first_line": 1}, "a default value"),
        ({"text": "def withdraw():\n  return '\udc80'\n", "first_line": 1}, "not text"),
        ({"text": "def withdraw():\n  return " + "-" * 19_000 + "1", "first_line": 1}, "deeply"),
        ({"text": "def withdraw():\n  pass\x00", "first_line": 1}, "cannot run"),
        ({"text": "", "first_line": 10**6}, "out of range"),
    ],
)
def test_a_run_file_with_bad_edited_code_is_refused(tmp_path: Path, edit: object, says: str):
    sc = get("bank-race")
    result, _lanes, events = sc.execute(NO_LOCK)
    data = runfile.to_json(result, events, 0, False)
    data["edit"] = {"text": edit, "first_line": 58} if isinstance(edit, str) else edit
    with pytest.raises(runfile.RunFileError, match=says):
        runfile.parse(data)


def test_a_child_process_run_runs_the_edited_code() -> None:
    params = {"lock": True, "delay": 0.0}
    plan = _plan(params)
    text, first = shown_text(plan)
    # (with a long comment of characters outside ASCII: the edit is an argument of the child)
    changed = text.replace("account.balance -= amount", "account.balance -= 1  # " + "😀" * 15_000)
    edit = Edit(changed, first)
    run = ProcessRun("bank-race", get("bank-race").resolve(params), apply_edit(plan, edit))
    run.start()
    try:
        assert run.join(30)
    finally:
        run.stop()
    assert run.result("bank-race", params).outcome["final_balance"] == 998
