"""The download code the download scenarios run, and show in the code pane, verbatim.

`received()` takes the place of a progress print and `guard` bounds each file (its size,
counted after gzip is inflated, and its time: see _download_limits); the rest is ordinary
requests and aiohttp. The functions are short and unannotated because they are read on a
shared screen.
"""

import aiohttp
import requests

from threadtruth_gui.engine.context import received
from threadtruth_gui.engine.demo_server import HASH_HEADER

CHUNK = 16 * 1024


def download(url, path, timeout, guard):
    with requests.Session() as session:  # one Session per thread
        session.trust_env = False  # no proxy lookup per request, as aiohttp by default
        guard.watch(session)  # Reset or the time limit can shut its socket
        with session.get(url, stream=True, timeout=(5, timeout)) as response:
            response.raise_for_status()
            total = int(response.headers.get("Content-Length", 0))
            with open(path, "wb") as out:
                for chunk in response.iter_content(CHUNK):
                    guard.count(len(chunk))  # the size cap
                    out.write(chunk)
                    received(len(chunk), total)
            return response.headers.get(HASH_HEADER)


def client_session(connections, timeout):
    return aiohttp.ClientSession(  # one session for every coroutine of the run
        timeout=aiohttp.ClientTimeout(sock_connect=5, sock_read=timeout),
        connector=aiohttp.TCPConnector(limit=connections),
    )


async def download_async(session, url, path, guard):
    async with session.get(url) as response:
        response.raise_for_status()
        guard.watch(response)  # a length over the cap: stop
        total = response.content_length or 0
        with open(path, "wb") as out:  # small local writes; the network is the wait
            async for chunk in response.content.iter_chunked(CHUNK):
                guard.count(len(chunk))  # the size cap
                out.write(chunk)
                received(len(chunk), total)
        return response.headers.get(HASH_HEADER)
