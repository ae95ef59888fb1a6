"""Shared helpers for the LLM workload tests: build jobs, write networks, read traces."""

from __future__ import annotations

from pathlib import Path

from astrasim_py.chakra.attrs import get_attr
from astrasim_py.chakra.schema import NodeType
from astrasim_py.chakra.workload import load_workload
from astrasim_py.workload.llm.accelerators import get_accelerator
from astrasim_py.workload.llm.config import JobConfig
from astrasim_py.workload.llm.layout import Parallelism
from astrasim_py.workload.llm.models import build_model
from astrasim_py.workload.llm.writer import generate

SMALL = {"layers": 4, "d_model": 256, "d_ff": 1024, "heads": 4, "kv_heads": 2, "vocab": 1000, "seq": 64}


def job(model=None, shape=None, accelerator="H100", durations=None, **kw) -> JobConfig:
    """A JobConfig from a model name and/or shape overrides plus JobConfig/Parallelism keywords."""
    par_keys = {"dp", "tp", "pp", "ep", "sp", "zero"}
    par = Parallelism(**{k: kw.pop(k) for k in list(kw) if k in par_keys})
    acc = None if durations is not None else get_accelerator(accelerator)
    return JobConfig(build_model(model, shape), par, accelerator=acc, durations=durations, **kw)


def write(tmp_path: Path, the_job: JobConfig, name: str = "w") -> tuple[str, dict]:
    """Generate into tmp_path; returns (prefix, generate()'s facts)."""
    prefix = str(tmp_path / name)
    return prefix, generate(the_job, prefix)


def switch_network(tmp_path: Path, npus: int, gbps_bytes: float = 50, latency_ns: float = 500) -> str:
    """A one-dimension ASTRA-sim Switch network YAML."""
    path = tmp_path / "net.yml"
    path.write_text(f"topology: [Switch]\nnpus_count: [{npus}]\nbandwidth: [{gbps_bytes}]\nlatency: [{latency_ns}]\n")
    return str(path)


def comm_nodes(prefix: str):
    """Per rank: list of (node, parallelism, comm_type or kind, comm_size) for COMM nodes."""
    traces = load_workload(prefix, warn_stream=None)
    out = []
    for trace in traces:
        rows = []
        for node in trace.nodes:
            if node.type == NodeType.COMM_COLL_NODE:
                rows.append((node, get_attr(node, "parallelism"), int(get_attr(node, "comm_type")),
                             int(get_attr(node, "comm_size"))))
            elif node.type in (NodeType.COMM_SEND_NODE, NodeType.COMM_RECV_NODE):
                kind = "send" if node.type == NodeType.COMM_SEND_NODE else "recv"
                rows.append((node, get_attr(node, "parallelism"), kind, int(get_attr(node, "comm_size"))))
        out.append(rows)
    return traces, out
