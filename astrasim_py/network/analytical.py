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
from astrasim_py.network.api import NetworkBackend
from astrasim_py.network.event_queue import Event, EventQueue, noop
from astrasim_py.network.matching import CollectiveChannel, MatchSlot, MessageMatcher

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


class _Delivery(Event):
    """A message in flight (unaware model): the event queue fires it when its last byte lands."""

    __slots__ = ("matcher", "key", "slot", "on_sent")

    def fire(self) -> None:
        """Hand the message to the matcher."""
        if self.slot is not None:
            self.matcher.slot_delivered(self.slot, self.on_sent)
        else:
            self.matcher.delivered(self.key, self.on_sent)


class _UnawareCore(CollectiveChannel):
    """The per-message work of the unaware model (one object, so the compiled build types it);
    as the backend's collective channel, algorithms call its step and keyed_step directly."""

    __slots__ = ("geometry", "queue", "matcher", "delays", "messages", "bytes")

    def __init__(self, geometry: _Geometry, queue: EventQueue, matcher: MessageMatcher) -> None:
        self.geometry = geometry
        self.queue = queue
        self.matcher = matcher
        self.delays: dict[tuple[int, int, int], int] = {}
        self.messages = 0
        self.bytes = 0

    def delay(self, src: int, dst: int, size: int) -> int:
        """The closed-form network delay of one message."""
        key = (src, dst, size)
        value = self.delays.get(key)
        if value is None:
            d, a, b = self.geometry.lowest_dim(src, dst)
            dim = self.geometry.dims[d]
            hops = _hops(dim.topology, dim.npus, a, b)
            value = int(hops * dim.latency_ns + size / dim.bytes_per_ns)
            self.delays[key] = value
        return value

    def send(self, src: int, dst: int, size: int, tag: int, on_done: Callback) -> None:
        """Deliver after the closed-form delay."""
        self.messages += 1
        self.bytes += size
        delay = self.delays.get((src, dst, size))
        if delay is None:
            delay = self.delay(src, dst, size)
        event = _Delivery.__new__(_Delivery)  # no __init__ call: cheaper in the compiled build
        event.matcher = self.matcher
        event.key = (tag, src, dst, size)
        event.slot = None
        event.on_sent = on_done
        self.queue.push(delay, event)

    def recv(self, dst: int, src: int, size: int, tag: int, on_done: Callback) -> None:
        """Post a receive (ASTRA-sim matching rules)."""
        self.matcher.posted((tag, src, dst, size), on_done)

    def step(self, npu: int, dst: int, src: int, size: int, tag: int, on_recv: Callback) -> None:
        """A collective step: send to dst (nothing to do on completion), then receive from src."""
        self.send(npu, dst, size, tag, noop)
        self.matcher.posted((tag, src, npu, size), on_recv)

    def path(self, src: int, dst: int, size: int):
        """What keyed_step needs for repeated messages src -> dst of one size (here: the delay)."""
        return self.delay(src, dst, size)

    def message_key(self, tag: int, src: int, dst: int, size: int) -> MatchSlot:
        """The matcher's slot of (tag, src, dst, size): the sender's and the receiver's
        keyed_step then share one object and match without hashing the key or a dict lookup."""
        return self.matcher.slot((tag, src, dst, size))

    def keyed_step(self, path, size: int, send_key, recv_key, on_recv: Callback) -> None:
        """step() for a caller that keeps its message keys (message_key()) and path(): a ring
        phase sends the same message to the same peer again and again."""
        # The keys are this core's MatchSlots; typed locals in the .pxd (checked casts), since
        # CollectiveChannel declares them as opaque objects.
        send_slot = send_key
        recv_slot = recv_key
        self.messages += 1
        self.bytes += size
        event = _Delivery.__new__(_Delivery)
        event.matcher = self.matcher
        event.key = None
        event.slot = send_slot
        event.on_sent = noop
        self.queue.push(path, event)
        self.matcher.slot_posted(recv_slot, on_recv)


class AnalyticalBackend(NetworkBackend):
    """Congestion-unaware analytical model (ASTRA-sim's AstraSim_Analytical_Congestion_Unaware)."""

    name = "analytical"

    def __init__(self, net: NetworkConfig) -> None:
        super().__init__()
        self.geometry = _Geometry(net)
        self.queue = EventQueue()
        self.matcher = MessageMatcher(self.queue)
        self.core = self._make_core()
        self.progress = True  # progress lines on stderr for runs longer than 5 s (set_progress)
        self.schedule = self.queue.schedule  # type: ignore[method-assign]
        # Hot path: the system layer calls the core without this layer, unless a subclass or a
        # test replaced send or recv (then every message goes through them, and the collective
        # channel is the generic one built on them).
        self._channel = CollectiveChannel(self)
        if (type(self).send, type(self).recv) == AnalyticalBackend._own_send_recv:
            self._channel = self.core
            self.send = self.core.send  # type: ignore[method-assign]
            self.recv = self.core.recv  # type: ignore[method-assign]
            self.step_unchecked = self.core.step  # type: ignore[method-assign]

    def _make_core(self):
        return _UnawareCore(self.geometry, self.queue, self.matcher)

    @property
    def messages(self) -> int:
        """Messages sent so far."""
        return self.core.messages

    @property
    def bytes(self) -> int:
        """Bytes sent so far."""
        return self.core.bytes

    def now(self) -> int:
        """Current simulated time in ns."""
        return self.queue.now

    def schedule(self, delay_ns: int, fn: Callback) -> None:
        """Run fn at now + delay_ns."""
        self.queue.schedule(delay_ns, fn)

    def delay(self, src: int, dst: int, size: int) -> int:
        """The closed-form network delay of one message (unaware model)."""
        return self.core.delay(src, dst, size)

    def send(self, src: int, dst: int, size: int, tag: int, on_done: Callback) -> None:
        """Inject size bytes from src to dst; on_done fires when the last byte reaches dst."""
        self.core.send(src, dst, size, tag, on_done)

    def recv(self, dst: int, src: int, size: int, tag: int, on_done: Callback) -> None:
        """Post a receive (ASTRA-sim matching rules)."""
        self.core.recv(dst, src, size, tag, on_done)

    _own_send_recv = (send, recv)  # to notice a send or recv replaced after class creation

    def event_queue(self) -> EventQueue:
        """The event queue this model runs on (tick maps push to it directly)."""
        return self.queue

    def collective_channel(self) -> CollectiveChannel:
        """The core itself (its step is a C call in the compiled build), unless send/recv were replaced."""
        return self._channel

    def unmatched(self) -> tuple[int, int]:
        """(receives still waiting, arrivals never received)."""
        return self.matcher.pending()

    def set_progress(self, enabled: bool) -> None:
        """Progress lines on stderr for runs longer than 5 s of wall clock (on by default)."""
        self.progress = bool(enabled)

    def run(self) -> None:
        """Run until the event queue drains (progress lines on stderr for runs longer than 5 s)."""
        self.queue.run(_ProgressPrinter() if self.progress else None)

    def telemetry(self) -> dict[str, Any]:
        """Message counts (no fabric state in this model)."""
        return {"model": "congestion_unaware", "messages": self.messages, "bytes": self.bytes,
                "events": self.queue.events_run}


class _Link(Event):
    """One directed link: a FIFO of waiting chunks and a busy flag; the event queue fires it
    when the link becomes free."""

    __slots__ = ("busy", "pending", "bw", "latency", "bytes", "chunks", "busy_ns", "max_queue", "core")

    def __init__(self, bw: float, latency: float, core: "_AwareCore") -> None:
        self.busy = False
        self.pending: deque = deque()
        self.bw = bw
        self.latency = latency
        self.bytes = 0
        self.chunks = 0
        self.busy_ns = 0
        self.max_queue = 0
        self.core = core

    def fire(self) -> None:
        """The link finished serializing."""
        self.core.free(self)


class _Chunk(Event):
    """One message crossing its route hop by hop; the event queue fires it on each arrival."""

    __slots__ = ("route", "hop", "size", "key", "slot", "on_done", "core")

    def fire(self) -> None:
        """The chunk reached the end of a hop."""
        self.core.arrive(self)


class _AwareCore(_UnawareCore):
    """The per-message work of the congestion-aware model: routes, link FIFOs, hop events."""

    __slots__ = ("links", "routes")

    def __init__(self, geometry: _Geometry, queue: EventQueue, matcher: MessageMatcher) -> None:
        super().__init__(geometry, queue, matcher)
        self.links: dict[tuple[int, int], _Link] = {}
        self.routes: dict[tuple[int, int], tuple[_Link, ...]] = {}

    def link(self, u: int, v: int, d: int) -> _Link:
        """The directed link u -> v of dimension d (made on first use)."""
        link = self.links.get((u, v))
        if link is None:
            dim = self.geometry.dims[d]
            link = _Link(dim.bytes_per_ns, dim.latency_ns, self)
            self.links[(u, v)] = link
        return link

    def route(self, src: int, dst: int) -> tuple:
        """The links a message from src to dst crosses (device ids; switches after the NPUs)."""
        key = (src, dst)
        route = self.routes.get(key)
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
        route = tuple(self.link(path[i], path[i + 1], d) for i in range(len(path) - 1))
        self.routes[key] = route
        return route

    def send(self, src: int, dst: int, size: int, tag: int, on_done: Callback) -> None:
        """Inject one chunk into the first link of its route."""
        self.messages += 1
        self.bytes += size
        route = self.routes.get((src, dst))
        if route is None:
            route = self.route(src, dst)
        chunk = _Chunk.__new__(_Chunk)  # no __init__ call: cheaper in the compiled build
        chunk.route = route
        chunk.hop = 0
        chunk.size = size
        chunk.key = (tag, src, dst, size)
        chunk.slot = None
        chunk.on_done = on_done
        chunk.core = self
        link = route[0]
        if link.busy:
            self.enqueue(link, chunk)
        else:
            self.transmit(link, chunk)

    def path(self, src: int, dst: int, size: int):
        """What keyed_step needs for repeated messages src -> dst (here: the route)."""
        return self.route(src, dst)

    def keyed_step(self, path, size: int, send_key, recv_key, on_recv: Callback) -> None:
        """step() with the caller's message keys and route (see _UnawareCore.keyed_step)."""
        send_slot = send_key  # MatchSlots, typed in the .pxd (as in _UnawareCore.keyed_step)
        recv_slot = recv_key
        self.messages += 1
        self.bytes += size
        chunk = _Chunk.__new__(_Chunk)
        chunk.route = path
        chunk.hop = 0
        chunk.size = size
        chunk.key = None
        chunk.slot = send_slot
        chunk.on_done = noop
        chunk.core = self
        link = path[0]
        if link.busy:
            self.enqueue(link, chunk)
        else:
            self.transmit(link, chunk)
        self.matcher.slot_posted(recv_slot, on_recv)

    def enqueue(self, link: _Link, chunk: _Chunk) -> None:
        """The link is busy: the chunk waits in its FIFO."""
        link.pending.append(chunk)
        if len(link.pending) > link.max_queue:
            link.max_queue = len(link.pending)

    def transmit(self, link: _Link, chunk: _Chunk) -> None:
        """Start serializing the chunk onto the link."""
        link.busy = True
        size = chunk.size
        serialization = size / link.bw
        link.bytes += size
        link.chunks += 1
        free_in = int(serialization)
        link.busy_ns += free_in
        # Arrival is scheduled before the link-free event: at equal times it runs first.
        self.queue.push(int(serialization + link.latency), chunk)
        self.queue.push(free_in, link)

    def free(self, link: _Link) -> None:
        """The link finished serializing: the next waiting chunk starts."""
        link.busy = False
        if link.pending:
            self.transmit(link, link.pending.popleft())

    def arrive(self, chunk: _Chunk) -> None:
        """The chunk reached the end of its current hop."""
        hop = chunk.hop + 1
        chunk.hop = hop
        route = chunk.route
        if hop == len(route):
            if chunk.slot is not None:
                self.matcher.slot_delivered(chunk.slot, chunk.on_done)
            else:
                self.matcher.delivered(chunk.key, chunk.on_done)
        else:
            link = route[hop]
            if link.busy:
                self.enqueue(link, chunk)
            else:
                self.transmit(link, chunk)


class AnalyticalAwareBackend(AnalyticalBackend):
    """Congestion-aware model (ASTRA-sim's AstraSim_Analytical_Congestion_Aware), any dimensions."""

    name = "analytical-aware"

    def _make_core(self):
        return _AwareCore(self.geometry, self.queue, self.matcher)

    def route(self, src: int, dst: int) -> tuple:
        """The links a message from src to dst crosses (device ids; switches after the NPUs)."""
        return self.core.route(src, dst)

    def telemetry(self) -> dict[str, Any]:
        """Per-model counters plus link load summary."""
        out = super().telemetry()
        out["model"] = "congestion_aware"
        links = self.core.links.values()
        out["links_used"] = len(links)
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
