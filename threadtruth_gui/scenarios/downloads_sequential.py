"""downloads-sequential: one requests download after another, on one thread."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.scenarios import _downloads, _effects


def _plan(params: dict[str, Any]) -> Plan:
    return _downloads.make_plan(params, ("sequential",))


SCENARIO = Scenario(
    id="downloads-sequential",
    title="Downloads, one after another",
    summary="requests fetches each file in turn.\nEvery wait for the server adds up.",
    description=(
        "One thread downloads the files in turn with requests, streaming each one "
        "(stream=True, iter_content) so that its progress can be drawn; the reference "
        "text reads each whole body at once. Files come from the offline demo server, "
        "which runs in its own process on 127.0.0.1."
    ),
    plan=_plan,
    verdict=_downloads.verdict,
    params=_downloads.PARAMS,
    order=30,
    compare_with="downloads-threads",
    check=_downloads.check_params,
    effect=_effects.downloads,
)
