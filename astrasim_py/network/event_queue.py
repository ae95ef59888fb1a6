"""Discrete-event queue with integer-ns time buckets (ASTRA-sim's same-time FIFO order).

A heap holds each distinct time once; each time owns a list of callbacks run in the order they
were scheduled. A callback scheduled for the current time while its bucket runs is appended and
runs in the same pass, exactly as ASTRA-sim's event queue does. `TickMap` is ASTRA-sim's per-rank
event map on top of it (one queue event per rank and tick).

event_queue.pxd types this class for the compiled build (Cython); the source runs as it is.
"""

from __future__ import annotations

from heapq import heappop, heappush
from typing import Any, Callable

from astrasim_py.errors import SimulationError


def noop() -> None:
    """A completion handler with nothing to do; backends may skip calling it."""
    return None


def past_error(delay: int) -> SimulationError:
    """The error every backend raises for a negative delay (the C++ bridge says the same)."""
    return SimulationError(f"cannot schedule {delay} ns in the past")


class Event:
    """Base of the hot event objects (messages, links, ranks' ticks): the queue calls fire()
    directly, a C method call in the compiled build; calling the object works too."""

    __slots__ = ()

    def fire(self) -> None:
        """Run the event."""
        raise NotImplementedError

    def __call__(self) -> None:
        self.fire()


class EventQueue:
    """Integer-time event queue; `now` is the time of the bucket being run."""

    __slots__ = ("now", "_times", "_buckets", "events_run", "_last_t", "_last_bucket", "_prev_t", "_prev_bucket")

    def __init__(self) -> None:
        self.now = 0
        self._times: list[int] = []
        self._buckets: dict[int, list[Callable[[], None]]] = {}
        self.events_run = 0
        # The buckets of the two latest pushed times (most recent first): pushes mostly go to
        # one of two times (every rank of a symmetric collective acts at the same instants, and
        # a link model pushes an arrival and a link-free time per hop), so they skip the dict.
        self._last_t = -1
        self._last_bucket: list | None = None
        self._prev_t = -1
        self._prev_bucket: list | None = None

    def schedule(self, delay: int, fn: Callable[[], None]) -> None:
        """Run fn at now + delay (delay truncated to an integer ns, never negative)."""
        delay = int(delay)
        if delay < 0:
            raise past_error(delay)
        self.push(delay, fn)

    def push(self, delay: int, fn: Callable[[], None]) -> None:
        """schedule() for callers that guarantee an integer delay >= 0 (hot path)."""
        t = self.now + delay
        if t == self._last_t:
            self._last_bucket.append(fn)
            return
        if t == self._prev_t:
            bucket = self._prev_bucket
            bucket.append(fn)
        else:
            bucket = self._buckets.get(t)
            if bucket is None:
                bucket = [fn]
                self._buckets[t] = bucket
                heappush(self._times, t)
            else:
                bucket.append(fn)
        self._prev_t = self._last_t
        self._prev_bucket = self._last_bucket
        self._last_t = t
        self._last_bucket = bucket

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
                fn = bucket[i]
                if isinstance(fn, Event):
                    event = fn  # typed Event in the .pxd: fire() becomes a C method call
                    event.fire()
                else:
                    fn()
                i += 1
            count += i
            del buckets[t]
            if self._last_t == t:
                self._last_t = -1
                self._last_bucket = None
            elif self._prev_t == t:
                self._prev_t = -1
                self._prev_bucket = None
        self.events_run += count

    def empty(self) -> bool:
        """True when no event is pending."""
        return not self._times


class TickMap(Event):
    """One rank's ASTRA-sim event map (Sys::register_event): callables per tick, one backend
    event per tick that runs them in registration order.

    Callables registered for the running tick join the same pass. It runs on an EventQueue (a
    C call per push in the compiled build) or, for a backend without one, on its schedule/now.
    """

    __slots__ = ("_queue", "_backend", "_events")

    def __init__(self, queue: EventQueue | None, backend: Any = None) -> None:
        self._queue = queue
        self._backend = backend  # used only when queue is None
        self._events: dict[int, list[Callable[[], None]]] = {}

    def register(self, delay: int, fn: Callable[[], None]) -> None:
        """Run fn after delay ns, after what was registered earlier for that tick."""
        if delay < 0:
            raise past_error(delay)
        queue = self._queue
        if queue is not None:  # (two branches: each keeps t a C integer in the compiled build)
            t = queue.now + delay
        else:
            t = self._backend.now() + delay
        bucket = self._events.get(t)
        if bucket is None:
            self._events[t] = [fn]
            if queue is not None:
                queue.push(delay, self)
            else:
                self._backend.schedule(delay, self)
        else:
            bucket.append(fn)

    def fire(self) -> None:
        """Run the callables of the current tick (the one backend event of that tick)."""
        queue = self._queue
        if queue is not None:
            t = queue.now
        else:
            t = self._backend.now()
        bucket = self._events[t]
        i = 0
        while i < len(bucket):
            bucket[i]()
            i += 1
        del self._events[t]
