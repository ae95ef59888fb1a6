"""SL-to-VL mapping and VL arbitration at a switch output: two flows on different service
levels share one egress; the weighted tables set their byte shares, the high-priority table
goes first."""

from __future__ import annotations

import pytest

from astrasim_py.topology import star

pytestmark = pytest.mark.ns3

SIZE = 1_000_000


def two_service_levels(make_backend, **fc_params) -> tuple[float, float]:
    """Completion times of h1 -> h0 on SL 1 (stream 0) and h2 -> h0 on SL 2 (stream 1)."""
    be = make_backend({"fabric": {"topology": star(3, 100, 300), "transport": "ib", "preset": "ib_credits",
                                  "transport_params": {"SlByStream": "1,2"},
                                  "flow_control_params": {"SlToVl": "0,1,2,3,4,5,6,7", **fc_params}}}, 3)
    sl1 = be.flow(1, 0, SIZE, stream=0)
    sl2 = be.flow(2, 0, SIZE, stream=1)
    be.run()
    tel = be.telemetry()
    assert tel["delivered_bytes"] == 2 * SIZE and tel["flow_control_stats"]["invariant_violations"] == 0
    # the senders' ports used VL 1 and VL 2 respectively
    vls = {(p["node"], p["vl"]) for p in tel["flow_control_stats"]["per_port_vl"] if p["node"] in (1, 2)}
    assert vls == {(1, 1), (2, 2)}
    return be.flow_done_ns[sl1], be.flow_done_ns[sl2]


def test_round_robin_without_tables_shares_equally(make_backend):
    t1, t2 = two_service_levels(make_backend)
    assert abs(t1 - t2) / t2 < 0.05


def test_weighted_low_priority_table_sets_byte_shares(make_backend):
    # 192 x 64 B lets three 4 KB packets of VL 1 go per one of VL 2: VL 1 gets 3/4 while both run
    t1, t2 = two_service_levels(make_backend, VlArbitrationLow="1:192,2:64")
    # VL 1 finishes after 4/3 MB of link time, VL 2 after 2 MB
    assert t1 / t2 == pytest.approx(2 / 3, abs=0.04)


def test_high_priority_table_goes_first(make_backend):
    t1, t2 = two_service_levels(make_backend, VlArbitrationHigh="2:255", VlArbitrationLow="1:255")
    assert t2 / t1 == pytest.approx(1 / 2, abs=0.04)
    # with a high-priority limit the low table gets turns: both share again
    t1, t2 = two_service_levels(make_backend, VlArbitrationHigh="2:255", VlArbitrationLow="1:64",
                                VlHighLimit=1)
    assert abs(t1 - t2) / t2 < 0.1


def test_hca_arbitrates_between_its_own_service_levels(make_backend):
    """One HCA sends on SL 1 and SL 2 to two receivers: its port applies the same tables."""
    be = make_backend({"fabric": {"topology": star(3, 100, 300), "transport": "ib", "preset": "ib_credits",
                                  "transport_params": {"SlByStream": "1,2"},
                                  "flow_control_params": {"VlArbitrationLow": "1:192,2:64"}}}, 3)
    sl1 = be.flow(0, 1, SIZE, stream=0)
    sl2 = be.flow(0, 2, SIZE, stream=1)
    be.run()
    assert be.flow_done_ns[sl1] / be.flow_done_ns[sl2] == pytest.approx(2 / 3, abs=0.04)
