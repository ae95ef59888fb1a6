"""The remote-memory JSON (memory-type, latency, bandwidth, node layout)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from astrasim_py.config._load import read_mapping
from astrasim_py.config.checks import LIMITS, integer, number
from astrasim_py.errors import InputError

MEMORY_TYPES = ("NO_MEMORY_EXPANSION", "PER_NODE_MEMORY_EXPANSION", "PER_NPU_MEMORY_EXPANSION", "MEMORY_POOL")


@dataclass
class RemoteMemoryConfig:
    """Remote memory model parameters (latency in ns, bandwidth in bytes/ns)."""

    memory_type: str = "NO_MEMORY_EXPANSION"
    remote_mem_latency: float = 0.0
    remote_mem_bw: float = 0.0
    num_nodes: int = 1
    num_npus_per_node: int = 1
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """ASTRA-sim key names."""
        return {"memory-type": self.memory_type, "remote-mem-latency": self.remote_mem_latency,
                "remote-mem-bw": self.remote_mem_bw, "num-nodes": self.num_nodes,
                "num-npus-per-node": self.num_npus_per_node}


def parse_remote_memory(data: dict[str, Any], source: str = "") -> RemoteMemoryConfig:
    """Validate a remote-memory mapping."""
    known = {"memory-type", "remote-mem-latency", "remote-mem-bw", "num-nodes", "num-npus-per-node"}
    for key in data:
        if key not in known:
            raise InputError(f"unknown key '{key}'", file=source, field=key,
                             fix="use memory-type, remote-mem-latency, remote-mem-bw, num-nodes, num-npus-per-node")
    mtype = data.get("memory-type", "NO_MEMORY_EXPANSION")
    if mtype not in MEMORY_TYPES:
        raise InputError(f"unknown value {mtype!r}", file=source, field="memory-type",
                         fix="use " + ", ".join(MEMORY_TYPES))
    cfg = RemoteMemoryConfig(memory_type=mtype, source=source)
    for key in ("remote-mem-latency", "remote-mem-bw"):
        if key in data:
            value = number(data[key], file=source, field=key, unit="ns" if "latency" in key else "bytes/ns",
                           minimum=0, maximum=LIMITS.max_latency_ns,
                           fix="give latency in ns, bandwidth in bytes/ns, as a number alone")
            setattr(cfg, key.replace("-", "_"), value)
    for key in ("num-nodes", "num-npus-per-node"):
        if key in data:
            setattr(cfg, key.replace("-", "_"), integer(data[key], file=source, field=key, minimum=1,
                                                        maximum=LIMITS.max_npus, fix="give a positive count"))
    if mtype != "NO_MEMORY_EXPANSION" and cfg.remote_mem_bw <= 0:
        raise InputError("must be > 0 for a memory expansion", file=source, field="remote-mem-bw",
                         fix="give the remote memory bandwidth in bytes/ns")
    return cfg


def load_remote_memory(path: str | None) -> RemoteMemoryConfig:
    """Read a remote-memory JSON; None gives NO_MEMORY_EXPANSION."""
    if not path:
        return RemoteMemoryConfig()
    return parse_remote_memory(read_mapping(path, "remote memory configuration"), source=path)
