"""The ns-3 reference's first ECN-draw stream K0, counted from what its set-up creates.

The reference (astra-network-ns3, ns-3 ~3.40 base) draws every ECN mark from a fresh
`UniformRandomVariable`, so its k-th draw is the first number of automatic stream K0 + k.
Every `RandomVariableStream` takes the next automatic stream when it is constructed (its
"Stream" attribute defaults to -1, and `SetStream(-1)` calls `GetNextStreamIndex`); a later
`SetStream(n)` moves it to the fixed range but does not give the automatic index back.
K0 is the number of such variables `SetupNetwork` (scratch/common.h) creates before the run,
counted below. Nothing else before the run takes one (QbbHelper devices, queues and channels,
SwitchNode/SwitchMmu, RdmaHw/RdmaDriver, the RdmaClient apps and their QPs: none). During the
run each PAUSE or RESUME frame a switch sends (`QbbNetDevice::SendPfc`) also takes one, which
shifts later draws; our fabric does not follow that (the matched 2-leaf runs send no PFC).
"""

from __future__ import annotations

from astrasim_py.topology.model import Topology

# Per node, by `InternetStackHelper::Install` (every host and switch), in creation order.
PER_NODE_STREAMS: tuple[tuple[str, int], ...] = (
    ("ArpL3Protocol RequestJitter attribute", 1),
    ("Ipv4GlobalRouting m_rand (via the list routing helper)", 1),
    ("Icmpv6L4Protocol SolicitationJitter + RsRetransmissionJitter attributes", 2),
    ("Ipv6Extension::m_uvar of HopByHop, Destination, Fragment, Routing, LooseRouting", 5),
)
# The shared error model: RateErrorModel's RanVar attribute + the UniformRandomVariable common.h
# creates for it (then SetStream(50): its automatic stream is spent all the same).
ERROR_MODEL_STREAMS = 2
# A link whose topology line has error_rate > 0 gets its own RateErrorModel + variable.
LOSSY_LINK_STREAMS = 2


def streams_per_node() -> int:
    """Automatic streams one ns-3 node's internet stack takes (9)."""
    return sum(n for _, n in PER_NODE_STREAMS)


def reference_first_draw_stream(topology: Topology) -> int:
    """K0 = 9 x nodes + 2 + 2 x lossy links: the reference's first ECN draw stream on `topology`."""
    nodes = topology.num_hosts + topology.num_switches
    lossy = sum(1 for link in topology.links if link.error_rate > 0)
    return streams_per_node() * nodes + ERROR_MODEL_STREAMS + LOSSY_LINK_STREAMS * lossy
