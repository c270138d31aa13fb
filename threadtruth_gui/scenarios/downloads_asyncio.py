"""downloads-asyncio: one coroutine per URL on one event loop, one aiohttp session."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.runner import Plan
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.scenarios import _downloads


def _plan(params: dict[str, Any]) -> Plan:
    return _downloads.make_plan(params, ("asyncio",))


SCENARIO = Scenario(
    id="downloads-asyncio",
    title="Downloads on asyncio",
    summary="One coroutine per file, one thread, one session.\nThe waits overlap too.",
    description=(
        "One coroutine per URL runs download_async() with one shared aiohttp.ClientSession "
        "(connection limit set to the number of files, a read timeout set on purpose), all "
        "gathered on one event loop: in the window its own qasync loop, up to 200 files, "
        "and above that a loop on a worker thread, because a thousand downloads on the "
        "window's loop freeze the window; in the CLI a plain loop. Each finished file is "
        "hashed in a worker thread (asyncio.to_thread) so verifying it never blocks the loop."
    ),
    plan=_plan,
    verdict=_downloads.verdict,
    params=_downloads.PARAMS,
    order=32,
    check=_downloads.check_params,
    panel="transfers",
)
