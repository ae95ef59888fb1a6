"""Write a custom collective algorithm in Python: per-rank SEND/RECV/COMP steps -> one ET per rank.

    b = CollectiveBuilder(num_ranks=2, collective="allreduce")
    s = b.send(0, peer=1, size_bytes=4096)
    r = b.recv(1, peer=0, size_bytes=4096)
    b.reduce(1, 4096, after=r)
    b.write("algos/tiny")          # algos/tiny.0.et, algos/tiny.1.et; checked first

Ranks are positions in the communicator group the algorithm runs on. `after` names steps of the
same rank that must finish first (a step or a list of steps). The files have the shape the
MSCCL converter writes (comm_type/comm_size/comm_dst|comm_src/comm_tag), so the system JSON's
`*-implementation-custom` runs them on every backend.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Union

from astrasim_py.chakra.attrs import int32_attr, int64_attr, string_attr
from astrasim_py.chakra.collective_check import check_matching, check_progress, compile_rank
from astrasim_py.chakra.io import EtTrace, encode_et
from astrasim_py.chakra.msccl import DEFAULT_LOCAL_MEM_BW_GBPS, SCHEMA, copy_ns, reduction_ns
from astrasim_py.chakra.schema import GlobalMetadata, Node, NodeType
from astrasim_py.chakra.workload import rank_file
from astrasim_py.errors import InputError


@dataclass(frozen=True)
class StepRef:
    """A step already added: its rank and node id (pass it in `after`)."""

    rank: int
    node_id: int


After = Union[StepRef, Iterable[StepRef], None]


class CollectiveBuilder:
    """Collects per-rank steps and writes `<prefix>.<rank>.et` for every rank."""

    def __init__(self, num_ranks: int, collective: str = "allreduce",
                 local_mem_bw_gbps: float = DEFAULT_LOCAL_MEM_BW_GBPS) -> None:
        if num_ranks < 1:
            raise InputError(f"num_ranks is {num_ranks}", field="num_ranks", fix="use at least one rank")
        if local_mem_bw_gbps <= 0:
            raise InputError(f"local_mem_bw_gbps is {local_mem_bw_gbps}", field="local_mem_bw_gbps",
                             fix="give the local memory bandwidth in GB/s (> 0)")
        self.num_ranks = num_ranks
        self.collective = collective
        self.local_mem_bw_gbps = local_mem_bw_gbps
        self.nodes: list[list] = [[] for _ in range(num_ranks)]

    # -- steps --------------------------------------------------------------------------------
    def send(self, rank: int, peer: int, size_bytes: int, tag: int = 0, after: After = None,
             name: str | None = None) -> StepRef:
        """SEND size_bytes to peer; done when the data has arrived there."""
        return self._message(rank, peer, size_bytes, tag, after, name, True)

    def recv(self, rank: int, peer: int, size_bytes: int, tag: int = 0, after: After = None,
             name: str | None = None) -> StepRef:
        """RECV size_bytes from peer; matches that peer's SEND with the same tag and size, in order."""
        return self._message(rank, peer, size_bytes, tag, after, name, False)

    def reduce(self, rank: int, size_bytes: int, after: After = None, name: str | None = None) -> StepRef:
        """Local reduction: 3 * floor(bytes / local-mem-bw) ns, stored in whole microseconds."""
        micros = reduction_ns(size_bytes, self.local_mem_bw_gbps) // 1000
        return self.compute(rank, micros, after, name or f"COMP_NODE_reduce_{len(self.nodes[rank])}")

    def copy(self, rank: int, size_bytes: int, after: After = None, name: str | None = None) -> StepRef:
        """Local copy: 2 * floor(bytes / local-mem-bw) ns, stored in whole microseconds."""
        micros = copy_ns(size_bytes, self.local_mem_bw_gbps) // 1000
        return self.compute(rank, micros, after, name or f"COMP_NODE_copy_{len(self.nodes[rank])}")

    def compute(self, rank: int, duration_micros: int, after: After = None, name: str | None = None) -> StepRef:
        """A COMP step of duration_micros (0 runs for 1 ns, as ASTRA-sim replays it)."""
        self._check_rank(rank, "rank")
        if duration_micros < 0:
            raise InputError(f"duration_micros is {duration_micros}", field="duration_micros", fix="use >= 0")
        node = Node(id=len(self.nodes[rank]), name=name or f"COMP_NODE_{len(self.nodes[rank])}",
                    type=NodeType.COMP_NODE, duration_micros=int(duration_micros))
        return self._add(rank, node, after)

    def transfer(self, src: int, dst: int, size_bytes: int, tag: int = 0, after_send: After = None,
                 after_recv: After = None) -> tuple[StepRef, StepRef]:
        """A SEND on src and its RECV on dst; returns (send, recv)."""
        return (self.send(src, dst, size_bytes, tag, after_send), self.recv(dst, src, size_bytes, tag, after_recv))

    # -- output -------------------------------------------------------------------------------
    def traces(self) -> list[EtTrace]:
        """The per-rank ETs in memory (GlobalMetadata with schema and collective attributes)."""
        out = []
        for rank, nodes in enumerate(self.nodes):
            metadata = GlobalMetadata()
            metadata.attr.extend([string_attr("schema", SCHEMA), string_attr("collective", self.collective)])
            out.append(EtTrace(path=f"<builder rank {rank}>", metadata=metadata, nodes=list(nodes)))
        return out

    def check(self) -> None:
        """InputError if the algorithm cannot run: unmatched messages, a cycle, or a deadlock."""
        ranks = [compile_rank(trace, rank, self.num_ranks) for rank, trace in enumerate(self.traces())]
        check_matching(ranks)
        check_progress(ranks)

    def write(self, prefix: str) -> list[str]:
        """Check, then write `<prefix>.<rank>.et` for every rank (each file atomically)."""
        self.check()
        parent = os.path.dirname(os.path.abspath(prefix))
        os.makedirs(parent, exist_ok=True)
        paths = []
        for rank, trace in enumerate(self.traces()):
            path = rank_file(prefix, rank)
            with open(path + ".tmp", "wb") as out:
                out.write(encode_et(trace.metadata, trace.nodes))
            os.replace(path + ".tmp", path)
            paths.append(path)
        return paths

    # -- internals ------------------------------------------------------------------------------
    def _check_rank(self, rank: int, what: str) -> None:
        if not 0 <= rank < self.num_ranks:
            raise InputError(f"{what} {rank} is outside 0..{self.num_ranks - 1}", field=what,
                             fix="ranks are positions 0..num_ranks-1 of the group")

    def _message(self, rank: int, peer: int, size: int, tag: int, after: After, name: str | None,
                 is_send: bool) -> StepRef:
        self._check_rank(rank, "rank")
        self._check_rank(peer, "peer")
        if peer == rank:
            raise InputError(f"rank {rank} cannot {'send to' if is_send else 'receive from'} itself",
                             field="peer", fix="name another rank")
        if size < 0:
            raise InputError(f"size_bytes is {size}", field="size_bytes", fix="use a byte count >= 0")
        kind = NodeType.COMM_SEND_NODE if is_send else NodeType.COMM_RECV_NODE
        default = f"{'COMM_SEND_NODE' if is_send else 'COMM_RECV_NODE'}_{len(self.nodes[rank])}"
        node = Node(id=len(self.nodes[rank]), name=name or default, type=kind)
        node.attr.extend([int64_attr("comm_type", kind), int64_attr("comm_size", size),
                          int32_attr("comm_dst" if is_send else "comm_src", peer), int32_attr("comm_tag", tag)])
        return self._add(rank, node, after)

    def _add(self, rank: int, node, after: After) -> StepRef:
        refs = [] if after is None else [after] if isinstance(after, StepRef) else list(after)
        for ref in refs:
            if not isinstance(ref, StepRef) or ref.rank != rank:
                raise InputError(f"rank {rank}: `after` names {ref!r}, not a step of rank {rank}", field="after",
                                 fix="a step can only wait for steps of its own rank (use messages across ranks)")
        node.data_deps.extend(sorted({ref.node_id for ref in refs}))
        self.nodes[rank].append(node)
        return StepRef(rank, node.id)
