"""Semantic checks of a rank file: types, ids, dependencies, cycles and communication attributes."""

from __future__ import annotations

import heapq
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from astrasim_py.chakra.attrs import INTEGER_KINDS, get_int_attr
from astrasim_py.chakra.io import EtTrace
from astrasim_py.chakra.schema import NODE_TYPE_NAMES, NodeType
from astrasim_py.errors import InputError

_MEM_TYPES = (NodeType.MEM_LOAD_NODE, NodeType.MEM_STORE_NODE)
_COMM_REQUIRED = {
    NodeType.COMM_COLL_NODE: ("comm_type", "comm_size"),
    NodeType.COMM_SEND_NODE: ("comm_dst", "comm_size", "comm_tag"),
    NodeType.COMM_RECV_NODE: ("comm_src", "comm_size", "comm_tag"),
}


@dataclass
class ValidationReport:
    """What validation found besides errors (errors raise InputError)."""

    path: str
    num_nodes: int = 0
    zero_size_comm_ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # (comm_type, comm_size, pg_name) of every collective, in instant-completion issue order
    collectives: list[tuple[int, int, str]] = field(default_factory=list)
    # (src, dst, tag, size, is_send) of every SEND/RECV node
    point_to_point: list[tuple[int, int, int, int, bool]] = field(default_factory=list)


def _where(node) -> str:
    name = node.name or "unnamed"
    if len(name) > 40:
        name = name[:37] + "..."
    return f"node {node.id} ({name})"


def validate_trace(trace: EtTrace, *, rank: int | None = None, num_npus: int | None = None,
                   warn_stream: TextIO | None | str = "stderr") -> ValidationReport:
    """Raise InputError on the first problem; print warnings (zero-size comms) to warn_stream."""
    if warn_stream == "stderr":  # resolved at call time so redirected stderr is honoured
        warn_stream = sys.stderr
    path = trace.path
    report = ValidationReport(path=path, num_nodes=len(trace.nodes))
    if not trace.nodes:
        raise InputError("the trace has no nodes", file=path, field="Node",
                         fix="each rank file needs at least one node after the GlobalMetadata record")
    # One pass over the nodes (each access may parse a record): keep only ids and parent ids.
    parents_of: dict[int, tuple[int, ...]] = {}
    coll_sig: dict[int, tuple[int, int, str]] = {}
    num_types = len(NODE_TYPE_NAMES)
    for record, node in enumerate(trace.nodes, 1):
        nid = node.id
        if nid in parents_of:
            count = sum(1 for other in trace.nodes if other.id == nid)
            raise InputError(f"node id {nid} appears {count} times", file=path, field="id",
                             fix="give every node a unique id within its rank file")
        node_type = node.type
        if node_type == 0 and node.ByteSize() == 0:
            raise InputError(f"record {record}: a node with every field at its default (an empty `00` record)",
                             file=path, field="Node",
                             fix="set at least a type and a name; Python Chakra tools stop reading here")
        if not 0 <= node_type < num_types:
            raise InputError(f"{_where(node)}: unknown node type {node_type}", file=path, field="type",
                             fix="use a NodeType 0..7 (COMP_NODE=4, COMM_SEND_NODE=5, "
                                 "COMM_RECV_NODE=6, COMM_COLL_NODE=7)")
        if node_type in _MEM_TYPES:
            get_int_attr(node, "tensor_size", file=path)  # the remote-memory model needs the bytes
        if node_type in _COMM_REQUIRED:
            signature = _check_comm(node, path, rank, num_npus, report)
            if node_type == NodeType.COMM_COLL_NODE:
                coll_sig[nid] = signature
        ctrl = node.ctrl_deps
        parents_of[nid] = (*node.data_deps, *ctrl) if ctrl else tuple(node.data_deps)
    for nid, parents in parents_of.items():
        for dep in parents:
            if dep not in parents_of:
                node = trace.nodes[_position_of(trace, nid)]
                dep_field = "data_deps" if dep in node.data_deps else "ctrl_deps"
                raise InputError(f"{_where(node)}: depends on node {dep}, which is not in this file",
                                 file=path, field=dep_field,
                                 fix="every dependency must name a node id of the same rank file")
    order = _issue_order(parents_of, path)
    report.collectives = [coll_sig[nid] for nid in order if nid in coll_sig]
    if report.zero_size_comm_ids and warn_stream is not None:
        shown = ", ".join(str(i) for i in report.zero_size_comm_ids[:10])
        more = "" if len(report.zero_size_comm_ids) <= 10 else ", ..."
        msg = (f"WARNING: {path}: {len(report.zero_size_comm_ids)} communication node(s) with "
               f"comm_size 0 bytes move no data (node ids {shown}{more})")
        report.warnings.append(msg)
        print(msg, file=warn_stream, flush=True)
    return report


def _check_comm(node, path: str, rank: int | None, num_npus: int | None,
                report: ValidationReport) -> tuple[int, int, str] | None:
    """Check a COMM node's attributes; returns (comm_type, comm_size, pg_name) for collectives."""
    required = _COMM_REQUIRED[node.type]
    present: dict[str, object] = {}
    for attr in node.attr:
        present.setdefault(attr.name, attr)  # the first of a repeated name wins (feeder_v3)
    cpu = present.get("is_cpu_op")
    cpu_kind = cpu.WhichOneof("value") if cpu is not None else None
    if cpu_kind is not None:
        if cpu_kind not in INTEGER_KINDS or getattr(cpu, cpu_kind):
            get_int_attr(node, "is_cpu_op", file=path)  # raises the precise error for a wrong kind
            raise InputError(f"{_where(node)}: is_cpu_op is true on a communication node", file=path,
                             field="is_cpu_op", fix="set is_cpu_op to false (or drop it) on COMM nodes")
    values = {}
    for name in required:
        attr = present.get(name)
        kind = attr.WhichOneof("value") if attr is not None else None
        if kind in INTEGER_KINDS:
            values[name] = int(getattr(attr, kind))
        else:
            values[name] = get_int_attr(node, name, file=path)  # raises the precise error
    for optional in ("comm_src", "comm_dst", "comm_priority"):
        if optional not in values and optional in present:
            values[optional] = get_int_attr(node, optional, file=path)
    if values["comm_size"] < 0:
        raise InputError(f"{_where(node)}: comm_size is {values['comm_size']}", file=path,
                         field="comm_size", fix="comm_size is a byte count >= 0")
    if values["comm_size"] == 0:
        report.zero_size_comm_ids.append(node.id)
    if node.type == NodeType.COMM_COLL_NODE:
        pg_attr = present.get("pg_name")
        for name, kind, fix in (("pg_name", "string_val", "write pg_name as a string_val such as \"1\""),
                                ("involved_dim", "bool_list", "write involved_dim as a bool_list")):
            attr = present.get(name)
            if attr is not None and attr.WhichOneof("value") != kind:
                raise InputError(f"{_where(node)}: attribute {name} is {attr.WhichOneof('value')}, "
                                 f"expected {kind}", file=path, field=name, fix=fix)
        if values["comm_type"] < 0:
            raise InputError(f"{_where(node)}: comm_type is {values['comm_type']}", file=path,
                             field="comm_type", fix="use a CollectiveCommType number (ALL_REDUCE=0 ...)")
        pg = pg_attr.string_val if pg_attr is not None else ""
        return values["comm_type"], values["comm_size"], pg or "0"
    for peer in ("comm_src", "comm_dst"):
        value = values.get(peer)
        if value is None:
            continue
        if value < 0 or (num_npus is not None and value >= num_npus):
            valid = f"outside 0..{num_npus - 1}" if num_npus is not None else "negative"
            raise InputError(f"{_where(node)}: {peer} is {value}, {valid}",
                             file=path, field=peer, fix="name a rank of the simulated system")
    own = "comm_src" if node.type == NodeType.COMM_SEND_NODE else "comm_dst"
    if rank is not None and own in values and values[own] != rank:
        raise InputError(f"{_where(node)}: {own} is {values[own]} but this file is rank {rank}",
                         file=path, field=own, fix=f"set {own} to {rank} or drop it")
    if rank is not None:
        report.point_to_point.append((values.get("comm_src", rank), values.get("comm_dst", rank),
                                      values["comm_tag"], values["comm_size"],
                                      node.type == NodeType.COMM_SEND_NODE))
    return None


def _position_of(trace: EtTrace, node_id: int) -> int:
    return next(i for i, node in enumerate(trace.nodes) if node.id == node_id)


def _issue_order(parents_of: dict[int, tuple[int, ...]], path: str) -> list[int]:
    """Instant-completion walk (smallest ready id first); InputError naming a cycle if one exists."""
    children: dict[int, list[int]] = {}
    pending: dict[int, int] = {}
    ready = []
    for nid, parents in parents_of.items():
        if len(parents) > 1:
            parents = tuple(set(parents))
        pending[nid] = len(parents)
        if not parents:
            ready.append(nid)
        for parent in parents:
            if parent in children:
                children[parent].append(nid)
            else:
                children[parent] = [nid]
    heapq.heapify(ready)
    order = []
    pop, push = heapq.heappop, heapq.heappush
    while ready:
        nid = pop(ready)
        order.append(nid)
        for child in children.get(nid, ()):
            pending[child] -= 1
            if pending[child] == 0:
                push(ready, child)
    if len(order) != len(parents_of):
        stuck = min(nid for nid, left in pending.items() if left > 0)
        parents = {nid: set(ps) for nid, ps in parents_of.items() if pending[nid] > 0}
        cycle = _find_cycle(stuck, parents, pending)
        raise InputError(f"dependency cycle: {' -> '.join(str(c) for c in cycle)}", file=path,
                         field="data_deps/ctrl_deps", fix="dependencies must form a DAG; remove one edge")
    return order


def _find_cycle(start: int, parents: dict[int, set[int]], pending: dict[int, int]) -> list[int]:
    # Walk parent links among unfinished nodes until a node repeats: that loop is a cycle.
    seen: dict[int, int] = {}
    path = []
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(p for p in parents[node] if pending.get(p, 0) > 0)
    loop = path[seen[node]:] + [node]
    return list(reversed(loop))


def validate_workload(traces: list[EtTrace], *, reports: list[ValidationReport] | None = None,
                      warn_stream: TextIO | None | str = "stderr") -> list[str]:
    """Cross-rank checks on already validated rank files (index = rank); returns warnings.

    Errors (the run would hang): a SEND without a matching RECV (src, dst, tag, size) or the
    reverse; ranks of one communicator group issuing different collectives. Warning: the same
    collectives in a different order on some rank (ASTRA-sim matches collectives by issue order).
    """
    if warn_stream == "stderr":
        warn_stream = sys.stderr
    warnings: list[str] = []
    if reports is None:
        reports = [validate_trace(t, rank=r, num_npus=len(traces), warn_stream=None)
                   for r, t in enumerate(traces)]
    _check_point_to_point(traces, reports)
    per_group: dict[str, dict[int, list[tuple[int, int]]]] = {}
    for rank, report in enumerate(reports):
        for comm_type, size, pg in report.collectives:
            per_group.setdefault(pg, {}).setdefault(rank, []).append((comm_type, size))
    for pg, by_rank in sorted(per_group.items()):
        ranks = sorted(by_rank)
        if pg == "0":  # the default group is every rank
            missing = [r for r in range(len(traces)) if r not in by_rank]
            if missing:
                raise InputError(f"rank {ranks[0]} issues {len(by_rank[ranks[0]])} collective(s) on all "
                                 f"ranks but rank {missing[0]} issues none", file=traces[missing[0]].path,
                                 field="COMM_COLL_NODE",
                                 fix="every rank must issue the same collectives (same comm_type and "
                                     "comm_size) in the same order")
        reference = by_rank[ranks[0]]
        for rank in ranks[1:]:
            sequence = by_rank[rank]
            if sorted(sequence) != sorted(reference):
                pos = next((i for i, (a, b) in enumerate(zip(reference, sequence)) if a != b),
                           min(len(reference), len(sequence)))
                raise InputError(f"group {pg}: rank {rank} issues {len(sequence)} collective(s), rank "
                                 f"{ranks[0]} issues {len(reference)}; first difference at collective "
                                 f"#{pos}: {_describe_coll(sequence, pos)} vs {_describe_coll(reference, pos)}",
                                 file=traces[rank].path, field="COMM_COLL_NODE",
                                 fix="every rank of a group must issue the same collectives "
                                     "(comm_type, comm_size) in the same order")
            if sequence != reference:
                msg = (f"WARNING: {traces[rank].path}: group {pg}: rank {rank} issues the same collectives "
                       f"as rank {ranks[0]} but in a different order; ASTRA-sim matches collectives by "
                       "issue order")
                warnings.append(msg)
                if warn_stream is not None:
                    print(msg, file=warn_stream, flush=True)
    return warnings


def _describe_coll(sequence: list[tuple[int, int]], pos: int) -> str:
    from astrasim_py.chakra.schema import collective_name

    if pos >= len(sequence):
        return "none"
    comm_type, size = sequence[pos]
    return f"{collective_name(comm_type)} {size} B"


def _check_point_to_point(traces: list[EtTrace], reports: list[ValidationReport]) -> None:
    """Every SEND needs a RECV with the same (src, dst, tag, size), and the reverse."""
    sends: Counter = Counter()
    recvs: Counter = Counter()
    for report in reports:
        for src, dst, tag, size, is_send in report.point_to_point:
            (sends if is_send else recvs)[(src, dst, tag, size)] += 1
    for key in sorted(set(sends) | set(recvs)):
        if sends[key] != recvs[key]:
            src, dst, tag, size = key
            side = dst if sends[key] > recvs[key] else src
            raise InputError(f"rank {src} sends {sends[key]} message(s) to rank {dst} (tag {tag}, {size} B) "
                             f"but rank {dst} posts {recvs[key]} matching receive(s)",
                             file=traces[side].path if 0 <= side < len(traces) else None, field="comm_tag",
                             fix="pair every COMM_SEND_NODE with a COMM_RECV_NODE of the same "
                                 "comm_src, comm_dst, comm_tag and comm_size")
