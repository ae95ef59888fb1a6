"""Write a generated LLM job: per-rank ETs, the communicator groups, a system JSON and a manifest."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from astrasim_py.chakra.io import encode_et, encode_varint
from astrasim_py.chakra.schema import GlobalMetadata, Node, NodeType
from astrasim_py.chakra.workload import rank_file
from astrasim_py.config.comm_group import write_comm_groups
from astrasim_py.errors import InputError
from astrasim_py.workload.llm.accelerators import Accelerator
from astrasim_py.workload.llm.config import JobConfig, MeasuredDurations
from astrasim_py.workload.llm.graph import build_rank, metadata, stage_layers
from astrasim_py.workload.llm.layout import Layout, Placement, build_layout, check_placement
from astrasim_py.workload.llm.schedules import bubble_fraction

DEFAULT_LOCAL_MEM_GBPS = 1600.0  # reduction cost in measured mode (ASTRA-sim's unit: GB/s)


def atomic_write(path: str, data: bytes) -> None:
    """Write data to path through a temporary file in the same folder and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp.", suffix=os.path.basename(path)[-16:])
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def system_json(acc: Accelerator | None) -> dict:
    """ASTRA-sim system configuration: roofline from the accelerator, or replay (measured durations)."""
    data = {"scheduling-policy": "LIFO", "endpoint-delay": 10, "active-chunks-per-dimension": 1,
            "preferred-dataset-splits": 1, "all-reduce-implementation": ["ring"],
            "all-gather-implementation": ["ring"], "reduce-scatter-implementation": ["ring"],
            "all-to-all-implementation": ["ring"], "collective-optimization": "baseline"}
    if acc is not None:
        data.update({"local-mem-bw": acc.mem_bw_gbytes_per_s, "roofline-enabled": 1, "peak-perf": acc.peak_tflops})
    else:
        data.update({"local-mem-bw": DEFAULT_LOCAL_MEM_GBPS, "roofline-enabled": 0})
    return data


def compute_model(acc: Accelerator | None, durations: MeasuredDurations | None = None) -> dict:
    """What gives compute nodes their time (printed and stored in the manifest and results)."""
    if acc is not None:
        return {"kind": "roofline", "accelerator": acc.name, "dtype": acc.dtype,
                "peak_tflops": acc.peak_tflops, "mem_bw_gbytes_per_s": acc.mem_bw_gbytes_per_s}
    return {"kind": "measured", "durations": durations.source if durations else None}


def manifest(job: JobConfig, layout: Layout, placement: Placement) -> dict:
    """Description of the job beside the traces (read by `workload run`)."""
    p = job.par
    return {
        "generator": "astrasim-py workload llm",
        "model": asdict(job.model),
        "mode": job.mode,
        "parallelism": asdict(p),
        "world": p.world,
        "batch": job.batch, "micro_batch": job.micro_batch, "micro_batches": job.micro_batches,
        "schedule": job.schedule, "recompute": job.recompute, "dtype": job.dtype, "grad_dtype": job.grad_dtype,
        "bucket_bytes": job.bucket_bytes, "decode_steps": job.decode_steps,
        "compute_model": compute_model(job.accelerator, job.durations),
        "stage_layers": [[r.start, r.stop] for r in (stage_layers(job.model.layers, p.pp, s) for s in range(p.pp))],
        "pipeline_bubble_fraction": bubble_fraction(p.pp, job.micro_batches) if job.mode == "train" else None,
        "group_dims": {str(g): d for g, d in sorted(layout.group_dim.items())},
        "placement": {"gpus_per_server": placement.gpus_per_server,
                      "rank_to_host": "identity (host = server x gpus_per_server + rail)"},
    }


class StageTemplates:
    """Ranks of one pipeline stage have the same graph up to group ids and peer ranks: build it once.

    The first rank of a stage is built in full; every other rank reuses its serialized compute
    nodes and re-encodes only the communication nodes with its own groups and pipeline peers."""

    def __init__(self, job: JobConfig, layout: Layout) -> None:
        self.job = job
        self.layout = layout
        self._stage: dict[int, tuple[int, list[Node], list[bytes | None]]] = {}

    def count(self, rank: int) -> int:
        """Nodes of rank's file."""
        return len(self._stage[self.layout.coords(rank)[2]][1])

    def encode(self, rank: int, meta: GlobalMetadata) -> bytes:
        """The rank file's bytes."""
        tp_i, dp_i, stage = self.layout.coords(rank)
        if stage not in self._stage:
            nodes = build_rank(self.job, self.layout, rank)
            payloads = [None if n.type != NodeType.COMP_NODE else n.SerializeToString(deterministic=True)
                        for n in nodes]
            self._stage[stage] = (rank, nodes, payloads)
            return encode_et(meta, nodes)
        _, nodes, payloads = self._stage[stage]
        parts = [_record(meta.SerializeToString(deterministic=True))]
        layout = self.layout
        for node, payload in zip(nodes, payloads):
            if payload is None:
                node = _retarget(node, layout, rank, tp_i, dp_i)
                payload = node.SerializeToString(deterministic=True)
            parts.append(_record(payload))
        return b"".join(parts)


def _record(payload: bytes) -> bytes:
    return encode_varint(len(payload)) + payload


def _retarget(template: Node, layout: Layout, rank: int, tp_i: int, dp_i: int) -> Node:
    """A copy of a template COMM node for `rank`: its own group of the same dimension, its own peers."""
    node = Node()
    node.CopyFrom(template)
    for attr in node.attr:
        if attr.name == "pg_name":
            gid = int(attr.string_val)
            attr.string_val = str(layout.group_of(layout.group_dim[gid], rank))
        elif attr.name in ("comm_src", "comm_dst"):
            peer_stage = layout.coords(attr.int32_val)[2]
            attr.int32_val = layout.rank(tp_i, dp_i, peer_stage)
    return node


def generate(job: JobConfig, prefix: str, gpus_per_server: int = 8) -> dict:
    """Write every file of the job; returns paths and the layout facts."""
    job.check()
    layout = build_layout(job.par)
    placement = Placement(gpus_per_server, job.par.world)
    folder = Path(os.fspath(prefix)).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output directory ({exc.strerror})", file=str(folder),
                         field="--output", fix="give a writable PREFIX") from None
    meta = metadata()
    nodes = 0
    templates = StageTemplates(job, layout)
    for rank in range(job.par.world):
        data = templates.encode(rank, meta)
        nodes += templates.count(rank)
        atomic_write(rank_file(prefix, rank), data)
    groups_path = f"{prefix}.comm_groups.json"
    write_comm_groups(groups_path, layout.groups)
    system_path = f"{prefix}.system.json"
    atomic_write(system_path, (json.dumps(system_json(job.accelerator), indent=1, sort_keys=True) + "\n").encode())
    info = manifest(job, layout, placement)
    info["nodes"] = nodes
    manifest_path = f"{prefix}.manifest.json"
    atomic_write(manifest_path, (json.dumps(info, indent=1, sort_keys=True) + "\n").encode())
    return {"layout": layout, "placement": placement, "warnings": check_placement(layout, placement),
            "comm_groups": groups_path, "system": system_path, "manifest": manifest_path, "nodes": nodes}
