"""Generated workloads: make a Chakra trace for `{generate: {collective, npus, size}}` once per sweep."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import astrasim_py
from astrasim_py.errors import InputError

TRACE_PREFIX_NAME = "trace"


def trace_key(generate: dict[str, Any]) -> str:
    """Folder name of a generated trace: readable parameters plus a hash (generator version included)."""
    text = json.dumps({"generate": generate, "version": astrasim_py.__version__}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{generate.get('collective', generate.get('pattern'))}-{generate.get('npus')}npus-{generate.get('size')}-{digest}"


def materialize_trace(generate: dict[str, Any], traces_dir: Path) -> str:
    """Return the Chakra prefix of the generated trace, generating it if absent (safe across processes)."""
    final = Path(traces_dir) / trace_key(generate)
    prefix = final / TRACE_PREFIX_NAME
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


def write_generated_trace(generate: dict[str, Any], prefix: Path) -> None:
    """Write `<prefix>.<rank>.et` for one collective on `npus` ranks with the Chakra generator."""
    from astrasim_py.chakra.generators import COLLECTIVES, generate_collective, write_workload
    from astrasim_py.chakra.units import parse_size

    if "pattern" in generate:  # congesting traffic: {pattern, npus, size, <pattern options>}
        _write_traffic(generate, prefix)
        return
    collective = str(generate["collective"])
    if collective not in COLLECTIVES:
        raise InputError(f"unknown collective {collective!r}", field="workload.generate.collective",
                         fix=f"use one of: {', '.join(COLLECTIVES)}")
    try:
        npus = int(generate["npus"])
    except (TypeError, ValueError):
        npus = 0
    if npus < 1 or isinstance(generate["npus"], bool):
        raise InputError(f"npus must be a positive integer, got {generate['npus']!r}",
                         field="workload.generate.npus", fix="e.g. npus: 8")
    size = parse_size(generate["size"], field="workload.generate.size")
    write_workload(str(prefix), generate_collective(collective, npus, size))


def _write_traffic(generate: dict[str, Any], prefix: Path) -> None:
    """A traffic pattern of astrasim_py.chakra.traffic (e.g. {pattern: incast, npus: 8, size: 1MiB})."""
    from astrasim_py.chakra import traffic
    from astrasim_py.chakra.generators import write_workload
    from astrasim_py.chakra.units import parse_size

    npus = generate.get("npus")
    if not isinstance(npus, int) or isinstance(npus, bool) or npus < 2:
        raise InputError(f"npus must be an integer >= 2, got {npus!r}", field="workload.generate.npus",
                         fix="e.g. npus: 8")
    size = parse_size(generate.get("size", 0), field="workload.generate.size")
    options = {k: v for k, v in generate.items() if k not in ("pattern", "npus", "size")}
    flows = traffic.generate_flows(str(generate["pattern"]), npus, size, options, where="workload.generate")
    write_workload(str(prefix), traffic.flows_to_graphs(flows, npus))
