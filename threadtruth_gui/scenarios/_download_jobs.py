"""Where the files come from, and one download as a lane: safe path, the shown download code,
readable errors, checksum.

Imported when a download scenario is first planned, so that requests and aiohttp are not
loaded at startup.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import requests

from threadtruth_gui.engine.context import RunCancelled, TaskFailed, current
from threadtruth_gui.engine.demo_server import DemoServer, ServerConfig, parse_faults
from threadtruth_gui.engine.files import DownloadFolder, name_from_url
from threadtruth_gui.scenarios._download_limits import Guard, Limits, Stopped
from threadtruth_gui.scenarios._fetch import download, download_async


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
    limits: Limits

    @property
    def url(self) -> str:
        return self.source.urls[self.number - 1]


def _received() -> int:
    ctx = current()
    return ctx.run.received.get(ctx.task, 0) if ctx else 0


def _failure(exc: BaseException, timeout: float, stopped: str = "") -> TaskFailed:
    """The error a lecturer should read: "HTTP 404", "connection reset after 37 KiB";
    `stopped`: a limit ended it (whatever the read then raised)."""
    got = _received()
    redirect = _redirect_error(exc)
    if stopped or isinstance(exc, Stopped):
        text = stopped or str(exc)
    elif redirect:
        text = redirect
    elif isinstance(exc, requests.HTTPError) and exc.response is not None:
        text = f"HTTP {exc.response.status_code}"
    elif isinstance(exc, aiohttp.ClientResponseError):
        text = f"HTTP {exc.status}"
    elif isinstance(exc, aiohttp.ClientConnectorError) and isinstance(
        exc.os_error, ConnectionRefusedError
    ):
        text = "connection refused"
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


_QUOTED = re.compile(r"'([^']*)'")


def _redirect_error(exc: BaseException) -> str:
    """A redirect requests or aiohttp would not follow, in the same words for both."""
    if isinstance(exc, requests.TooManyRedirects | aiohttp.TooManyRedirects):
        return "too many redirects (a redirect loop?)"
    url = ""
    if isinstance(exc, aiohttp.NonHttpUrlRedirectClientError):
        url = str(exc.args[0]) if exc.args else ""  # (the URL it would not follow)
    elif isinstance(exc, requests.exceptions.InvalidSchema):  # the only way to get one:
        found = _QUOTED.search(str(exc))  # the URL we asked for is http(s), checked
        url = found.group(1) if found else ""
    else:
        return ""
    scheme = urlsplit(url).scheme[:20] or "another"
    return f"redirect to {scheme}:// refused: only http and https are followed"


def _failed(exc: BaseException, job: Job, path: Path, stopped: str = "") -> TaskFailed:
    """The task's real error; a partial file that cannot be removed is added to it, never
    put in its place."""
    failure = _failure(exc, job.timeout, stopped)
    note = job.folder.discard(path)
    if not note:
        return failure
    return TaskFailed(_and(str(failure), note), **failure.fields)


def _and(error: str, note: str) -> str:
    return f"{error}; {note}" if note else error


def _verify(
    path: Path, expected: str | None, folder: DownloadFolder, got: int | None = None
) -> dict[str, Any]:
    got = _received() if got is None else got
    if expected:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected.strip().lower():
            note = folder.discard(path)
            raise TaskFailed(_and("checksum mismatch", note), bytes=got, verified=False)
    return {"status": "done", "bytes": got, "verified": bool(expected)}


def fetch(job: Job) -> dict[str, Any]:
    """One download on this thread (threads and sequential mode)."""
    path = job.folder.claim(name_from_url(job.url))
    guard = job.limits.guard()
    try:
        expected = download(job.url, path, job.timeout, guard)
        _cancelled(guard)  # a body cut short by the watchdog may look complete
        guard.check()
    except RunCancelled:
        job.folder.discard(path)
        raise
    except Exception as exc:
        if guard.reason == "cancelled":  # its socket was shut by the cancel
            job.folder.discard(path)
            raise RunCancelled from exc
        raise _failed(exc, job, path, guard.reason) from exc
    finally:
        guard.close()
    return _verify(path, expected, job.folder)


def _cancelled(guard: Guard) -> None:
    if guard.reason == "cancelled":
        raise RunCancelled


async def fetch_async(session: aiohttp.ClientSession, job: Job) -> dict[str, Any]:
    """One download as a coroutine on the run's event loop (asyncio mode)."""
    path = job.folder.claim(name_from_url(job.url))
    guard = job.limits.guard()
    within = asyncio.timeout(job.limits.time_limit)  # the time limit for one file
    try:
        async with within:
            expected = await download_async(session, job.url, path, guard)
    except (asyncio.CancelledError, RunCancelled):
        job.folder.discard(path)
        raise
    except Exception as exc:
        stopped = job.limits.out_of_time() if within.expired() else guard.reason
        raise _failed(exc, job, path, stopped) from exc
    # reading the file back to hash it would block the loop (and the window with it)
    got = _received()
    try:
        return await asyncio.to_thread(_verify, path, expected, job.folder, got)
    except (asyncio.CancelledError, RunCancelled):
        job.folder.discard(path)  # not verified: not kept
        raise
