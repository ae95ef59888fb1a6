"""Discrete-event queue with integer-ns time buckets (ASTRA-sim's same-time FIFO order).

A heap holds each distinct time once; each time owns a list of callbacks run in the order they
were scheduled. A callback scheduled for the current time while its bucket runs is appended and
runs in the same pass, exactly as ASTRA-sim's event queue does.

event_queue.pxd types this class for the compiled build (Cython); the source runs as it is.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Callable


class EventQueue:
    """Integer-time event queue; `now` is the time of the bucket being run."""

    __slots__ = ("now", "_times", "_buckets", "events_run")

    def __init__(self) -> None:
        self.now = 0
        self._times: list[int] = []
        self._buckets: dict[int, list[Callable[[], None]]] = {}
        self.events_run = 0

    def schedule(self, delay: int, fn: Callable[[], None]) -> None:
        """Run fn at now + delay (delay truncated to an integer ns, never negative)."""
        delay = int(delay)
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        self.push(delay, fn)

    def push(self, delay: int, fn: Callable[[], None]) -> None:
        """schedule() for callers that guarantee an integer delay >= 0 (hot path)."""
        t = self.now + delay
        bucket = self._buckets.get(t)
        if bucket is None:
            self._buckets[t] = [fn]
            heappush(self._times, t)
        else:
            bucket.append(fn)

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Run every event until none is left; progress(now, events) is called every 65536 times."""
        times, buckets = self._times, self._buckets
        count = 0
        ticks = 0
        while times:
            ticks += 1
            if progress is not None and not ticks & 0xFFFF:
                progress(self.now, self.events_run + count)
            t = heappop(times)
            self.now = t
            bucket = buckets[t]
            i = 0
            while i < len(bucket):  # callbacks appended while the bucket runs run in this pass
                bucket[i]()
                i += 1
            count += i
            del buckets[t]
        self.events_run += count

    def empty(self) -> bool:
        """True when no event is pending."""
        return not self._times
