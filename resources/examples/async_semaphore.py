"""asyncio.gather of 8 fetches, at most 3 at a time: an asyncio.Semaphore(3) bounds them.

Each fetch is simulated, so this runs offline: the network wait is an asyncio.sleep. All 8
tasks start at once, but only 3 get past the semaphore; the others await it and go in as
earlier ones leave. So 8 fetches of 0.25 s take 3 rounds (about 0.75 s), not 0.25 s (no
bound) or 2 s (one at a time). One thread runs all of it: the tasks take turns at `await`.
"""

import asyncio
import time

FETCHES = 8
LIMIT = 3
LATENCY_S = 0.25  # the simulated network wait of one fetch

in_flight = 0
most_in_flight = 0


async def fetch(number: int, gate: asyncio.Semaphore) -> str:
    global in_flight, most_in_flight
    async with gate:  # waits here while 3 others are inside
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        await asyncio.sleep(LATENCY_S)
        in_flight -= 1
    return f"page {number}"


async def main() -> None:
    gate = asyncio.Semaphore(LIMIT)
    started = time.perf_counter()
    numbers = range(1, FETCHES + 1)
    tasks = [asyncio.create_task(fetch(n, gate), name=f"fetch-{n}") for n in numbers]
    pages = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    print(f"fetched {len(pages)} pages in {elapsed:.2f} s: {pages[0]} .. {pages[-1]}")
    print(f"at most {most_in_flight} fetches at once (the limit is {LIMIT})")


if __name__ == "__main__":
    asyncio.run(main())
