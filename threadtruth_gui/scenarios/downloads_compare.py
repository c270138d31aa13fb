"""downloads-compare: sequential, threads and asyncio on one shared time axis."""

from __future__ import annotations

from typing import Any

from threadtruth_gui.engine.plan import Plan
from threadtruth_gui.engine.scenario import Scenario
from threadtruth_gui.scenarios import _downloads, _effects


def _plan(params: dict[str, Any]) -> Plan:
    return _downloads.make_plan(params, ("sequential", "threads", "asyncio"))


SCENARIO = Scenario(
    id="downloads-compare",
    title="Downloads, three ways",
    summary="The same files three ways, one after the other,\non one time axis.",
    description=(
        "The same files are downloaded one after another, then on one thread each, then as "
        "coroutines on one event loop. The three runs follow each other on one time axis, "
        "so their lengths compare directly; the table gives total time, speedup over "
        "sequential, peak threads in the process and peak memory growth."
    ),
    plan=_plan,
    verdict=_downloads.verdict,
    params=_downloads.PARAMS,
    order=33,
    check=_downloads.check_params,
    effect=_effects.downloads,
)
