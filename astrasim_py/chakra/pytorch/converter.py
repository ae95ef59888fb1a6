"""`chakra convert --input-type pytorch`: a host or merged PyTorch trace -> one Chakra ET rank file.

The graph is the real chakra_converter's: nodes typed from names and `cat`, ctrl_deps to the
parent op, data_deps from a depth-first walk of each thread's call tree (CPU ops chained, device
ops hanging off the latest CPU op), dangling nodes dropped, nodes written sorted by id.
`compat="upstream"` stops there (byte for byte, quirks included). The default mode also turns
host-side collectives (`nccl:*`, `gloo:*`, `record_param_comms`) into COMM nodes when the trace
has no NCCL kernels, gives send/recv their peer and tag, names sub-groups, and drops dependencies
on nodes that are not in the file so that ASTRA-sim's feeder accepts the result.

Memory stays bounded: nodes stream in; each is kept as its serialized protobuf tail (about the
size of its JSON) plus a few integers; only communication-related ops are kept as dicts.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from astrasim_py.chakra.attrs import bool_attr, int32_attr, int64_attr, string_attr
from astrasim_py.chakra.io import encode_varint
from astrasim_py.chakra.pytorch import comms
from astrasim_py.chakra.pytorch.output import atomic_output
from astrasim_py.chakra.pytorch.process_groups import ProcessGroups
from astrasim_py.chakra.pytorch.progress import Progress
from astrasim_py.chakra.pytorch.reader import iter_et_nodes, read_et_header_checked
from astrasim_py.chakra.pytorch.schema import UPSTREAM_SCHEMAS
from astrasim_py.chakra.schema import (AttributeProto, CollectiveCommType, GlobalMetadata, Node,
                                       NodeType, collective_name)
from astrasim_py.errors import InputError

ROOT_NAMES = ("[pytorch|profiler|execution_graph|thread]", "[pytorch|profiler|execution_trace|thread]")
BASE_INT_ATTRS = ("rf_id", "fw_parent", "seq_id", "scope", "tid", "fw_tid")
COMPAT_MODES = ("default", "upstream")
_DATA_DEPS_TAG = b"\x2a"  # field 5, length-delimited (packed)


@dataclass
class CommRecord:
    """One communication node of the output, for the summary and the tests."""

    node_id: int
    name: str
    node_type: int
    comm_type: int | None
    size_bytes: int
    pg_name: str
    peer: int | None = None
    tag: int | None = None

    def describe(self) -> str:
        """e.g. "ALL_REDUCE 38440 B" or "SEND 40 B to 1"."""
        if self.node_type == NodeType.COMM_COLL_NODE:
            what = collective_name(self.comm_type) if self.comm_type is not None else "COLL"
        else:
            what = "SEND" if self.node_type == NodeType.COMM_SEND_NODE else "RECV"
        text = f"{what} {self.size_bytes} B"
        if self.peer is not None:
            text += f" {'to' if self.node_type == NodeType.COMM_SEND_NODE else 'from'} {self.peer}"
        if self.pg_name not in ("", "0"):
            text += f" group {self.pg_name}"
        return text


@dataclass
class ConvertResult:
    """What one conversion wrote."""

    output: str
    schema: str
    num_nodes: int = 0
    type_counts: dict[str, int] = field(default_factory=dict)
    comms: list[CommRecord] = field(default_factory=list)
    groups: ProcessGroups = field(default_factory=ProcessGroups)
    warnings: list[str] = field(default_factory=list)


class _Trace:
    """The compact per-node state kept while streaming (ids are the trace's own ids)."""

    def __init__(self) -> None:
        self.order: list[int] = []
        self.parent: dict[int, object] = {}
        self.name: dict[int, str] = {}
        self.gpu: set[int] = set()
        self.inter: dict[int, int] = {}
        self.pg: dict[int, str] = {}
        self.tail: dict[int, bytes] = {}
        self.kept: dict[int, dict] = {}
        self.children: dict[int, list[int]] = {}


def _attr_map(node: dict) -> dict:
    out = {}
    for attr in node.get("attrs") or ():
        if isinstance(attr, dict) and "name" in attr:
            out[attr["name"]] = attr.get("value")
    return out


def _int(value) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    return 0


_ATTR_TAG = b"\x52"  # Node.attr, field 10, length-delimited
_ATTR_BYTES: dict[tuple, bytes] = {}
_UNIQUE_ATTRS = ("rf_id", "seq_id")  # per-node values: not worth caching


def _attr_record(name: str, value) -> bytes:
    """One serialized Node.attr entry; repeated (name, value) pairs come from a cache."""
    key = (name, value)
    cached = _ATTR_BYTES.get(key)
    if cached is not None:
        return cached
    if name == "op_schema":
        attr = string_attr(name, value)
    elif name == "is_cpu_op":
        attr = bool_attr(name, value)
    else:
        attr = int64_attr(name, value)
    payload = attr.SerializeToString(deterministic=True)
    record = _ATTR_TAG + encode_varint(len(payload)) + payload
    if name not in _UNIQUE_ATTRS and len(_ATTR_BYTES) < 100_000:
        _ATTR_BYTES[key] = record
    return record


def _timed_io_node(node: dict) -> Node:
    """A Node holding only the converter's duration (field 7) and inputs/outputs (fields 8, 9)."""
    msg = Node()
    name = str(node.get("name", ""))
    duration = node.get("exclusive_dur", 0)
    msg.duration_micros = 0 if "Optimizer.step" in name else max(0, int(duration or 0))
    for io_name in ("inputs", "outputs"):
        io = node.get(io_name) or {}
        target = getattr(msg, io_name)
        target.values = str(io.get("values", []))
        target.shapes = str(io.get("shapes", []))
        target.types = str(io.get("types", []))
    return msg


def _tail_bytes(node: dict, is_gpu: bool) -> bytes:
    """Serialized fields 7..10 of _base_node(node, is_gpu), built from cached attribute records."""
    attrs = _attr_map(node)
    parts = [_timed_io_node(node).SerializeToString(deterministic=True)]
    parts.extend(_attr_record(key, _int(attrs.get(key, 0))) for key in BASE_INT_ATTRS)
    parts.append(_attr_record("op_schema", str(attrs.get("op_schema", "") or "")))
    parts.append(_attr_record("is_cpu_op", not is_gpu))
    stream = node.get("stream", 0)
    if stream is not None:
        parts.append(_attr_record("stream", _int(stream)))
    return b"".join(parts)


def _base_node(node: dict, is_gpu: bool, *, is_cpu_op: bool | None = None,
               extra: list | None = None) -> Node:
    """The real converter's fields 7..10 (duration, inputs, outputs, attrs) of a node."""
    attrs = _attr_map(node)
    msg = _timed_io_node(node)
    msg.attr.extend(int64_attr(key, _int(attrs.get(key, 0))) for key in BASE_INT_ATTRS)
    msg.attr.append(string_attr("op_schema", str(attrs.get("op_schema", "") or "")))
    msg.attr.append(bool_attr("is_cpu_op", (not is_gpu) if is_cpu_op is None else is_cpu_op))
    stream = node.get("stream", 0)
    if stream is not None:
        msg.attr.append(int64_attr("stream", _int(stream)))
    if extra:
        msg.attr.extend(extra)
    return msg


def _is_comm_related(name: str, is_gpu: bool) -> bool:
    if is_gpu:
        return "ncclKernel" in name or "ncclDevKernel" in name
    return (name.startswith(("nccl:", "gloo:", "c10d::")) or "record_param_comms" in name
            or "process_group:init" in name)


def _read(path: str, show_progress: bool) -> tuple[object, _Trace]:
    header = read_et_header_checked(path)
    trace = _Trace()
    progress = Progress(os.path.getsize(path), "convert", enabled=show_progress)
    seen: set[int] = set()
    for node in iter_et_nodes(path, progress.advance):
        nid = node["id"]
        if not isinstance(nid, int) or nid < 0:
            raise InputError(f"node id {nid!r} is not a non-negative integer", file=path, field="id",
                             fix="pass an unmodified PyTorch execution trace")
        name = str(node.get("name", ""))
        is_gpu = node.get("cat") is not None
        if nid in seen:
            raise InputError(f"node id {nid} appears twice", file=path, field="id",
                             fix="pass an unmodified PyTorch execution trace")
        seen.add(nid)
        trace.order.append(nid)
        trace.parent[nid] = node.get("ctrl_deps")
        trace.name[nid] = name
        if is_gpu:
            trace.gpu.add(nid)
        inter = node.get("inter_thread_dep")
        if inter:
            trace.inter[nid] = inter
        pg = node.get("pg_name", "")
        pg = _attr_map(node).get("pg_name", pg)
        if pg not in (None, ""):
            trace.pg[nid] = str(pg)
        if _is_comm_related(name, is_gpu):
            trace.kept[nid] = node
        else:
            trace.tail[nid] = _tail_bytes(node, is_gpu)
    progress.close()
    for nid in trace.order:
        parent = trace.parent[nid]
        if isinstance(parent, int) and parent in trace.name:
            trace.children.setdefault(parent, []).append(nid)
    return header, trace


class _Typing:
    """Node types and comm attributes for every converted node."""

    def __init__(self, trace: _Trace, compat: str, path: str, groups: ProcessGroups,
                 result: ConvertResult) -> None:
        self.trace = trace
        self.compat = compat
        self.path = path
        self.groups = groups
        self.result = result
        self.types: dict[int, int] = {}
        self.device_like: set[int] = set(trace.gpu)
        self.comm_msgs: dict[int, Node] = {}  # nodes whose tail is rebuilt here
        self.pg_chain_key: dict[int, str] = {}

    def _upstream_gpu_type(self, nid: int) -> tuple[int, str]:
        """Type of a GPU node and a pg_name override (SendRecv under record_param_comms)."""
        t = self.trace
        name = t.name[nid]
        pg_override = None
        if "ncclDevKernel_SendRecv" in name or (self.compat == "default" and "ncclKernel_SendRecv" in name):
            parent = t.parent[nid]
            parent_name = t.name.get(parent, "")
            keyword = parent_name
            if parent_name == "record_param_comms":
                keyword = t.name.get(t.parent.get(parent), "")
                if t.pg.get(parent):
                    pg_override = t.pg[parent]
            if "send" in keyword:
                return NodeType.COMM_SEND_NODE, pg_override
            if "recv" in keyword:
                return NodeType.COMM_RECV_NODE, pg_override
            if "nccl:all_to_all" in keyword:
                return NodeType.COMM_COLL_NODE, pg_override
        if "ncclKernel" in name or "ncclDevKernel" in name:
            return NodeType.COMM_COLL_NODE, pg_override
        return NodeType.COMP_NODE, pg_override

    def _c10d_ancestor(self, nid: int, word: str) -> dict | None:
        t = self.trace
        current = t.parent.get(nid)
        for _ in range(8):
            if not isinstance(current, int) or current not in t.name:
                return None
            name = t.name[current]
            if name.startswith("c10d::") and word in name:
                return t.kept.get(current)
            current = t.parent.get(current)
        return None

    def _group_of(self, nid: int) -> str:
        """The process-group name of a comm op: its own, or its record_param_comms parent's."""
        t = self.trace
        if t.pg.get(nid):
            return t.pg[nid]
        node = t.kept.get(nid)
        found = comms.pg_name_input(node) if node is not None else None
        if found is None:
            parent = t.parent.get(nid)
            if isinstance(parent, int) and "record_param_comms" in t.name.get(parent, ""):
                pnode = t.kept.get(parent)
                found = (t.pg.get(parent) or (comms.pg_name_input(pnode) if pnode else None))
        return found or ""

    def _astrasim_pg(self, pg: str, nid: int) -> str:
        if self.groups.is_world(pg):
            return ""
        ids = self.groups.astrasim_ids()
        if pg not in ids:
            raise InputError(f"node {nid} ({self.trace.name[nid]}) uses process group {pg!r}, which no "
                             "process_group:init node defines", file=self.path, field="pg_name",
                             fix="record the trace with torch >= 2.2 so that process groups are written")
        return str(ids[pg])

    def _p2p_attrs(self, nid: int, node_type: int, pg: str) -> tuple[list, int | None, int]:
        word = "send" if node_type == NodeType.COMM_SEND_NODE else "recv"
        c10d = self._c10d_ancestor(nid, word)
        peer, tag = comms.p2p_peer_tag(c10d) if c10d is not None else (None, 0)
        if peer is None:
            raise InputError(f"node {nid} ({self.trace.name[nid]}): cannot find the peer rank of this "
                             f"{word} (no c10d::{word} op above it)", file=self.path, field="inputs",
                             fix="record with record_shapes=True so that c10d ops keep their arguments")
        if pg and self.groups.ranks.get(pg):
            members = sorted(self.groups.ranks[pg])
            if 0 <= peer < len(members):
                peer = members[peer]
        attrs = [int32_attr("comm_src" if word == "recv" else "comm_dst", peer), int32_attr("comm_tag", tag)]
        return attrs, peer, tag

    def classify(self, converted: list[int]) -> None:
        """Fill types (and rebuilt messages for comm nodes) for every converted node."""
        t = self.trace
        has_device_comms = any("ncclKernel" in t.name[n] or "ncclDevKernel" in t.name[n] for n in t.gpu)
        host_comm = self.compat == "default" and not has_device_comms
        backend_children: set[int] = set()
        if host_comm:
            for nid in t.kept:
                if comms.is_backend_op(t.name[nid]):
                    parent = t.parent.get(nid)
                    if isinstance(parent, int):
                        backend_children.add(parent)
        for nid in converted:
            name = t.name[nid]
            if "process_group:init" in name:
                self.types[nid] = NodeType.METADATA_NODE
                continue
            if nid in t.gpu:
                node_type, pg_override = self._upstream_gpu_type(nid)
                self.types[nid] = node_type
                if node_type != NodeType.COMP_NODE:
                    self._device_comm(nid, node_type, pg_override)
                continue
            self.types[nid] = NodeType.COMP_NODE
            if host_comm and nid in t.kept:
                self._host_comm(nid, name, backend_children)

    def _device_comm(self, nid: int, node_type: int, pg_override: str | None) -> None:
        t = self.trace
        node = t.kept[nid]
        name = t.name[nid]
        pg = pg_override if pg_override is not None else t.pg.get(nid, "")
        size = comms.tensor_bytes(node.get("inputs") or {})
        extra: list = []
        comm_type = None
        peer = tag = None
        if node_type == NodeType.COMM_COLL_NODE:
            comm_type = comms.kernel_comm_type(name)
            if comm_type is None:
                raise InputError(f"node {nid}: cannot tell the collective of kernel {name!r} (the real "
                                 "converter fails here too)", file=self.path, field="name",
                                 fix="this NCCL kernel name has none of allreduce/alltoall/allgather/"
                                     "reducescatter/broadcast")
            extra = [int64_attr("comm_type", comm_type), int64_attr("comm_size", size)]
            self.pg_chain_key[nid] = t.pg.get(nid, "")
        else:
            extra = [int64_attr("comm_size", size)]
        out_pg = pg
        if self.compat == "default":
            word = "send" if node_type == NodeType.COMM_SEND_NODE else "recv"
            # The real converter gives kernels no peer; ASTRA-sim needs one, from c10d::send/recv_.
            if node_type != NodeType.COMM_COLL_NODE and self._c10d_ancestor(nid, word) is not None:
                p2p, peer, tag = self._p2p_attrs(nid, node_type, pg)
                extra = p2p + extra
            out_pg = self._astrasim_pg(pg, nid) if pg else ""
        if out_pg:
            extra.append(string_attr("pg_name", out_pg))
        self.comm_msgs[nid] = _base_node(node, True, extra=extra)
        self.result.comms.append(CommRecord(nid, name, node_type, comm_type, size, out_pg, peer, tag))

    def _host_comm(self, nid: int, name: str, backend_children: set[int]) -> None:
        t = self.trace
        node = t.kept[nid]
        kind = None
        if comms.is_backend_op(name):
            kind = comms.host_comm_kind(name)
            if kind is None and comms.is_unsimulated_comm(name):
                self.result.warnings.append(f"node {nid} ({name}) is kept as compute: ASTRA-sim cannot "
                                            "simulate this collective")
        elif "record_param_comms" in name and nid not in backend_children:
            coll = comms.collective_name_input(node.get("inputs") or {})
            if coll:
                kind = comms.host_comm_kind(coll)
        if kind is None:
            return
        node_type, comm_type = kind
        pg = self._group_of(nid)
        out_pg = self._astrasim_pg(pg, nid)
        size = comms.tensor_bytes(node.get("inputs") or {})
        peer = tag = None
        if node_type == NodeType.COMM_COLL_NODE:
            extra = [int64_attr("comm_type", comm_type), int64_attr("comm_size", size)]
        else:
            p2p, peer, tag = self._p2p_attrs(nid, node_type, pg)
            extra = p2p + [int64_attr("comm_size", size)]
        if out_pg:
            extra.append(string_attr("pg_name", out_pg))
        self.types[nid] = node_type
        self.device_like.add(nid)
        self.pg_chain_key[nid] = out_pg
        self.comm_msgs[nid] = _base_node(node, False, is_cpu_op=False, extra=extra)
        self.result.comms.append(CommRecord(nid, name, node_type, comm_type, size, out_pg, peer, tag))


def _walk(trace: _Trace, typing: _Typing, converted: set[int], roots: list[int]) -> dict[int, list[int]]:
    """data_deps from the real converter's depth-first walk of each thread root."""
    deps: dict[int, list[int]] = {}
    for root in roots:
        visited: set[int] = set()
        stack = [root]
        last_cpu = None
        last_any = None
        chains: dict[str, int] = {}
        while stack:
            nid = stack.pop()
            mine = deps.setdefault(nid, [])
            if nid in typing.pg_chain_key:
                key = typing.pg_chain_key[nid]
                if key in chains:
                    mine.append(chains[key])
                chains[key] = nid
            if nid in visited:
                continue
            visited.add(nid)
            if nid in typing.device_like:
                if last_any is not None and last_any not in mine:
                    mine.append(last_any)
                last_any = last_cpu
            else:
                inter = trace.inter.get(nid)
                if inter and inter not in mine:
                    mine.append(inter)
                if last_cpu is not None and last_cpu not in mine:
                    mine.append(last_cpu)
                last_cpu = nid
                last_any = nid
            for child in sorted(trace.children.get(nid, ()), reverse=True):
                if child in converted and child not in visited:
                    stack.append(child)
    return deps


def _check_acyclic(ids: list[int], deps: dict[int, list[int]], path: str) -> None:
    present = set(ids)
    indegree = {n: 0 for n in ids}
    users: dict[int, list[int]] = {}
    for n in ids:
        for d in deps.get(n, ()):
            if d in present:
                indegree[n] += 1
                users.setdefault(d, []).append(n)
    ready = [n for n in ids if indegree[n] == 0]
    done = 0
    while ready:
        n = ready.pop()
        done += 1
        for u in users.get(n, ()):
            indegree[u] -= 1
            if indegree[u] == 0:
                ready.append(u)
    if done != len(ids):
        stuck = sorted(n for n in ids if indegree[n] > 0)[:5]
        raise InputError(f"the dependencies form a cycle (nodes {stuck} ...)", file=path,
                         field="inter_thread_dep", fix="the trace is inconsistent; re-link it")


def _encode_deps(deps: list[int]) -> bytes:
    if not deps:
        return b""
    payload = b"".join(encode_varint(d) for d in deps)
    return _DATA_DEPS_TAG + encode_varint(len(payload)) + payload


def _metadata(header, path: str) -> GlobalMetadata:
    values = header.values
    meta = GlobalMetadata()
    for key, kind in (("schema", "string"), ("pid", "uint64"), ("time", "string"),
                      ("start_ts", "uint64"), ("finish_ts", "uint64")):
        value = values.get(key, "" if kind == "string" else 0)
        attr = AttributeProto(name=key)
        if kind == "string":
            attr.string_val = str(value)
        else:
            if not isinstance(value, int) or value < 0:
                raise InputError(f"{key} must be a non-negative integer, got {value!r}", file=path, field=key,
                                 fix="pass an unmodified PyTorch execution trace")
            attr.uint64_val = value
        meta.attr.append(attr)
    return meta


def convert_pytorch(input_path: str, output_path: str, compat: str = "default",
                    show_progress: bool = False) -> ConvertResult:
    """Convert one rank's host or merged trace; writes output_path exactly as given (atomically)."""
    if compat not in COMPAT_MODES:
        raise InputError(f"unknown compat mode {compat!r}", field="compat", fix="use default or upstream")
    header, trace = _read(input_path, show_progress)
    result = ConvertResult(output=output_path, schema=header.schema)
    if compat == "upstream" and header.schema not in UPSTREAM_SCHEMAS:
        raise InputError(f"the real converter does not parse schema {header.schema!r}", file=input_path,
                         field="schema", fix="drop --compat upstream (the default mode reads it)")
    groups = result.groups
    for nid in trace.order:
        if "process_group:init" in trace.name[nid] and nid in trace.kept:
            groups.add_init_node(trace.kept[nid], input_path)

    # Conversion order: each non-GPU node, then its GPU children (decides ctrl_deps).
    position: dict[int, int] = {}
    for nid in trace.order:
        if nid in trace.gpu:
            continue
        position[nid] = len(position)
        for child in trace.children.get(nid, ()):
            if child in trace.gpu:
                position[child] = len(position)
    converted = set(position)
    order = sorted(converted, key=position.__getitem__)

    typing = _Typing(trace, compat, input_path, groups, result)
    typing.classify(order)
    roots = [n for n in order if trace.name[n] in ROOT_NAMES]
    deps = _walk(trace, typing, converted, roots)

    referenced: set[int] = set()
    for nid in order:
        referenced.update(deps.get(nid, ()))
    kept_ids = sorted(n for n in order if deps.get(n) or n in referenced)
    present = set(kept_ids)
    ctrl: dict[int, int] = {}
    for nid in kept_ids:
        parent = trace.parent[nid]
        if isinstance(parent, int) and parent in position and position[parent] < position[nid]:
            if compat == "upstream" or parent in present:
                ctrl[nid] = parent
    if compat == "default":
        for nid in kept_ids:
            if nid in deps:
                deps[nid] = [d for d in deps[nid] if d in present]
        result.comms = [c for c in result.comms if c.node_id in present]
    _check_acyclic(kept_ids, deps, input_path)

    counts: dict[str, int] = {}
    with atomic_output(output_path, "wb", "choose a writable location (the directory must exist)") as out:
        meta = _metadata(header, input_path).SerializeToString(deterministic=True)
        out.write(encode_varint(len(meta)) + meta)
        for nid in kept_ids:
            node_type = typing.types[nid]
            head = Node(id=nid, name=trace.name[nid], type=node_type)
            if nid in ctrl:
                head.ctrl_deps.append(ctrl[nid])
            if nid in typing.comm_msgs:
                tail = typing.comm_msgs[nid].SerializeToString(deterministic=True)
            elif nid in trace.tail:
                tail = trace.tail[nid]
            else:
                tail = _base_node(trace.kept[nid], nid in trace.gpu).SerializeToString(deterministic=True)
            record = head.SerializeToString(deterministic=True) + _encode_deps(deps.get(nid, [])) + tail
            out.write(encode_varint(len(record)) + record)
            label = Node.DESCRIPTOR.fields_by_name["type"].enum_type.values_by_number[node_type].name
            counts[label] = counts.get(label, 0) + 1
    result.num_nodes = len(kept_ids)
    result.type_counts = dict(sorted(counts.items()))
    result.comms.sort(key=lambda c: c.node_id)
    for line in result.warnings:
        print(f"WARNING: {line}", file=sys.stderr)
    return result


__all__ = ["convert_pytorch", "ConvertResult", "CommRecord", "COMPAT_MODES", "CollectiveCommType"]
