"""A tiny writer of traces in the Symbolic Tensor Graph's output format (STG is not a dependency).

What it reproduces (see the STG facts in the project's specs): one file per rank named
`<name>.<r>.et` plus `<name>.json` of groups {"<id>": [ranks]} with ids from 1, one group per
(dim, other coordinates) including size-1 groups; ranks numbered dp fastest, then tp, sp, pp;
node ids from one counter across ranks; data_deps only; COMP nodes with num_ops (MACs for "M"),
tensor_size (output elements) and op_type, no duration; COMM_COLL with comm_type, comm_size in
elements, pg_name and is_cpu_op as int32 0; SEND/RECV with comm_size in elements and tags from a
random start; GlobalMetadata attr schema "symbolic_tensor_network".
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from astrasim_py.chakra.attrs import int32_attr, int64_attr, make_attr, string_attr, uint64_attr
from astrasim_py.chakra.io import write_et
from astrasim_py.chakra.schema import GlobalMetadata, Node, NodeType

ORDER = ("dp", "tp", "sp", "pp")


def _rank(coords: dict, sizes: dict) -> int:
    r, stride = 0, 1
    for dim in ORDER:
        r += coords[dim] * stride
        stride *= sizes[dim]
    return r


def stg_groups(sizes: dict) -> tuple[dict[int, list[int]], dict[tuple[str, int], int]]:
    """Groups in STG's order (dims dp, tp, sp; pp uses send/recv) and (dim, rank) -> id."""
    groups, of = {}, {}
    world = 1
    for dim in ORDER:
        world *= sizes[dim]
    gid = 1
    for dim in ("dp", "tp", "sp"):
        seen = set()
        for r in range(world):
            key = []
            rest = r
            for d in ORDER:
                key.append(rest % sizes[d] if d != dim else None)
                rest //= sizes[d]
            key = tuple(key)
            if key in seen:
                continue
            seen.add(key)
            members = []
            for i in range(sizes[dim]):
                coords = {d: (k if k is not None else i) for d, k in zip(ORDER, key)}
                members.append(_rank(coords, sizes))
            groups[gid] = sorted(members)
            for m in members:
                of[(dim, m)] = gid
            gid += 1
    return groups, of


def write_stg(folder: Path, name: str, dp: int, tp: int, pp: int, layers: int = 2, seed: int = 0,
              legacy_attr: bool = False, hidden: int = 1024, tokens: int = 512) -> str:
    """Write an STG-format training job; returns the prefix (folder/name)."""
    sizes = {"dp": dp, "tp": tp, "sp": 1, "pp": pp}
    groups, of = stg_groups(sizes)
    world = dp * tp * pp
    rng = random.Random(seed)
    tag0 = rng.randint(0, 10**6)
    counter = [2]

    def nid() -> int:
        counter[0] += 1
        return counter[0] - 1

    def comp(macs: int, out_elems: int, deps: list[int], op: str = "M") -> Node:
        n = Node(id=nid(), name=f"comp_{op}", type=NodeType.COMP_NODE, data_deps=deps)
        n.attr.extend([int64_attr("num_ops", macs), uint64_attr("tensor_size", out_elems),
                       string_attr("op_type", op)])
        return n

    def coll(kind: int, elems: int, gid: int, deps: list[int]) -> Node:
        n = Node(id=nid(), name="comm", type=NodeType.COMM_COLL_NODE, data_deps=deps)
        n.attr.extend([int64_attr("comm_type", kind), int64_attr("comm_size", elems)])
        if legacy_attr:
            n.attr.append(int32_attr("comm_group", gid))
        else:
            n.attr.extend([string_attr("pg_name", str(gid)), make_attr("is_cpu_op", "int32_val", 0)])
        return n

    def p2p(send: bool, src: int, dst: int, elems: int, tag: int, deps: list[int]) -> Node:
        n = Node(id=nid(), name="send" if send else "recv",
                 type=NodeType.COMM_SEND_NODE if send else NodeType.COMM_RECV_NODE, data_deps=deps)
        n.attr.extend([int64_attr("comm_size", elems), int32_attr("comm_tag", tag), int32_attr("comm_src", src),
                       int32_attr("comm_dst", dst), make_attr("is_cpu_op", "int32_val", 0)])
        return n

    act = tokens * hidden // dp
    for r in range(world):
        d, t, p = r % dp, (r // dp) % tp, r // (dp * tp)
        nodes: list[Node] = []
        last: list[int] = []
        if p > 0:
            nodes.append(p2p(False, _rank({"dp": d, "tp": t, "sp": 0, "pp": p - 1}, sizes), r, act, tag0 + p - 1, []))
            last = [nodes[-1].id]
        for _ in range(layers):
            nodes.append(comp(tokens // dp * hidden * 3 * hidden // tp, tokens // dp * 3 * hidden // tp, last))
            nodes.append(comp(tokens // dp * hidden * hidden // tp, act, [nodes[-1].id]))
            nodes.append(coll(0, act, of[("tp", r)], [nodes[-1].id]))
            last = [nodes[-1].id]
        if p < pp - 1:
            nodes.append(p2p(True, r, _rank({"dp": d, "tp": t, "sp": 0, "pp": p + 1}, sizes), act, tag0 + p, last))
            nodes.append(p2p(False, _rank({"dp": d, "tp": t, "sp": 0, "pp": p + 1}, sizes), r, act,
                             tag0 + 1000 + p, []))
            last = [nodes[-1].id]
        grads = []
        for _ in range(layers):
            nodes.append(comp(2 * tokens // dp * hidden * hidden // tp, 4 * hidden * hidden // tp, last))
            nodes.append(coll(0, act, of[("tp", r)], [nodes[-1].id]))
            last = [nodes[-1].id]
            nodes.append(coll(0, 4 * hidden * hidden // tp, of[("dp", r)], last))
            grads.append(nodes[-1].id)
        if p > 0:
            nodes.append(p2p(True, r, _rank({"dp": d, "tp": t, "sp": 0, "pp": p - 1}, sizes), act,
                             tag0 + 1000 + p - 1, last))
        nodes.append(comp(4 * hidden * hidden // tp, 4 * hidden * hidden // tp, grads, op="E"))
        meta = GlobalMetadata(version="")
        meta.attr.append(string_attr("schema", "symbolic_tensor_network"))
        write_et(folder / f"{name}.{r}.et", meta, nodes)
    (folder / f"{name}.json").write_text(json.dumps({str(k): v for k, v in groups.items()}))
    return str(folder / name)
