"""downloads-asyncio: one coroutine per URL on one event loop, one aiohttp session."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.scenarios import _downloads, _effects


def _plan(params: dict[str, Any]) -> Plan:
    return _downloads.make_plan(params, ("asyncio",))


SCENARIO = Scenario(
    id="downloads-asyncio",
    title="Downloads on asyncio",
    summary="One coroutine per file, one thread, one session.\nThe waits overlap too.",
    description=(
        "One coroutine per URL runs download_async() with one shared aiohttp.ClientSession "
        "(connection limit set to the number of files, a read timeout set on purpose), all "
        "gathered on one event loop: the window's own qasync loop, or a plain loop in the "
        "CLI. Each finished file is hashed in a worker thread (asyncio.to_thread) so that "
        "verifying it never blocks the loop. In the window, runs of more than 200 tasks go "
        "to a separate process so that the window stays responsive."
    ),
    plan=_plan,
    verdict=_downloads.verdict,
    params=_downloads.PARAMS,
    order=32,
    compare_with="downloads-threads",
    check=_downloads.check_params,
    effect=_effects.downloads,
)
