"""Dining philosophers, fixed: each takes the lower-numbered of their two forks first.

The same 3 philosophers, forks and 0.2 s of thinking as philosophers_deadlock.py, with one
change: a philosopher picks up their two forks in fork order, not left-then-right. The
last philosopher's forks are 2 and 0, so they reach for fork 0 first, and wait for it
holding nothing. A circle of waits needs someone to hold a higher fork while waiting for a
lower one; nobody does, so there is no cycle, and everyone eats.
"""

import sys
import threading
import time

PHILOSOPHERS = 3
THINK_S = 0.2

forks = [threading.Lock() for _ in range(PHILOSOPHERS)]


def say(line: str) -> None:
    # one write per line, so that two threads' lines never mix; flushed, so it shows at once
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def dine(seat: int) -> None:
    left, right = seat, (seat + 1) % PHILOSOPHERS
    first, second = min(left, right), max(left, right)  # the fix: always in fork order
    with forks[first]:
        say(f"philosopher-{seat} took fork {first}, thinking")
        time.sleep(THINK_S)
        say(f"philosopher-{seat} reaches for fork {second}")
        with forks[second]:
            say(f"philosopher-{seat} eats")


def main() -> None:
    threads = [
        threading.Thread(name=f"philosopher-{seat}", target=dine, args=(seat,))
        for seat in range(PHILOSOPHERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("everyone ate")


if __name__ == "__main__":
    main()
