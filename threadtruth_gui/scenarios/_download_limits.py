"""What bounds a run's downloads: bytes per file and per run, time per file; and how a
thread stuck in a socket read is let go.

A file's bytes are counted as they are written, after requests or aiohttp has inflated a
gzip body: the cap bounds what reaches the disk, so a small compressed response cannot
become a huge file. (Streaming the raw gzip bytes instead would save a file nobody asked
for, and the server's checksum is of the real content.)

A thread blocked in a read cannot be interrupted from Python. A watchdog thread shuts the
socket of its request instead (the session's adapter says which connection each request
goes out on: the wait for headers, each redirect, the body), when the file's time is up
or the run is cancelled; the read then returns at once. Only connecting is left to its
own timeout (5 s), the socket does not exist before.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import requests
import requests.adapters
import urllib3

from threadtruth_gui.engine.context import current

MIB = 1024 * 1024
_POLL_S = 0.05  # how often the watchdog looks: a cancelled read ends within this


def size_text(nbytes: int) -> str:
    """1 GiB, 100 MiB, 512 KiB: the caps as a class reads them."""
    for unit, size in (("GiB", 1024 * MIB), ("MiB", MIB), ("KiB", 1024)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{nbytes} bytes"


class Stopped(Exception):
    """A download stopped by a limit; its text says which."""


class Limits:
    """One run's caps, and its watchdog for the responses that threads read."""

    def __init__(self, file_cap: int, run_cap: int | None, time_limit: float) -> None:
        self.file_cap, self.run_cap, self.time_limit = file_cap, run_cap, time_limit
        self.total = 0
        self._lock = threading.Lock()
        self._guards: set[Guard] = set()
        self._closed = threading.Event()
        self._watchdog: threading.Thread | None = None

    def guard(self) -> Guard:
        """The guard of one file, its time counted from now."""
        return Guard(self)

    def add(self, nbytes: int) -> str:
        """Count `nbytes` more for the run; why the run is over its cap, or ""."""
        if self.run_cap is None:
            return ""  # (no lock taken per chunk by a thousand threads)
        with self._lock:
            self.total += nbytes
            if self.total > self.run_cap:
                return f"stopped at the {size_text(self.run_cap)} cap for the whole run"
        return ""

    def out_of_time(self) -> str:
        return f"stopped after {self.time_limit:g} s: the time limit for one file"

    def start(self) -> None:
        """Start the watchdog (the run's setup, before its first phase: so that the phases'
        thread counts, measured from their start, do not count it)."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._watchdog is None and not self._closed.is_set():
            self._watchdog = threading.Thread(
                target=self._patrol, name="threadtruth-watchdog", daemon=True
            )
            self._watchdog.start()

    def _watch(self, guard: Guard) -> None:
        with self._lock:
            if self._closed.is_set():
                return
            self._guards.add(guard)
            self._start()  # (if the run's setup did not)

    def _forget(self, guard: Guard) -> None:
        with self._lock:
            self._guards.discard(guard)

    def _patrol(self) -> None:
        while not self._closed.wait(_POLL_S):
            now = time.monotonic()
            with self._lock:
                guards = list(self._guards)
            for guard in guards:
                if guard.cancelled is not None and guard.cancelled.is_set():
                    guard.stop("cancelled")
                elif now >= guard.deadline:
                    guard.stop(self.out_of_time())

    def close(self) -> None:
        """Stop the watchdog (the run's cleanup): no thread outlives the run."""
        with self._lock:
            self._closed.set()
            watchdog, self._watchdog = self._watchdog, None
            self._guards.clear()
        if watchdog is not None:
            watchdog.join()


class Guard:
    """One file's limits: its bytes, its deadline, and the connection to shut if need be."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.time_limit
        self.bytes = 0
        self.reason = ""  # why it was stopped; "" while it may go on
        ctx = current()
        self.cancelled = ctx.run.cancelled if ctx is not None else None
        self._connection: Any = None  # urllib3's, while a thread uses it
        self._lock = threading.Lock()

    def watch(self, target: Any) -> None:
        """A requests Session: the watchdog may shut the socket of each request it makes
        (the headers' wait, redirects, the body), on cancel or when time is up. An aiohttp
        response (the loop cancels coroutines itself): a length over the cap stops it."""
        if isinstance(target, requests.Session):
            adapter = _Adapter(self)
            target.mount("http://", adapter)
            target.mount("https://", adapter)
            self.limits._watch(self)
        else:
            self.check_length(target.headers)

    def using(self, connection: Any) -> None:
        """urllib3 is about to send a request on `connection` (from this file's thread)."""
        with self._lock:
            self._connection = connection
        if self.reason:  # stopped already, e.g. between two redirects
            raise Stopped(self.reason)

    def check_length(self, headers: Any) -> None:
        if headers.get("Content-Encoding", "identity").lower() != "identity":
            return  # the length on the wire is not the length on disk
        try:
            length = int(headers.get("Content-Length", 0))
        except ValueError:
            return
        if length > self.limits.file_cap:
            cap = size_text(self.limits.file_cap)
            raise Stopped(f"not downloaded: {size_text(length)} is over the {cap} cap")

    def count(self, nbytes: int) -> None:
        """`nbytes` more arrived (inflated); raises Stopped past a cap or the deadline."""
        self.bytes += nbytes
        if self.bytes > self.limits.file_cap:
            self.reason = f"stopped at the {size_text(self.limits.file_cap)} cap"
        self.reason = self.reason or self.limits.add(nbytes)
        if not self.reason and time.monotonic() >= self.deadline:
            self.reason = self.limits.out_of_time()
        self.check()

    def check(self) -> None:
        if self.reason and self.reason != "cancelled":
            raise Stopped(self.reason)

    def stop(self, reason: str) -> None:
        """From the watchdog: the file is over; a read blocked on its socket returns. Called
        again while the file's thread has not let go: a socket connected since is shut too."""
        with self._lock:
            self.reason = self.reason or reason
            connection = self._connection
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # (shut or closed already)
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, not TLS's

    def close(self) -> None:
        """The file's thread is done with it."""
        self.limits._forget(self)
        with self._lock:
            self._connection = None


class _Pool(urllib3.HTTPConnectionPool):
    guard: Guard | None = None

    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        if self.guard is not None:
            self.guard.using(conn)
        return super()._make_request(conn, *args, **kwargs)


class _TLSPool(urllib3.HTTPSConnectionPool):
    guard: Guard | None = None

    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        if self.guard is not None:
            self.guard.using(conn)
        return super()._make_request(conn, *args, **kwargs)


class _Pools(urllib3.PoolManager):
    """A session's pools, each telling the guard which connection a request is sent on."""

    def __init__(self, guard: Guard, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = guard
        self.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}

    def _new_pool(
        self, scheme: str, host: str, port: int, request_context: dict[str, Any] | None = None
    ) -> urllib3.HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        if isinstance(pool, _Pool | _TLSPool):
            pool.guard = self.guard
        return pool


class _Adapter(requests.adapters.HTTPAdapter):
    def __init__(self, guard: Guard) -> None:
        self.guard = guard  # (before HTTPAdapter's own __init__, which makes the pools)
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        self.poolmanager = _Pools(
            self.guard, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )

    def build_response(self, req: Any, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        if response.ok and not response.is_redirect:
            try:
                self.guard.check_length(response.headers)
            except Stopped:
                response.close()  # its connection goes, not left to the garbage collector
                raise
        return response
