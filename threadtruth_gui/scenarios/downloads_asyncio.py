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
        "gathered on one event loop: the app's qasync loop in the window, a plain loop in "
        "the CLI. Chunks are streamed with iter_chunked so progress can be drawn."
    ),
    plan=_plan,
    verdict=_downloads.verdict,
    params=_downloads.PARAMS,
    order=32,
    check=_downloads.check_params,
    panel="transfers",
)
