"""The network-backend API the system layer talks to, and ASTRA-sim's message matching."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict, deque
from typing import Any, Callable

Callback = Callable[[], None]
MessageKey = tuple[int, int, int, int]  # (tag, src, dst, size_bytes)


def noop() -> None:
    """A completion handler with nothing to do; backends may skip calling it."""
    return None


class NetworkBackend(ABC):
    """What the system layer may call. The backend owns the clock; times are integer ns."""

    name: str = "abstract"

    @abstractmethod
    def now(self) -> int:
        """Current simulated time in ns."""

    @abstractmethod
    def schedule(self, delay_ns: int, fn: Callback) -> None:
        """Run fn at now + delay_ns (same-time events run in the order they were scheduled)."""

    @abstractmethod
    def send(self, src: int, dst: int, size: int, tag: int, on_done: Callback) -> None:
        """Inject size bytes from src to dst; on_done fires when the last byte reaches dst."""

    @abstractmethod
    def recv(self, dst: int, src: int, size: int, tag: int, on_done: Callback) -> None:
        """Post a receive; on_done fires once the matching message has arrived and this is posted."""

    @abstractmethod
    def run(self) -> None:
        """Run until no event is left (or raise SimulationError if progress stops)."""

    def telemetry(self) -> dict[str, Any]:
        """Backend counters for the result JSON (empty for backends without a fabric)."""
        return {}

    def close(self) -> None:
        """Release the simulator so that another run can start in this process."""


class MessageMatcher:
    """ASTRA-sim's send/recv matching: key (tag, src, dst, size), n-th send matches n-th recv.

    On arrival of the last byte: if the receive is posted, the send handler then the receive
    handler fire at that instant; otherwise the send handler fires and the arrival is parked,
    and a later receive completes with a zero delay. (The ns-3 bridge applies these same rules
    in C++, fabric-bridge.cc, so that a delivery costs Python only the handlers it runs.)
    """

    def __init__(self, schedule: Callable[[int, Callback], None]) -> None:
        self._schedule = schedule
        self._posted: defaultdict[MessageKey, deque[Callback]] = defaultdict(deque)
        self._arrived: defaultdict[MessageKey, int] = defaultdict(int)

    def delivered(self, key: MessageKey, on_sent: Callback) -> None:
        """Call when the last byte of a message with `key` has reached its destination."""
        on_sent()
        waiting = self._posted.get(key)
        if waiting:
            handler = waiting.popleft()
            if not waiting:
                del self._posted[key]
            handler()
        else:
            self._arrived[key] += 1

    def posted(self, key: MessageKey, on_recv: Callback) -> None:
        """Call when a receive for `key` is posted."""
        if self._arrived.get(key, 0) > 0:
            self._arrived[key] -= 1
            if not self._arrived[key]:
                del self._arrived[key]
            self._schedule(0, on_recv)
        else:
            self._posted[key].append(on_recv)

    def pending(self) -> tuple[int, int]:
        """(receives still waiting, arrivals never received): both 0 after a clean run."""
        return (sum(len(q) for q in self._posted.values()), sum(self._arrived.values()))
