"""What the download scenarios share: parameters, jobs, safety, errors, outcome, verdict.

A run starts the demo server in its own process (unless URLs were pasted), downloads into
a fresh temporary folder (unless one was picked), verifies each file against the SHA-256
the server sends, and removes partial files on failure and cancel.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import requests

from threadtruth_gui.engine.context import RunCancelled, TaskFailed, current
from threadtruth_gui.engine.demo_server import DemoServer, ServerConfig, file_name, parse_faults
from threadtruth_gui.engine.events import State
from threadtruth_gui.engine.files import DownloadFolder, check_folder, check_url, name_from_url
from threadtruth_gui.engine.runner import Phase, PhaseStats, Plan, RunResult, TaskSpec, Verdict
from threadtruth_gui.engine.scenario import Param
from threadtruth_gui.engine.trace import Trace
from threadtruth_gui.scenarios._fetch import client_session, download, download_async

MODE_LETTER = {"sequential": "S", "threads": "T", "asyncio": "A"}
TRACED_LANES = 8  # line markers for the first few downloads only: tracing costs speed


def _check_faults(text: str) -> str:
    parse_faults(text)
    return text.strip()


def _check_urls(text: str) -> str:
    urls = [check_url(u) for u in text.replace(",", "\n").split() if u.strip()]
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
    for number in parse_faults(params["fail"]):
        if number > params["n"] and not params["urls"]:
            raise ValueError(f"--fail names file {number}, but there are only {params['n']}")


@dataclass
class Source:
    """Where the files come from: the demo server (started by the run) or pasted URLs."""

    params: dict[str, Any]
    urls: list[str] = field(default_factory=list)
    server: DemoServer | None = None

    def __post_init__(self) -> None:
        if not self.params["urls"]:
            self.server = DemoServer(
                ServerConfig(
                    count=self.params["n"],
                    size=self.params["size"] * 1024,
                    latency=self.params["latency"],
                    rate=self.params["rate"] * 1024,
                    faults=parse_faults(self.params["fail"]),
                )
            )

    @property
    def count(self) -> int:
        return len(self.params["urls"].split()) if self.params["urls"] else self.params["n"]

    def start(self) -> None:
        if self.server is not None:
            self.server.start()
            self.urls = self.server.file_urls()
        else:
            self.urls = self.params["urls"].split()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


@dataclass
class Job:
    number: int  # 1-based
    source: Source
    folder: DownloadFolder
    timeout: float

    @property
    def url(self) -> str:
        return self.source.urls[self.number - 1]


def _received() -> int:
    ctx = current()
    return ctx.run.received.get(ctx.task, 0) if ctx else 0


def _failure(exc: BaseException, timeout: float) -> TaskFailed:
    """The error a lecturer should read: "HTTP 404", "connection reset after 37 KiB"."""
    got = _received()
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        text = f"HTTP {exc.response.status_code}"
    elif isinstance(exc, aiohttp.ClientResponseError):
        text = f"HTTP {exc.status}"
    elif isinstance(exc, requests.Timeout | asyncio.TimeoutError) or (
        isinstance(exc, requests.ConnectionError) and "Read timed out" in str(exc)
    ):
        text = f"no data for {timeout:g} s"
    elif isinstance(
        exc,
        requests.ConnectionError
        | requests.exceptions.ChunkedEncodingError
        | aiohttp.ClientPayloadError
        | aiohttp.ServerDisconnectedError
        | aiohttp.ClientOSError
        | ConnectionError,
    ):
        refused = "refused" in str(exc).lower() or isinstance(exc, ConnectionRefusedError)
        text = (
            "connection refused"
            if refused and not got
            else (f"connection reset after {got / 1024:.0f} KiB")
        )
    elif isinstance(exc, OSError):
        text = f"cannot write the file: {exc.strerror or exc}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return TaskFailed(text, bytes=got, verified=False)


def _verify(
    path: Path, expected: str | None, folder: DownloadFolder, got: int | None = None
) -> dict[str, Any]:
    got = _received() if got is None else got
    if expected:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected.strip().lower():
            folder.discard(path)
            raise TaskFailed("checksum mismatch", bytes=got, verified=False)
    return {"status": "done", "bytes": got, "verified": bool(expected)}


def fetch(job: Job) -> dict[str, Any]:
    """One download on this thread (threads and sequential mode)."""
    path = job.folder.claim(name_from_url(job.url))
    try:
        expected = download(job.url, path, job.timeout)
    except RunCancelled:
        job.folder.discard(path)
        raise
    except Exception as exc:
        job.folder.discard(path)
        raise _failure(exc, job.timeout) from exc
    return _verify(path, expected, job.folder)


async def fetch_async(session: aiohttp.ClientSession, job: Job) -> dict[str, Any]:
    """One download as a coroutine on the run's event loop (asyncio mode)."""
    path = job.folder.claim(name_from_url(job.url))
    try:
        expected = await download_async(session, job.url, path)
    except (asyncio.CancelledError, RunCancelled):
        job.folder.discard(path)
        raise
    except Exception as exc:
        job.folder.discard(path)
        raise _failure(exc, job.timeout) from exc
    # reading the file back to hash it would block the loop (and the window with it)
    got = _received()
    verdict = await asyncio.to_thread(_verify, path, expected, job.folder, got)
    return verdict


def make_plan(params: dict[str, Any], modes: tuple[str, ...]) -> Plan:
    source = Source(params)
    folder = DownloadFolder(params["out"] or None)
    timeout = params["timeout"]
    count = source.count
    phases = []
    for mode in modes:
        jobs = [Job(n, source, folder, timeout) for n in range(1, count + 1)]
        tasks = [
            TaskSpec(
                f"{MODE_LETTER[mode]}{job.number}",
                fetch_async if mode == "asyncio" else fetch,
                (job,),
                {"label": _label(params, job.number), "mode": mode},
                state=State.CONNECTING,
                trace=count <= TRACED_LANES if mode == "asyncio" else job.number <= TRACED_LANES,
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

    def cleanup() -> None:
        source.stop()
        folder.close()

    def outcome(stats: dict[str, PhaseStats]) -> dict[str, Any]:
        seq = stats.get("sequential")
        out: dict[str, Any] = {"files": count, "modes": {}}
        for label, st in stats.items():
            entry = {
                "total_s": round(st.total_s, 4),
                "peak_threads": st.peak_threads,
                "thread_growth": st.peak_threads - st.base_threads,
                "peak_rss_growth_kib": round(st.rss_growth / 1024),
            }
            if seq is not None and st.total_s > 0:
                entry["speedup"] = round(seq.total_s / st.total_s, 2)
            out["modes"][label] = entry
        return out

    return Plan(
        tasks=[],
        outcome=outcome,
        code=[download, client_session, download_async],
        phases=phases,
        setup=setup,
        cleanup=cleanup,
        on_cancel=source.stop,
    )


def _label(params: dict[str, Any], number: int) -> str:
    if params["urls"]:
        return name_from_url(params["urls"].split()[number - 1]) or f"url {number}"
    return file_name(number)


def verdict(result: RunResult, trace: Trace) -> Verdict:
    if result.error:
        return Verdict(False, "The run could not start", result.error)
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
        total = next(iter(modes.values()))["total_s"] if modes else result.duration_s
        headline = f"{len(done)} of {len(result.tasks)} files downloaded in {total:.2f} s"
    detail = " · ".join(parts)
    if failed:
        detail += f" · {len(failed)} failed (first: {failed[0]['name']}: {failed[0].get('error')})"
    return Verdict(not failed, headline, detail)
