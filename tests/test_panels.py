"""Which panel shows a scenario is the window's choice, made from what the scenario is."""

from __future__ import annotations

from dataclasses import replace

from threadtruth_gui.scenarios import all_scenarios, get
from threadtruth_gui.ui.panels import panel_for

# what each scenario showed when the choice was a field of the engine's Scenario
BEFORE = {
    "blocking-in-async": "figures",
    "deadlock": "figures",
    "downloads-asyncio": "transfers",
    "downloads-compare": "transfers",
    "downloads-sequential": "transfers",
    "downloads-threads": "transfers",
    "gil-cpu": "figures",
    "lost-updates": "figures",
    "thread-cost": "figures",
}


def test_every_scenario_keeps_its_panel() -> None:
    for scenario in all_scenarios():
        assert panel_for(scenario) == BEFORE.get(scenario.id, "account"), scenario.id


def test_a_scenario_added_later_gets_a_panel_by_what_it_is() -> None:
    bank = get("bank-race")
    assert panel_for(replace(bank, id="bank-new")) == "account"
    assert panel_for(replace(bank, id="measured", figures=lambda _r: [])) == "figures"
    assert panel_for(replace(bank, id="downloads-http2")) == "transfers"
