"""Download-style jobs on a thread pool: 4 workers share 8 jobs and one lock.

What is simulated, so that this runs offline: the network wait is a time.sleep, and each
"downloaded" chunk is made up here. What is real: each job then checksums its chunk in
pure Python (one small function call per block, about 0.07 s of work) and adds the result
to a shared total under a lock. The 4 workers sleep together (8 waits of 0.3 s cost about
0.6 s, not 2.4 s), but their Python work takes turns: only one thread runs at a time.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

JOBS = 8
LATENCY_S = 0.3  # the simulated network wait of one download
BLOCKS = 12_000  # blocks per chunk
BLOCK_SIZE = 80  # bytes per block

total_lock = threading.Lock()
total = 0


def fake_download(job: int) -> list[bytes]:
    """Wait as a download would, then hand back a made-up chunk of BLOCKS blocks."""
    time.sleep(LATENCY_S)
    pattern = bytes(range(256)) * 2
    return [pattern[(job + i) % 256 :][:BLOCK_SIZE] for i in range(BLOCKS)]


def block_sum(block: bytes) -> int:
    value = 0
    for byte in block:
        value = (value * 31 + byte) % 65_521
    return value


def download(job: int) -> int:
    checksum = 0
    for block in fake_download(job):
        checksum += block_sum(block)
    global total
    with total_lock:  # += on a shared global is not atomic: the lock makes it so
        total += checksum
    return checksum


def main() -> None:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        sums = list(pool.map(download, range(JOBS)))
    elapsed = time.perf_counter() - started
    print(f"downloaded {JOBS} chunks on 4 workers in {elapsed:.2f} s")
    print(f"total checksum: {total}")
    print(f"the total is the sum of the jobs' checksums: {total == sum(sums)}")


if __name__ == "__main__":
    main()
