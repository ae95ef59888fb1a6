"""Physical limits a fabric config implies, reported before the run so that nobody mistakes
them for protocol behaviour: an InfiniBand link whose per-VL receive buffer cannot cover its
credit round trip runs below line rate however idle the fabric is."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from astrasim_py.network.ns3.config import FabricConfig

BLOCK_BYTES = 64          # IB flow-control block
MAX_BUFFER_BLOCKS = 2048  # 12-bit credit arithmetic (ns3::fabric::IbCreditFlowControl)
# Attribute defaults of the C++ models (ib_credits.cc, fabric-network.cc, fabric-switch.cc).
DEFAULTS = {"SwitchBufferBytesPerVl": 65536, "HcaBufferBytesPerVl": 65536, "CreditUpdateDelayNs": 256,
            "MtuBytes": 1000, "DataHeaderBytes": 62, "PreambleIfgBytes": 20, "ForwardingDelayNs": 0}


@dataclass(frozen=True)
class CreditLimit:
    """The most a link direction can carry with its receiver's per-VL credits."""

    src: int
    dst: int
    rate_gbps: float
    limit_gbps: float
    buffer_bytes: int
    round_trip_ns: float


def _number(params: dict[str, str], name: str) -> float:
    """An attribute value as a number in its name's unit ('256ns' -> 256)."""
    value = params.get(name)
    if value is None:
        return DEFAULTS[name]
    match = re.match(r"\s*([0-9.]+)", value)
    return float(match.group(1)) if match else DEFAULTS[name]


def credit_limits(cfg: FabricConfig) -> list[CreditLimit]:
    """Link directions whose credit loop caps them below line rate (IB credits only)."""
    if cfg.flow_control.kind != "ib_credits":
        return []
    fc, net, sw = cfg.flow_control.params, cfg.network_params, cfg.switch_params
    wire = _number(net, "MtuBytes") + _number(net, "DataHeaderBytes") + _number(net, "PreambleIfgBytes")
    blocks_per_packet = math.ceil(wire / BLOCK_BYTES)
    update_ns = _number(fc, "CreditUpdateDelayNs")
    forward_ns = _number(sw, "ForwardingDelayNs")
    hosts = cfg.topology.num_hosts
    out = []
    for link in cfg.topology.links:
        for src, dst in ((link.a, link.b), (link.b, link.a)):
            to_switch = dst >= hosts
            buffer = int(_number(fc, "SwitchBufferBytesPerVl" if to_switch else "HcaBufferBytesPerVl"))
            packets = min(buffer // BLOCK_BYTES, MAX_BUFFER_BLOCKS) // blocks_per_packet
            # Credits come back after the frame was forwarded on (switch) or consumed (HCA),
            # the update delay and the return trip.
            tx_ns = wire * 8 / link.rate_gbps
            round_trip = 2 * link.latency_ns + tx_ns + update_ns + (forward_ns if to_switch else 0)
            limit = packets * wire * 8 / round_trip
            if limit < link.rate_gbps:
                out.append(CreditLimit(src, dst, link.rate_gbps, limit, buffer, round_trip))
    return out


def fabric_warnings(cfg: FabricConfig) -> list[str]:
    """One line per physical limit a researcher should know before trusting the numbers."""
    limits = credit_limits(cfg)
    if not limits:
        return []
    worst = min(limits, key=lambda c: c.limit_gbps / c.rate_gbps)
    needed = worst.rate_gbps * worst.round_trip_ns / 8
    largest = MAX_BUFFER_BLOCKS * BLOCK_BYTES
    if worst.buffer_bytes < largest:
        fix = (f"raise fabric.flow_control_params.SwitchBufferBytesPerVl / HcaBufferBytesPerVl "
               f"(at most {largest})")
    else:
        fix = f"shorten the links: the largest per-VL buffer ({largest} B) cannot cover this round trip"
    return [f"{len(limits)} link directions are credit-limited below line rate; worst {worst.src}->"
            f"{worst.dst}: {worst.limit_gbps:.1f} of {worst.rate_gbps:g} Gb/s (per-VL buffer "
            f"{worst.buffer_bytes} B < {needed:.0f} B = rate x {worst.round_trip_ns:.0f} ns credit "
            f"round trip); {fix}"]
