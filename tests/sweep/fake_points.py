"""Point functions that tests inject into sweeps (module-level so spawned workers and Slurm tasks import them).

`ring_allreduce_point` is a closed-form stand-in for the simulator: the analytical ring all-reduce time
of the point's generated workload, so results depend on the inputs and are deterministic.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from astrasim_py.errors import InputError


def _input_bytes(request: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for name in ("system", "network"):
        h.update(Path(request[name]).read_bytes())
    return h.hexdigest()[:16]


def closed_form_point(request: dict[str, Any]) -> dict[str, Any]:
    """Ring all-reduce time 2(n-1)/n * size / bw + 2(n-1) * latency, from the point's axes (no simulator)."""
    net = request.get("network_overrides", {})
    npus = int(net.get("npus", 8))
    size = int(request["system_overrides"].get("size", 1 << 20))
    bw_gbps = float(net.get("link_gbps", 100))
    latency_ns = float(net.get("latency_ns", 500))
    if bw_gbps <= 0:
        raise InputError(f"link_gbps must be positive, got {bw_gbps}", file=request["network"],
                         field="link_gbps", fix="give a positive bandwidth")
    delay = float(request["system_overrides"].get("sleep_s", 0.0))
    if delay:
        time.sleep(delay)
    if request["system_overrides"].get("crash"):
        os._exit(17)
    steps = 2 * (npus - 1)
    finish = round(steps / npus * size * 8 / bw_gbps + steps * latency_ns)
    return {
        "backend": request["backend"],
        "finish_ns": [finish] * npus,
        "exposed_comm_ns": [finish] * npus,
        "sim_time_ns": finish,
        "seed": request["seed"],
        "inputs": _input_bytes(request),
        "pid": os.getpid(),
        "cwd": os.getcwd(),
    }


def hang_point(request: dict[str, Any]) -> dict[str, Any]:
    """Sleeps far beyond any test time limit, for the per-point time limit test."""
    if request["system_overrides"].get("hang"):
        time.sleep(3600)
    return closed_form_point(request)


def json_dumps(doc: Any) -> str:
    """Stable JSON text used by tests to compare results."""
    return json.dumps(doc, sort_keys=True)
