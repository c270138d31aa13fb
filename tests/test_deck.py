"""Lecture decks: the format, one exact message for every kind of bad deck, the shipped one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from threadtruth_gui.lecture import DeckError, Preset, load, loads
from threadtruth_gui.lecture.deck import MAX_BYTES

ATM = "d.toml: slide 1 (“The ATM race”)"


def deck(slide: str = "", head: str = 'title = "T"\n') -> str:
    """A deck of one slide titled "The ATM race" with `slide`'s lines added to it."""
    return f'{head}[[slide]]\ntitle = "The ATM race"\n{slide}'


def preset(lines: str) -> str:
    return deck(f"[slide.preset]\n{lines}")


def error(text: str) -> str:
    with pytest.raises(DeckError) as caught:
        loads(text, "d.toml")
    return str(caught.value)


# -- a good deck ----------------------------------------------------------------------------


def test_a_deck_reads_into_frozen_dataclasses() -> None:
    text = (
        'title = "Threads"\nauthor = "me"\n'
        '[[slide]]\ntitle = "What a thread is"\npoints = ["one", "two  words"]\n'
        'notes = """\nSay this.\n"""\n'
        '[[slide]]\ntitle = "The ATM race"\n[slide.preset]\nscenario = "bank-race"\n'
        "params = { lock = false, delay = 0, amounts = [600, 500] }\npredict = true\n"
        'schedule = ["A", "B:line", "A:op", "B"]\n'
        '[[slide]]\ntitle = "Which tool when"\nsummary = "which-tool"\n'
    )
    d = loads(text, "d.toml")
    assert (d.title, d.author, d.source, len(d)) == ("Threads", "me", "d.toml", 3)
    first, race, summary = d.slides
    assert (first.number, first.points, first.notes, first.preset) == (
        1,
        ("one", "two words"),
        "Say this.",
        None,
    )
    assert race.preset == Preset(
        "bank-race",
        {"lock": False, "delay": 0.0, "balance": 1000, "amounts": "600,500"},
        {"lock": False, "delay": 0.0, "amounts": "600,500"},
        step=True,  # a schedule implies step mode
        predict=True,
        schedule=("A", "B", "A:op", "B"),
    )
    assert race.label == "slide 2 (“The ATM race”)"
    assert (summary.summary, summary.preset) == ("which-tool", None)
    with pytest.raises(AttributeError):
        race.title = "x"  # type: ignore[misc]


def test_notes_are_paragraphs_whatever_the_files_line_breaks() -> None:
    text = deck('notes = """\nOne line\n  wrapped here.\n\n\t\nTwo.  \n\n"""')
    assert loads(text, "d.toml").slides[0].notes == "One line wrapped here.\n\nTwo."


def test_defaults_and_step_without_a_schedule() -> None:
    p = loads(preset('scenario = "deadlock"\nstep = true'), "d.toml").slides[0].preset
    assert p is not None
    assert (p.step, p.predict, p.schedule, p.given) == (True, False, (), {})
    assert p.params == {"variant": "opposite order", "delay": 0.3}


def test_a_coroutines_plain_step_and_a_byte_order_mark() -> None:
    text = "\ufeff" + preset('scenario = "asyncio-race"\nschedule = ["A", "B:await", "A:line"]')
    p = loads(text, "d.toml").slides[0].preset
    assert p is not None and p.schedule == ("A", "B", "A")


def test_this_machines_limits_are_left_for_the_run() -> None:
    # thread-cost's check is of this machine (checks_machine): a deck is given elsewhere
    p = loads(preset('scenario = "thread-cost"\nparams = { tasks = 10000 }'), "d.toml")
    assert p.slides[0].preset is not None and p.slides[0].preset.params == {"tasks": 10000}


# -- every kind of error, with its exact message -----------------------------------------------

BAD = [
    # syntax: tomllib's line and column
    (
        'title = "T"\n[[slide]]\ntitle = \n',
        "d.toml: line 3, column 9: not valid TOML: invalid value",
    ),
    (
        'title = "T',
        "d.toml: at the end: not valid TOML: unterminated string",
    ),
    (
        'title = "T"\ntitle = "U"\n',
        "d.toml: line 2, column 12: not valid TOML: cannot overwrite a value",
    ),
    (
        "a = " + "[" * 5000 + "]" * 5000,
        "d.toml: not valid TOML: it nests too deep",
    ),
    (
        "a = " + "9" * 5000,
        "d.toml: not valid TOML: Exceeds the limit (4300 digits) for integer string "
        "conversion: value has 5000 digits",
    ),
    # the deck
    (
        "",
        'd.toml: the deck has no title (e.g. title = "Threads in Python")',
    ),
    (
        'title = "  "\n[[slide]]\ntitle = "x"',
        "d.toml: title: is empty",
    ),
    (
        "title = 3",
        "d.toml: title: must be a string, not a whole number",
    ),
    (
        'title = "T"',
        "d.toml: no slides: a deck needs at least one [[slide]] table",
    ),
    (
        'title = "T"\nslide = []',
        "d.toml: no slides: a deck needs at least one [[slide]] table",
    ),
    (
        'title = "T"\nslide = "x"',
        "d.toml: slide: must be [[slide]] tables, not a string",
    ),
    (
        'title = "T"\n[slide]\ntitle = "x"',
        "d.toml: slide: must be [[slide]] tables, not a table",
    ),
    (
        'title = "T"\nslide = [1]',
        "d.toml: slide 1: must be a [[slide]] table, not a whole number",
    ),
    (
        deck(head='title = "T"\nauthr = "me"\n'),
        'd.toml: authr: unknown key "authr" (did you mean author?)',
    ),
    (
        deck(head='title = "T"\nauthor = true\n'),
        "d.toml: author: must be a string, not true or false",
    ),
    # a slide
    (
        'title = "T"\n[[slide]]\npoints = []',
        'd.toml: slide 1: no title (every slide needs one, e.g. title = "The ATM race")',
    ),
    (
        deck("note = 'x'"),
        ATM + ', note: unknown key "note" (did you mean notes?)',
    ),
    (
        deck("colour = 'x'"),
        ATM + ', colour: unknown key "colour" (a slide\'s keys: title, points, notes, '
        "preset, summary)",
    ),
    (
        deck("notes = ['x']"),
        ATM + ", notes: must be a string, not a list",
    ),
    (
        deck("points = 'x'"),
        ATM + ', points: must be a list of strings, e.g. points = ["one", "two"], not a string',
    ),
    (
        deck("points = ['a', 2]"),
        ATM + ", point 2: must be a string, not a whole number",
    ),
    (
        deck("points = ['a', ' ']"),
        ATM + ", point 2: is empty",
    ),
    (
        deck("points = ['1','2','3','4','5','6']"),
        ATM + ", points: 6 points; a slide shows at most 5 beside its run (split it in two)",
    ),
    (
        deck(f"points = ['{'x' * 91}']"),
        ATM + ", point 1: 91 characters; a point is at most 90 (it is read at 20 pt "
        "beside a run): say less, or move it to the notes",
    ),
    (
        deck("summary = 'which_tool'"),
        ATM + ', summary: unknown summary "which_tool" (did you mean which-tool?)',
    ),
    (
        deck("summary = 'which-tool'\n[slide.preset]\nscenario = 'gil-cpu'"),
        ATM + ", summary: a summary slide has no preset: the window fills it with its table",
    ),
    # a preset
    (
        deck("preset = 'bank-race'"),
        ATM + ", preset: must be a table ([slide.preset]), not a string",
    ),
    (
        preset("params = {}"),
        ATM + ', preset: no scenario (e.g. scenario = "bank-race")',
    ),
    (
        preset("sceanrio = 'bank-race'"),
        ATM + ', preset.sceanrio: unknown key "sceanrio" (did you mean scenario?)',
    ),
    (
        preset("scenario = 7"),
        ATM + ", preset.scenario: must be a scenario id (a string), not a whole number",
    ),
    (
        preset("scenario = 'bank-rase'"),
        ATM + ', preset.scenario: unknown scenario "bank-rase" (did you mean bank-race?)',
    ),
    (
        preset("scenario = 'zzz'"),
        ATM + ', preset.scenario: unknown scenario "zzz" (the scenarios: bank-race, '
        "bank-deposit, lost-updates, asyncio-race, deadlock, "
        "downloads-sequential, downloads-threads, downloads-asyncio, "
        "downloads-compare, gil-cpu, blocking-in-async, thread-cost)",
    ),
    (
        preset("scenario = 'bank-race'\nparams = 1"),
        ATM + ", preset.params: must be a table of parameters, e.g. params = { lock = "
        "true }, not a whole number",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { dealy = 1 }"),
        ATM + ', preset.params.dealy: bank-race has no parameter "dealy" (did you mean delay?)',
    ),
    (
        preset("scenario = 'bank-race'\nparams = { speed = 1 }"),
        ATM + ', preset.params.speed: bank-race has no parameter "speed" (its '
        "parameters: lock, delay, balance, amounts)",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { delay = 5 }"),
        ATM + ", preset.params.delay: must be between 0 and 2 s, not 5",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { delay = '1' }"),
        ATM + ", preset.params.delay: must be a number, not a string",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { lock = 'on' }"),
        ATM + ", preset.params.lock: must be true or false, not a string",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { balance = 1.5 }"),
        ATM + ", preset.params.balance: must be a whole number, not a number",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { balance = " + "9" * 400 + " }"),
        ATM + ", preset.params.balance: 9999999999999999999…9999999999999999999 (400 "
        "characters) is too large a number",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { delay = nan }"),
        ATM + ", preset.params.delay: must be between 0 and 2 s, not nan",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { amounts = [600] }"),
        ATM + ", preset.params.amounts: needs 2 to 4 numbers, not 1 (e.g. 600,500)",
    ),
    (
        preset("scenario = 'bank-race'\nparams = { amounts = [600, 'x'] }"),
        ATM + ", preset.params.amounts, number 2: must be a whole number, not a string",
    ),
    (
        preset("scenario = 'deadlock'\nparams = { variant = 'reverse' }"),
        ATM + ", preset.params.variant: must be one of opposite order, same order, "
        "timeout and back off, not 'reverse'",
    ),
    (
        preset("scenario = 'downloads-threads'\nparams = { cap = 3 }"),
        ATM + ", preset.params.cap: is for `threadtruth run` only: the window runs "
        "downloads-threads with the default cap, so a slide cannot set it",
    ),
    (
        preset("scenario = 'downloads-threads'\nparams = { urls = 'http://127.0.0.1:1/x' }"),
        ATM + ", preset.params.urls: a deck cannot set it: a slide downloads from the app's "
        "own demo server on this machine (a deck is a file others share and open: it must "
        "not fetch URLs or write into a folder it names)",
    ),
    (
        preset("scenario = 'downloads-asyncio'\nparams = { out = '/tmp' }"),
        ATM + ", preset.params.out: a deck cannot set it: a slide's downloads go to a "
        "temporary folder, removed after the run (a deck is a file others share and open: "
        "it must not fetch URLs or write into a folder it names)",
    ),
    (
        preset("scenario = 'downloads-threads'\nparams = { n = 3, fail = '404:7' }"),
        ATM + ", preset.params: --fail names file 7, but there are only 3",
    ),
    (
        preset("scenario = 'bank-race'\nstep = 1"),
        ATM + ", preset.step: must be true or false, not a whole number",
    ),
    (
        preset("scenario = 'gil-cpu'\npredict = true"),
        ATM + ", preset.predict: gil-cpu asks no prediction question (those that do: "
        "bank-race, bank-deposit, asyncio-race)",
    ),
    (
        preset("scenario = 'bank-race'\nschedule = 'A,B'"),
        ATM + ', preset.schedule: must be a list of steps, e.g. ["A", "B", "A:op"], not a string',
    ),
    (
        preset("scenario = 'bank-race'\nschedule = []"),
        ATM + ", preset.schedule: is empty: leave it out for a free run",
    ),
    (
        preset("scenario = 'bank-race'\nschedule = ['A'] \nstep = false"),
        ATM + ", preset.step: a schedule is played in step mode: leave step out or set it to true",
    ),
    (
        preset("scenario = 'bank-race'\nschedule = ['A', 1]"),
        ATM + ', preset.schedule, step 2: must be a string such as "A" or "A:op", not '
        "a whole number",
    ),
    (
        preset("scenario = 'bank-race'\nschedule = ['A', 'B:jump']"),
        ATM + ", preset.schedule, step 2: step 'B:jump': the unit must be one of line, op, await",
    ),
    (
        preset("scenario = 'bank-race'\nschedule = ['A', ':op']"),
        ATM + ", preset.schedule, step 2: a step needs a task name, not ':op'",
    ),
    (
        preset("scenario = 'bank-race'\nschedule = ['A', 'C']"),
        ATM + ', preset.schedule, step 2: bank-race has no task "C" (its tasks: A, B)',
    ),
    (
        preset("scenario = 'bank-race'\nparams = { amounts = [1, 2, 3] }\nschedule = ['D']"),
        ATM + ', preset.schedule, step 1: bank-race has no task "D" (its tasks: A, B, C)',
    ),
    (
        preset("scenario = 'asyncio-race'\nschedule = ['A:op']"),
        ATM + ", preset.schedule, step 1: A is a coroutine: it steps to its next await, not by op",
    ),
    (
        preset("scenario = 'bank-race'\nschedule = ['A:await']"),
        ATM + ", preset.schedule, step 1: A is a thread: it steps by line or by op, not by await",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_every_kind_of_bad_deck_gets_its_exact_message(text: str, message: str) -> None:
    assert error(text) == message


def test_a_long_title_is_cut_in_the_key_path() -> None:
    text = f'title = "T"\n[[slide]]\ntitle = "{"Long " * 15}"\nnotes = 1\n'
    assert error(text) == (
        "d.toml: slide 1 (“Long Long Long Long Long Long Long Long…”), notes: "
        "must be a string, not a whole number"
    )


def test_a_title_too_long_for_a_slide_and_control_characters_are_refused() -> None:
    """An 88-character word ran off the slide's edge, a 2000-character title filled it,
    and a NUL was accepted: the deck says so instead."""
    text = f'title = "T"\n[[slide]]\ntitle = "{"Long " * 20}"\n'
    assert error(text) == (
        "d.toml: slide 1 (“Long Long Long Long Long Long Long Long…”), title: 99 "
        "characters; a title is at most 80 (say the rest in the points)"
    )
    text = 'title = "T"\n[[slide]]\ntitle = "A"\npoints = ["bell\\u0007"]\n'
    assert error(text) == (
        "d.toml: slide 1 (“A”), point 1: holds the control character U+0007: a "
        "slide shows text"
    )


def test_the_error_keeps_its_parts() -> None:
    with pytest.raises(DeckError) as caught:
        loads(preset("scenario = 'bank-race'\nparams = { delay = 5 }"), "d.toml")
    exc = caught.value
    assert (exc.file, exc.where, exc.problem) == (
        "d.toml",
        "slide 1 (“The ATM race”), preset.params.delay",
        "must be between 0 and 2 s, not 5",
    )
    assert isinstance(exc, ValueError)


# -- the file ------------------------------------------------------------------------------


def test_a_file_that_is_missing_a_folder_or_too_large(tmp_path: Path) -> None:
    cases = [
        (
            tmp_path / "none.toml",
            f"{tmp_path}/none.toml: cannot read it: No such file or directory",
        ),
        (tmp_path, f"{tmp_path}: is a folder, not a deck"),
    ]
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    cases.append((big, f"{big}: too large for a deck (over {MAX_BYTES:,} bytes)"))
    for path, message in cases:
        with pytest.raises(DeckError) as caught:
            load(path)
        assert str(caught.value) == message


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "T"\n# café\n'.encode("latin-1"))
    with pytest.raises(DeckError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: line 2: not UTF-8 text (byte 0xe9): save it as UTF-8"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(DeckError) as caught:
        load(fifo)
    assert str(caught.value) == f"{fifo}: is not a regular file, not a deck"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.toml"
    path.write_text('title = "T"\n', encoding="utf-8")
    path.chmod(0)
    with pytest.raises(DeckError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: cannot read it: Permission denied"


def test_a_file_the_system_will_not_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # as root, chmod 0 does not stop a read (the test above is skipped): refuse it here
    path = tmp_path / "secret.toml"
    path.write_text('title = "T"\n', encoding="utf-8")

    def refuse(*_args: object, **_kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(DeckError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: cannot read it: Permission denied"


def test_a_good_file_loads_and_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(preset('scenario = "deadlock"'), encoding="utf-8")
    assert load(path).source == str(path)
