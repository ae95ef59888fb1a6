"""The network YAML, parsed once: ASTRA-sim's dimension lists into typed `Dimension`s, plus the
raw `fabric:` section the ns-3 backend validates (network/ns3/config.py).

Every consumer of the dimensions (the analytical backends, the ns-3 fabric's mapping of
dimensions to hosts and switches, the topology loader) takes them from `parse_network`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from astrasim_py.config._load import apply_overrides, read_mapping
from astrasim_py.config.checks import LIMITS, integer, number
from astrasim_py.errors import InputError

TOPOLOGIES = ("Ring", "FullyConnected", "Switch")
DIM_KEYS = ("topology", "npus_count", "bandwidth", "latency")
# `fabric` belongs to the ns-3 backend; the analytical backends ignore it.
ALLOWED_KEYS = set(DIM_KEYS) | {"fabric"}


def gbps_from_GBps(bandwidth_GBps: float) -> float:
    """ASTRA-sim GB/s (1 GB = 2^30 B) to Gbit/s (1e9 bit/s): GB/s * 8 * 2^30 / 1e9."""
    return float(bandwidth_GBps) * 8.0 * (1 << 30) / 1e9


@dataclass(frozen=True)
class Dimension:
    """One network dimension in ASTRA-sim's units: bandwidth in GB/s with GB = 2^30 bytes
    (ASTRA-sim's convention, not Gbit/s), latency in ns per link."""

    topology: str  # Ring | FullyConnected | Switch
    npus: int
    bandwidth_gbytes_per_s: float
    latency_ns: float

    @property
    def bytes_per_ns(self) -> float:
        """Link bandwidth in bytes per ns (GB/s x 2^30 / 1e9)."""
        return self.bandwidth_gbytes_per_s * (1 << 30) / 1_000_000_000

    @property
    def link_gbps(self) -> float:
        """Link bandwidth in Gbit/s (1e9 bit/s): GB/s x 8 x 2^30 / 1e9."""
        return gbps_from_GBps(self.bandwidth_gbytes_per_s)


@dataclass
class NetworkConfig:
    """A parsed network file: dimensions (may be empty for a fabric-only file), the `fabric:`
    section as given (validated by the ns-3 backend) and the raw dict."""

    dims: list[Dimension]
    raw: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def fabric(self) -> Any:
        """The `fabric:` section as written (None when absent)."""
        return self.raw.get("fabric")

    @property
    def num_npus(self) -> int:
        """Product of the per-dimension NPU counts (0 when no dimensions are given)."""
        total = 1 if self.dims else 0
        for dim in self.dims:
            total *= dim.npus
        return total

    def resolved(self) -> dict[str, Any]:
        """The file's content after defaults, for the result JSON."""
        out = dict(self.raw)
        if self.dims:
            out["topology"] = [d.topology for d in self.dims]
            out["npus_count"] = [d.npus for d in self.dims]
            out["bandwidth"] = [d.bandwidth_gbytes_per_s for d in self.dims]
            out["latency"] = [d.latency_ns for d in self.dims]
        return out


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _dimension(topo: Any, npus: Any, bw: Any, lat: Any, *, index: int, source: str) -> Dimension:
    """One dimension's four entries, checked."""
    if topo not in TOPOLOGIES:
        raise InputError(f"unknown topology '{topo}'", file=source, field=f"topology[{index}]",
                         fix="use Ring, FullyConnected or Switch")
    npus = integer(npus, file=source, field=f"npus_count[{index}]", minimum=2, maximum=LIMITS.max_npus,
                   fix=f"give an integer NPU count of 2..{LIMITS.max_npus} (each NPU costs memory)")
    bw = number(bw, file=source, field=f"bandwidth[{index}]", unit="GB/s", minimum=LIMITS.min_bandwidth_GBps,
                maximum=LIMITS.max_bandwidth_GBps, fix="write the link bandwidth in GB/s, e.g. 50.0")
    lat = number(lat, file=source, field=f"latency[{index}]", unit="ns", minimum=0,
                 maximum=LIMITS.max_latency_ns, fix="write the link latency in ns, e.g. 500.0")
    return Dimension(str(topo), int(npus), float(bw), float(lat))


def parse_network(data: dict[str, Any], source: str = "") -> NetworkConfig:
    """Validate a network mapping; InputError names the field and the fix."""
    for key in data:
        if key not in ALLOWED_KEYS:
            raise InputError(f"unknown key '{key}'", file=source, field=key,
                             fix="use topology, npus_count, bandwidth, latency (and fabric for ns-3)")
    present = [k for k in DIM_KEYS if k in data]
    if not present:
        if "fabric" in data:
            return NetworkConfig(dims=[], raw=data, source=source)
        raise InputError("no dimensions given", file=source, field="topology",
                         fix="give topology, npus_count, bandwidth and latency lists")
    missing = [k for k in DIM_KEYS if k not in data]
    if missing:
        raise InputError(f"missing key '{missing[0]}'", file=source, field=missing[0],
                         fix="give all of topology, npus_count, bandwidth, latency, one entry per dimension")
    lists = {k: _as_list(data[k]) for k in DIM_KEYS}
    ndims = len(lists["topology"])
    if ndims == 0:
        raise InputError("empty dimension list", file=source, field="topology", fix="give at least one dimension")
    for key in DIM_KEYS:
        if len(lists[key]) != ndims:
            raise InputError(f"has {len(lists[key])} entries but topology has {ndims}", file=source,
                             field=key, fix="give one entry per dimension in every list")
    dims = [_dimension(*(lists[k][i] for k in DIM_KEYS), index=i, source=source) for i in range(ndims)]
    total = 1
    for dim in dims:
        total *= dim.npus
    if total > LIMITS.max_npus:
        raise InputError(f"the dimensions give {total} NPUs, above the limit of {LIMITS.max_npus}",
                         file=source, field="npus_count", fix="simulate fewer NPUs (each costs memory)")
    return NetworkConfig(dims=dims, raw=data, source=source)


def _reference_config(path: str) -> dict[str, Any] | None:
    """An ASTRA-sim ns-3 config.txt, mapped to a fabric section (mapping printed on stderr)."""
    if not path or not path.endswith(".txt") or not os.path.isfile(path):
        return None
    from astrasim_py.network.ns3.reference_config import looks_like_reference_config, parse_reference_config

    if not looks_like_reference_config(path):
        return None
    ref = parse_reference_config(path)
    print(f"network: {path} is an ns-3 reference config.txt: using preset astrasim_ns3_compat "
          "(the reference's semantics: ACK completion, its framing and timing); key mapping:", file=sys.stderr)
    for line in ref.mapping:
        print(f"  {line}", file=sys.stderr)
    return ref.network


def load_network(path: str, overrides: dict[str, Any] | None = None) -> NetworkConfig:
    """Read and validate a network YAML (dotted-key overrides applied first)."""
    data = _reference_config(path) or read_mapping(path, "network configuration")
    if overrides:
        data = apply_overrides(data, overrides)
    return parse_network(data, source=path)
