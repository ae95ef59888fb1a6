"""Generated workloads: make a Chakra trace for `{generate: ...}` once per sweep.

`generate` is a collective `{collective, npus, size}`, a traffic pattern `{pattern, npus, size, ...}`
(incast, permutation, random_permutation, all_to_all, hotspot, poisson), or a list of those overlaid
on the same ranks (each rank runs every part's nodes, independently of the other parts).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

import astrasim_py
from astrasim_py.errors import InputError

TRACE_PREFIX_NAME = "trace"


def trace_key(generate: dict[str, Any] | list[dict[str, Any]]) -> str:
    """Folder name of a generated trace: readable parameters plus a hash (generator version included)."""
    text = json.dumps({"generate": generate, "version": astrasim_py.__version__}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    parts = generate if isinstance(generate, list) else [generate]
    what = "+".join(str(p.get("collective") or p.get("pattern")) for p in parts if isinstance(p, dict))
    first = parts[0] if parts and isinstance(parts[0], dict) else {}
    return f"{what}-{first.get('npus')}npus-{first.get('size', 'cdf')}-{digest}"


def materialize_workload(workload: dict[str, Any], traces_dir: Path) -> str:
    """The workload path of a generated workload: a trace prefix, or a jobs YAML over generated traces."""
    if "jobs" not in workload:
        return materialize_trace(workload["generate"], traces_dir)
    jobs = []
    for i, job in enumerate(workload["jobs"]):
        jobs.append({"name": str(job.get("name") or f"job{i}"), "hosts": job["hosts"],
                     "workload": materialize_trace(job["generate"], traces_dir)})
    text = yaml.safe_dump({"jobs": jobs}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = Path(traces_dir) / f"jobs-{'+'.join(j['name'] for j in jobs)}-{digest}.yaml"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)  # same content from every process: the last rename wins harmlessly
    return str(path)


def materialize_trace(generate: dict[str, Any], traces_dir: Path) -> str:
    """Return the Chakra prefix of the generated trace, generating it if absent (safe across processes)."""
    prefix = Path(trace_prefix(generate, traces_dir))
    final = prefix.parent
    if final.is_dir():
        return str(prefix)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    try:
        write_generated_trace(generate, tmp / TRACE_PREFIX_NAME)
        try:
            # The rename publishes a whole trace folder; a process that lost the race keeps the winner's.
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return str(prefix)


def trace_prefix(generate: dict[str, Any] | list[dict[str, Any]], traces_dir: Path) -> str:
    """Where materialize_trace puts (or would put) the generated trace: a content-keyed prefix."""
    return str(Path(traces_dir) / trace_key(generate) / TRACE_PREFIX_NAME)


def generated_traces(generate: dict[str, Any] | list[dict[str, Any]], prefix: str) -> list:
    """The generated workload's rank traces in memory, validated as load_workload validates files.

    Each trace is labelled with the file name it has under `prefix` when written, so messages
    read the same either way; the runner takes them as `run(..., traces=...)`.
    """
    from astrasim_py.chakra.io import EtTrace
    from astrasim_py.chakra.validate import validate_trace, validate_workload
    from astrasim_py.chakra.workload import rank_file

    graphs = generated_graphs(generate)
    traces = [EtTrace(path=rank_file(prefix, g.rank), metadata=g.metadata, nodes=g.nodes) for g in graphs]
    reports = [validate_trace(t, rank=r, num_npus=len(traces)) for r, t in enumerate(traces)]
    validate_workload(traces, reports=reports)
    return traces


def generated_graphs(generate: dict[str, Any] | list[dict[str, Any]]) -> list:
    """The per-rank graphs of a generated workload (one part, or several overlaid)."""
    if isinstance(generate, list):
        graphs = None
        for i, part in enumerate(generate):
            part_graphs = part_graphs_of(part, f"workload.generate[{i}]")
            graphs = part_graphs if graphs is None else overlay(graphs, part_graphs, f"workload.generate[{i}]")
        return graphs or []
    return part_graphs_of(generate, "workload.generate")


def write_generated_trace(generate: dict[str, Any] | list[dict[str, Any]], prefix: Path) -> None:
    """Write `<prefix>.<rank>.et` for a generated workload (one part, or several overlaid)."""
    from astrasim_py.chakra.generators import write_workload

    write_workload(str(prefix), generated_graphs(generate))


def part_graphs_of(part: Any, field: str) -> list:
    """The per-rank graphs of one generated part (a collective or a traffic pattern)."""
    if not isinstance(part, dict):
        raise InputError("each generated part is a mapping", field=field,
                         fix="e.g. {collective: all_reduce, npus: 8, size: 1MiB}")
    npus = _npus(part, field)
    if "pattern" in part:
        return _pattern_graphs(part, npus, field)
    from astrasim_py.chakra.generators import COLLECTIVES, generate_collective
    from astrasim_py.chakra.units import parse_size

    collective = str(part.get("collective"))
    if collective not in COLLECTIVES:
        raise InputError(f"unknown collective {collective!r}", field=f"{field}.collective",
                         fix=f"use one of: {', '.join(COLLECTIVES)}")
    size = parse_size(part.get("size"), field=f"{field}.size")
    return generate_collective(collective, npus, size)


def _npus(part: dict[str, Any], field: str) -> int:
    try:
        npus = int(part.get("npus"))
    except (TypeError, ValueError):
        npus = 0
    if npus < 1 or isinstance(part.get("npus"), bool):
        raise InputError(f"npus must be a positive integer, got {part.get('npus')!r}",
                         field=f"{field}.npus", fix="e.g. npus: 8")
    return npus


def _pattern_graphs(part: dict[str, Any], npus: int, field: str) -> list:
    """A traffic pattern of astrasim_py.chakra.traffic (e.g. {pattern: incast, npus: 8, size: 1MiB, target: 0})."""
    from astrasim_py.chakra import traffic
    from astrasim_py.chakra.units import parse_size

    if npus < 2:
        raise InputError(f"npus must be an integer >= 2, got {npus!r}", field=f"{field}.npus", fix="e.g. npus: 8")
    size = parse_size(part.get("size", 0), field=f"{field}.size")
    options = {k: v for k, v in part.items() if k not in ("pattern", "npus", "size")}
    flows = traffic.generate_flows(str(part["pattern"]), npus, size, options, where=field)
    return traffic.flows_to_graphs(flows, npus)


def overlay(base: list, extra: list, field: str) -> list:
    """Every rank runs both graphs: the extra part's node ids are shifted past the base's, deps with them."""
    if len(base) != len(extra):
        raise InputError(f"overlaid parts have {len(base)} and {len(extra)} ranks", field=f"{field}.npus",
                         fix="give every part of the list the same npus")
    for b, e in zip(base, extra):
        offset = max((n.id for n in b.nodes), default=-1) + 1
        for node in e.nodes:
            node.id += offset
            data = [d + offset for d in node.data_deps]
            ctrl = [d + offset for d in node.ctrl_deps]
            del node.data_deps[:]
            node.data_deps.extend(data)
            del node.ctrl_deps[:]
            node.ctrl_deps.extend(ctrl)
            b.nodes.append(node)
    return base
