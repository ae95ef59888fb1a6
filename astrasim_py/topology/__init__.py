"""Physical topologies shared by every backend: model, builders, presets, routing."""

from astrasim_py.topology.builders import (
    fattree, from_astrasim_dims, gbps_from_GBps, leaf_spine, clos_2tier, rail_optimized, star,
)
from astrasim_py.topology.loader import list_presets, load_topology
from astrasim_py.topology.model import Link, Topology
from astrasim_py.topology.ns3_text import read_ns3_topology


def __getattr__(name: str):
    """Routes and compute_routes on first use: routing needs numpy, which a run's start-up does not."""
    if name in ("Routes", "compute_routes"):
        from astrasim_py.topology import routing

        return getattr(routing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Link", "Topology", "Routes", "compute_routes", "load_topology", "list_presets",
    "from_astrasim_dims", "gbps_from_GBps", "star", "leaf_spine", "clos_2tier", "fattree",
    "rail_optimized", "read_ns3_topology",
]
