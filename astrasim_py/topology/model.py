"""The physical topology model shared by every backend: hosts, switches, links.

Node ids: hosts (NPUs/NICs) are 0 .. num_hosts-1 and host r is NPU rank r; switches follow,
num_hosts .. num_hosts+num_switches-1. Links are full duplex.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    """A full-duplex link between nodes a and b."""

    a: int
    b: int
    rate_gbps: float
    latency_ns: int


@dataclass
class Topology:
    """Hosts, switches and links; `hosts_forward` lets multi-port hosts relay transit traffic
    (switchless scale-up fabrics such as NPU rings)."""

    name: str
    num_hosts: int
    num_switches: int
    links: list[Link]
    description: str = ""
    hosts_forward: bool = False
    # Per-switch shared buffer in bytes where the preset sets one (None: fabric default).
    switch_buffer_bytes: int | None = None
    # Free-form facts printed with results (tiers, oversubscription, rails ...).
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def num_nodes(self) -> int:
        """Hosts plus switches."""
        return self.num_hosts + self.num_switches

    def is_switch(self, node: int) -> bool:
        """True when node is a switch id."""
        return node >= self.num_hosts
