"""asyncio-race: one thread, no preemption, and the account still goes to -$100."""

from __future__ import annotations

import threading

from threadtruth_gui.runs import runfile
from threadtruth_gui.scenarios import get


def test_without_a_lock_both_coroutines_are_paid_and_the_balance_is_minus_100() -> None:
    before = threading.active_count()
    result, _lanes = get("asyncio-race").run({"lock": False, "delay": 0.05})
    assert result.outcome["final_balance"] == -100
    assert [t["status"] for t in result.tasks] == ["succeeded", "succeeded"]
    assert {t["mode"] for t in result.tasks} == {"asyncio"}
    assert threading.active_count() == before  # its loop thread is gone
    assert result.verdict is not None and not result.verdict.good


def test_with_asyncio_lock_b_waits_then_is_denied_and_the_balance_is_400() -> None:
    result, lanes = get("asyncio-race").run({"lock": True, "delay": 0.05})
    assert result.outcome["final_balance"] == 400
    assert [t["status"] for t in result.tasks] == ["succeeded", "denied"]
    assert any(span.state == "waiting" for span in lanes.tasks["B"].spans)


def test_even_at_delay_0_the_await_is_the_window() -> None:
    finals = {
        get("asyncio-race").run({"lock": False, "delay": 0})[0].outcome["final_balance"]
        for _ in range(10)
    }
    assert finals == {-100}  # asyncio.sleep(0) still hands the loop to the other coroutine


def test_stepping_coroutines_to_their_awaits_with_the_lock_blocks_b() -> None:
    result, _ = get("asyncio-race").run({"lock": True, "delay": 0}, schedule=["A", "B", "A", "B"])
    assert result.schedule is not None
    assert [(s["task"], s["unit"], s["result"]) for s in result.schedule[:2]] == [
        ("A", "await", "stepped"),
        ("B", "await", "blocked"),
    ]
    assert result.outcome["final_balance"] == 400


def test_a_stepped_asyncio_run_replays_the_same(tmp_path) -> None:
    scenario = get("asyncio-race")
    result, _lanes, events = scenario.execute({"lock": True, "delay": 0}, schedule=["B", "A", "B"])
    saved = runfile.parse(runfile.to_json(result, events, 0, True))
    assert saved.schedule[0] == ("B", "await")
    replays = [runfile.replay(saved) for _ in range(20)]
    assert {(r.result.outcome["final_balance"], r.same_schedule) for r in replays} == {
        (result.outcome["final_balance"], True)
    }
    assert result.outcome["final_balance"] == 500  # B went first: B paid, A denied
