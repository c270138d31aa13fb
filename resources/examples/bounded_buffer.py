"""A bounded buffer built on threading.Condition: a fast producer waits for "not full".

The buffer holds at most 2 items. The producer makes 6 items at once; the consumer takes
0.15 s per item (a time.sleep: the work is simulated). So the producer fills the buffer
and then waits on the condition until the consumer has taken an item and notified it.
Both wait in a `while` loop, as a Condition requires: a wake-up is a hint, not a promise.
"""

import threading
import time
from collections import deque

CAPACITY = 2
ITEMS = 6
WORK_S = 0.15  # the simulated time the consumer takes per item


class BoundedBuffer:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: deque[int] = deque()
        self.changed = threading.Condition()  # "not full" and "not empty" share it
        self.full_waits = 0

    def put(self, item: int) -> None:
        with self.changed:
            while len(self.items) == self.capacity:
                self.full_waits += 1
                self.changed.wait()  # releases the lock while it waits
            self.items.append(item)
            self.changed.notify_all()

    def get(self) -> int:
        with self.changed:
            while not self.items:
                self.changed.wait()
            item = self.items.popleft()
            self.changed.notify_all()
            return item


buffer = BoundedBuffer(CAPACITY)
taken: list[int] = []


def produce() -> None:
    for item in range(1, ITEMS + 1):
        buffer.put(item)


def consume() -> None:
    for _ in range(ITEMS):
        taken.append(buffer.get())
        time.sleep(WORK_S)


def main() -> None:
    producer = threading.Thread(name="producer", target=produce)
    consumer = threading.Thread(name="consumer", target=consume)
    for thread in (producer, consumer):
        thread.start()
    for thread in (producer, consumer):
        thread.join()
    print(f"consumer took {taken} in order: {taken == list(range(1, ITEMS + 1))}")
    print(f"the producer waited for 'not full' {buffer.full_waits} times")


if __name__ == "__main__":
    main()
