"""The offline demo file server: synthetic files over real HTTP, with latency, bandwidth
and faults, so a lecture needs no internet.

The aiohttp application runs in its own process (`python -m
threadtruth_gui.engine.demo_server`), so it never competes for the GIL with the clients
being measured. `DemoServer` starts and stops that process from the parent. The server
binds loopback only, and exits on its own when its parent goes away (stdin closes).

A file is never built whole: each response streams it in pieces cut from two 64 KiB
blocks (see `file_piece`), and the SHA-256 sent ahead of the body is computed once per
file in a worker thread, never on the event loop. A connection that sends no complete
request within `header_timeout` seconds is closed, and connections are capped
(engine/conn_guard.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import ipaddress
import os
import selectors
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any

from threadtruth_gui.engine.conn_guard import ConnectionGuard, connection_cap

FAULTS = ("404", "500", "reset", "stall")
HASH_HEADER = "X-Content-SHA256"
READY_TIMEOUT_S = 10.0
BLOCK = 64 * 1024  # a file is the shared block repeated, then its own block
HEADER_TIMEOUT_S = 5.0
SEND_BUFFER = 256 * 1024  # kernel send buffer per connection


@dataclass(frozen=True)
class ServerConfig:
    count: int = 10  # files 1..count
    size: int = 256 * 1024  # bytes per file
    latency: float = 0.0  # seconds before the first byte of each response
    rate: float = 0.0  # bytes per second per connection; 0 = as fast as possible
    faults: dict[int, str] = field(default_factory=dict)  # file number -> fault
    chunk: int = 8 * 1024  # bytes per write when paced (rate > 0); unpaced: one block
    header_timeout: float = HEADER_TIMEOUT_S  # no complete request by then: closed
    max_connections: int = 0  # 0: as many as the descriptor limit allows (up to 4096)

    def validate(self) -> None:
        if not 1 <= self.count <= 100_000:
            raise ValueError(f"file count must be 1..100000, not {self.count}")
        if not 0 <= self.size <= 1 << 30:
            raise ValueError(f"file size must be 0..1 GiB, not {self.size}")
        if not 0 <= self.latency <= 60:
            raise ValueError(f"latency must be 0..60 s, not {self.latency}")
        if self.rate < 0:
            raise ValueError(f"rate must be positive, not {self.rate}")
        if not 1 <= self.chunk <= 1 << 20:
            raise ValueError(f"chunk must be 1 B..1 MiB, not {self.chunk}")
        if not 0.1 <= self.header_timeout <= 300:
            raise ValueError(f"header timeout must be 0.1..300 s, not {self.header_timeout}")
        if self.max_connections < 0:
            raise ValueError(f"max connections must be >= 0, not {self.max_connections}")
        for number, fault in self.faults.items():
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r} (known: {', '.join(FAULTS)})")
            if not 1 <= number <= self.count:
                raise ValueError(f"fault on file {number}, but files are 1..{self.count}")


def parse_faults(text: str) -> dict[int, str]:
    """ "404:3,reset:5" -> {3: "404", 5: "reset"}; ValueError with a clear message."""
    faults: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, sep, number = item.partition(":")
        if not sep or kind not in FAULTS or not number.isdigit() or int(number) < 1:
            raise ValueError(
                f"bad fault {item!r}: write KIND:FILE, e.g. 404:3 (kinds: {', '.join(FAULTS)})"
            )
        faults[int(number)] = kind
    return faults


def file_name(number: int) -> str:
    return f"file-{number:04d}.bin"


@lru_cache(maxsize=64)
def _block(number: int) -> bytes:
    """64 KiB of deterministic bytes: file `number`'s own block (0: the shared one)."""
    return hashlib.shake_256(b"threadtruth demo file %d" % number).digest(BLOCK)


def _own_from(size: int) -> int:
    """Where a file's own block starts: its last 64 KiB (all of a smaller file)."""
    return size - min(size, BLOCK)


def file_piece(own: bytes, size: int, offset: int, length: int) -> bytes:
    """`length` bytes from `offset` of the file whose own block is `own`.

    A file is the shared block repeated, then its own block: files differ (a mix-up fails
    the checksum), and every file of one size shares the hash state of its shared part, so
    the server hashes 64 KiB per file, not the whole file."""
    common, cut = _block(0), _own_from(size)
    parts = []
    while length > 0:
        if offset < cut:
            at = offset % BLOCK
            take = min(length, cut - offset, BLOCK - at)
            parts.append(common[at : at + take])
        else:
            take = length
            parts.append(own[offset - cut : offset - cut + take])
        offset += take
        length -= take
    return parts[0] if len(parts) == 1 else b"".join(parts)


def file_bytes(number: int, size: int) -> bytes:
    """The whole file at once (for tests and small files; the server streams pieces)."""
    return file_piece(_block(number), size, 0, size)


@lru_cache(maxsize=16)
def _shared_state(length: int) -> hashlib._Hash:
    """SHA-256 state after `length` bytes of the shared block repeated, 1 MiB at a time."""
    step = _block(0) * 16
    digest = hashlib.sha256()
    whole, rest = divmod(length, len(step))
    for _ in range(whole):
        digest.update(step)  # hashlib lets go of the GIL for big updates
    digest.update(step[:rest])
    return digest


@lru_cache(maxsize=4096)
def file_sha256(number: int, size: int) -> str:
    digest = _shared_state(_own_from(size)).copy()
    digest.update(_block(number)[: size - _own_from(size)])
    return digest.hexdigest()


class _Hashes:
    """Each file's hash, computed once in a worker thread, never on the event loop."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="hash")
        self._futures: dict[tuple[int, int], asyncio.Future[str]] = {}

    async def get(self, number: int, size: int) -> str:
        key = (number, size)
        future = self._futures.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(self.pool, file_sha256, number, size)
            self._futures[key] = future
        # shielded: a client that hangs up does not cancel the hash other clients wait for
        return await asyncio.shield(future)


def check_loopback(host: str) -> str:
    """The server binds loopback only; anything else is refused with a clear message."""
    try:
        if host == "localhost" or ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(f"the demo server binds loopback only (127.0.0.1), not {host!r}")


# -- the server process ------------------------------------------------------------------------
def make_app(  # type: ignore[no-untyped-def]  # aiohttp is imported lazily
    config: ServerConfig, guard: ConnectionGuard | None = None
):
    from aiohttp import web

    hashes = _Hashes()

    @web.middleware
    async def request_started(request: web.Request, handler):  # type: ignore[no-untyped-def]
        if guard is not None:  # the headers are in: the header timeout is over
            guard.started(request.transport)
        return await handler(request)

    async def one_request_per_connection(request: web.Request, response: object) -> None:
        # keep-alive would let a connection idle, or trickle its next request, untimed
        response.force_close()  # type: ignore[attr-defined]

    async def stop_hashing(app: web.Application) -> None:
        hashes.pool.shutdown(wait=False, cancel_futures=True)

    async def index(request: web.Request) -> web.Response:
        names = "\n".join(file_name(n) for n in range(1, config.count + 1))
        return web.Response(text=names + "\n")

    async def serve_file(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        number = _number_of(name, config.count)
        if number is None:
            raise web.HTTPNotFound(text=f"no such file: {name}\n")
        fault = config.faults.get(number)
        if request.query.get("fault") in FAULTS:  # a pasted URL can ask for one too
            fault = request.query["fault"]
        if config.latency:
            await asyncio.sleep(config.latency)
        if fault == "404":
            raise web.HTTPNotFound(text="fault injected: 404\n")
        if fault == "500":
            raise web.HTTPInternalServerError(text="fault injected: 500\n")
        size = config.size
        digest = await hashes.get(number, size)
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Length": str(size),
                HASH_HEADER: digest,
            }
        )
        await response.prepare(request)
        if request.transport is not None:
            # the next piece waits until the kernel took the last one: a thousand responses
            # each buffering 64 KiB and more took the server past 250 MB
            request.transport.set_write_buffer_limits(high=0)
        step = config.chunk if config.rate else BLOCK
        own_from = _own_from(size)
        cut = size // 3  # where reset and stall strike: a third of the way in
        start = time.monotonic()
        try:
            for offset in range(0, size, step):
                if fault in ("reset", "stall") and offset >= cut:
                    if fault == "reset" and request.transport is not None:
                        request.transport.abort()  # RST mid-body: the client sees a reset
                        return response
                    await asyncio.sleep(3600)  # stall: never send more
                length = min(step, size - offset)
                # the file's own block only for its last pieces: not held all along
                own = _block(number) if offset + length > own_from else b""
                piece = file_piece(own, size, offset, length)
                await response.write(piece)
                if config.rate:
                    # pace against the start time, so sleep granularity does not add up
                    ahead = (offset + len(piece)) / config.rate - (time.monotonic() - start)
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                        continue
                # write() returns at once while the socket takes the data: without this,
                # one fast client got its whole file before the loop served anyone else
                await asyncio.sleep(0)
            await response.write_eof()
        except (ConnectionError, OSError):
            pass  # the client went away (cancelled, timed out): nothing to report
        return response

    app = web.Application(middlewares=[request_started])
    app.on_response_prepare.append(one_request_per_connection)
    app.on_cleanup.append(stop_hashing)
    app.router.add_get("/", index)
    app.router.add_get("/files/{name}", serve_file)
    return app


def _number_of(name: str, count: int) -> int | None:
    if not (name.startswith("file-") and name.endswith(".bin")):
        return None
    digits = name[5:-4]
    if not digits.isdigit():
        return None
    number = int(digits)
    return number if 1 <= number <= count else None


def _tolerate_second_wakeup() -> None:
    """CPython before 3.12.8 / 3.13.1 (gh-109564): a server closed while a connection it
    accepted was not yet handled wakes its waiters twice, and the second time prints
    "TypeError: 'NoneType' object is not iterable" from a transport's __del__ (seen on
    3.13.0 when a run is ended mid-download). The fixed versions skip the second wake-up;
    so does this, on the others."""
    server: Any = asyncio.base_events.Server  # _wakeup is private: not in the stubs
    plain = server._wakeup
    if getattr(plain, "_once", False):
        return

    def _wakeup(self: Any) -> None:
        if self._waiters is not None:
            plain(self)

    _wakeup._once = True  # type: ignore[attr-defined]
    server._wakeup = _wakeup


async def _serve(config: ServerConfig, host: str, port: int, watch_stdin: bool) -> None:
    _tolerate_second_wakeup()
    import logging

    from aiohttp import web

    # a client that hangs up mid-body is normal here (cancel, give-up timeout, reset fault)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)

    cap = connection_cap(config.max_connections)
    guard = ConnectionGuard(lambda: runner.server(), cap, config.header_timeout)  # type: ignore[misc]
    # stalled responses never finish on their own: do not wait for them at shutdown
    runner = web.AppRunner(make_app(config, guard), access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    loop = asyncio.get_running_loop()
    try:
        server = await loop.create_server(guard, host, port, backlog=2048, reuse_address=True)
    except BaseException:
        await runner.cleanup()
        raise
    for sock in server.sockets:  # accepted connections inherit it
        # a fixed send buffer: autotuned ones grow to 4 MiB each, and 1000 downloads
        # held 2 GB of the kernel's memory
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    bound = server.sockets[0].getsockname()[1] if server.sockets else port
    print(f"http://{host}:{bound}/", flush=True)
    stop = asyncio.Event()
    if watch_stdin:  # the parent closing our stdin (or dying) ends the server
        loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not os.read(0, 1024) else None)
    try:
        await stop.wait()
    finally:
        server.close()  # no new connections; then the open ones are shut down
        await runner.cleanup()


def serve_forever(
    config: ServerConfig, host: str = "127.0.0.1", port: int = 0, watch_stdin: bool = False
) -> None:
    config.validate()
    check_loopback(host)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C ends `threadtruth serve` quietly
        asyncio.run(_serve(config, host, port, watch_stdin))


# -- the parent's handle -----------------------------------------------------------------------
class DemoServer:
    """Start the demo server in a child process; `url` is its base URL once started."""

    def __init__(self, config: ServerConfig) -> None:
        config.validate()
        self.config = config
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> str:
        args = [
            sys.executable,
            "-m",
            "threadtruth_gui.engine.demo_server",
            "--child",
            "--count",
            str(self.config.count),
            "--size",
            str(self.config.size),
            "--latency",
            str(self.config.latency),
            "--rate",
            str(self.config.rate),
            "--chunk",
            str(self.config.chunk),
            "--fail",
            ",".join(f"{kind}:{n}" for n, kind in self.config.faults.items()),
            "--header-timeout",
            str(self.config.header_timeout),
            "--max-connections",
            str(self.config.max_connections),
        ]
        # a session of its own: Ctrl+C or a hang-up for the terminal reaches the app, which
        # stops the server (stdin closed), never the server mid start-up (a traceback)
        self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        assert self._proc.stdout is not None
        line = _readline(self._proc.stdout, READY_TIMEOUT_S)
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError("the demo server did not start")
        self.url = line.strip()
        return self.url

    def file_urls(self) -> list[str]:
        return [f"{self.url}files/{file_name(n)}" for n in range(1, self.config.count + 1)]

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the child sees EOF and shuts down cleanly
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _readline(stream: IO[str], timeout: float) -> str:
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        if not sel.select(timeout):
            return ""
    return stream.readline()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="threadtruth-demo-server")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--size", type=int, default=256 * 1024)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--chunk", type=int, default=8 * 1024)
    parser.add_argument("--fail", default="")
    parser.add_argument("--header-timeout", type=float, default=HEADER_TIMEOUT_S)
    parser.add_argument("--max-connections", type=int, default=0)
    args = parser.parse_args(argv)
    config = ServerConfig(
        args.count,
        args.size,
        args.latency,
        args.rate,
        parse_faults(args.fail),
        args.chunk,
        args.header_timeout,
        args.max_connections,
    )
    serve_forever(config, args.host, args.port, watch_stdin=args.child)
    return 0


if __name__ == "__main__":
    sys.exit(main())
