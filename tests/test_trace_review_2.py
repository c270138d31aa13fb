"""Bugs a review found in the issue-14 work, each now guarded: a verdict cut at a '<' (its
words were read as markup), two long-named threads' lock labels in one box, a thinned
task's marker left in its loop while it sleeps at a later line, and a free run whose
lines were thinned replayed otherwise than it ran (now refused)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QTextDocument

from threadtruth_gui.engine.edits import shown_text
from threadtruth_gui.engine.events import Kind, State
from threadtruth_gui.engine.plan import Edit
from threadtruth_gui.engine.result import Verdict
from threadtruth_gui.runs import runfile
from threadtruth_gui.scenarios import get
from threadtruth_gui.ui import theme
from threadtruth_gui.ui.widgets.verdict import VerdictBanner
from threadtruth_gui.ui.widgets.waitfor import WaitForGraph

READ = "    balance = account.balance\n"


def _hot_loop_edit(n: int) -> tuple[dict[str, object], Edit]:
    sc = get("bank-race")
    params: dict[str, object] = {"lock": False, "delay": 0}
    text, first = shown_text(sc.plan(sc.resolve(params)))
    return params, Edit(
        text.replace(READ, f"    for i in range({n}):\n        i += 1\n" + READ), first
    )


def test_a_verdict_with_a_less_than_sign_shows_all_its_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    # a traced thread's TypeError from sorted([3, "a"]): runs/traced_verdict.py puts the
    # message in the detail unescaped, and the banner is rich text (verdict.py:48-58)
    banner = VerdictBanner()
    qtbot.addWidget(banner)
    detail = "TypeError: '<' not supported between instances of 'str' and 'int' (p.py:3)."
    banner.show_verdict(Verdict(False, "Failed: TypeError in sorter (p.py:3)", detail))
    doc = QTextDocument()
    doc.setHtml(banner.text())
    assert "not supported between instances" in doc.toPlainText()


def test_two_long_named_threads_each_get_their_own_lock_label(qtbot) -> None:  # type: ignore[no-untyped-def]
    # the compact ring of 2 threads: both arrows on one line, both labels in one box
    graph = WaitForGraph()
    qtbot.addWidget(graph)
    graph.resize(460, 220)
    names = ["Thread-1 (transfer_from_alice)", "Thread-2 (transfer_from_bob)"]
    cycle = [
        {"task": names[0], "holds": "bank.py:13", "waits_for": "bank.py:12"},
        {"task": names[1], "holds": "bank.py:12", "waits_for": "bank.py:13"},
    ]
    graph.show_cycle(cycle, {n: theme.task_color(i) for i, n in enumerate(names)})
    boxes: list[QRectF] = []
    real = graph._label_box

    def spy(*args: object) -> QRectF:
        box = real(*args)  # type: ignore[arg-type]
        boxes.append(box)
        return box

    graph._label_box = spy  # type: ignore[method-assign]
    graph.grab()
    assert len(boxes) == 2
    assert not boxes[0].intersects(boxes[1])


def test_a_thinned_task_marker_is_not_left_in_its_loop_while_it_sleeps() -> None:
    sc = get("bank-race")
    params, edit = _hot_loop_edit(15_000)
    params["delay"] = 0.2
    sleep_line = edit.first_line + next(
        i for i, line in enumerate(edit.text.splitlines()) if line.strip().startswith("sleep(")
    )
    _result, _lanes, events = sc.execute(params, edit=edit)
    mine = [ev for ev in events if ev.task == "A"]
    asleep = next(
        i for i, ev in enumerate(mine) if ev.kind == Kind.STATE and ev.data == State.SLEEPING
    )
    assert [ev.data for ev in mine[:asleep] if ev.kind == Kind.LINE][-1] == sleep_line


@pytest.mark.timeout(120)
def test_a_saved_free_run_past_the_line_budget_replays_as_it_ran(tmp_path: Path) -> None:
    sc = get("bank-race")
    params, edit = _hot_loop_edit(15_000)
    result, _lanes, events = sc.execute(params, edit=edit)
    saved = runfile.load(
        runfile.save(tmp_path / "run.ttrun", runfile.to_json(result, events, 0, False, edit=edit))
    )
    # either refused as not replayable (its lines were thinned) or replayed step for step
    why = runfile.replayable(saved.plan(), saved.stepped, saved.events)
    if why is None:
        assert runfile.replay(saved, run_edited=True).same_schedule
