"""Physical topologies shared by every backend: model, builders, presets, routing."""

from astrasim_py.topology.builders import (
    fattree, from_astrasim_dims, gbps_from_GBps, leaf_spine, clos_2tier, rail_optimized, star,
)
from astrasim_py.topology.loader import list_presets, load_topology
from astrasim_py.topology.model import Link, Topology
from astrasim_py.topology.ns3_text import read_ns3_topology
from astrasim_py.topology.routing import Routes, compute_routes

__all__ = [
    "Link", "Topology", "Routes", "compute_routes", "load_topology", "list_presets",
    "from_astrasim_dims", "gbps_from_GBps", "star", "leaf_spine", "clos_2tier", "fattree",
    "rail_optimized", "read_ns3_topology",
]
