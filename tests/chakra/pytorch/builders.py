"""Small self-made PyTorch execution traces and Kineto traces for the converter and linker tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

THREAD = "[pytorch|profiler|execution_trace|thread]"
PROCESS = "[pytorch|profiler|execution_trace|process]"


def tensor(tid: int, numel: int, itemsize: int = 4, device: str = "cpu") -> list:
    """The observer's 6-tuple [tensor_id, storage_id, offset, numel, itemsize, device]."""
    return [tid, tid + 1, 0, numel, itemsize, device]


def op(nid: int, name: str, parent: int, rf_id: int, *, values=(), types=(), tid: int = 1,
       op_schema: str = "", extra: dict | None = None) -> dict:
    """One host node in the 1.0.2+ layout."""
    node = {"id": nid, "name": name, "ctrl_deps": parent,
            "inputs": {"values": list(values), "shapes": [[] for _ in values], "types": list(types)},
            "outputs": {"values": [], "shapes": [], "types": []},
            "attrs": [{"name": "rf_id", "type": "uint64", "value": rf_id},
                      {"name": "fw_parent", "type": "uint64", "value": 0},
                      {"name": "seq_id", "type": "int64", "value": -1},
                      {"name": "scope", "type": "uint64", "value": 0},
                      {"name": "tid", "type": "uint64", "value": tid},
                      {"name": "fw_tid", "type": "uint64", "value": 0},
                      {"name": "op_schema", "type": "string", "value": op_schema}]}
    if extra:
        node.update(extra)
    return node


def pg_init(nid: int, parent: int, rf_id: int, groups: list[dict]) -> dict:
    """A `## process_group:init ##` node holding the JSON list of groups."""
    return op(nid, "## process_group:init ##", parent, rf_id, values=[json.dumps(groups)], types=["String"])


def et(nodes: list[dict], schema: str = "1.1.1-chakra.0.0.4") -> dict:
    """A whole trace; the process root (id 1) is written last with itself as parent, as torch does."""
    return {"schema": schema, "pid": 7, "time": "2026-01-01 00:00:00", "start_ts": 100,
            "nodes": nodes + [op(1, PROCESS, 1, 0, tid=0)], "finish_ts": 200}


def write(path: Path, data: dict, gz: bool = False) -> Path:
    """Write JSON (gzip when gz) and return the path."""
    text = json.dumps(data, indent=2).encode()
    path.write_bytes(gzip.compress(text) if gz else text)
    return path


def host_only_ddp(rank: int, world: int = 4) -> dict:
    """A host-only NCCL-style trace: broadcast, a world all-reduce, a sub-group all-reduce, a send/recv."""
    peer = rank ^ 1
    groups = [{"pg_name": "0", "pg_desc": "default_pg", "ranks": [], "group_size": world, "group_count": 2},
              {"pg_name": "1", "pg_desc": "evens", "ranks": [0, 2], "group_size": 2, "group_count": 2},
              {"pg_name": "2", "pg_desc": "odds", "ranks": [1, 3], "group_size": 2, "group_count": 2}]
    sub = "1" if rank % 2 == 0 else "2"
    t = tensor
    nodes = [
        op(2, THREAD, 1, 0),
        pg_init(3, 2, 1, groups),
        op(4, "aten::mm", 2, 2, values=[t(100, 64), t(102, 64)], types=["Tensor(float)"] * 2),
        op(5, "c10d::broadcast_", 2, 3, values=[[t(110, 1000)], "<Object>", 0, 0], types=[
            "GenericList[Tensor(float)]", "Object", "Int", "Int"]),
        op(6, "record_param_comms", 5, 4, values=[[t(110, 1000)], 1, ["0", "default_pg"], 0, "broadcast",
                                                  [], [], 0, 1, world],
           types=["GenericList[Tensor(float)]", "Int", "Tuple[String,String]", "Int", "String",
                  "GenericList[]", "GenericList[]", "Int", "Int", "Int"]),
        op(7, "nccl:broadcast", 6, 5, values=[t(110, 1000)], types=["Tensor(float)"]),
        op(8, "c10d::allreduce_", 2, 6, values=[[t(120, 2048, 2)], "<Object>"],
           types=["GenericList[Tensor(c10::Half)]", "Object"]),
        op(9, "record_param_comms", 8, 7, values=[[t(120, 2048, 2)], 2, ["0", "default_pg"], 0, "allreduce",
                                                  [], [], 0, 1, world],
           types=["GenericList[Tensor(c10::Half)]", "Int", "Tuple[String,String]", "Int", "String",
                  "GenericList[]", "GenericList[]", "Int", "Int", "Int"]),
        op(10, "nccl:all_reduce", 9, 8, values=[t(120, 2048, 2)], types=["Tensor(c10::Half)"]),
        # A sub-group collective described only by record_param_comms (no backend op below it).
        op(11, "record_param_comms", 2, 9, values=[[t(130, 256, 8)], 3, [sub, "grp"], 0, "allreduce",
                                                   [], [], 0, 1, 2],
           types=["GenericList[Tensor(double)]", "Int", "Tuple[String,String]", "Int", "String",
                  "GenericList[]", "GenericList[]", "Int", "Int", "Int"]),
        op(12, "c10d::send" if rank % 2 == 0 else "c10d::recv_", 2, 10,
           values=[[t(140, 10)], "<Object>", peer, 5], types=["GenericList[Tensor(float)]", "Object", "Int", "Int"]),
        op(13, "nccl:send" if rank % 2 == 0 else "nccl:recv", 12, 11, values=[t(140, 10)],
           types=["Tensor(float)"]),
        op(14, "aten::add_", 2, 12, values=[t(150, 8), t(152, 8)], types=["Tensor(float)"] * 2),
    ]
    return et(nodes, schema="1.0.3-chakra.0.0.4")
