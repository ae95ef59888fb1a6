"""ns-3 packet-level fabric backend (RoCEv2: PFC, ECN, DCQCN; IB plugs into the same fabric)."""

from __future__ import annotations

from typing import Any

from astrasim_py.network.ns3.backend import Ns3Backend
from astrasim_py.network.ns3.config import FabricConfig, list_presets, parse_fabric_config


def create_backend(network_config: dict[str, Any], num_npus: int, seed: int = 1,
                   source: str = "<network config>") -> Ns3Backend:
    """Build the ns-3 fabric described by a parsed network YAML (ASTRA-sim keys + optional fabric:)."""
    config = parse_fabric_config(network_config, num_npus, source)
    return Ns3Backend(config, seed=seed, source=source)


__all__ = ["create_backend", "Ns3Backend", "FabricConfig", "parse_fabric_config", "list_presets"]
