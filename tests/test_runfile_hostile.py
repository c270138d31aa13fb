"""Run files are untrusted input: each case found by attacking `.ttrun` files (issue 12) is
refused in one line by the loader `replay` and File ▸ Open use, or shown without harm."""

from __future__ import annotations

import copy
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _cli import cli

from threadtruth_gui.runs import runcheck, runfile

HERE = Path(__file__).parent
SEEDS = HERE / "runs_fuzz_seeds"
MAX_MESSAGE = 600  # one line: the file's name, what is wrong, at most ~200 characters quoted


def _seed(scenario: str) -> dict[str, Any]:
    return json.loads((SEEDS / f"{scenario}.ttrun").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: Any, name: str = "bad.ttrun") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _events(data: dict[str, Any], kind: str, change: Callable[[list[Any]], None]) -> None:
    for event in data["events"]:
        if event[2] == kind:
            change(event)


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(runfile.RunFileError) as caught:
        runfile.load(path)
    message = str(caught.value)
    assert "\n" not in message and len(message) <= MAX_MESSAGE, message
    assert path.name in message
    for word in words:
        assert word in message, message
    return message


def _set_time(at: int) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d["events"][at][0] = 10**309

    return change


def _all_times_huge(d: dict[str, Any]) -> None:
    for event in d["events"]:
        event[0] *= 10**300  # over 1e309: a crash at the first paint, before the fix


def _counter_text(d: dict[str, Any]) -> None:
    _events(d, "counter", lambda e: e[3].__setitem__(1, "lots"))


def _note_text(d: dict[str, Any]) -> None:
    _events(d, "note", lambda e: e.__setitem__(3, "ab"))  # two letters unpack as (what, data)


def _progress_text(d: dict[str, Any]) -> None:
    _events(d, "progress", lambda e: e.__setitem__(3, "ab"))


def _line_dict(d: dict[str, Any]) -> None:
    _events(d, "line", lambda e: e.__setitem__(3, {"a": 1}))  # raised on a cursor move


def _task_list(d: dict[str, Any]) -> None:
    d["schedule"][0]["task"] = ["A"]


# (seed, change, words the refusal says); each was opened (or raised) before the fix
CASES: list[tuple[str, str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = [
    ("time-first", "bank-race", _set_time(3), ("time is out of range",)),
    ("time-last", "lost-updates", _set_time(-1), ("time is out of range",)),
    ("times-all", "bank-race", _all_times_huge, ("time is out of range",)),
    ("duration", "bank-race", lambda d: d["result"].__setitem__("duration_s", 10**309), ()),
    ("param", "bank-race", lambda d: d["params"].__setitem__("delay", 10**309), ("delay",)),
    ("schedule-task", "bank-race", _task_list, ("bad step",)),
    (
        "fail-beyond-n",
        "downloads-threads",
        lambda d: d["params"].__setitem__("fail", "404:9"),
        ("fail names file 9, but there are only 3",),
    ),
    ("counter-text", "bank-race", _counter_text, ("counter",)),
    ("note-text", "bank-race", _note_text, ("note",)),
    ("progress-text", "downloads-threads", _progress_text, ("progress",)),
    ("line-dict", "bank-race", _line_dict, ("line",)),
]


@pytest.mark.parametrize(
    ("seed", "change", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_hostile_file_is_refused_in_one_line(
    tmp_path: Path, seed: str, change: Callable[[dict[str, Any]], None], words: tuple[str, ...]
) -> None:
    data = _seed(seed)
    change(data)
    _refused(_write(tmp_path, data), *words)


def test_replay_of_a_hostile_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data = _seed("bank-race")
    _task_list(data)  # a traceback (TypeError: unhashable) before the fix
    result = cli("replay", str(_write(tmp_path, data)))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "bad step" in result.stderr


def test_the_window_refuses_hostile_files_in_a_child_process(tmp_path: Path) -> None:
    """Timestamps over 1e309 crashed the window with SIGSEGV at its first paint (exit -11),
    and the others raised in its slots; here each is refused, and the screen stays."""
    files = []
    for name, seed, change, _words in CASES:
        data = _seed(seed)
        change(data)
        files.append(str(_write(tmp_path, data, f"{name}.ttrun")))
    child = subprocess.run(
        [sys.executable, str(HERE / "_open_runs.py"), *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    rows = [json.loads(line) for line in child.stdout.splitlines()]
    assert rows[-1] == {"done": len(files)}
    for row in rows[:-1]:
        assert row["cli"].startswith("refused: "), row
        assert row["window"].startswith("refused: "), row  # the screen was left as it was


def test_a_huge_integer_and_deep_nesting_are_refused_before_parsing(tmp_path: Path) -> None:
    text = json.dumps(_seed("bank-race"))
    digits = text.replace('"duration_s":', '"duration_s":' + "9" * 5000 + ',"x":', 1)
    message = _refused(_write(tmp_path, digits), "not a readable run file")
    assert "set_int_max_str_digits" not in message  # Python's advice is not for the user
    deep = text[:-1] + ',"x":' + "[" * 1000 + "]" * 1000 + "}"
    _refused(_write(tmp_path, deep), "nests deeper than")


def test_a_long_value_is_quoted_to_about_200_characters(tmp_path: Path) -> None:
    data = _seed("bank-race")
    data["scenario"] = "x" * 100_000
    message = _refused(_write(tmp_path, data), "unknown scenario", "100,000 characters")
    assert len(message) < 600
    data = _seed("bank-race")
    data["events"][2] = ["y" * 100_000]
    assert len(_refused(_write(tmp_path, data), "event is damaged")) < 400


def test_a_fifo_is_refused_at_once_even_when_swapped_in_after_the_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "x.ttrun"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")
    # swapped for a FIFO between the look and the open: the look sees a regular file
    regular = _write(tmp_path, _seed("bank-race"), "real.ttrun")
    real_stat = os.stat

    def looks_regular(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        return real_stat(regular if Path(path) == fifo else path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", looks_regular)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            runfile.load(fifo)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=load)
    thread.start()
    thread.join(10)
    stuck = thread.is_alive()
    if stuck:  # (before the fix) a writer lets the blocked open end, so nothing is left
        monkeypatch.undo()
        with open(fifo, "wb"):
            pass
        thread.join(10)
    assert not stuck, "opening a FIFO blocked"
    assert isinstance(outcome[0], runfile.RunFileError), outcome
    assert "not a regular file" in str(outcome[0])


def test_devices_and_oversized_files_are_refused_unread(tmp_path: Path) -> None:
    if Path("/dev/zero").exists():
        _refused(Path("/dev/zero"), "not a regular file")
    big = tmp_path / "big.ttrun"
    with open(big, "wb") as f:
        f.truncate(runfile.MAX_BYTES + 1)  # sparse: nothing is written
    assert stat.S_ISREG(big.stat().st_mode)
    _refused(big, "too large")


def test_the_window_leaves_the_screen_as_it_was_on_a_refused_file(
    window: Any, tmp_path: Path
) -> None:
    assert window.open_run(str(SEEDS / "deadlock.ttrun"))
    shown = (window.opened, window.scenario, window.timeline._lanes, window.params())
    data = _seed("bank-race")
    _line_dict(data)
    assert not window.open_run(str(_write(tmp_path, data)))
    assert (window.opened, window.scenario, window.timeline._lanes, window.params()) == shown
    message = window.statusBar().currentMessage()
    assert "bad.ttrun" in message and "\n" not in message
    window.set_cursor(0.0)  # the run still on screen is still there to explore
    window.set_cursor(None)


def test_events_over_a_week_apart_are_refused_and_up_to_a_week_open(tmp_path: Path) -> None:
    data = _seed("bank-race")
    first = data["events"][0][0]
    week = 7 * 24 * 3600 * 10**9
    data["events"][-1][0] = first + week + 1
    _refused(_write(tmp_path, data), "days")
    data["events"][-1][0] = first + week
    assert runfile.load(_write(tmp_path, data)).events[-1].t_ns == first + week


def test_opening_checks_the_values_not_this_machines_limits(tmp_path: Path) -> None:
    """thread-cost's check is of this machine (how many threads fit): a run saved on a
    larger one still opens here; a check of the values themselves (downloads) does run."""
    data = _seed("thread-cost")
    data["params"]["tasks"] = 10_000
    data["result"]["params"] = copy.deepcopy(data["params"])
    assert runfile.load(_write(tmp_path, data)).params["tasks"] == 10_000


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        (1, True),
        (1.5, True),
        (10**15, True),
        (10**15 + 1, False),
        (float("nan"), False),
        (float("inf"), False),
        (True, True),
        ("x" * runcheck.MAX_TEXT, True),
        ("x" * (runcheck.MAX_TEXT + 1), False),
        ([1, {"a": [2.0, None]}], True),
        ([1, {"a": [2e300]}], False),
        ({1: 2}, False),
    ],
)
def test_plain_values(value: Any, fits: bool) -> None:
    assert runcheck.plain(value) is fits


def test_nesting_within_the_parsers_reach_is_refused_by_the_check(tmp_path: Path) -> None:
    """The parser stops nesting deeper than Python's recursion limit; shallower nesting
    beyond MAX_DEPTH, in a part of the file the window reads, is refused by the check."""
    value: Any = 1
    for _ in range(runcheck.MAX_DEPTH + 1):
        value = [value]
    with pytest.raises(runcheck.Damaged, match="nests deeper than"):
        runcheck.plain(value)
    data = _seed("bank-race")
    data["result"]["outcome"]["x"] = value
    _refused(_write(tmp_path, data), "nests deeper than")


def test_a_replay_never_writes_where_the_file_says_nor_fetches_its_urls(tmp_path: Path) -> None:
    # A run file is untrusted: before, replaying a downloads run took the file's own `out`
    # (any existing folder) and `urls` (any address) and wrote and fetched there.
    data = _seed("downloads-threads")
    target = tmp_path / "victim"
    target.mkdir()
    data["params"]["out"] = str(target)
    saved = runfile.load(_write(tmp_path, data, "out.ttrun"))
    assert runfile.replay_params(saved)["out"] == ""
    assert saved.params["out"] == str(target)  # what was recorded is still shown as recorded
    data["params"]["urls"] = " ".join(
        f"http://example.invalid/{i}.bin" for i in range(1, data["params"]["n"] + 1)
    )
    data["params"]["fail"] = ""  # faults go to the demo server's files only
    saved = runfile.load(_write(tmp_path, data, "urls.ttrun"))
    with pytest.raises(runfile.RunFileError, match="fetches only from the demo server"):
        runfile.replay_params(saved)


def test_the_cli_replay_of_a_run_with_pasted_urls_is_refused_in_one_line(tmp_path: Path) -> None:
    data = _seed("downloads-threads")
    data["params"]["urls"] = " ".join(
        f"http://example.invalid/{i}.bin" for i in range(1, data["params"]["n"] + 1)
    )
    data["params"]["fail"] = ""
    result = cli("replay", str(_write(tmp_path, data)))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "paste the URLs again" in result.stderr
    assert not list(tmp_path.glob("a.bin"))


def test_a_recorded_folder_is_not_looked_up_and_opening_fills_no_field_with_it(
    window: Any, tmp_path: Path
) -> None:
    # Before: opening checked the recorded `out` as a run's setting (it must exist here,
    # and a probe file was written in it): "bad parameters: out: cannot save downloads in
    # /tmp/rv_out: no such folder". And the window's fields took the file's `out` and
    # `urls`: Space then wrote there and fetched them.
    data = _seed("downloads-threads")
    gone = tmp_path / "gone"
    data["params"]["out"] = str(gone)
    data["params"]["urls"] = " ".join(
        f"http://example.invalid/{i}.bin" for i in range(1, data["params"]["n"] + 1)
    )
    data["params"]["fail"] = ""
    path = _write(tmp_path, data, "elsewhere.ttrun")
    saved = runfile.load(path)
    assert saved.params["out"] == str(gone)  # as recorded
    assert not gone.exists()
    assert window.open_run(str(path))
    assert window.params()["out"] == "" and window.params()["urls"] == ""
    assert "URLs in a file are never fetched" in window.statusBar().currentMessage()
    data["params"]["out"] = "x" * 5000
    _refused(_write(tmp_path, data), "out is not a folder")
    data["params"]["out"] = None  # (was read as the folder "None", and probed, in the cwd)
    _refused(_write(tmp_path, data), "out is not a folder")
