"""What the download scenarios share: parameters, jobs, safety, errors, outcome, verdict.

A run starts the demo server in its own process (unless URLs were pasted), downloads into
a fresh temporary folder (unless one was picked), verifies each file against the SHA-256
the server sends, and removes partial files on failure and cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from threadtruth_gui.engine.demo_server import file_name, parse_faults
from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.files import DownloadFolder, check_folder, check_url, name_from_url
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.plan import Phase, PhaseStats, Plan, TaskSpec
from threadtruth_gui.engine.result import RunResult, Verdict
from threadtruth_gui.engine.scenario import Param

MODE_LETTER = {"sequential": "S", "threads": "T", "asyncio": "A"}
WATCHED_LANES = 3  # line markers for the first few downloads only: tracing costs speed


def _check_faults(text: str) -> str:
    parse_faults(text)
    return text.strip()


def _check_urls(text: str) -> str:
    urls = [check_url(u) for u in text.split() if u.strip()]  # URLs may contain commas
    if len(urls) > 1000:
        raise ValueError(f"at most 1000 URLs, not {len(urls)}")
    return "\n".join(urls)


def _check_out(text: str) -> str:
    return str(check_folder(text)) if text.strip() else ""


PARAMS = (
    Param("n", "Files", "int", 10, 1, 1000, 1, help="how many files to download"),
    Param("size", "Size", "int", 256, 1, 10240, 1, " KiB", help="bytes per file, in KiB"),
    Param(
        "latency",
        "Latency",
        "float",
        0.2,
        0.0,
        5.0,
        0.1,
        " s",
        help="server wait before the first byte",
    ),
    Param(
        "rate",
        "Bandwidth",
        "float",
        512.0,
        0.0,
        100_000.0,
        64.0,
        " KiB/s",
        help="per connection; 0 = unthrottled",
    ),
    Param(
        "timeout",
        "Give up after",
        "float",
        5.0,
        1.0,
        30.0,
        1.0,
        " s",
        help="no data for this long fails a download",
    ),
    # advanced: CLI options only (a hostile server must not fill the disk or run forever)
    Param(
        "cap",
        "Size cap",
        "int",
        100,
        1,
        10240,
        1,
        " MiB",
        help="a file bigger than this stops and is removed",
        advanced=True,
    ),
    Param(
        "total",
        "Run cap",
        "int",
        1024,
        1,
        102_400,
        1,
        " MiB",
        help="pasted URLs: all files of a run together stop at this",
        advanced=True,
    ),
    Param(
        "deadline",
        "Time limit",
        "float",
        600.0,
        1.0,
        86_400.0,
        1.0,
        " s",
        help="a file still downloading after this long stops and is removed",
        advanced=True,
    ),
    Param(
        "fail",
        "Faults",
        "str",
        "",
        check=_check_faults,
        help="inject faults, e.g. 404:3,reset:5 (404, 500, reset, stall)",
    ),
    Param(
        "urls",
        "URLs",
        "str",
        "",
        check=_check_urls,
        help="download these instead of the demo server (one per line)",
    ),
    Param(
        "out",
        "Folder",
        "str",
        "",
        check=_check_out,
        help="save here instead of a fresh temporary folder",
    ),
)


def check_params(params: dict[str, Any]) -> None:
    if params["fail"] and params["urls"]:
        raise ValueError("--fail injects faults into the demo server's files, not into URLs")
    for number in parse_faults(params["fail"]):
        if number > params["n"] and not params["urls"]:
            raise ValueError(f"--fail names file {number}, but there are only {params['n']}")


def make_plan(params: dict[str, Any], modes: tuple[str, ...]) -> Plan:
    # requests and aiohttp load here, when a download scenario is first opened, not at
    # startup (they cost ~0.4 s: benchmarks/startup.py)
    from threadtruth_gui.scenarios._download_jobs import Job, Source, fetch, fetch_async
    from threadtruth_gui.scenarios._download_limits import MIB, Limits
    from threadtruth_gui.scenarios._fetch import client_session, download, download_async

    source = Source(params)
    folder = DownloadFolder(params["out"] or None)
    # the demo server's files are n × size, bounded by their own ranges: the run's cap is
    # for what pasted URLs may send
    limits = Limits(
        params["cap"] * MIB,
        params["total"] * MIB if params["urls"] else None,
        params["deadline"],
    )
    timeout = params["timeout"]
    count = source.count
    phases = []
    for mode in modes:
        jobs = [Job(n, source, folder, timeout, limits) for n in range(1, count + 1)]
        tasks = [
            TaskSpec(
                f"{MODE_LETTER[mode]}{job.number}",
                fetch_async if mode == "asyncio" else fetch,
                (job,),
                {"label": _label(params, job.number), "mode": mode, "unit": "file"},
                state=State.CONNECTING,
                watch_lines=(count if mode == "asyncio" else job.number) <= WATCHED_LANES,
            )
            for job in jobs
        ]
        phases.append(
            Phase(
                mode,
                tasks,
                mode,
                shared=(lambda: client_session(count, timeout)) if mode == "asyncio" else None,
            )
        )

    def setup() -> None:
        folder.open()
        source.start()
        if set(modes) - {"asyncio"}:  # threads block in reads: the watchdog lets them go
            limits.start()

    def cleanup() -> None:
        try:
            source.stop()
        finally:  # the folder goes even if stopping the server failed
            limits.close()
            folder.close()

    def outcome(stats: dict[str, PhaseStats]) -> dict[str, Any]:
        seq = stats.get("sequential")
        out: dict[str, Any] = {"files": count, "modes": {}}
        for label, st in stats.items():
            growth = st.rss_growth
            entry = {
                "total_s": round(st.total_s, 4),
                "peak_threads": st.peak_threads,
                "task_threads": st.task_threads,  # the threads that ran its downloads
                "thread_growth": st.peak_threads - st.base_threads,
                # None: the OS did not say (the panel shows "not measured", never 0)
                "peak_rss_growth_kib": None if growth is None else round(growth / 1024),
            }
            if seq is not None and st.total_s > 0:
                entry["speedup"] = round(seq.total_s / st.total_s, 2)
            out["modes"][label] = entry
        return out

    # what runs: requests' download() for threads and sequential, the coroutine (and the
    # session it shares) for asyncio
    shown: list[Callable[..., Any]] = [download] if set(modes) - {"asyncio"} else []
    if "asyncio" in modes:
        shown += [download_async, client_session]
    return Plan(
        phases,
        outcome=outcome,
        code=shown,
        setup=setup,
        cleanup=cleanup,
        on_cancel=source.stop,
    )


def _label(params: dict[str, Any], number: int) -> str:
    if params["urls"]:
        return name_from_url(params["urls"].split()[number - 1]) or f"url {number}"
    return file_name(number)


def verdict(result: RunResult, lanes: Lanes) -> Verdict:
    if result.error:
        return Verdict(False, "The run failed", result.error)
    modes = result.outcome["modes"]
    failed = [t for t in result.tasks if t["status"] == "failed"]
    done = [t for t in result.tasks if t["status"] == "done"]
    parts = [f"{label} {m['total_s']:.2f} s" for label, m in modes.items()]
    if "sequential" in modes and len(modes) > 1:
        fast = [
            f"{label} {m['speedup']:.1f}×"
            for label, m in modes.items()
            if label != "sequential" and "speedup" in m
        ]
        headline = "Speedup over one by one: " + ", ".join(fast)
    else:
        # the run's one measured duration, the figure the status bar shows too
        headline = (
            f"{len(done)} of {len(result.tasks)} files downloaded in {result.duration_s:.2f} s"
        )
    detail = " · ".join(parts)
    if failed:
        detail += f" · first failure: {failed[0]['name']}: {failed[0].get('error')}"
        if "Speedup" in headline:  # the ✘ is for the failures: the headline says so
            headline += f"; {len(failed)} failed"
    return Verdict(not failed, headline, detail)
