"""What bounds a run's downloads: bytes per file and per run, time per file; and how a
thread stuck in a socket read is let go.

A file's bytes are counted as they are written, after requests or aiohttp has inflated a
gzip body: the cap bounds what reaches the disk, so a small compressed response cannot
become a huge file. (Streaming the raw gzip bytes instead would save a file nobody asked
for, and the server's checksum is of the real content.)

A thread blocked in a read cannot be interrupted from Python. A watchdog thread shuts the
socket of its response instead, when the file's time is up or the run is cancelled; the
read then returns at once. The time before the response's headers arrive is bounded by
the read timeout alone (the socket is not known yet).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import requests

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
        with self._lock:
            self.total += nbytes
            if self.run_cap is not None and self.total > self.run_cap:
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
    """One file's limits: its bytes, its deadline, and its response to shut if need be."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.time_limit
        self.bytes = 0
        self.reason = ""  # why it was stopped; "" while it may go on
        ctx = current()
        self.cancelled = ctx.run.cancelled if ctx is not None else None
        self._response: Any = None
        self._lock = threading.Lock()

    def watch(self, response: Any) -> None:
        """Let the watchdog shut this (requests) response; a length over the cap, or a file
        stopped already, stops it here."""
        self._check_length(response.headers)
        if isinstance(response, requests.Response):  # a thread blocks in its reads
            with self._lock:
                self._response = response
                stopped = self.reason
            if stopped:
                _shut(response)
            else:
                self.limits._watch(self)
        self.check()

    def _check_length(self, headers: Any) -> None:
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
        """From the watchdog: the file is over; its blocked read returns at once."""
        with self._lock:
            if self.reason:
                return
            self.reason = reason
            response = self._response
        self.limits._forget(self)
        if response is not None:
            _shut(response)

    def close(self) -> None:
        self.limits._forget(self)
        with self._lock:
            self._response = None


def _shut(response: Any) -> None:
    """Shut the socket under a requests response, from another thread: a read blocked on
    it returns (shutdown, not close: a close would not wake it)."""
    connection = getattr(response.raw, "connection", None) or getattr(
        response.raw, "_connection", None
    )
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    with contextlib.suppress(OSError):  # (already closed)
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, not TLS's
