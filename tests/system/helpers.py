"""Shared paths and a name-resolving wrapper around run_collective."""

from __future__ import annotations

import json
from pathlib import Path

from astrasim_inputs import CONFIGS  # the reference inputs, written by the tests themselves
from astrasim_py.system.driver import run_collective

MiB = 1 << 20


def system_variant(tmp_path: Path, base: str, **changes) -> str:
    """Write a copy of a reference system JSON with some keys changed; returns its path."""
    data = json.loads((CONFIGS / base).read_text())
    data.update({k.replace("_", "-"): v for k, v in changes.items()})
    path = tmp_path / f"sys_{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(data))
    return str(path)


def drive(net: str, system: str, comm_type: int, size: int, backend: str = "analytical",
          involved=(True, True, True, True), **ctx_kwargs) -> tuple[int, int]:
    """run_collective with file names resolved in the reference input folder."""
    net = net if "/" in net else str(CONFIGS / net)
    system = system if "/" in system else str(CONFIGS / system)
    return run_collective(net, system, comm_type, size, backend, involved, **ctx_kwargs)
