"""The demo server's doorman: a header read timeout and a connection cap.

`ConnectionGuard` wraps the server's protocol factory. A connection that has not sent a
complete request within `header_timeout` seconds is closed (slowloris, idle sockets). At
most `cap` connections are open at once: one more closes the oldest connection still
waiting for its request, or, when every open connection is busy with a response, is
refused. So idle connections can never use up the process's file descriptors, and a
normal request always gets in. The server calls `started()` when a request's headers are
complete, and serves one request per connection, so the timeout covers every request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

try:
    import resource
except ImportError:  # Windows: no descriptor limit to raise or to stay under
    resource = None  # type: ignore[assignment]

FD_RESERVE = 64  # descriptors the server keeps for itself (stdio, epoll, listener, pipes)
DEFAULT_CAP = 4096


def raise_fd_limit() -> int:
    """Raise this process's soft descriptor limit to its hard one; the soft limit now."""
    if resource is None:
        return DEFAULT_CAP + FD_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    top = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    for target in (top, 65536, 10240):  # macOS refuses more than its OPEN_MAX (10240)
        if soft < target <= top:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
                return target
    return soft


def connection_cap(wanted: int = 0) -> int:
    """`wanted` (0: a default), but always below this process's descriptor limit."""
    soft = raise_fd_limit()
    room = max(16, soft - FD_RESERVE)
    return min(wanted or DEFAULT_CAP, room)


class ConnectionGuard:
    def __init__(self, factory: Callable[[], asyncio.Protocol], cap: int, header_timeout: float):
        self._factory = factory
        self.cap = cap
        self.header_timeout = header_timeout
        self._open: set[asyncio.BaseTransport] = set()
        # connections still waiting for their request, oldest first -> their timer
        self._waiting: dict[asyncio.BaseTransport, asyncio.TimerHandle] = {}
        self.timed_out = 0
        self.evicted = 0
        self.refused = 0

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self._factory(), self)

    @property
    def open_count(self) -> int:
        return len(self._open)

    def opened(self, transport: asyncio.BaseTransport) -> bool:
        """A new connection: False if it must be refused."""
        if len(self._open) >= self.cap:
            if not self._waiting:
                self.refused += 1
                return False
            oldest = next(iter(self._waiting))
            self.evicted += 1
            self._drop(oldest)
        loop = asyncio.get_running_loop()
        self._open.add(transport)
        self._waiting[transport] = loop.call_later(self.header_timeout, self._timeout, transport)
        return True

    def started(self, transport: asyncio.BaseTransport | None) -> None:
        """The request's headers are complete: the header timeout no longer applies."""
        timer = self._waiting.pop(transport, None) if transport is not None else None
        if timer is not None:
            timer.cancel()

    def closed(self, transport: asyncio.BaseTransport) -> None:
        self._open.discard(transport)
        self.started(transport)

    def _timeout(self, transport: asyncio.BaseTransport) -> None:
        if transport in self._waiting:
            self.timed_out += 1
            self._drop(transport)

    def _drop(self, transport: asyncio.BaseTransport) -> None:
        self.closed(transport)
        if isinstance(transport, asyncio.Transport):
            transport.abort()
        else:
            transport.close()


class _Guarded(asyncio.Protocol):
    """The real protocol, with the guard told when its connection opens and closes."""

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport
        admitted = self._guard.opened(transport)
        self._inner.connection_made(transport)
        if not admitted:
            transport.abort() if isinstance(transport, asyncio.Transport) else transport.close()

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._guard.closed(self._transport)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
