"""ns-3 packet-level fabric backend (RoCEv2: PFC, ECN, DCQCN; IB plugs into the same fabric)."""

from __future__ import annotations

from typing import Any, Mapping

from astrasim_py.config.network import NetworkConfig
from astrasim_py.network.ns3.backend import Ns3Backend
from astrasim_py.network.ns3.config import FabricConfig, list_presets, parse_fabric_config


def create_backend(network_config: NetworkConfig | Mapping[str, Any], num_npus: int, seed: int = 1,
                   source: str = "<network config>") -> Ns3Backend:
    """Build the ns-3 fabric of a network config: a parsed NetworkConfig (the runner's) or a
    mapping with ASTRA-sim keys and an optional fabric: section."""
    config = parse_fabric_config(network_config, num_npus, source)
    return Ns3Backend(config, seed=seed, source=source)


__all__ = ["create_backend", "Ns3Backend", "FabricConfig", "parse_fabric_config", "list_presets"]
