"""downloads-threads: one thread per URL, each with its own requests.Session."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.scenarios import _downloads, _effects


def _plan(params: dict[str, Any]) -> Plan:
    return _downloads.make_plan(params, ("threads",))


SCENARIO = Scenario(
    id="downloads-threads",
    title="Downloads on threads",
    summary="One thread per file, each with its own Session.\nThe waits overlap.",
    description=(
        "One real thread per URL runs download(): its own requests.Session (not reading "
        "proxy settings from the environment, like aiohttp's default), stream=True "
        "and iter_content, so progress can be drawn (the reference text reads each body "
        "at once). Threads release the GIL while they wait on the network, so the waits "
        "overlap. Files come from the offline demo server in its own process. In the window, "
        "runs of more than 200 threads go to a separate process so the window stays responsive."
    ),
    plan=_plan,
    verdict=_downloads.verdict,
    params=_downloads.PARAMS,
    order=31,
    compare_with="downloads-asyncio",
    check=_downloads.check_params,
    effect=_effects.downloads,
)
