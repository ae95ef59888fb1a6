"""Per-NPU system layer: event map, send/recv (with rendezvous), streams, queues and phases.

One `Sys` per rank, as in ASTRA-sim. A collective becomes chunks ("streams"); each stream holds
a list of phases (one algorithm instance on one dimension) and moves through per-dimension
queues, at most T running per queue. The system layer only schedules and reacts: the backend
owns the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from astrasim_py.config.network import NetworkConfig
from astrasim_py.config.system import Implementation, SystemConfig
from astrasim_py.errors import InputError
from astrasim_py.network.api import NetworkBackend, noop
from astrasim_py.network.matching import CollectiveChannel
from astrasim_py.system.algorithms import (ALL_GATHER, ALL_REDUCE, ALL_TO_ALL, COLLECTIVE_KEYS,
                                           REDUCE_SCATTER, PhaseSpec)
from astrasim_py.system.implementations import ALGORITHMS
from astrasim_py.system.topology import (ANTICLOCKWISE, CLOCKWISE, RingView, binary_tree,
                                         dimension_ring, group_ring)

COLLECTIVE_TAG_OFFSET = 500_000_000
RENDEZVOUS_TAG_OFFSET = 1_000_000_000
RENDEZVOUS_BYTES = 8192
LOCAL_RING_DELAY_NS = 10  # hand-off on communicator-group rings, hard-coded upstream
GROUP_STREAM_OFFSET = 1_000_000


@dataclass
class SystemContext:
    """What every rank's Sys shares: backend, configuration and derived constants."""

    backend: NetworkBackend
    system: SystemConfig
    dim_sizes: list[int]
    num_npus: int
    rendezvous: bool = False
    num_queues_per_dim: int = 1
    injection_scale: float = 1.0
    comm_groups: dict[int, list[int]] = field(default_factory=dict)
    endpoint_delay: int = 10
    queue_threshold: int = 1
    reduction_cache: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.endpoint_delay = int(self.system.endpoint_delay * self.injection_scale)
        self.queue_threshold = math.ceil(self.system.active_chunks_per_dimension / self.num_queues_per_dim)
        self.local_mem_bytes_per_ns = self.system.local_mem_bw  # GB/s with GB = 1e9 is bytes per ns
        self.trees = TreeCache()
        self.custom = None
        if self.system.custom_implementation or self.system.per_node_custom_implementation:
            from astrasim_py.system.custom import CustomCollectives

            self.custom = CustomCollectives(self)

    def reduction_ns(self, size: int) -> int:
        """Local-memory reduction charge: one write and two reads, each truncated."""
        value = self.reduction_cache.get(size)
        if value is None:
            value = 3 * int(size / self.local_mem_bytes_per_ns)
            self.reduction_cache[size] = value
        return value


class DataSet:
    """One issued collective: done when all its streams are done."""

    __slots__ = ("total", "finished", "notifier", "stream_ids")

    def __init__(self, notifier: Callable[[], None]) -> None:
        self.total = 0
        self.finished = 0
        self.notifier = notifier
        self.stream_ids: list[int] = []

    def stream_finished(self) -> None:
        """One chunk finished its last phase."""
        self.finished += 1
        if self.finished == self.total:
            self.notifier()


class Phase:
    """One algorithm instance on one dimension, bound to a queue."""

    __slots__ = ("queue_id", "algorithm", "comm_type")

    def __init__(self, queue_id: int, algorithm, comm_type: int) -> None:
        self.queue_id = queue_id
        self.algorithm = algorithm
        self.comm_type = comm_type


class Stream:
    """One chunk of a collective moving through its phases."""

    __slots__ = ("stream_id", "tag", "phases", "next_phase", "current", "queue_id", "priority",
                 "initialized", "dataset")

    def __init__(self, stream_id: int, phases: list[Phase], priority: int, dataset: DataSet) -> None:
        self.stream_id = stream_id
        self.tag = stream_id + COLLECTIVE_TAG_OFFSET
        self.phases = phases
        self.next_phase = 0
        self.current: Phase | None = None
        self.queue_id = -1
        self.priority = priority
        self.initialized = False
        self.dataset = dataset
        for phase in phases:
            phase.algorithm.stream = self

    def init(self) -> None:
        """The stream starts running its current phase."""
        self.initialized = True
        self.current.algorithm.start()


class Sys:
    """The system layer of one NPU."""

    def __init__(self, rank: int, ctx: SystemContext) -> None:
        self.rank = rank
        self.ctx = ctx
        self.backend = ctx.backend
        q = ctx.num_queues_per_dim
        ndims = len(ctx.dim_sizes)
        self.queues: list[list[Stream]] = [[] for _ in range(ndims * q)]
        self.running = [0] * (ndims * q)
        # Per-dimension queue allocators: plain round robin, lower half, upper half.
        self._alloc = [0] * ndims
        self._alloc_first = [0] * ndims
        self._alloc_last = [q // 2] * ndims
        self._stream_counters: dict[int, int] = {}
        self._priority_counter = 0
        self._dbt_counters: dict[tuple[int, int], int] = {}
        self._rings: dict[tuple, RingView] = {}
        # ASTRA-sim's per-rank event map: the backend's Python tick map (register is then a C
        # call in the compiled build), or its own register_tick when it keeps the map natively.
        self._ticks = ctx.backend.tick_map(rank)
        self._register_tick = ctx.backend.register_tick
        self.reduction_ns = ctx.reduction_ns
        # What collective algorithms step through: the backend's channel, or with rendezvous
        # one that does the handshake of Sys.send/recv first.
        self.channel = RendezvousChannel(self) if ctx.rendezvous else ctx.backend.collective_channel()

    # -- events (ASTRA-sim's per-rank tick map) ----------------------------------------------
    def register(self, delay: int, fn: Callable[[], None]) -> None:
        """Run fn on this rank after delay ns (ASTRA-sim's register_event: one backend event per tick)."""
        ticks = self._ticks
        if ticks is not None:
            ticks.register(delay, fn)
        else:
            self._register_tick(self.rank, delay, fn)

    # -- messages ----------------------------------------------------------------------------
    def send(self, dst: int, size: int, tag: int, on_done: Callable[[], None]) -> None:
        """front_end_sim_send: with rendezvous, wait for the receiver's 8 KiB handshake first."""
        if self.ctx.rendezvous:
            backend, rank = self.backend, self.rank
            backend.recv(rank, dst, RENDEZVOUS_BYTES, tag + RENDEZVOUS_TAG_OFFSET,
                         lambda: backend.send(rank, dst, size, tag, on_done))
        else:
            self.backend.send(self.rank, dst, size, tag, on_done)

    def recv(self, src: int, size: int, tag: int, on_done: Callable[[], None]) -> None:
        """front_end_sim_recv: with rendezvous, send the handshake and post the receive on its delivery."""
        if self.ctx.rendezvous:
            backend, rank = self.backend, self.rank
            backend.send(rank, src, RENDEZVOUS_BYTES, tag + RENDEZVOUS_TAG_OFFSET,
                         lambda: backend.recv(rank, src, size, tag, on_done))
        else:
            self.backend.recv(self.rank, src, size, tag, on_done)

    def coll_send(self, dst: int, size: int, tag: int) -> None:
        """A collective send: its completion does nothing (collectives advance on receives)."""
        self.send(dst, size, tag, noop)

    def coll_recv(self, src: int, size: int, tag: int, on_done: Callable[[], None]) -> None:
        """A collective receive."""
        self.recv(src, size, tag, on_done)

    # -- collectives -------------------------------------------------------------------------
    def next_priority(self, policy: str, explicit: int) -> int:
        """LIFO counts up, FIFO counts down, EXPLICIT uses the node's comm_priority."""
        if policy == "EXPLICIT":
            return explicit
        value = self._priority_counter
        self._priority_counter += 1 if policy == "LIFO" else -1
        return value

    def _queue(self, dim: int, mode: str) -> tuple[int, int]:
        q = self.ctx.num_queues_per_dim
        base = dim * q
        if mode == "first":
            k = self._alloc_first[dim]
            self._alloc_first[dim] = 0 if k + 1 >= max(q // 2, 1) else k + 1
            return base + k, CLOCKWISE
        if mode == "last":
            k = self._alloc_last[dim]
            self._alloc_last[dim] = q // 2 if k + 1 >= q else k + 1
            return base + k, ANTICLOCKWISE
        k = self._alloc[dim]
        self._alloc[dim] = 0 if k + 1 >= q else k + 1
        direction = ANTICLOCKWISE if q > 1 and k >= q // 2 else CLOCKWISE
        return base + k, direction

    def _ring(self, dim: int, group: list[int] | None, one: bool) -> RingView:
        key = (dim, id(group) if group is not None else None, one)
        ring = self._rings.get(key)
        if ring is None:
            if group is not None:
                ring = group_ring(self.rank, group)
            elif one:
                ring = RingView(self.ctx.num_npus, self.rank, 0, 1)
            else:
                ring = dimension_ring(self.rank, self.ctx.dim_sizes, dim)
            self._rings[key] = ring
        return ring

    def _make_algorithm(self, phase_type: int, collective: int, dim: int, impl: Implementation,
                        size: int, direction: int, group: list[int] | None):
        ring = self._ring(dim, group, impl.one)
        delay = LOCAL_RING_DELAY_NS if ring.local else self.ctx.endpoint_delay
        entry = ALGORITHMS[impl.algorithm]
        key = f"{COLLECTIVE_KEYS[collective]}-implementation[{dim}]"
        n = ring.n
        if entry.power_of_two and n & (n - 1):
            raise InputError(f"{impl.name} needs a power-of-two number of NPUs, dimension {dim} has {n}",
                             file=self.ctx.system.source, field=key,
                             fix="use ring or direct for this dimension, or a power-of-two npus_count")
        if not entry.all_to_all and phase_type == ALL_TO_ALL:
            raise InputError(f"{impl.name} cannot run all-to-all", file=self.ctx.system.source,
                             field=key, fix="use ring or direct for all-to-all")
        return entry.algorithm(PhaseSpec(self, ring, phase_type, collective, dim, size, direction, delay,
                                         impl.window))

    def _plan(self, comm_type: int, chunk: int, involved: list[bool], group: list[int] | None) -> list[Phase]:
        """The phase list of one chunk (ASTRA-sim's generate_collective)."""
        system = self.ctx.system
        impls = system.implementations(COLLECTIVE_KEYS[comm_type])
        if group is not None:
            dims = [len(group)]
            impls = impls if len(impls) == 1 else [Implementation("ring")]
            impls = [Implementation(impls[0].algorithm, False, impls[0].window)]
            involved = [True]
        else:
            dims = list(self.ctx.dim_sizes)
            for d, impl in enumerate(impls[:len(dims)]):
                if impl.one:  # one logical ring over every NPU replaces this and later dims
                    dims = dims[:d] + [self.ctx.num_npus]
                    break
            if len(impls) < len(dims):
                raise InputError(f"{COLLECTIVE_KEYS[comm_type]}-implementation has {len(impls)} entries but the "
                                 f"network has {len(dims)} dimensions", file=system.source,
                                 field=f"{COLLECTIVE_KEYS[comm_type]}-implementation",
                                 fix="give one implementation per network dimension")
        ndims = len(dims)
        involved = [bool(involved[d]) if d < len(involved) else False for d in range(ndims)]
        active = [d for d in range(ndims) if dims[d] > 1 and involved[d]]
        phases: list[Phase] = []
        size = chunk

        def add(phase_type: int, dim: int, mode: str) -> None:
            nonlocal size
            queue_id, direction = self._queue(dim, mode)
            algo = self._make_algorithm(phase_type, comm_type, dim, impls[dim], size, direction, group)
            phases.append(Phase(queue_id, algo, phase_type))
            size = algo.final_size

        if comm_type == ALL_REDUCE and len(active) > 1 and system.collective_optimization is None:
            raise InputError("missing: a native all-reduce over more than one dimension depends on it",
                             file=system.source, field="collective-optimization",
                             fix="set it to baseline or localBWAware")
        if comm_type == ALL_REDUCE and system.collective_optimization == "localBWAware":
            if active:
                top = active[-1]
                for d in active[:-1]:
                    add(REDUCE_SCATTER, d, "first")
                add(ALL_REDUCE, top, "first")
                for d in reversed(active[:-1]):
                    add(ALL_GATHER, d, "last")
        else:
            order = reversed(active) if comm_type == ALL_GATHER else active
            for d in order:
                add(comm_type, d, "plain")
        return phases

    def generate_collective(self, comm_type: int, size: int, involved: list[bool],
                            group_id: int, priority: int, notifier: Callable[[], None],
                            node_id: int | None = None) -> DataSet:
        """Split a collective into chunks, plan their phases, and start them through the queues."""
        custom = self.ctx.custom
        if custom is not None:  # a Chakra-ET algorithm selected by the system JSON (system/custom.py)
            prefix = custom.lookup(comm_type, node_id)
            if prefix is not None:
                return custom.start(self, prefix, comm_type, group_id, priority, notifier)
        system = self.ctx.system
        group = None
        total_nodes = self.ctx.num_npus
        if group_id:
            members = self.ctx.comm_groups[group_id]
            if len(members) != self.ctx.num_npus:
                group = members
                total_nodes = len(members)
        splits = system.preferred_dataset_splits
        chunk = size // splits
        if comm_type != ALL_GATHER and chunk < total_nodes:
            chunk = total_nodes
            size = chunk * splits
        if chunk <= 0:
            raise InputError(f"all-gather of {size} B cannot be split into {splits} chunks",
                             field="comm_size", fix="use a comm_size of at least preferred-dataset-splits bytes")
        dataset = DataSet(notifier)
        streams: list[Stream] = []
        remaining = size
        while remaining > 0:
            phases = self._plan(comm_type, chunk, involved, group)
            counter = self._stream_counters.get(group_id, 0)
            self._stream_counters[group_id] = counter + 1
            streams.append(Stream(group_id * GROUP_STREAM_OFFSET + counter, phases, priority, dataset))
            remaining -= chunk
        dataset.total = len([s for s in streams if s.phases])
        dataset.stream_ids = [s.stream_id for s in streams]
        if dataset.total == 0:
            self.register(0, notifier)
            return dataset
        for stream in streams:
            if stream.phases:
                self.proceed(stream)  # the ready list forwards each stream to its first queue at once
        return dataset

    # -- queues (ASTRA-sim's proceed_to_next_vnet_baseline and scheduler unit) ---------------
    def proceed(self, stream: Stream) -> None:
        """Move a stream out of its finished phase into the next one (or finish it)."""
        previous = stream.queue_id
        last = stream.next_phase >= len(stream.phases)
        if last:
            stream.dataset.stream_finished()
        if previous >= 0:
            queue = self.queues[previous]
            for i, other in enumerate(queue):
                if other is stream:
                    del queue[i]
                    break
        if last:
            self._notify_removed(previous)
            return
        phase = stream.phases[stream.next_phase]
        stream.next_phase += 1
        stream.current = phase
        stream.queue_id = phase.queue_id
        stream.initialized = False
        self._insert(self.queues[phase.queue_id], stream)
        self._notify_removed(previous)
        self._notify_added(phase.queue_id)

    @staticmethod
    def _insert(queue: list[Stream], stream: Stream) -> None:
        i = 0
        for other in queue:
            if other.initialized or other.priority >= stream.priority:
                i += 1
                continue
            break
        queue.insert(i, stream)

    def _start_waiting(self, queue_id: int) -> None:
        queue = self.queues[queue_id]
        threshold = self.ctx.queue_threshold
        running = self.running[queue_id]
        while running < threshold and running < len(queue):
            stream = queue[running]
            running += 1
            self.running[queue_id] = running
            stream.init()

    def _notify_added(self, queue_id: int) -> None:
        self._start_waiting(queue_id)

    def _notify_removed(self, queue_id: int) -> None:
        if queue_id < 0:
            return
        self.running[queue_id] -= 1
        self._start_waiting(queue_id)


class RendezvousChannel(CollectiveChannel):
    """A collective step with rendezvous: Sys.send and Sys.recv, each behind its 8 KiB handshake."""

    __slots__ = ("sys",)

    def __init__(self, sysobj: Sys) -> None:
        super().__init__()
        self.sys = sysobj

    def step(self, npu: int, dst: int, src: int, size: int, tag: int, on_recv: Callable[[], None]) -> None:
        """Sys.send to dst, then Sys.recv from src (npu is this channel's rank)."""
        self.sys.send(dst, size, tag, noop)
        self.sys.recv(src, size, tag, on_recv)

    def keyed_step(self, path, size: int, send_key, recv_key, on_recv: Callable[[], None]) -> None:
        """step() from the message keys."""
        self.step(send_key[1], send_key[2], recv_key[1], size, send_key[0], on_recv)


class TreeCache:
    """Binary trees shared by all ranks, keyed by the dimension ring they span."""

    def __init__(self) -> None:
        self._trees: dict[tuple, dict] = {}

    def __call__(self, ring: RingView, root_max: bool) -> dict:
        key = (ring.n, ring.base, ring.stride, ring.members, root_max)
        tree = self._trees.get(key)
        if tree is None:
            tree = binary_tree(ring.n, root_max, ring)
            self._trees[key] = tree
        return tree
