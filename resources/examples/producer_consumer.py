"""Producer and consumers over a queue.Queue(maxsize=2): puts wait when the queue is full.

One producer makes 8 items faster than two consumers can handle them, so the queue fills
and the producer's put() waits for room. Each consumer's work is a time.sleep (simulated,
so the run is short and offline). At the end the producer puts one sentinel (None) per
consumer: a consumer that gets one stops.
"""

import queue
import threading
import time

ITEMS = 8
CONSUMERS = 2
WORK_S = 0.15  # the simulated time a consumer takes per item

jobs: queue.Queue[int | None] = queue.Queue(maxsize=2)
done: list[tuple[str, int]] = []  # list.append is atomic: no lock needed for it


def produce() -> None:
    for item in range(1, ITEMS + 1):
        started = time.perf_counter()
        jobs.put(item)  # waits while the queue holds 2 items
        waited = time.perf_counter() - started
        print(f"producer: put item {item} (waited {waited:.2f} s for room)")
    for _ in range(CONSUMERS):
        jobs.put(None)  # one sentinel per consumer


def consume() -> None:
    name = threading.current_thread().name
    while (item := jobs.get()) is not None:
        time.sleep(WORK_S)
        done.append((name, item))


def main() -> None:
    threads = [threading.Thread(name="producer", target=produce)]
    threads += [
        threading.Thread(name=f"consumer-{n}", target=consume) for n in range(1, CONSUMERS + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(1, CONSUMERS + 1):
        mine = sorted(item for who, item in done if who == f"consumer-{n}")
        print(f"consumer-{n} handled {mine}")
    handled = sorted(item for _, item in done)
    print(f"every item handled once: {handled == list(range(1, ITEMS + 1))}")


if __name__ == "__main__":
    main()
