"""Read Symbolic Tensor Graph (STG) traces as they are, adapted in memory for a run.

STG writes per-rank files `<name>.<r>.et` plus a group JSON `<name>.json`: collective and
point-to-point `comm_size` in elements, COMP nodes with `num_ops` (multiply-accumulates for a
matmul, op_type "M") and `tensor_size` (output elements) but no durations, pipeline tags that start
at a random integer, and (with STAGE_LEGACY_ATTR) `comm_group` instead of `pg_name`. Ranks are
numbered dp fastest, then tp, then sp, then pp. Sizes are scaled to bytes by the element size,
matmul ops to FLOPs, and every COMM node gets a `parallelism` attribute named from its group.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from astrasim_py.chakra.attrs import find_attr, get_attr, get_int_attr, set_attr, string_attr
from astrasim_py.chakra.io import EtTrace, read_et
from astrasim_py.chakra.schema import Node, NodeType
from astrasim_py.chakra.validate import validate_trace, validate_workload
from astrasim_py.chakra.workload import existing_ranks, rank_file
from astrasim_py.config.comm_group import load_comm_groups
from astrasim_py.errors import InputError

STG_ORDER = ("dp", "tp", "sp", "pp")  # fastest first


@dataclass(frozen=True)
class StgOptions:
    """How to read STG numbers: bytes per element, FLOPs per matmul op, the job's degrees."""

    element_bytes: int = 2
    matmul_flops_per_op: int = 2  # STG counts MACs; 1 keeps ASTRA-sim's reading of the raw number
    dp: int = 1
    tp: int = 1
    sp: int = 1
    pp: int = 1


def default_group_file(prefix: str) -> str:
    """STG's group JSON beside the traces: `<prefix>.json`."""
    return f"{prefix}.json"


def group_dimensions(groups: dict[int, list[int]], opts: StgOptions) -> dict[int, str]:
    """Name each group by the one STG coordinate that varies among its members."""
    sizes = [opts.dp, opts.tp, opts.sp, opts.pp]

    def coords(rank: int) -> list[int]:
        out = []
        for size in sizes:
            out.append(rank % size)
            rank //= size
        return out

    names = {}
    for gid, members in groups.items():
        if len(members) < 2:
            names[gid] = "none"
            continue
        points = [coords(r) for r in members]
        varying = [STG_ORDER[i] for i in range(4) if len({p[i] for p in points}) > 1]
        names[gid] = varying[0] if len(varying) == 1 else "+".join(varying) or "none"
    return names


def _adapt(node: Node, opts: StgOptions, dims: dict[int, str], path: str) -> Node:
    ntype = node.type
    if ntype == NodeType.COMP_NODE:
        ops = get_int_attr(node, "num_ops", 0, file=path)
        elems = get_int_attr(node, "tensor_size", 0, file=path)
        scale = opts.matmul_flops_per_op if get_attr(node, "op_type", "", file=path) == "M" else 1
        set_attr(node, "num_ops", "int64_val", ops * scale)
        set_attr(node, "tensor_size", "uint64_val", elems * opts.element_bytes)
    elif ntype in (NodeType.COMM_COLL_NODE, NodeType.COMM_SEND_NODE, NodeType.COMM_RECV_NODE):
        elems = get_int_attr(node, "comm_size", file=path)
        set_attr(node, "comm_size", "int64_val", elems * opts.element_bytes)
        if ntype == NodeType.COMM_COLL_NODE:
            if find_attr(node, "pg_name") is None and find_attr(node, "comm_group") is not None:
                node.attr.append(string_attr("pg_name", str(get_int_attr(node, "comm_group", file=path))))
            name = str(get_attr(node, "pg_name", "", file=path))
            dim = dims.get(int(name), "all") if name.isdigit() and name != "0" else "all"
        else:
            dim = "pp"
        set_attr(node, "parallelism", "string_val", dim)
    return node


def load_stg(prefix: str, groups_path: str | None, opts: StgOptions,
             num_npus: int | None = None) -> tuple[list[EtTrace], dict[int, list[int]], str]:
    """Read and adapt every rank file; returns (traces, groups, group file path)."""
    if opts.element_bytes < 1 or opts.matmul_flops_per_op < 1:
        raise InputError("element size and FLOPs per op must be >= 1", field="--element-bytes",
                         fix="e.g. --element-bytes 2 for bf16")
    found = existing_ranks(prefix)
    if not found:
        raise InputError("no rank files found", file=rank_file(prefix, 0),
                         fix="the STG output is <prefix>.<rank>.et; pass that prefix")
    world = num_npus or found[-1] + 1
    degrees = opts.dp * opts.tp * opts.sp * opts.pp
    if degrees not in (1, world):
        raise InputError(f"dp x tp x sp x pp = {degrees} but {world} rank files exist", field="--dp",
                         fix="give the degrees STG was run with")
    if degrees == 1 and world > 1:
        opts = StgOptions(opts.element_bytes, opts.matmul_flops_per_op, dp=world)
    groups_path = groups_path or default_group_file(prefix)
    if not os.path.exists(groups_path):
        raise InputError("STG group file not found", file=groups_path, field="--comm-group",
                         fix="pass STG's <name>.json with --comm-group")
    groups = load_comm_groups(groups_path, world)
    dims = group_dimensions(groups, opts)
    traces, reports = [], []
    for rank in range(world):
        raw = read_et(rank_file(prefix, rank))
        nodes = [_adapt(Node.FromString(raw.nodes.payload(i)), opts, dims, raw.path) for i in range(len(raw.nodes))]
        trace = EtTrace(path=raw.path, metadata=raw.metadata, nodes=nodes)
        reports.append(validate_trace(trace, rank=rank, num_npus=world))
        traces.append(trace)
    validate_workload(traces, reports=reports)
    return traces, groups, groups_path
