"""Physical limits a fabric config implies, reported before the run so that nobody mistakes
them for protocol behaviour: an InfiniBand link whose per-VL receive buffer cannot cover its
credit round trip runs below line rate however idle the fabric is."""

from __future__ import annotations

from dataclasses import dataclass

from astrasim_py.network.ns3.config import FabricConfig
from astrasim_py.network.ns3.ib_buffers import BUFFER_ATTRS, credit_loops, largest_buffer_bytes


@dataclass(frozen=True)
class CreditLimit:
    """The most a link direction can carry with its receiver's per-VL credits."""

    src: int
    dst: int
    rate_gbps: float
    limit_gbps: float
    buffer_bytes: int
    round_trip_ns: float


def credit_limits(cfg: FabricConfig) -> list[CreditLimit]:
    """Link directions whose credit loop caps them below line rate (IB credits only)."""
    if cfg.flow_control.kind != "ib_credits":
        return []
    out = []
    for loop in credit_loops(cfg):
        buffer = cfg.buffer_sizing[BUFFER_ATTRS[loop.to_switch]]["bytes"]
        limit = loop.limit_gbps(buffer)
        if limit < loop.rate_gbps:
            out.append(CreditLimit(loop.src, loop.dst, loop.rate_gbps, limit, buffer, loop.round_trip_ns))
    return out


def fabric_warnings(cfg: FabricConfig) -> list[str]:
    """One line per physical limit a researcher should know before trusting the numbers."""
    limits = credit_limits(cfg)
    notes = list(cfg.notes)
    if not limits:
        return notes
    worst = min(limits, key=lambda c: c.limit_gbps / c.rate_gbps)
    needed = worst.rate_gbps * worst.round_trip_ns / 8
    largest = largest_buffer_bytes()
    if worst.buffer_bytes < largest:
        fix = (f"raise fabric.flow_control_params.SwitchBufferBytesPerVl / HcaBufferBytesPerVl "
               f"(at most {largest})")
    else:
        fix = f"shorten the links: the largest per-VL buffer ({largest} B) cannot cover this round trip"
    return notes + [f"{len(limits)} link directions are credit-limited below line rate; worst {worst.src}->"
            f"{worst.dst}: {worst.limit_gbps:.1f} of {worst.rate_gbps:g} Gb/s (per-VL buffer "
            f"{worst.buffer_bytes} B < {needed:.0f} B = rate x {worst.round_trip_ns:.0f} ns credit "
            f"round trip); {fix}"]
