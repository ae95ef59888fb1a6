"""IB congestion tree: an incast fills the switch input buffer of a shared upstream link, so
credit starvation slows a victim flow that only shares that link; IB CC (FECN/BECN/CCT)
throttles the hotspot senders and gives the victim most of its fair rate back."""

from __future__ import annotations

import pytest

from astrasim_py.topology.builders import explicit

pytestmark = pytest.mark.ns3

GBPS = 100
VICTIM_BYTES = 1_000_000
VICTIM_START_NS = 300_000  # after the incast has built its tree (and CC has reacted)

# hosts 0 (remote hotspot sender) and 1 (victim source) on switch 7; hotspot 2, victim
# destination 3 and local hotspot senders 4, 5, 6 on switch 8; one 7-8 link shared.
LINKS = [[0, 7, GBPS, 300], [1, 7, GBPS, 300], [7, 8, GBPS, 300]] + \
        [[h, 8, GBPS, 300] for h in (2, 3, 4, 5, 6)]
TOPOLOGY = explicit(7, 2, LINKS, name="congestion_tree")


def victim_gbps(make_backend, preset: str, incast: bool = True) -> tuple[float, dict]:
    """Goodput of the victim flow 1 -> 3 while (optionally) 0, 4, 5, 6 -> 2 run."""
    be = make_backend({"fabric": {"topology": TOPOLOGY, "transport": "ib", "preset": preset}}, 7)
    hot = [be.flow(s, 2, 4_000_000) for s in (0, 4, 5, 6)] if incast else []
    victim: list[int] = []
    be.schedule(VICTIM_START_NS, lambda: victim.append(be.flow(1, 3, VICTIM_BYTES)))
    be.run()
    tel = be.telemetry()
    assert all(h in be.flow_done_ns for h in hot) and tel["drops"] == 0
    return VICTIM_BYTES * 8 / (be.flow_done_ns[victim[0]] - VICTIM_START_NS), tel


def test_victim_slows_with_credits_alone_and_recovers_with_ib_cc(make_backend):
    alone, _ = victim_gbps(make_backend, "ib_credits", incast=False)
    credits, tel_credits = victim_gbps(make_backend, "ib_credits")
    with_cc, tel_cc = victim_gbps(make_backend, "ib_credits_cc")
    # the hotspot's fair share is 25 Gb/s per sender, so the victim could get 75 Gb/s of 7-8
    available = GBPS - GBPS / 4
    assert alone > 0.9 * GBPS
    assert credits < 0.4 * available, "credit starvation must slow the victim (congestion tree)"
    assert tel_credits["flow_control_stats"]["credit_stall_ns"] > 0
    assert with_cc > 0.7 * available and with_cc > 2 * credits, (credits, with_cc)
    cc = tel_cc["congestion_control_stats"]
    assert cc["fecn_marked"] > 0 and cc["becn_received"] > 0 and cc["max_ccti"] > 0
    assert cc["ccti_decreases"] > 0, "the CCTI timer must lower the index again"
    # the shared 7-8 port waits for credits while the tree stands: a victim, not a root, it
    # leaves those packets unmarked (Victim_Mask off)
    assert cc["victim_port_unmarked"] > 0
    assert tel_cc["flow_control_stats"]["credit_stall_ns"] < tel_credits["flow_control_stats"]["credit_stall_ns"]
