"""Deployment-sized InfiniBand receive buffers: per-VL buffers that cover every link's credit
round trip, so that an idle fabric runs at line rate (as real switches and HCAs are built).

The C++ credit model has one switch and one HCA buffer size per VL; the size chosen is the
largest any link direction needs, at least the 64 KiB the models (and typical parts) default to
and at most the 128 KiB the 12-bit credit arithmetic allows. `auto` (the shipped presets' value) or an absent attribute
asks for this sizing; a number the user gives is kept and checked by fabric_checks instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from astrasim_py.network.ns3.registry import default, policy_types, type_attributes

if TYPE_CHECKING:
    from astrasim_py.network.ns3.config import FabricConfig

BLOCK_BYTES = 64          # IB flow-control block
AUTO = "auto"
# One packet more than the round trip needs: a credit that arrives a hair late must not idle the link.
SLACK_PACKETS = 1
BUFFER_ATTRS = {True: "SwitchBufferBytesPerVl", False: "HcaBufferBytesPerVl"}


def _fc_type() -> str:
    return policy_types("flow_control")["ib_credits"]


def largest_buffer_bytes() -> int:
    """The largest per-VL buffer the credit model takes (its 12-bit credit arithmetic: the
    attribute's range maximum in the TypeId registry)."""
    return int(type_attributes(_fc_type())["SwitchBufferBytesPerVl"]["range"].split(":")[-1])


def floor_bytes(attr: str) -> int:
    """Never below the C++ default per VL (what IB switches and HCAs ship with): a buffer only as
    deep as the credit loop would leave no room above congestion-control marking thresholds."""
    return int(default(_fc_type(), attr))


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
        packets = min(buffer_bytes, largest_buffer_bytes()) // BLOCK_BYTES // self.blocks_per_packet
        return packets * self.wire_bytes * 8 / self.round_trip_ns


def _number(params: dict[str, Any], name: str) -> float:
    """A per-VL buffer size as a number: the given one, else the C++ default (registry)."""
    value = params.get(name)
    return float(default(_fc_type(), name) if value is None or str(value).strip().lower() == AUTO else value)


def credit_loops(cfg: "FabricConfig") -> list[CreditLoop]:
    """Every link direction's credit loop: two link latencies, the frame, the update delay and,
    at a switch, its forwarding delay (credits return once the frame has moved on)."""
    wire = sum(float(cfg.attribute("network", name)) for name in ("MtuBytes", "DataHeaderBytes", "PreambleIfgBytes"))
    blocks = math.ceil(wire / BLOCK_BYTES)
    update_ns = float(cfg.attribute("flow_control", "CreditUpdateDelayNs"))
    forward_ns = float(cfg.attribute("switch", "ForwardingDelayNs"))
    hosts = cfg.topology.num_hosts
    loops = []
    for link in cfg.topology.links:
        for src, dst in ((link.a, link.b), (link.b, link.a)):
            to_switch = dst >= hosts
            rt = 2 * link.latency_ns + wire * 8 / link.rate_gbps + update_ns + (forward_ns if to_switch else 0)
            loops.append(CreditLoop(src, dst, link.rate_gbps, rt, wire, blocks, to_switch))
    return loops


def size_ib_buffers(cfg: "FabricConfig") -> dict[str, Any]:
    """Resolve `auto` / absent per-VL buffer sizes in the flow control's params (in place); return
    the sizing report."""
    fc_params = cfg.flow_control.params
    loops = credit_loops(cfg)
    largest = largest_buffer_bytes()
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
        if auto:
            size = min(max(needed, floor_bytes(attr)), largest)
            fc_params[attr] = size
        else:
            size = int(_number(fc_params, attr))
        report[attr] = {
            "bytes": size,
            "source": "auto (covers every link's credit round trip)" if auto else "explicit",
            "needed_bytes": needed,
            "needed_by_link_class": [{"rate_gbps": r, "round_trip_ns": rt, "needed_bytes": b}
                                     for (r, rt), b in sorted(classes.items())],
        }
    return report
