"""CPU-bound work on a thread pool, then on a process pool: the GIL decides.

The same 4 jobs (count the primes below a limit, in pure Python: nothing is simulated)
run on a ThreadPoolExecutor and then on a ProcessPoolExecutor. Threads take turns holding
the GIL, so 4 threads take about as long as one thread doing all 4 jobs. Processes each
have their own interpreter and GIL, so on a machine with several free cores they run at
once. The `if __name__ == "__main__":` guard matters: each worker process imports this
file, and must not start pools of its own.
"""

import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

JOBS = 4
LIMIT = 60_000  # primes below this, per job: about 0.1 s of pure Python


def count_primes(limit: int) -> int:
    count = 0
    for n in range(2, limit):
        if all(n % d for d in range(2, int(n**0.5) + 1)):
            count += 1
    return count


def timed(pool: Executor) -> tuple[list[int], float]:
    started = time.perf_counter()
    with pool:
        counts = list(pool.map(count_primes, [LIMIT] * JOBS))
    return counts, time.perf_counter() - started


def main() -> None:
    on_threads, threads_s = timed(ThreadPoolExecutor(max_workers=JOBS))
    on_processes, processes_s = timed(ProcessPoolExecutor(max_workers=JOBS))
    print(f"{JOBS} jobs, {on_threads[0]} primes below {LIMIT} each")
    print(f"thread pool:  {threads_s:.2f} s")
    print(f"process pool: {processes_s:.2f} s")
    print(f"same answers: {on_threads == on_processes}")


if __name__ == "__main__":
    main()
