"""ASTRA-sim's analytical network: congestion-unaware (closed form) and congestion-aware (links).

Unaware: a message costs floor(hops x latency + bytes / BW) in the lowest dimension where source
and destination differ (Ring: shortest way round, FullyConnected: 1 hop, Switch: 2 hops, the
serialization counted once). Messages never interact.

Aware: every directed link is a FIFO; a message is one store-and-forward unit that, per hop,
reaches the next device after floor(latency + bytes / BW) and frees the link after
floor(bytes / BW). ASTRA-sim allows this on 1-D topologies only. Here it also runs on
multi-dimensional ones: each dimension instance (the NPUs that share every other coordinate)
owns its own Ring / FullyConnected / Switch links, and a message travels inside the lowest
dimension where its endpoints differ, so a lone message costs the same as in the unaware model
with the store-and-forward per-hop rule, and only messages sharing a dimension instance contend.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import Any, Callable

from astrasim_py.config.network import NetworkConfig
from astrasim_py.errors import InputError
from astrasim_py.network.api import MessageMatcher, NetworkBackend
from astrasim_py.network.event_queue import EventQueue

Callback = Callable[[], None]


class _ProgressPrinter:
    """Prints simulated time and events/s to stderr every few seconds of wall clock (the ns-3
    fabric prints the same line from C++)."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.start = time.perf_counter()
        self.last = self.start
        self.last_events = 0
        self.every_s = every_s

    def __call__(self, now: int, events: int) -> None:
        wall = time.perf_counter()
        if wall - self.last >= self.every_s:
            rate = (events - self.last_events) / (wall - self.last)
            self.last, self.last_events = wall, events
            print(f"[progress] simulated {now / 1000:.1f} us, {events} events, {rate / 1e6:.2f} M events/s, "
                  f"wall {wall - self.start:.1f} s", file=sys.stderr, flush=True)


class _FastMatcher(MessageMatcher):
    """MessageMatcher's rules with one plain dict: key -> handler, deque of handlers, or arrivals.

    A key maps to a callable (one posted receive), a deque (several posted receives, FIFO), or
    an int (arrivals not yet received). Keys never hold receives and arrivals at once.
    """

    def __init__(self, schedule) -> None:
        super().__init__(schedule)
        self._state: dict = {}

    def delivered(self, key, on_sent) -> None:
        on_sent()
        state = self._state.get(key)
        if state is None:
            self._state[key] = 1
        elif type(state) is int:
            self._state[key] = state + 1
        elif type(state) is deque:
            handler = state.popleft()
            if len(state) == 1:
                self._state[key] = state[0]
            handler()
        else:
            del self._state[key]
            state()

    def posted(self, key, on_recv) -> None:
        state = self._state.get(key)
        if state is None:
            self._state[key] = on_recv
        elif type(state) is int:
            if state == 1:
                del self._state[key]
            else:
                self._state[key] = state - 1
            self._schedule(0, on_recv)
        elif type(state) is deque:
            state.append(on_recv)
        else:
            self._state[key] = deque((state, on_recv))

    def pending(self) -> tuple[int, int]:
        receives = arrivals = 0
        for state in self._state.values():
            if type(state) is int:
                arrivals += state
            elif type(state) is deque:
                receives += len(state)
            else:
                receives += 1
        return receives, arrivals


class _Geometry:
    """Per-dimension strides and hop rules shared by both models."""

    def __init__(self, net: NetworkConfig) -> None:
        if not net.dims:
            raise InputError("the analytical backends need topology, npus_count, bandwidth and latency",
                             file=net.source, field="topology",
                             fix="give the per-dimension lists (a fabric-only file needs --backend ns3)")
        self.dims = net.dims
        self.num_npus = net.num_npus
        self.strides = []
        stride = 1
        for dim in net.dims:
            self.strides.append(stride)
            stride *= dim.npus

    def lowest_dim(self, src: int, dst: int) -> tuple[int, int, int]:
        """(dimension, source coordinate, destination coordinate) of the lowest differing dimension."""
        for d, dim in enumerate(self.dims):
            stride = self.strides[d]
            a = (src // stride) % dim.npus
            b = (dst // stride) % dim.npus
            if a != b:
                return d, a, b
        raise ValueError(f"message from {src} to itself")


def _hops(topology: str, n: int, a: int, b: int) -> int:
    if topology == "Ring":
        cw = (b - a) % n
        return min(cw, n - cw)
    if topology == "FullyConnected":
        return 1
    return 2


class AnalyticalBackend(NetworkBackend):
    """Congestion-unaware analytical model (ASTRA-sim's AstraSim_Analytical_Congestion_Unaware)."""

    name = "analytical"

    def __init__(self, net: NetworkConfig) -> None:
        self.geometry = _Geometry(net)
        self.queue = EventQueue()
        self.matcher = _FastMatcher(self.queue.schedule)
        self.schedule = self.queue.schedule  # type: ignore[method-assign]  # hot path, same contract
        self._delivered = self.matcher.delivered
        self._posted = self.matcher.posted
        self._delays: dict[tuple[int, int, int], int] = {}
        self.messages = 0
        self.bytes = 0

    def now(self) -> int:
        """Current simulated time in ns."""
        return self.queue.now

    def schedule(self, delay_ns: int, fn: Callback) -> None:
        """Run fn at now + delay_ns."""
        self.queue.schedule(delay_ns, fn)

    def delay(self, src: int, dst: int, size: int) -> int:
        """The closed-form network delay of one message."""
        key = (src, dst, size)
        value = self._delays.get(key)
        if value is None:
            d, a, b = self.geometry.lowest_dim(src, dst)
            dim = self.geometry.dims[d]
            hops = _hops(dim.topology, dim.npus, a, b)
            value = int(hops * dim.latency_ns + size / dim.bytes_per_ns)
            self._delays[key] = value
        return value

    def send(self, src: int, dst: int, size: int, tag: int, on_done: Callback) -> None:
        """Deliver after the closed-form delay."""
        self.messages += 1
        self.bytes += size
        key = (tag, src, dst, size)
        delay = self._delays.get((src, dst, size))
        if delay is None:
            delay = self.delay(src, dst, size)
        delivered = self._delivered
        self.queue.push(delay, lambda: delivered(key, on_done))

    def recv(self, dst: int, src: int, size: int, tag: int, on_done: Callback) -> None:
        """Post a receive (ASTRA-sim matching rules)."""
        self._posted((tag, src, dst, size), on_done)

    def run(self) -> None:
        """Run until the event queue drains (progress lines on stderr for runs longer than 5 s)."""
        self.queue.run(_ProgressPrinter() if getattr(self, "progress", True) else None)

    def telemetry(self) -> dict[str, Any]:
        """Message counts (no fabric state in this model)."""
        return {"model": "congestion_unaware", "messages": self.messages, "bytes": self.bytes,
                "events": self.queue.events_run}


class _Link:
    """One directed link: a FIFO of waiting chunks and a busy flag."""

    __slots__ = ("busy", "pending", "bw", "latency", "bytes", "chunks", "busy_ns", "max_queue", "on_free")

    def __init__(self, bw: float, latency: float) -> None:
        self.busy = False
        self.pending: deque = deque()
        self.bw = bw
        self.latency = latency
        self.bytes = 0
        self.chunks = 0
        self.busy_ns = 0
        self.max_queue = 0
        self.on_free: Callback | None = None  # bound once by the backend (hot path)


class AnalyticalAwareBackend(AnalyticalBackend):
    """Congestion-aware model (ASTRA-sim's AstraSim_Analytical_Congestion_Aware), any dimensions."""

    name = "analytical-aware"

    def __init__(self, net: NetworkConfig) -> None:
        super().__init__(net)
        self._links: dict[tuple[int, int], _Link] = {}
        self._routes: dict[tuple[int, int], tuple[_Link, ...]] = {}

    def _link(self, u: int, v: int, d: int) -> _Link:
        link = self._links.get((u, v))
        if link is None:
            dim = self.geometry.dims[d]
            link = _Link(dim.bytes_per_ns, dim.latency_ns)
            link.on_free = lambda: self._free(link)
            self._links[(u, v)] = link
        return link

    def route(self, src: int, dst: int) -> tuple[_Link, ...]:
        """The links a message from src to dst crosses (device ids; switches after the NPUs)."""
        key = (src, dst)
        route = self._routes.get(key)
        if route is not None:
            return route
        geo = self.geometry
        d, a, b = geo.lowest_dim(src, dst)
        dim = geo.dims[d]
        stride = geo.strides[d]
        base = src - a * stride
        n = dim.npus
        if dim.topology == "Ring":
            cw = (b - a) % n
            step = 1 if cw <= n - cw else -1
            hops = cw if step == 1 else n - cw
            path = [base + ((a + step * i) % n) * stride for i in range(hops + 1)]
        elif dim.topology == "FullyConnected":
            path = [src, dst]
        else:
            # One switch per dimension instance; its id is unique over (dimension, instance base).
            switch = geo.num_npus + d * geo.num_npus + base
            path = [src, switch, dst]
        route = tuple(self._link(path[i], path[i + 1], d) for i in range(len(path) - 1))
        self._routes[key] = route
        return route

    def send(self, src: int, dst: int, size: int, tag: int, on_done: Callback) -> None:
        """Inject one chunk into the first link of its route."""
        self.messages += 1
        self.bytes += size
        route = self._routes.get((src, dst))
        if route is None:
            route = self.route(src, dst)
        chunk = [route, 0, size, (tag, src, dst, size), on_done]
        link = route[0]
        if link.busy:
            self._enqueue(link, chunk)
        else:
            self._transmit(link, chunk)

    @staticmethod
    def _enqueue(link: _Link, chunk: list) -> None:
        link.pending.append(chunk)
        if len(link.pending) > link.max_queue:
            link.max_queue = len(link.pending)

    def _transmit(self, link: _Link, chunk: list) -> None:
        link.busy = True
        size = chunk[2]
        serialization = size / link.bw
        link.bytes += size
        link.chunks += 1
        free_in = int(serialization)
        link.busy_ns += free_in
        queue = self.queue
        # Arrival is scheduled before the link-free event: at equal times it runs first.
        queue.push(int(serialization + link.latency), lambda: self._arrive(chunk))
        queue.push(free_in, link.on_free)

    def _free(self, link: _Link) -> None:
        link.busy = False
        if link.pending:
            self._transmit(link, link.pending.popleft())

    def _arrive(self, chunk: list) -> None:
        hop = chunk[1] + 1
        chunk[1] = hop
        route = chunk[0]
        if hop == len(route):
            self._delivered(chunk[3], chunk[4])
        else:
            link = route[hop]
            if link.busy:
                self._enqueue(link, chunk)
            else:
                self._transmit(link, chunk)

    def telemetry(self) -> dict[str, Any]:
        """Per-model counters plus link load summary."""
        out = super().telemetry()
        out["model"] = "congestion_aware"
        links = self._links.values()
        out["links_used"] = len(self._links)
        out["max_link_bytes"] = max((l.bytes for l in links), default=0)
        out["max_link_busy_ns"] = max((l.busy_ns for l in links), default=0)
        out["max_link_queue"] = max((l.max_queue for l in links), default=0)
        return out


def create_backend(kind: str, net: NetworkConfig) -> NetworkBackend:
    """'analytical' (congestion-unaware) or 'analytical-aware' (congestion-aware)."""
    if kind == "analytical":
        return AnalyticalBackend(net)
    if kind == "analytical-aware":
        return AnalyticalAwareBackend(net)
    raise InputError(f"unknown analytical backend {kind!r}", field="backend",
                     fix="use analytical or analytical-aware")
