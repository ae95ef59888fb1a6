"""Collective algorithms on one dimension: ring, direct, halvingDoubling, doubleBinaryTree.

Ring, direct and halvingDoubling share ASTRA-sim's packet state machine (`PacketAlgorithm`):
every packet a phase creates is handed across the NPU/memory boundary (the endpoint delay, plus
a three-term local-memory reduction charge when the packet must be reduced) before it may be
sent; a finished hand-off gives one credit, and a message goes out only while a credit is free.
Each send posts the matching receive from the peer at the same moment, in one step of the
rank's collective channel (Sys.channel), and every receive creates the next packet. Packets come
in rounds of `window` first packets (never reduced: ASTRA-sim's zero-latency packets) and
(n - 1) x `window` others; the round parity (`odd_round`, ASTRA-sim's toggle) tells an
all-reduce which rounds reduce. Collectives advance only on receives and on these local events.
The double binary tree is its own small state machine over a TreeNode.

implementations.py maps the system JSON's names to these classes. algorithms.pxd types them for
the compiled build (Cython); the source runs as it is.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from astrasim_py.system.topology import INTERMEDIATE, LEAF, ROOT, RingView

if TYPE_CHECKING:
    from astrasim_py.system.sys import Stream, Sys

ALL_REDUCE, ALL_GATHER, ALL_TO_ALL, REDUCE_SCATTER = 0, 2, 6, 7
COMM_NAMES = {ALL_REDUCE: "ALL_REDUCE", ALL_GATHER: "ALL_GATHER", ALL_TO_ALL: "ALL_TO_ALL",
              REDUCE_SCATTER: "REDUCE_SCATTER"}
# How the system JSON spells each collective in its `<key>-implementation` lists.
COLLECTIVE_KEYS = {ALL_REDUCE: "all-reduce", ALL_GATHER: "all-gather", REDUCE_SCATTER: "reduce-scatter",
                   ALL_TO_ALL: "all-to-all"}


def output_size(comm_type: int, size: int, n: int) -> int:
    """A phase's output size given its input size (the next phase's input)."""
    if comm_type == REDUCE_SCATTER:
        return size // n
    if comm_type == ALL_GATHER:
        return size * n
    return size


class PhaseSpec:
    """What an algorithm needs to run one phase of one chunk on one rank."""

    __slots__ = ("sys", "ring", "phase_type", "collective", "dim", "data_size", "direction",
                 "endpoint_delay_ns", "window")

    def __init__(self, sysobj: "Sys", ring: RingView, phase_type: int, collective: int, dim: int,
                 data_size: int, direction: int, endpoint_delay_ns: int, window: int = -1) -> None:
        self.sys = sysobj
        self.ring = ring
        self.phase_type = phase_type  # what this phase does (a localBWAware all-reduce has RS, AR, AG phases)
        self.collective = collective  # the collective the phase belongs to
        self.dim = dim
        self.data_size = data_size
        self.direction = direction  # CLOCKWISE or ANTICLOCKWISE round the ring
        self.endpoint_delay_ns = endpoint_delay_ns
        self.window = window  # directN's packets in flight (-1: n - 1)


class _AfterReduction:
    """The second half of a reduced packet's hand-off: `then` runs after the reduction charge."""

    __slots__ = ("sys", "reduction_ns", "then")

    def __init__(self, sysobj: "Sys", reduction_ns: int, then) -> None:
        self.sys = sysobj
        self.reduction_ns = reduction_ns
        self.then = then

    def __call__(self) -> None:
        self.sys.register(self.reduction_ns, self.then)


class PacketAlgorithm:
    """ASTRA-sim's packet state machine, shared by ring, direct and halvingDoubling."""

    __slots__ = ("sys", "ring", "comm_type", "endpoint_delay_ns", "stream", "window", "sends_left", "credits",
                 "unsent", "round_first_left", "round_rest_left", "odd_round", "received", "created",
                 "final_size", "done", "_on_handoff_cb", "_on_recv_cb", "_reduces_every_packet",
                 "_reduces_in_odd_rounds")

    def __init__(self, spec: PhaseSpec) -> None:
        self.sys = spec.sys
        self.ring = spec.ring
        self.comm_type = spec.phase_type
        self.endpoint_delay_ns = spec.endpoint_delay_ns
        self.stream: "Stream" = None  # type: ignore[assignment]
        self.window = 1  # packets created at start and per round pass (ASTRA-sim's parallel_reduce)
        self.sends_left = 0  # messages this phase still sends (ASTRA-sim's stream_count)
        self.credits = 0  # finished hand-offs not yet spent on a send (ASTRA-sim's free_packets)
        self.unsent: deque = deque()  # (source, destination, bytes) of packets not yet sent
        self.round_first_left = 0
        self.round_rest_left = 0
        self.odd_round = False
        self.received = 0
        self.created = 0
        self.final_size = 0
        self.done = False
        # (Flags, not comparisons with the module's constants: those are Python objects.)
        self._reduces_every_packet = spec.phase_type == REDUCE_SCATTER
        self._reduces_in_odd_rounds = spec.phase_type == ALL_REDUCE
        # The handlers as callables, bound once (getattr: in the compiled build the attribute
        # syntax would name the C function, not the Python-callable bound method).
        self._on_handoff_cb = getattr(self, "on_handoff_done")
        self._on_recv_cb = getattr(self, "on_recv")

    # -- what each algorithm defines ---------------------------------------------------------
    def _packet_route(self, index: int) -> tuple[int, int, int]:
        """(receive-from, send-to, bytes) of the index-th packet created."""
        raise NotImplementedError

    def _round_counts(self) -> tuple[int, int]:
        """(first packets, other packets) of a new round: one round per pass round the ring."""
        return self.window, (self.ring.n - 1) * self.window

    def _needs_reduction(self, index: int) -> bool:
        """Whether the index-th packet, not the first of its round, is reduced on hand-off."""
        return self._reduces_every_packet or (self._reduces_in_odd_rounds and self.odd_round)

    def _reduced_handoff(self, size: int):
        """What runs after the endpoint delay of a packet that must be reduced."""
        return _AfterReduction(self.sys, self.sys.reduction_ns(size), self._on_handoff_cb)

    # -- the state machine -------------------------------------------------------------------
    def start(self) -> None:
        """StreamInit: create the first window of packets."""
        for _ in range(self.window):
            self.create_packet()

    def create_packet(self) -> None:
        """Create the next packet and start its hand-off across the memory boundary."""
        index = self.created
        self.created = index + 1
        packet = self._packet_route(index)
        self.unsent.append(packet)
        self._hand_off(index, packet[2])

    def _hand_off(self, index: int, size: int) -> None:
        if self.round_first_left == 0 and self.round_rest_left == 0:
            self.round_first_left, self.round_rest_left = self._round_counts()
            self.odd_round = not self.odd_round
        if self.round_first_left > 0:
            self.round_first_left -= 1
            self.sys.register(self.endpoint_delay_ns, self._on_handoff_cb)
        elif self.round_rest_left > 0:
            self.round_rest_left -= 1
            if self._needs_reduction(index):
                self.sys.register(self.endpoint_delay_ns, self._reduced_handoff(size))
            else:
                self.sys.register(self.endpoint_delay_ns, self._on_handoff_cb)
        else:  # pragma: no cover - guarded by the round logic above
            raise AssertionError("packet round exhausted")

    def send_next(self) -> bool:
        """Send the oldest unsent packet if a credit is free, posting the matching receive."""
        if not self.unsent or self.sends_left == 0 or self.credits == 0:
            return False
        src, dst, size = self.unsent.popleft()
        sysobj = self.sys
        sysobj.channel.step(sysobj.rank, dst, src, size, self.stream.tag, self._on_recv_cb)
        self.sends_left -= 1
        self.credits -= 1
        return True

    def on_handoff_done(self) -> None:
        """A packet finished its hand-off: one more credit."""
        self.credits += 1
        self.send_next()
        if self.sends_left == 0 and self.credits == self.window:
            self.exit()

    def on_recv(self) -> None:
        """A message from the peer arrived: it becomes the next packet."""
        self.received += 1
        self.create_packet()

    def exit(self) -> None:
        """Phase done: the stream moves on."""
        if self.done:
            return
        self.done = True
        self.sys.proceed(self.stream)


class Ring(PacketAlgorithm):
    """Ring inside one dimension: always send to the successor, receive from the predecessor.

    Every packet is alike, so the queue of unsent packets is a counter, and the message keys and
    path (delay or route) of the channel are made once per phase (the hot path)."""

    __slots__ = ("message_bytes", "send_to", "recv_from", "unsent_count", "_channel", "_path", "_send_key",
                 "_recv_key", "_reduce_cb", "_reduction_ns")

    def __init__(self, spec: PhaseSpec) -> None:
        super().__init__(spec)
        ring = spec.ring
        n = ring.n
        size = spec.data_size
        comm_type = spec.phase_type
        if comm_type == ALL_REDUCE:
            self.sends_left = 2 * (n - 1)
            self.message_bytes = size // n
        elif comm_type == ALL_TO_ALL:
            self.sends_left = n * (n - 1) // 2
            self.message_bytes = size // n
        elif comm_type == ALL_GATHER:
            self.sends_left = n - 1
            self.message_bytes = size
        else:
            self.sends_left = n - 1
            self.message_bytes = size // n
        self.final_size = output_size(comm_type, size, n)
        self.send_to = ring.member(ring.index + spec.direction)
        self.recv_from = ring.member(ring.index - spec.direction)
        self.unsent_count = 0

    def _packet_route(self, index: int) -> tuple[int, int, int]:
        return (self.recv_from, self.send_to, self.message_bytes)

    def _reduced_handoff(self, size: int):
        return self._reduce_cb

    def _reduce_then_handoff(self) -> None:
        self.sys.register(self._reduction_ns, self._on_handoff_cb)

    def start(self) -> None:
        sysobj = self.sys
        rank = sysobj.rank
        channel = sysobj.channel
        tag = self.stream.tag
        self._channel = channel
        self._path = channel.path(rank, self.send_to, self.message_bytes)
        self._send_key = channel.message_key(tag, rank, self.send_to, self.message_bytes)
        self._recv_key = channel.message_key(tag, self.recv_from, rank, self.message_bytes)
        self._reduction_ns = sysobj.reduction_ns(self.message_bytes)
        self._reduce_cb = getattr(self, "_reduce_then_handoff")
        for _ in range(self.window):
            self.create_packet()

    def create_packet(self) -> None:
        self.unsent_count += 1
        self._hand_off(0, self.message_bytes)

    def send_next(self) -> bool:
        if not self.unsent_count or self.sends_left == 0 or self.credits == 0:
            return False
        self.unsent_count -= 1
        self._channel.keyed_step(self._path, self.message_bytes, self._send_key, self._recv_key, self._on_recv_cb)
        self.sends_left -= 1
        self.credits -= 1
        return True


class Direct(PacketAlgorithm):
    """Direct: every other member of the dimension in turn, W packets in flight (W = n-1 default).

    All-reduce sends the n-1 reduce-scatter messages, reduces each arrival, and sends the n-1
    all-gather messages only once every reduce-scatter message has arrived."""

    __slots__ = ("message_bytes", "direction", "reduce_scatter_messages")

    def __init__(self, spec: PhaseSpec) -> None:
        super().__init__(spec)
        n = spec.ring.n
        comm_type = spec.phase_type
        self.direction = spec.direction
        self.reduce_scatter_messages = n - 1
        self.window = n - 1 if spec.window < 0 else max(1, min(spec.window, n - 1))
        self.sends_left = 2 * (n - 1) if comm_type == ALL_REDUCE else n - 1
        self.message_bytes = spec.data_size if comm_type == ALL_GATHER else spec.data_size // n
        self.final_size = output_size(comm_type, spec.data_size, n)

    def _packet_route(self, index: int) -> tuple[int, int, int]:
        ring = self.ring
        offset = 1 + index % (ring.n - 1) if ring.n > 1 else 0
        step = self.direction * offset
        return (ring.member(ring.index - step), ring.member(ring.index + step), self.message_bytes)

    def _needs_reduction(self, index: int) -> bool:
        if self._reduces_every_packet:
            return True
        return self._reduces_in_odd_rounds and self.received <= self.reduce_scatter_messages

    def on_handoff_done(self) -> None:
        self.credits += 1
        if self.comm_type == ALL_REDUCE and self.sends_left <= self.reduce_scatter_messages:
            if self.received < self.reduce_scatter_messages:
                return  # the all-gather half waits for every reduce-scatter arrival
            for _ in range(self.window):
                if not self.send_next():  # nothing changed: the remaining calls would fail alike
                    break
        else:
            self.send_next()
        if self.sends_left == 0 and self.credits == self.window:
            self.exit()


class HalvingDoubling(PacketAlgorithm):
    """Recursive halving (reduce-scatter) and doubling (all-gather); n must be a power of two."""

    __slots__ = ("steps",)

    def __init__(self, spec: PhaseSpec) -> None:
        super().__init__(spec)
        n = spec.ring.n
        comm_type = spec.phase_type
        k = n.bit_length() - 1
        steps: list[tuple[int, int]] = []  # (bytes, distance)
        size = spec.data_size
        if comm_type in (ALL_REDUCE, REDUCE_SCATTER):
            for j in range(k):
                size //= 2
                steps.append((size, 1 << j))
            if comm_type == ALL_REDUCE:
                for j in range(k):
                    steps.append((size, 1 << (k - 1 - j)))
                    size *= 2
        else:
            for j in range(k):
                steps.append((size, n >> (j + 1)))
                size *= 2
        self.steps = steps
        self.sends_left = len(steps)
        self.final_size = output_size(comm_type, spec.data_size, n)

    def _round_counts(self) -> tuple[int, int]:
        # ASTRA-sim's rounds here hold log2(n) packets: one first-of-round plus log2(n)-1.
        return 1, max(len(self.steps) // (2 if self.comm_type == ALL_REDUCE else 1) - 1, 0)

    def _packet_route(self, index: int) -> tuple[int, int, int]:
        if index >= len(self.steps):
            return (-1, -1, 0)  # the closing packet of the last round is never sent
        size, distance = self.steps[index]
        i = self.ring.index
        peer = self.ring.member(i + distance if (i // distance) % 2 == 0 else i - distance)
        return (peer, peer, size)


class DoubleBinaryTree:
    """Double binary tree all-reduce: reduce up one tree, broadcast down; full-chunk messages.

    The dimension's two trees (root = max id, root = min id) alternate per phase generated on it."""

    __slots__ = ("sys", "node", "size", "endpoint_delay_ns", "stream", "final_size", "children_reduced", "done",
                 "comm_type")

    def __init__(self, spec: PhaseSpec) -> None:
        sysobj = spec.sys
        key = (spec.collective, spec.dim)
        counter = sysobj._dbt_counters.get(key, 0)
        sysobj._dbt_counters[key] = 1 - counter
        tree = sysobj.ctx.trees(spec.ring, root_max=(counter == 0))
        self.sys = sysobj
        self.node = tree[sysobj.rank]
        self.size = spec.data_size
        self.endpoint_delay_ns = spec.endpoint_delay_ns
        self.stream: "Stream" = None  # type: ignore[assignment]
        self.final_size = spec.data_size
        self.comm_type = ALL_REDUCE
        self.children_reduced = 0
        self.done = False

    def _hand_off(self, reduce: bool, then) -> None:
        register = self.sys.register
        if reduce:
            reduction_ns = self.sys.reduction_ns(self.size)
            register(self.endpoint_delay_ns, lambda: register(reduction_ns, then))
        else:
            register(self.endpoint_delay_ns, then)

    def start(self) -> None:
        """StreamInit: leaves send up, the others wait for their children."""
        kind = self.node.kind
        tag = self.stream.tag
        if kind == LEAF:
            self._hand_off(False, self._leaf_send)
        elif kind == INTERMEDIATE:
            self.sys.coll_recv(self.node.left, self.size, tag, self._child_arrived)
            self.sys.coll_recv(self.node.right, self.size, tag, self._child_arrived)
        else:
            child = self.node.left if self.node.left >= 0 else self.node.right
            self.sys.coll_recv(child, self.size, tag, lambda: self._hand_off(True, self._root_send))

    def _leaf_send(self) -> None:
        tag = self.stream.tag
        self.sys.coll_send(self.node.parent, self.size, tag)
        self.sys.coll_recv(self.node.parent, self.size, tag, lambda: self._hand_off(False, self.exit))

    def _child_arrived(self) -> None:
        self._hand_off(True, self._child_reduced)

    def _child_reduced(self) -> None:
        self.children_reduced += 1
        if self.children_reduced == 2:
            tag = self.stream.tag
            self.sys.coll_send(self.node.parent, self.size, tag)
            self.sys.coll_recv(self.node.parent, self.size, tag, lambda: self._hand_off(True, self._send_down))

    def _send_down(self) -> None:
        tag = self.stream.tag
        self.sys.coll_send(self.node.left, self.size, tag)
        self.sys.coll_send(self.node.right, self.size, tag)
        self.exit()

    def _root_send(self) -> None:
        child = self.node.left if self.node.left >= 0 else self.node.right
        self.sys.coll_send(child, self.size, self.stream.tag)
        self.exit()

    def exit(self) -> None:
        """Phase done on this NPU."""
        if not self.done:
            self.done = True
            self.sys.proceed(self.stream)


__all__ = ["PacketAlgorithm", "PhaseSpec", "Ring", "Direct", "HalvingDoubling", "DoubleBinaryTree", "ALL_REDUCE",
           "ALL_GATHER", "ALL_TO_ALL", "REDUCE_SCATTER", "COMM_NAMES", "COLLECTIVE_KEYS", "output_size", "ROOT"]
