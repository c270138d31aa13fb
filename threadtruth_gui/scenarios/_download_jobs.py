"""One download as a lane: safe path, the shown download code, readable errors, checksum.

Imported when a download scenario is first planned, so that requests and aiohttp are not
loaded at startup.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import requests

from threadtruth_gui.engine.context import RunCancelled, TaskFailed, current
from threadtruth_gui.engine.files import DownloadFolder, name_from_url
from threadtruth_gui.scenarios._downloads import Source
from threadtruth_gui.scenarios._fetch import download, download_async


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


def _failed(exc: BaseException, job: Job, path: Path) -> TaskFailed:
    """The task's real error; a partial file that cannot be removed is added to it, never
    put in its place."""
    failure = _failure(exc, job.timeout)
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
    try:
        expected = download(job.url, path, job.timeout)
    except RunCancelled:
        job.folder.discard(path)
        raise
    except Exception as exc:
        raise _failed(exc, job, path) from exc
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
        raise _failed(exc, job, path) from exc
    # reading the file back to hash it would block the loop (and the window with it)
    got = _received()
    try:
        return await asyncio.to_thread(_verify, path, expected, job.folder, got)
    except (asyncio.CancelledError, RunCancelled):
        job.folder.discard(path)  # not verified: not kept
        raise
