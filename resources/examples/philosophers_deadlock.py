"""Dining philosophers that deadlock, for sure: 3 philosophers, 3 forks, each takes its left.

Each philosopher takes their left fork, thinks for 0.2 s, then reaches for their right
fork, which is their neighbour's left. The 0.2 s makes it certain, not luck: all three
hold their left fork before any of them reaches for a right one, so each waits for the
next, in a circle, forever. Untraced, this program never ends: that is the point. Stop
it with Ctrl+C twice (the first ends main's join, the second the wait for the threads at
exit), or let a tracer find the cycle. philosophers_fixed.py has the one fix.
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
    with forks[left]:
        say(f"philosopher-{seat} took fork {left}, thinking")
        time.sleep(THINK_S)  # by now every philosopher holds their left fork
        say(f"philosopher-{seat} reaches for fork {right}")
        with forks[right]:  # held by the neighbour, who waits too: never granted
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
    print("everyone ate")  # never reached


if __name__ == "__main__":
    main()
