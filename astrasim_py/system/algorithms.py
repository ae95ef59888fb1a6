"""Collective algorithms on one dimension: ring, direct, halvingDoubling, doubleBinaryTree.

They follow ASTRA-sim's packet state machine: every packet an algorithm creates is handed across
the NPU/memory boundary (endpoint delay E, plus a 3-term local-memory reduction charge when the
packet needs reducing) before the algorithm may send it; sends go out only when a "free packet"
credit is available, and each send posts the matching receive from the peer at the same moment.
Collectives advance only on receives and on these local events.

algorithms.pxd types these classes for the compiled build (Cython); the source runs as it is.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from astrasim_py.errors import InputError
from astrasim_py.network.analytical import _UnawareCore
from astrasim_py.network.api import noop
from astrasim_py.system.topology import INTERMEDIATE, LEAF, ROOT, RingView, TreeNode

if TYPE_CHECKING:
    from astrasim_py.system.sys import Stream, Sys

ALL_REDUCE, ALL_GATHER, ALL_TO_ALL, REDUCE_SCATTER = 0, 2, 6, 7
COMM_NAMES = {ALL_REDUCE: "ALL_REDUCE", ALL_GATHER: "ALL_GATHER", ALL_TO_ALL: "ALL_TO_ALL",
              REDUCE_SCATTER: "REDUCE_SCATTER"}


def output_size(comm_type: int, size: int, n: int) -> int:
    """A phase's output size given its input size (the next phase's input)."""
    if comm_type == REDUCE_SCATTER:
        return size // n
    if comm_type == ALL_GATHER:
        return size * n
    return size


class _AfterReduction:
    """The second half of a reduced packet's hand-off: `then` runs after the reduction charge."""

    __slots__ = ("sys", "red", "then")

    def __init__(self, sysobj: "Sys", red: int, then) -> None:
        self.sys = sysobj
        self.red = red
        self.then = then

    def __call__(self) -> None:
        self.sys.register(self.red, self.then)


class Algorithm:
    """Common packet machinery (ASTRA-sim's Ring-family state machine)."""

    __slots__ = ("sys", "ring", "comm_type", "E", "stream", "pr", "stream_count", "free", "packets",
                 "zero", "nonzero", "toggle", "received", "final_size", "done", "_created", "_general_cb", "_recv_cb")

    def __init__(self, sysobj: "Sys", ring: RingView, comm_type: int, endpoint_delay: int) -> None:
        self.sys = sysobj
        self.ring = ring
        self.comm_type = comm_type
        self.E = endpoint_delay
        self.stream: "Stream" = None  # type: ignore[assignment]
        self.pr = 1
        self.stream_count = 0
        self.free = 0
        self.packets: deque = deque()
        self.zero = 0
        self.nonzero = 0
        self.toggle = False
        self.received = 0
        self.final_size = 0
        self.done = False
        self._created = 0
        # The handlers as callables, bound once (getattr: in the compiled build the attribute
        # syntax would name the C function, not the Python-callable bound method).
        self._general_cb = getattr(self, "on_general")
        self._recv_cb = getattr(self, "on_recv")

    # -- hooks -------------------------------------------------------------------------------
    def _packet(self, index: int) -> tuple[int, int, int]:
        """(source, destination, bytes) of the index-th packet created."""
        raise NotImplementedError

    def _processed(self, index: int) -> bool:
        """Whether the index-th (non-first-of-round) packet needs a reduction."""
        return self.comm_type == REDUCE_SCATTER or (self.comm_type == ALL_REDUCE and self.toggle)

    # -- state machine -----------------------------------------------------------------------
    def start(self) -> None:
        """StreamInit: create the first packet(s)."""
        for _ in range(self.pr):
            self.insert_packet()

    def _round_sizes(self) -> tuple[int, int]:
        """(first-of-round packets, other packets) of a new round: one round per ring pass."""
        return self.pr, (self.ring.n - 1) * self.pr

    def insert_packet(self) -> None:
        """Create a packet and hand it across the memory boundary."""
        if self.zero == 0 and self.nonzero == 0:
            self.zero, self.nonzero = self._round_sizes()
            self.toggle = not self.toggle
        index = self._created
        self._created = index + 1
        packet = self._packet(index)
        self.packets.append(packet)
        if self.zero > 0:
            self.zero -= 1
            self.sys.register(self.E, self._general_cb)
        elif self.nonzero > 0:
            self.nonzero -= 1
            if self._processed(index):
                self.sys.register(self.E, _AfterReduction(self.sys, self.sys.red(packet[2]), self._general_cb))
            else:
                self.sys.register(self.E, self._general_cb)
        else:  # pragma: no cover - guarded by the round logic above
            raise AssertionError("packet round exhausted")

    def ready(self) -> bool:
        """Send the oldest unsent packet if a credit is free; post the matching receive."""
        if not self.packets or self.stream_count == 0 or self.free == 0:
            return False
        src, dst, size = self.packets.popleft()
        tag = self.stream.tag
        self.sys.coll_send(dst, size, tag)
        self.sys.coll_recv(src, size, tag, self._recv_cb)
        self.stream_count -= 1
        self.free -= 1
        return True

    def on_general(self) -> None:
        """A packet finished its hand-off: one more credit."""
        self.free += 1
        self.ready()
        if self.stream_count == 0 and self.free == self.pr:
            self.exit()

    def on_recv(self) -> None:
        """A message from the peer arrived."""
        self.received += 1
        self.insert_packet()

    def exit(self) -> None:
        """Phase done: the stream moves on."""
        if self.done:
            return
        self.done = True
        self.sys.proceed(self.stream)


class Ring(Algorithm):
    """Ring inside one dimension: always send to the successor, receive from the predecessor."""

    __slots__ = ("_unsent", "msg", "dst", "src", "_red", "_reduce_cb", "_tag", "_rank", "_step", "_core",
                 "_path", "_send_key", "_recv_key")

    def __init__(self, sysobj, ring: RingView, comm_type: int, data_size: int, direction: int,
                 endpoint_delay: int) -> None:
        super().__init__(sysobj, ring, comm_type, endpoint_delay)
        n = ring.n
        self._created = 0
        if comm_type == ALL_REDUCE:
            self.stream_count = 2 * (n - 1)
            self.msg = data_size // n
        elif comm_type == ALL_TO_ALL:
            self.stream_count = n * (n - 1) // 2
            self.msg = data_size // n
        elif comm_type == ALL_GATHER:
            self.stream_count = n - 1
            self.msg = data_size
        else:
            self.stream_count = n - 1
            self.msg = data_size // n
        self.final_size = output_size(comm_type, data_size, n)
        self.dst = ring.member(ring.index + direction)
        self.src = ring.member(ring.index - direction)

    def _packet(self, index: int) -> tuple[int, int, int]:
        return (self.src, self.dst, self.msg)

    # Ring packets are all alike: the queue of unsent packets is a counter (hot path), and the
    # handlers read what they need from this object's slots (fewer objects touched per message).
    def start(self) -> None:
        self._unsent = 0
        sysobj = self.sys
        self._red = sysobj.red(self.msg)
        self._reduce_cb = getattr(self, "_reduce_then_general")
        self._tag = self.stream.tag
        self._rank = sysobj.rank
        self._step = sysobj.step_unchecked
        # The analytical backends' core: the compiled build calls its step as a C method.
        core = getattr(sysobj.direct_backend, "fast_core", None)
        self._core = core if isinstance(core, _UnawareCore) else None
        if self._core is not None:
            # Every message of this phase is alike: its keys and path (delay or route) are made once.
            self._path = self._core.path(self._rank, self.dst, self.msg)
            self._send_key = self._core.message_key(self._tag, self._rank, self.dst, self.msg)
            self._recv_key = self._core.message_key(self._tag, self.src, self._rank, self.msg)
        for _ in range(self.pr):
            self.insert_packet()

    def _reduce_then_general(self) -> None:
        self.sys.register(self._red, self._general_cb)

    def insert_packet(self) -> None:
        if self.zero == 0 and self.nonzero == 0:
            self.zero = self.pr
            self.nonzero = (self.ring.n - 1) * self.pr
            self.toggle = not self.toggle
        self._unsent += 1
        if self.zero > 0:
            self.zero -= 1
            self.sys.register(self.E, self._general_cb)
        else:
            self.nonzero -= 1
            comm = self.comm_type
            if comm == REDUCE_SCATTER or (comm == ALL_REDUCE and self.toggle):
                self.sys.register(self.E, self._reduce_cb)
            else:
                self.sys.register(self.E, self._general_cb)

    def _send_via_sys(self) -> None:
        sysobj = self.sys
        tag = self._tag
        if sysobj.direct_backend is not None:  # no rendezvous: straight to the NetworkBackend API
            backend = sysobj.direct_backend
            backend.send(sysobj.rank, self.dst, self.msg, tag, noop)
            backend.recv(sysobj.rank, self.src, self.msg, tag, self._recv_cb)
        else:
            sysobj.coll_send(self.dst, self.msg, tag)
            sysobj.coll_recv(self.src, self.msg, tag, self._recv_cb)

    def ready(self) -> bool:
        if not self._unsent or self.stream_count == 0 or self.free == 0:
            return False
        self._unsent -= 1
        if self._core is not None:
            self._core.keyed_step(self._path, self.msg, self._send_key, self._recv_key, self._recv_cb)
        elif self._step is not None:
            self._step(self._rank, self.dst, self.src, self.msg, self._tag, self._recv_cb)
        else:
            self._send_via_sys()
        self.stream_count -= 1
        self.free -= 1
        return True


class Direct(Algorithm):
    """Direct: every other member of the dimension in turn, W packets in flight (W = n-1 default).

    All-reduce sends the n-1 reduce-scatter messages, reduces each arrival, and sends the n-1
    all-gather messages only once every reduce-scatter message has arrived."""

    __slots__ = ("msg", "direction", "middle")

    def __init__(self, sysobj, ring: RingView, comm_type: int, data_size: int, direction: int,
                 endpoint_delay: int, window: int = -1) -> None:
        super().__init__(sysobj, ring, comm_type, endpoint_delay)
        n = ring.n
        self._created = 0
        self.direction = direction
        self.middle = n - 1
        self.pr = n - 1 if window < 0 else max(1, min(window, n - 1))
        self.stream_count = 2 * (n - 1) if comm_type == ALL_REDUCE else n - 1
        self.msg = data_size if comm_type == ALL_GATHER else data_size // n
        self.final_size = output_size(comm_type, data_size, n)

    def _packet(self, index: int) -> tuple[int, int, int]:
        offset = 1 + index % (self.ring.n - 1) if self.ring.n > 1 else 0
        step = self.direction * offset
        return (self.ring.member(self.ring.index - step), self.ring.member(self.ring.index + step), self.msg)

    def _processed(self, index: int) -> bool:
        if self.comm_type == REDUCE_SCATTER:
            return True
        return self.comm_type == ALL_REDUCE and self.received <= self.middle

    def on_general(self) -> None:
        self.free += 1
        if self.comm_type == ALL_REDUCE and self.stream_count <= self.middle:
            if self.received < self.middle:
                return
            for _ in range(self.pr):
                if not self.ready():  # nothing changed: the remaining calls would fail alike
                    break
        else:
            self.ready()
        if self.stream_count == 0 and self.free == self.pr:
            self.exit()


class HalvingDoubling(Algorithm):
    """Recursive halving (reduce-scatter) and doubling (all-gather); n must be a power of two."""

    __slots__ = ("steps",)

    def __init__(self, sysobj, ring: RingView, comm_type: int, data_size: int, endpoint_delay: int) -> None:
        super().__init__(sysobj, ring, comm_type, endpoint_delay)
        n = ring.n
        if n & (n - 1):
            raise InputError(f"halvingDoubling needs a power-of-two dimension, this one has {n} NPUs",
                             field="*-implementation",
                             fix="use ring or direct for this dimension, or a power-of-two npus_count")
        if comm_type == ALL_TO_ALL:
            raise InputError("halvingDoubling cannot run all-to-all", field="all-to-all-implementation",
                             fix="use ring or direct for all-to-all")
        self._created = 0
        k = n.bit_length() - 1
        steps: list[tuple[int, int]] = []  # (bytes, distance)
        if comm_type in (ALL_REDUCE, REDUCE_SCATTER):
            size = data_size
            for j in range(k):
                size //= 2
                steps.append((size, 1 << j))
            if comm_type == ALL_REDUCE:
                for j in range(k):
                    steps.append((size, 1 << (k - 1 - j)))
                    size *= 2
        else:
            size = data_size
            for j in range(k):
                steps.append((size, n >> (j + 1)))
                size *= 2
        self.steps = steps
        self.stream_count = len(steps)
        self.final_size = output_size(comm_type, data_size, n)

    def _round_sizes(self) -> tuple[int, int]:
        # ASTRA-sim's rounds here hold log2(n) packets: one first-of-round plus log2(n)-1.
        return 1, max(len(self.steps) // (2 if self.comm_type == ALL_REDUCE else 1) - 1, 0)

    def _packet(self, index: int) -> tuple[int, int, int]:
        if index >= len(self.steps):
            return (-1, -1, 0)  # the closing packet of the last round is never sent
        size, dist = self.steps[index]
        i = self.ring.index
        peer = self.ring.member(i + dist if (i // dist) % 2 == 0 else i - dist)
        return (peer, peer, size)


class DoubleBinaryTree:
    """Double binary tree all-reduce: reduce up one tree, broadcast down; full-chunk messages."""

    __slots__ = ("sys", "node", "size", "E", "stream", "final_size", "state", "reduced", "done", "comm_type")

    def __init__(self, sysobj, node: TreeNode, data_size: int, endpoint_delay: int) -> None:
        self.sys = sysobj
        self.node = node
        self.size = data_size
        self.E = endpoint_delay
        self.stream: "Stream" = None  # type: ignore[assignment]
        self.final_size = data_size
        self.comm_type = ALL_REDUCE
        self.state = 0
        self.reduced = 0
        self.done = False

    def _bundle(self, processed: bool, then) -> None:
        register = self.sys.register
        if processed:
            red = self.sys.red(self.size)
            register(self.E, lambda: register(red, then))
        else:
            register(self.E, then)

    def start(self) -> None:
        """StreamInit."""
        kind = self.node.kind
        tag = self.stream.tag
        if kind == LEAF:
            self._bundle(False, self._leaf_send)
        elif kind == INTERMEDIATE:
            self.sys.coll_recv(self.node.left, self.size, tag, self._child_arrived)
            self.sys.coll_recv(self.node.right, self.size, tag, self._child_arrived)
        else:
            child = self.node.left if self.node.left >= 0 else self.node.right
            self.sys.coll_recv(child, self.size, tag, lambda: self._bundle(True, self._root_send))

    def _leaf_send(self) -> None:
        tag = self.stream.tag
        self.sys.coll_send(self.node.parent, self.size, tag)
        self.sys.coll_recv(self.node.parent, self.size, tag, lambda: self._bundle(False, self.exit))

    def _child_arrived(self) -> None:
        self._bundle(True, self._child_reduced)

    def _child_reduced(self) -> None:
        self.reduced += 1
        if self.reduced == 2:
            tag = self.stream.tag
            self.sys.coll_send(self.node.parent, self.size, tag)
            self.sys.coll_recv(self.node.parent, self.size, tag, lambda: self._bundle(True, self._send_down))

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


__all__ = ["Algorithm", "Ring", "Direct", "HalvingDoubling", "DoubleBinaryTree", "ALL_REDUCE",
           "ALL_GATHER", "ALL_TO_ALL", "REDUCE_SCATTER", "COMM_NAMES", "output_size", "ROOT"]
