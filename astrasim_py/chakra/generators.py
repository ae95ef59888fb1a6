"""Synthetic workloads: one collective or point-to-point pattern per rank, compute nodes, chains."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Iterable

from astrasim_py.chakra.attrs import bool_attr, int32_attr, int64_attr, string_attr, uint64_attr
from astrasim_py.chakra.io import write_et
from astrasim_py.chakra.schema import CollectiveCommType, GlobalMetadata, Node, NodeType
from astrasim_py.chakra.units import parse_size
from astrasim_py.chakra.workload import rank_file
from astrasim_py.errors import InputError

DEFAULT_VERSION = "1.0.0"  # what the mlcommons generator writes; ASTRA-sim's examples use "0.0.4"

# CLI spelling -> CollectiveCommType number
COLLECTIVES: dict[str, int] = {
    "all_reduce": CollectiveCommType.ALL_REDUCE,
    "reduce": CollectiveCommType.REDUCE,
    "all_gather": CollectiveCommType.ALL_GATHER,
    "gather": CollectiveCommType.GATHER,
    "scatter": CollectiveCommType.SCATTER,
    "broadcast": CollectiveCommType.BROADCAST,
    "all_to_all": CollectiveCommType.ALL_TO_ALL,
    "reduce_scatter": CollectiveCommType.REDUCE_SCATTER,
    "reduce_scatter_block": CollectiveCommType.REDUCE_SCATTER_BLOCK,
    "barrier": CollectiveCommType.BARRIER,
}
# ASTRA-sim simulates these; broadcast is replayed from duration_micros; the rest abort it.
ASTRASIM_SIMULATED = {"all_reduce", "all_gather", "reduce_scatter", "all_to_all"}
P2P_PATTERNS = ("pairs", "ring")


@dataclass
class RankGraph:
    """The content of one rank file."""

    rank: int
    metadata: GlobalMetadata
    nodes: list = field(default_factory=list)


def collective_id(name: str) -> int:
    """CollectiveCommType number of a CLI collective name (all_reduce, all_gather, ...)."""
    key = name.lower().replace("-", "_")
    if key not in COLLECTIVES:
        raise InputError(f"unknown collective {name!r}", field="collective",
                         fix=f"use one of {', '.join(COLLECTIVES)} (or send_recv)")
    return COLLECTIVES[key]


def comp_node(node_id: int, name: str, duration_micros: int, *, data_deps: Iterable[int] = (),
              is_cpu_op: bool | None = False, num_ops: int | None = None,
              tensor_size: int | None = None) -> Node:
    """A COMP_NODE; is_cpu_op=None leaves the attribute out (as the Text converter does)."""
    node = Node(id=node_id, name=name, type=NodeType.COMP_NODE, data_deps=list(data_deps),
                duration_micros=duration_micros)
    if is_cpu_op is not None:
        node.attr.append(bool_attr("is_cpu_op", is_cpu_op))
    if num_ops is not None:
        node.attr.append(int64_attr("num_ops", num_ops))
    if tensor_size is not None:
        node.attr.append(uint64_attr("tensor_size", tensor_size))
    return node


def coll_node(node_id: int, name: str, comm_type: int, comm_size: int, *,
              data_deps: Iterable[int] = (), is_cpu_op: bool | None = False,
              pg_name: str | None = None) -> Node:
    """A COMM_COLL_NODE with is_cpu_op (optional), comm_type and comm_size (int64, bytes)."""
    node = Node(id=node_id, name=name, type=NodeType.COMM_COLL_NODE, data_deps=list(data_deps))
    if is_cpu_op is not None:
        node.attr.append(bool_attr("is_cpu_op", is_cpu_op))
    node.attr.extend([int64_attr("comm_type", comm_type), int64_attr("comm_size", comm_size)])
    if pg_name is not None:
        node.attr.append(string_attr("pg_name", pg_name))
    return node


def p2p_node(node_id: int, name: str, send: bool, src: int, dst: int, size: int, tag: int, *,
             data_deps: Iterable[int] = ()) -> Node:
    """A COMM_SEND_NODE/COMM_RECV_NODE with the attribute kinds ASTRA-sim's shipped traces use."""
    node = Node(id=node_id, name=name, data_deps=list(data_deps),
                type=NodeType.COMM_SEND_NODE if send else NodeType.COMM_RECV_NODE)
    node.attr.extend([bool_attr("is_cpu_op", False), int32_attr("comm_src", src),
                      int32_attr("comm_dst", dst), int64_attr("comm_size", size),
                      int32_attr("comm_tag", tag)])
    return node


def _check_npus(npus: int) -> None:
    if npus < 1:
        raise InputError(f"npus is {npus}", field="npus", fix="use at least 1 NPU")
    from astrasim_py.config.checks import LIMITS

    if npus > LIMITS.max_npus:  # one rank file each: 1e9 would fill the disk and the memory
        raise InputError(f"npus is {npus}, above the limit of {LIMITS.max_npus}", field="npus",
                         fix=f"use at most {LIMITS.max_npus} NPUs")


def generate_collective(collective: str, npus: int, size: int, *, version: str = DEFAULT_VERSION,
                        name: str | None = None, first_id: int = 0) -> list[RankGraph]:
    """One COMM_COLL_NODE per rank; ids come from one counter over ranks (rank r gets first_id+r)."""
    _check_npus(npus)
    comm_type = collective_id(collective)
    node_name = name if name is not None else collective.upper().replace("-", "_")
    return [RankGraph(rank, GlobalMetadata(version=version),
                      [coll_node(first_id + rank, node_name, comm_type, size)])
            for rank in range(npus)]


def generate_send_recv(npus: int, size: int, *, pattern: str = "pairs", tag: int = 0,
                       version: str = DEFAULT_VERSION) -> list[RankGraph]:
    """Point-to-point: "pairs" (rank 2k sends to 2k+1) or "ring" (r sends to r+1, receives from r-1)."""
    _check_npus(npus)
    if pattern not in P2P_PATTERNS:
        raise InputError(f"unknown send/recv pattern {pattern!r}", field="pattern",
                         fix=f"use one of {', '.join(P2P_PATTERNS)}")
    if pattern == "pairs" and npus % 2:
        raise InputError(f"the pairs pattern needs an even number of NPUs, got {npus}", field="npus",
                         fix="use an even --npus or --pattern ring")
    if not -(2**31) <= tag < 2**31:
        raise InputError(f"tag {tag} does not fit comm_tag (int32)", field="tag", fix="use a tag in int32 range")
    if pattern == "ring" and npus < 2:
        raise InputError("the ring pattern needs at least 2 NPUs", field="npus", fix="use --npus 2 or more")
    graphs = []
    for rank in range(npus):
        nodes = []
        if pattern == "pairs":
            peer = rank + 1 if rank % 2 == 0 else rank - 1
            src, dst = (rank, peer) if rank % 2 == 0 else (peer, rank)
            send = rank % 2 == 0
            nodes.append(p2p_node(0, f"COMM_{'SEND' if send else 'RECV'}_NODE_{src}_to_{dst}",
                                  send, src, dst, size, tag))
        else:
            nxt, prv = (rank + 1) % npus, (rank - 1) % npus
            nodes.append(p2p_node(0, f"COMM_SEND_NODE_{rank}_to_{nxt}", True, rank, nxt, size, tag))
            nodes.append(p2p_node(1, f"COMM_RECV_NODE_{prv}_to_{rank}", False, prv, rank, size, tag))
        graphs.append(RankGraph(rank, GlobalMetadata(version=version), nodes))
    return graphs


@dataclass(frozen=True)
class ChainStep:
    """One link of a chain: kind is "comp" (value = µs) or a collective name (value = bytes)."""

    kind: str
    value: int
    name: str | None = None


def parse_chain(text: str) -> list[ChainStep]:
    """Parse "comp:100,all_reduce:1MiB,comp:100[:name]" into ChainSteps."""
    steps = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        parts = item.split(":")
        if len(parts) not in (2, 3):
            raise InputError(f"cannot parse chain step {item!r}", field="chain",
                             fix="write steps as comp:<µs> or <collective>:<size>[:<name>], comma-separated")
        kind = parts[0].lower()
        if kind == "comp":
            try:
                value = int(parts[1])
            except ValueError:
                value = -1
            if not 0 <= value < 2**64:
                raise InputError(f"compute time {parts[1]!r} is not a non-negative integer", field="chain",
                                 fix="give comp steps a duration in whole microseconds")
        else:
            collective_id(kind)
            value = parse_size(parts[1], field="chain")
        steps.append(ChainStep(kind, value, parts[2] if len(parts) == 3 else None))
    if not steps:
        raise InputError("the chain is empty", field="chain", fix="give at least one step")
    return steps


def generate_chain(steps: list[ChainStep], npus: int, *, version: str = DEFAULT_VERSION) -> list[RankGraph]:
    """The same dependency chain on every rank (ids 0..k-1, each node depends on the previous)."""
    _check_npus(npus)
    graphs = []
    for rank in range(npus):
        nodes = []
        for index, step in enumerate(steps):
            deps = [index - 1] if index else []
            if step.kind == "comp":
                name = f"COMP_NODE_{step.name if step.name else index}"
                nodes.append(comp_node(index, name, step.value, data_deps=deps))
            else:
                coll = step.kind.upper()
                name = f"COMM_COLL_NODE_{step.name if step.name else coll}"
                nodes.append(coll_node(index, name, collective_id(step.kind), step.value, data_deps=deps))
        graphs.append(RankGraph(rank, GlobalMetadata(version=version), nodes))
    return graphs


def write_workload(prefix: str | os.PathLike, graphs: list[RankGraph]) -> list[str]:
    """Write `<prefix>.<rank>.et` for every rank graph; returns the paths."""
    paths = []
    for graph in graphs:
        path = rank_file(prefix, graph.rank)
        write_et(path, graph.metadata, graph.nodes)
        paths.append(path)
    return paths


def astrasim_support_note(collective: str) -> str | None:
    """A note for collectives ASTRA-sim cannot simulate, else None."""
    key = collective.lower()
    if key == "broadcast":
        return "NOTE: ASTRA-sim replays BROADCAST from duration_micros instead of simulating it"
    if key in COLLECTIVES and key not in ASTRASIM_SIMULATED:
        return (f"NOTE: ASTRA-sim aborts on {key.upper()} (unsupported collective); it simulates only "
                "all_reduce, all_gather, reduce_scatter, all_to_all")
    return None


def print_support_note(collective: str) -> None:
    """Print astrasim_support_note to stderr when there is one."""
    note = astrasim_support_note(collective)
    if note:
        print(note, file=sys.stderr)


# The families of `chakra_generator`, in its order (one id counter runs through all of them).
MICROBENCHMARK_FAMILIES = (
    "one_metadata_node_all_types", "one_remote_mem_load_node", "one_remote_mem_store_node",
    "one_comp_node", "two_comp_nodes_independent", "two_comp_nodes_dependent",
    "ALL_REDUCE", "ALL_TO_ALL", "ALL_GATHER", "REDUCE_SCATTER", "BROADCAST", "BARRIER",
    "one_comm_send_node", "one_comm_recv_node",
)
_EXAMPLE_VALUES = {"double": 1.5, "float": 2.5, "int32": -3, "int64": -4, "uint32": 5, "uint64": 6,
                   "sint32": -7, "sint64": -8, "fixed32": 9, "fixed64": 10, "sfixed32": -11,
                   "sfixed64": -12, "bool": True, "string": "text", "bytes": b"\x00\x01"}


def _simple_node(node_id: int, name: str, node_type: int, *, tensor_size: int | None = None,
                 duration: int = 0, deps: Iterable[int] = ()) -> Node:
    node = Node(id=node_id, name=name, type=node_type, duration_micros=duration, data_deps=list(deps))
    node.attr.append(bool_attr("is_cpu_op", False))
    if tensor_size is not None:
        node.attr.append(uint64_attr("tensor_size", tensor_size))
    return node


def generate_microbenchmarks(npus: int, *, runtime: int = 5, tensor_size: int = 1024,
                             comm_size: int = 65536, version: str = DEFAULT_VERSION
                             ) -> dict[str, list[RankGraph]]:
    """The 14 families of `chakra_generator`, with its shared id counter.

    All but the metadata family are byte-identical to the real tool (checked for 8 NPUs);
    the METADATA_NODE carries one attribute of each of the 30 kinds with our own values.
    The send/recv families carry only tensor_size, as upstream: ASTRA-sim cannot run them.
    """
    from astrasim_py.chakra.attrs import make_attr
    from astrasim_py.chakra.schema import ATTR_KIND_STEMS

    _check_npus(npus)
    if runtime < 0 or tensor_size < 0:
        raise InputError("runtime and tensor size must be >= 0", field="runtime/tensor-size",
                         fix="give non-negative values")
    next_id = 0

    def take() -> int:
        nonlocal next_id
        next_id += 1
        return next_id - 1

    families: dict[str, list[RankGraph]] = {}

    def family(name: str, build) -> None:
        families[name] = [RankGraph(rank, GlobalMetadata(version=version), build()) for rank in range(npus)]

    def metadata_node() -> list[Node]:
        node = Node(id=take(), name="METADATA_NODE", type=NodeType.METADATA_NODE)
        for stem in ATTR_KIND_STEMS:
            value = _EXAMPLE_VALUES[stem]
            node.attr.append(make_attr(f"{stem}_val", f"{stem}_val", value))
            node.attr.append(make_attr(f"{stem}_list", f"{stem}_list", [value, value]))
        return [node]

    def two_comp(dependent: bool) -> list[Node]:
        first = _simple_node(take(), "COMP_NODE", NodeType.COMP_NODE, duration=runtime)
        second = _simple_node(take(), "COMP_NODE", NodeType.COMP_NODE, duration=runtime,
                              deps=[first.id] if dependent else [])
        return [first, second]

    family("one_metadata_node_all_types", metadata_node)
    family("one_remote_mem_load_node",
           lambda: [_simple_node(take(), "MEM_LOAD_NODE", NodeType.MEM_LOAD_NODE, tensor_size=tensor_size)])
    family("one_remote_mem_store_node",
           lambda: [_simple_node(take(), "MEM_STORE_NODE", NodeType.MEM_STORE_NODE, tensor_size=tensor_size)])
    family("one_comp_node", lambda: [_simple_node(take(), "COMP_NODE", NodeType.COMP_NODE, duration=runtime)])
    family("two_comp_nodes_independent", lambda: two_comp(False))
    family("two_comp_nodes_dependent", lambda: two_comp(True))
    for coll in ("ALL_REDUCE", "ALL_TO_ALL", "ALL_GATHER", "REDUCE_SCATTER", "BROADCAST", "BARRIER"):
        size = 0 if coll == "BARRIER" else comm_size
        family(coll, lambda coll=coll, size=size: [coll_node(take(), coll, COLLECTIVES[coll.lower()], size)])
    family("one_comm_send_node",
           lambda: [_simple_node(take(), "COMM_SEND_NODE", NodeType.COMM_SEND_NODE, tensor_size=tensor_size)])
    family("one_comm_recv_node",
           lambda: [_simple_node(take(), "COMM_RECV_NODE", NodeType.COMM_RECV_NODE, tensor_size=tensor_size)])
    return families
