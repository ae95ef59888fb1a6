"""Deployment-sized InfiniBand receive buffers: per-VL buffers that cover every link's credit
round trip, so that an idle fabric runs at line rate (as real switches and HCAs are built).

The C++ credit model has one switch and one HCA buffer size per VL; the size chosen is the
largest any link direction needs, at least the 64 KiB the models (and typical parts) default to
and at most the 128 KiB the 12-bit credit arithmetic allows. `auto` (the shipped presets' value) or an absent attribute
asks for this sizing; a number the user gives is kept and checked by fabric_checks instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from astrasim_py.topology import Topology

BLOCK_BYTES = 64          # IB flow-control block
MAX_BUFFER_BLOCKS = 2048  # 12-bit credit arithmetic (ns3::fabric::IbCreditFlowControl)
AUTO = "auto"
# Attribute defaults of the C++ models (ib_credits.cc, fabric-network.cc, fabric-switch.cc).
DEFAULTS = {"SwitchBufferBytesPerVl": 65536, "HcaBufferBytesPerVl": 65536, "CreditUpdateDelayNs": 256,
            "MtuBytes": 1000, "DataHeaderBytes": 62, "PreambleIfgBytes": 20, "ForwardingDelayNs": 0}
# One packet more than the round trip needs: a credit that arrives a hair late must not idle the link.
SLACK_PACKETS = 1
BUFFER_ATTRS = {True: "SwitchBufferBytesPerVl", False: "HcaBufferBytesPerVl"}
# Never below what IB switches and HCAs ship with per VL (and the C++ default): a buffer only as
# deep as the credit loop would leave no room above congestion-control marking thresholds.
FLOOR_BYTES = 65536


def number(params: Mapping[str, str], name: str) -> float:
    """An attribute value as a number in its name's unit ('256ns' -> 256); the C++ default if unset."""
    value = params.get(name)
    if value is None or value == AUTO:
        return DEFAULTS[name]
    match = re.match(r"\s*([0-9.]+)", str(value))
    return float(match.group(1)) if match else DEFAULTS[name]


@dataclass(frozen=True)
class CreditLoop:
    """The credit loop of one link direction (src sends, dst's per-VL buffer receives)."""

    src: int
    dst: int
    rate_gbps: float
    round_trip_ns: float
    wire_bytes: float
    blocks_per_packet: int
    to_switch: bool  # the receiver is a switch (else an HCA)

    def needed_bytes(self) -> int:
        """Smallest per-VL buffer (whole packets of whole blocks, plus slack) that keeps the link at line rate."""
        packets = math.ceil(self.rate_gbps * self.round_trip_ns / (8 * self.wire_bytes)) + SLACK_PACKETS
        return packets * self.blocks_per_packet * BLOCK_BYTES

    def limit_gbps(self, buffer_bytes: int) -> float:
        """The most this direction carries with `buffer_bytes` per VL at the receiver."""
        packets = min(buffer_bytes // BLOCK_BYTES, MAX_BUFFER_BLOCKS) // self.blocks_per_packet
        return packets * self.wire_bytes * 8 / self.round_trip_ns


def credit_loops(topology: Topology, fc: Mapping[str, str], net: Mapping[str, str],
                 sw: Mapping[str, str]) -> list[CreditLoop]:
    """Every link direction's credit loop: two link latencies, the frame, the update delay and,
    at a switch, its forwarding delay (credits return once the frame has moved on)."""
    wire = number(net, "MtuBytes") + number(net, "DataHeaderBytes") + number(net, "PreambleIfgBytes")
    blocks = math.ceil(wire / BLOCK_BYTES)
    update_ns = number(fc, "CreditUpdateDelayNs")
    forward_ns = number(sw, "ForwardingDelayNs")
    hosts = topology.num_hosts
    loops = []
    for link in topology.links:
        for src, dst in ((link.a, link.b), (link.b, link.a)):
            to_switch = dst >= hosts
            rt = 2 * link.latency_ns + wire * 8 / link.rate_gbps + update_ns + (forward_ns if to_switch else 0)
            loops.append(CreditLoop(src, dst, link.rate_gbps, rt, wire, blocks, to_switch))
    return loops


def size_ib_buffers(topology: Topology, fc_params: dict[str, str], net: Mapping[str, str],
                    sw: Mapping[str, str]) -> dict[str, Any]:
    """Resolve `auto` / absent per-VL buffer sizes in fc_params (in place); return the sizing report."""
    loops = credit_loops(topology, fc_params, net, sw)
    report: dict[str, Any] = {}
    for to_switch, attr in BUFFER_ATTRS.items():
        mine = [l for l in loops if l.to_switch == to_switch]
        given = fc_params.get(attr)
        auto = given is None or str(given).strip().lower() == AUTO
        # Per (rate, latency) class rather than per link: a fat-tree has thousands of equal links.
        classes: dict[tuple[float, float], int] = {}
        for loop in mine:
            key = (loop.rate_gbps, round(loop.round_trip_ns, 3))
            classes[key] = max(classes.get(key, 0), loop.needed_bytes())
        needed = max(classes.values(), default=BLOCK_BYTES)
        largest = MAX_BUFFER_BLOCKS * BLOCK_BYTES
        if auto:
            size = min(max(needed, FLOOR_BYTES), largest)
            fc_params[attr] = str(size)
        else:
            size = int(number(fc_params, attr))
        report[attr] = {
            "bytes": size,
            "source": "auto (covers every link's credit round trip)" if auto else "explicit",
            "needed_bytes": needed,
            "needed_by_link_class": [{"rate_gbps": r, "round_trip_ns": rt, "needed_bytes": b}
                                     for (r, rt), b in sorted(classes.items())],
        }
    return report
