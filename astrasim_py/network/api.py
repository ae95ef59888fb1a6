"""The network-backend API the system layer talks to: every call it makes is declared here.

A backend implements the abstract clock and message calls; the rest have a default built on
them, which a backend with a faster way overrides (the analytical models hand out their event
queue and their compiled core, the ns-3 backend binds the calls to its C++ bridge). The system
layer calls only what this class declares and never asks a backend what it is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable

from astrasim_py.network.event_queue import EventQueue, TickMap, noop
from astrasim_py.network.matching import CollectiveChannel, MessageMatcher

Callback = Callable[[], None]
MessageKey = tuple[int, int, int, int]  # (tag, src, dst, size_bytes)

__all__ = ["Callback", "CollectiveChannel", "MessageKey", "MessageMatcher", "NetworkBackend", "noop"]


class NetworkBackend(ABC):
    """What the system layer may call. The backend owns the clock; times are integer ns.

    Send/recv follow ASTRA-sim's matching rule (astrasim_py.network.matching). A negative delay
    anywhere raises SimulationError("cannot schedule N ns in the past"); an exception raised by
    a callback ends run() with that exception.
    """

    name: str = "abstract"

    def __init__(self) -> None:
        self._tick_maps: dict[int, TickMap] = {}

    # -- the calls every backend implements ------------------------------------------------
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

    @abstractmethod
    def unmatched(self) -> tuple[int, int]:
        """(receives still waiting, arrivals never received): both 0 after a clean run."""

    # -- calls with a default built on the ones above --------------------------------------
    def register_tick(self, rank: int, delay_ns: int, fn: Callback) -> None:
        """ASTRA-sim's per-rank event map: run fn at now + delay_ns after what `rank` registered
        earlier for that tick; callables registered for the running tick join its pass."""
        self.tick_map(rank).register(delay_ns, fn)

    def tick_map(self, rank: int) -> TickMap | None:
        """The Python tick map register_tick uses for `rank` (callers may use it directly), or
        None for a backend that keeps the map natively (ns-3: in C++)."""
        ticks = self._tick_maps.get(rank)
        if ticks is None:
            ticks = TickMap(self.event_queue(), self)
            self._tick_maps[rank] = ticks
        return ticks

    def event_queue(self) -> EventQueue | None:
        """The Python event queue the clock lives in, or None when it lives elsewhere."""
        return None

    def step_unchecked(self, npu: int, dst: int, src: int, size: int, tag: int, on_recv: Callback) -> None:
        """A collective step whose messages are valid by construction: send npu -> dst (nothing
        to do on completion), then post npu's receive from src."""
        self.send(npu, dst, size, tag, noop)
        self.recv(npu, src, size, tag, on_recv)

    def collective_channel(self) -> CollectiveChannel:
        """What collective algorithms step through (without rendezvous): by default one built
        on step_unchecked."""
        return CollectiveChannel(self)

    def set_progress(self, enabled: bool) -> None:
        """Print progress lines on stderr during long runs (a backend may have none)."""

    def telemetry(self) -> dict[str, Any]:
        """Backend counters for the result JSON (empty for backends without a fabric)."""
        return {}

    def close(self) -> None:
        """Release the simulator so that another run can start in this process."""
