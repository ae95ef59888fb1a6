"""One simulation run: the Python API behind `astrasim-py run` and every sweep point."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BACKENDS = ("analytical", "analytical-aware", "ns3")


@dataclass
class RunRequest:
    """Inputs of one run, mirroring ASTRA-sim's flags (paths as given on the command line)."""

    workload: str
    system: str
    network: str
    remote_memory: str | None = None
    comm_group: str | None = None
    backend: str = "analytical"
    rendezvous: bool = False
    num_queues_per_dim: int = 1
    injection_scale: float = 1.0
    seed: int = 0
    # Dotted-key overrides applied on top of the loaded files, e.g. {"fabric.transport": "ib"}.
    network_overrides: dict[str, Any] = field(default_factory=dict)
    system_overrides: dict[str, Any] = field(default_factory=dict)


def run(request: RunRequest) -> dict[str, Any]:
    """Run one simulation and return the result document written by --output-json."""
    raise NotImplementedError("system layer not wired yet")
