"""`chakra link`: join a PyTorch execution trace with its Kineto trace (what chakra_trace_link does).

Host ops are matched to Kineto CPU ops by record-function id; GPU kernels and memcpys hang under
their launching op (by correlation, then External id on the launching thread). The merged file is
the host trace with dense new ids, Kineto timing (ts, inclusive/exclusive µs), inter-thread links
and one new node per GPU op, written with indent 4 and nodes sorted by id.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field

from astrasim_py.chakra.pytorch.kineto import CpuOp, GpuOp, KinetoTrace, load_kineto
from astrasim_py.chakra.pytorch.output import atomic_output
from astrasim_py.chakra.pytorch.reader import iter_et_nodes, read_et_header_checked
from astrasim_py.chakra.pytorch.progress import Progress
from astrasim_py.errors import InputError


@dataclass
class LinkStats:
    """What the linker did, for the CLI summary line."""

    host_nodes: int = 0
    linked: int = 0
    gpu_nodes: int = 0
    orphan_gpu_ops: int = 0
    warnings: list[str] = field(default_factory=list)


def _rf_id(node: dict) -> int | None:
    for attr in node.get("attrs") or ():
        if isinstance(attr, dict) and attr.get("name") == "rf_id":
            value = attr.get("value")
            return int(value) if isinstance(value, (int, float)) else None
    return None


def _find_launcher(gpu: GpuOp, launch: dict, cpu_ops: list[CpuOp], starts: list[float]) -> CpuOp | None:
    """Latest CPU op on the launch thread begun at or before the launch, same External id first."""
    import bisect

    launch_ts = float(launch.get("ts", 0.0))
    tid = launch.get("tid")
    is_nccl = "nccl" in gpu.name.lower()
    ext = (launch.get("args") or {}).get("External id", gpu.ext_id)
    latest = None
    index = bisect.bisect_right(starts, launch_ts) - 1
    while index >= 0:
        op = cpu_ops[index]
        index -= 1
        if op.tid != tid or (is_nccl and op.name == "nccl:coalesced"):
            continue
        if latest is None:
            latest = op
        if ext is not None and op.ext_id == ext:
            return op
    return latest


def link_traces(host_path: str, device_path: str, output_path: str, rank: int | None = None,
                show_progress: bool = False, indent: int | None = None) -> LinkStats:
    """Write the merged host+device trace; raises InputError when the two do not belong together.

    indent=None writes one node per line (C-speed JSON); indent=4 gives the real tool's exact bytes.
    """
    header = read_et_header_checked(host_path)
    stats = LinkStats()
    kineto = load_kineto(device_path)
    if not kineto.any_rf_id:
        raise InputError("no Kineto event has a 'Record function id', so nothing can be linked",
                         file=device_path, field="args.Record function id",
                         fix="record with a torch that writes record-function ids (>= 2.1) and "
                             "the ExecutionTraceObserver attached to the same profiler")
    info_rank = kineto.info.get("rank") if isinstance(kineto.info, dict) else None
    if rank is not None and isinstance(info_rank, int) and info_rank != rank:
        raise InputError(f"the Kineto trace is of rank {info_rank}, not {rank}", file=device_path,
                         field="distributedInfo.rank", fix="pass the device trace of the same rank")

    # Pass 1: keep every host node as compact JSON text (about the input's size, no object tree).
    texts: dict[int, str] = {}
    parents: dict[int, object] = {}
    host_rf: dict[int, int | None] = {}
    progress = Progress(os.path.getsize(host_path), "link", enabled=show_progress)
    dumps = json.dumps
    for node in iter_et_nodes(host_path, progress.advance):
        nid = node["id"]
        texts[nid] = dumps(node, separators=(",", ":"))
        parents[nid] = node.get("ctrl_deps")
        host_rf[nid] = _rf_id(node)
    progress.close()
    stats.host_nodes = len(texts)

    by_rf = kineto.by_rf_id()
    host_ids = sorted(texts)
    linked: dict[int, CpuOp] = {}
    kineto_host: dict[int, int] = {}  # id(kineto op) -> first host id linked to it
    for nid in host_ids:
        rf = host_rf[nid]
        if rf is not None and rf in by_rf:
            linked[nid] = by_rf[rf]
    if not linked:
        raise InputError("the Kineto trace shares no record-function id with the execution trace "
                         "(it comes from another run)", file=device_path, field="Record function id",
                         fix=f"pass the Kineto file recorded together with {os.path.basename(host_path)}")
    stats.linked = len(linked)

    # GPU ops under their launching host op.
    gpu_children: dict[int, list[GpuOp]] = {}
    starts = [op.ts for op in kineto.cpu_ops]
    host_of_kineto = {id(op): nid for nid, op in linked.items()}
    for gpu in kineto.gpu_ops:
        launch = kineto.launches.get(gpu.correlation)
        if launch is None:
            stats.orphan_gpu_ops += 1
            continue
        gpu.tid = launch.get("tid")
        parent = _find_launcher(gpu, launch, kineto.cpu_ops, starts)
        host = host_of_kineto.get(id(parent)) if parent is not None else None
        if host is None:
            stats.orphan_gpu_ops += 1
            continue
        gpu_children.setdefault(host, []).append(gpu)
    if stats.orphan_gpu_ops:
        stats.warnings.append(f"{stats.orphan_gpu_ops} GPU op(s) without a launching host op were dropped")

    # New ids: hosts ascending, each followed by its GPU ops in timestamp order.
    new_id: dict[int, int] = {}
    next_id = 0
    for nid in host_ids:
        new_id[nid] = next_id
        next_id += 1 + len(gpu_children.get(nid, ()))
    # An inter-thread link counts only if its target was linked before (as the real tool does).
    inter: dict[int, int | None] = {}
    for nid, op in linked.items():
        kineto_host.setdefault(id(op), nid)
    for nid in host_ids:
        op = linked.get(nid)
        if op is None:
            continue
        dep = None
        if op.inter_thread_rf:
            target = by_rf.get(op.inter_thread_rf)
            target_host = kineto_host.get(id(target)) if target is not None else None
            if target_host is not None and target_host <= nid:
                dep = new_id[target_host]
        inter[nid] = dep
    fresh: dict[object, int] = {}
    for nid in host_ids:
        parent = parents[nid]
        if isinstance(parent, int) and parent not in new_id and parent not in fresh:
            fresh[parent] = next_id
            next_id += 1

    def remap(parent):
        if isinstance(parent, int):
            return new_id[parent] if parent in new_id else fresh[parent]
        return parent

    with atomic_output(output_path, "w", "choose a writable location") as out:
        out.write("{")
        first_key = True
        for key in header.order:
            out.write("" if first_key else ",")
            first_key = False
            out.write(f"\n    {json.dumps(key)}: ")
            if key != "nodes":
                out.write(json.dumps(header.values[key]))
                continue
            out.write("[")
            first = True
            for nid in host_ids:
                node = json.loads(texts[nid])
                node["id"] = new_id[nid]
                if "ctrl_deps" in node:
                    node["ctrl_deps"] = remap(node["ctrl_deps"])
                op = linked.get(nid)
                if op is not None:
                    node["inclusive_dur"] = op.dur
                    node["exclusive_dur"] = op.exclusive_dur
                    node["ts"] = op.ts
                    node["inter_thread_dep"] = inter.get(nid)
                first = _write_node(out, node, first, indent)
                for k, gpu in enumerate(gpu_children.get(nid, ())):
                    copy = json.loads(json.dumps(node))
                    copy.update({"id": new_id[nid] + 1 + k, "ctrl_deps": new_id[nid],
                                 "inputs": node.get("inputs"), "outputs": node.get("outputs"),
                                 "cat": gpu.cat, "name": gpu.name, "ph": gpu.ph,
                                 "inclusive_dur": gpu.dur, "exclusive_dur": gpu.dur,
                                 "ts": gpu.ts, "stream": gpu.stream})
                    if "ncclDevKernel" in gpu.name and gpu.pg_name is not None:
                        copy["pg_name"] = gpu.pg_name
                    first = _write_node(out, copy, first, indent)
                    stats.gpu_nodes += 1
            out.write("\n    ]" if not first else "]")
        out.write("\n}")
    for line in stats.warnings:
        print(f"WARNING: {line}", file=sys.stderr)
    return stats


def _write_node(out, node: dict, first: bool, indent: int | None) -> bool:
    if indent is None:
        out.write(("\n        " if first else ",\n        ") + json.dumps(node))
        return False
    pad = " " * (2 * indent)
    text = json.dumps(node, indent=indent).replace("\n", "\n" + pad)
    out.write(("\n" if first else ",\n") + pad + text)
    return False
