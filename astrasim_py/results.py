"""The result document of one run (what --output-json writes and run() returns)."""

from __future__ import annotations

import json
import math
import os
from typing import Any

from astrasim_py.safe_io import write_text_atomic


def write_json(result: dict[str, Any], path: str) -> None:
    """Write a result document (sorted keys, so equal runs give byte-identical files)."""
    try:
        text = json.dumps(result, indent=1, sort_keys=True, allow_nan=False) + "\n"
    except ValueError:  # a NaN/inf slipped through: write it as null rather than invalid JSON
        text = json.dumps(_finite(result), indent=1, sort_keys=True) + "\n"
    write_text_atomic(path, text, "--output-json")  # temp + rename; a copy is kept on failure


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def deterministic_view(result: dict[str, Any]) -> dict[str, Any]:
    """The result without wall-clock fields (for comparing two runs)."""
    return {k: v for k, v in result.items() if k not in ("wall_s", "startup_s", "peak_rss_mb")}


# ---------------------------------------------------------------------- per-iteration breakdown
# Built from a run with record_nodes=True and the rank traces: compute vs exposed communication per
# rank, and communication time per collective type and per parallelism dimension. A COMM node's
# dimension is its `parallelism` attribute (tp, dp, pp, ep), else "unlabelled".

def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _length(intervals: list[tuple[int, int]]) -> int:
    return sum(end - start for start, end in intervals)


def _minus(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Length of union a not covered by union b (both sorted, disjoint)."""
    total, j = 0, 0
    for start, end in a:
        cur = start
        while j < len(b) and b[j][1] <= cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cur:
                total += b[k][0] - cur
            cur = max(cur, b[k][1])
            k += 1
        if cur < end:
            total += end - cur
    return total


def node_facts(traces) -> list[dict[int, tuple[str, str, str, int]]]:
    """Per rank: node id -> (category, collective or op, parallelism, comm bytes)."""
    from astrasim_py.chakra.attrs import get_attr
    from astrasim_py.chakra.schema import NodeType
    from astrasim_py.system.algorithms import COMM_NAMES

    out = []
    for trace in traces:
        facts = {}
        for node in trace.nodes:
            ntype = node.type
            if ntype == NodeType.COMP_NODE:
                facts[node.id] = ("compute", str(get_attr(node, "op", "compute")), "", 0)
            elif ntype == NodeType.COMM_COLL_NODE:
                comm = COMM_NAMES.get(int(get_attr(node, "comm_type", 0)), "collective")
                facts[node.id] = ("comm", comm, str(get_attr(node, "parallelism", "unlabelled")),
                                  int(get_attr(node, "comm_size", 0)))
            elif ntype in (NodeType.COMM_SEND_NODE, NodeType.COMM_RECV_NODE):
                kind = "send" if ntype == NodeType.COMM_SEND_NODE else "recv"
                facts[node.id] = ("comm" if kind == "send" else "recv", kind,
                                  str(get_attr(node, "parallelism", "unlabelled")), int(get_attr(node, "comm_size", 0)))
            else:
                facts[node.id] = ("other", NodeType.Name(ntype), "", 0)
        out.append(facts)
    return out


def breakdown(result: dict[str, Any], traces) -> dict[str, Any]:
    """Step time, per-rank compute / exposed comm, and time per collective type and per dimension.

    Collectives and SENDs count (a RECV runs from its posting until the data is there, so it is
    left out); the exposed time of a dimension is its nodes' busy time not overlapped by compute
    on that rank, and idle_ns is the rest of the rank's time (waiting on receives, bubbles)."""
    facts = node_facts(traces)
    n = result["num_npus"]
    comp: list[list] = [[] for _ in range(n)]
    by_dim: list[dict[str, list]] = [{} for _ in range(n)]
    by_type: dict[str, dict[str, int]] = {}
    dims: dict[str, dict[str, int]] = {}
    for rank, nid, start, end in result["nodes"]:
        category, what, dim, size = facts[rank].get(nid, ("other", "", "", 0))
        if category == "compute":
            comp[rank].append((start, end))
        elif category == "comm":  # a RECV only waits for its SEND: the SEND carries the bytes and time
            by_dim[rank].setdefault(dim, []).append((start, end))
            for entry in (dims.setdefault(dim, {"nodes": 0, "bytes": 0, "time_ns": 0}),
                          by_type.setdefault(what, {"nodes": 0, "bytes": 0, "time_ns": 0})):
                entry["nodes"] += 1
                entry["bytes"] += size
                entry["time_ns"] += end - start
    ranks = []
    for rank in range(n):
        busy = _union(comp[rank])
        finish = result["finish_ns"][rank]
        compute = _length(busy)
        exposed = _minus(_union([iv for ivs in by_dim[rank].values() for iv in ivs]), busy)
        ranks.append({"rank": rank, "finish_ns": finish, "compute_ns": compute,
                      "exposed_comm_ns": exposed, "idle_ns": finish - compute - exposed,
                      "exposed_by_dim_ns": {d: _minus(_union(ivs), busy) for d, ivs in sorted(by_dim[rank].items())}})
    for dim, entry in dims.items():
        entry["exposed_ns_mean_per_rank"] = sum(r["exposed_by_dim_ns"].get(dim, 0) for r in ranks) / n
        entry["time_ns_mean_per_rank"] = entry["time_ns"] / n
    step = result["max_finish_ns"]
    return {"step_time_ns": step, "ranks": ranks,
            "compute_ns_mean": sum(r["compute_ns"] for r in ranks) / n,
            "exposed_comm_ns_mean": sum(r["exposed_comm_ns"] for r in ranks) / n,
            "by_collective": dict(sorted(by_type.items())), "by_dimension": dict(sorted(dims.items()))}


def chrome_trace(result: dict[str, Any], traces) -> dict[str, Any]:
    """A Chrome trace (chrome://tracing, Perfetto): one process per rank, compute / comm / recv lanes, µs."""
    facts = node_facts(traces)
    lanes = {"compute": 0, "comm": 1, "recv": 2, "other": 3}
    events: list[dict[str, Any]] = []
    for rank in range(result["num_npus"]):
        events.append({"name": "process_name", "ph": "M", "pid": rank, "tid": 0, "args": {"name": f"rank {rank}"}})
        for lane, tid in lanes.items():
            events.append({"name": "thread_name", "ph": "M", "pid": rank, "tid": tid, "args": {"name": lane}})
    names = [{n.id: n.name for n in t.nodes} for t in traces]
    for rank, nid, start, end in sorted(result["nodes"]):
        category, what, dim, size = facts[rank].get(nid, ("other", "", "", 0))
        args = {"node_id": nid, "kind": what}
        if category in ("comm", "recv"):
            args.update({"parallelism": dim, "bytes": size})
        events.append({"name": names[rank].get(nid, str(nid)), "cat": category, "ph": "X", "pid": rank,
                       "tid": lanes[category], "ts": start / 1000.0, "dur": (end - start) / 1000.0, "args": args})
    return {"traceEvents": events, "displayTimeUnit": "ns"}


def write_chrome_trace(result: dict[str, Any], traces, path: str) -> None:
    """Write chrome_trace() atomically (compact JSON)."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".trace.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(chrome_trace(result, traces), handle, separators=(",", ":"))
    os.replace(tmp, path)
