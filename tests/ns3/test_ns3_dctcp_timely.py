"""DCTCP (alpha follows the marked fraction, one cut per window) and TIMELY (cuts on a positive
RTT gradient, converges competing flows to a fair share)."""

from __future__ import annotations

import pytest

from astrasim_py.topology import star
from astrasim_py.topology.model import Link, Topology

pytestmark = pytest.mark.ns3

G = 1 / 16


def _bottleneck(sender_gbps: float, receiver_gbps: float) -> Topology:
    """Host 1 -> switch -> host 0 with a slower last hop: the switch queue only grows."""
    return Topology("bottleneck", 2, 1, [Link(0, 2, receiver_gbps, 1000), Link(1, 2, sender_gbps, 1000)])


def _stats(be) -> dict:
    return be.telemetry()["congestion_control_stats"]


def test_dctcp_alpha_decays_geometrically_without_marks(make_backend):
    # a lone flow on equal links never queues: F = 0 every window, alpha_n = alpha_0 (1 - g)^n
    be = make_backend({"fabric": {"topology": star(2, 100, 1000), "preset": "dctcp"}})
    be.flow(1, 0, 20_000_000)
    be.run()
    stats = _stats(be)
    assert stats["marked_acks"] == 0 and stats["rate_cuts"] == 0
    trace = stats["first_qp_alpha_by_window"]
    assert len(trace) == 64
    for n, alpha in enumerate(trace, start=1):
        assert alpha == pytest.approx((1 - G) ** n, rel=1e-5)


def test_dctcp_alpha_follows_a_fully_marked_window_and_cuts_once_per_window(make_backend):
    # 100 G into a 10 G last hop with K = 0: from the second packet on every departure leaves a
    # queue behind, so every ACK after the first is marked (F = 1): alpha_n = 1 - (1 - g)^n from 0
    params = {"InitialAlpha": 0, "KminBytes": 0, "KmaxBytes": 0, "EcnThresholdsByGbps": ""}
    topo = _bottleneck(100, 10)
    be = make_backend({"fabric": {"topology": topo, "preset": "dctcp", "switch_buffer_bytes": 30_000_000,
                                  "congestion_control_params": params}})
    be.flow(1, 0, 5_000_000)
    be.run()
    stats = _stats(be)
    trace = stats["first_qp_alpha_by_window"]
    for n, alpha in enumerate(trace[:10], start=1):
        assert alpha == pytest.approx(1 - (1 - G) ** n, rel=1e-5), (n, trace[:10])
    # many marked ACKs per window, but at most one cut per window (CWR)
    assert stats["marked_acks"] > 20 * stats["rate_cuts"]
    assert 0 < stats["rate_cuts"] <= stats["windows"] + 1


def test_timely_never_cuts_a_lone_flow_and_cuts_on_a_positive_gradient(make_backend):
    lone = make_backend({"fabric": {"topology": star(2, 25, 1000), "preset": "timely_paper"}})
    lone.flow(1, 0, 5_000_000)
    lone.run()
    s = _stats(lone)
    assert s["updates"] > 100 and s["gradient_cuts"] == 0 and s["high_rtt_cuts"] == 0
    # two line-rate flows into one port: the queue and so the RTT grow every window
    be = make_backend({"fabric": {"topology": star(3, 25, 1000), "preset": "timely_paper",
                                  "telemetry": {"time_series_interval_ns": 1000}}}, 3)
    be.flow(1, 0, 5_000_000)
    be.flow(2, 0, 5_000_000)
    be.run()
    s = _stats(be)
    assert s["gradient_cuts"] > 0 and s["high_rtt_cuts"] == 0
    rates = be.telemetry()["time_series"]["qp_rate_gbps"]
    assert min(min(row) for row in rates[1:]) < 0.5 * 25  # the cuts were deep


@pytest.mark.parametrize("flows", [2, 3, 4])
def test_timely_converges_staggered_flows_to_the_fair_share(make_backend, flows):
    gbps, size, stagger_ns = 25, 20_000_000, 300_000
    params = {"RateAiMbps": 100, "RateHaiMbps": 500}  # faster recovery keeps the run short
    be = make_backend({"fabric": {"topology": star(flows + 1, gbps, 1000), "preset": "timely_paper",
                                  "congestion_control_params": params,
                                  "telemetry": {"time_series_interval_ns": 10_000}}}, flows + 1)
    be.flow(1, 0, size)
    for s in range(2, flows + 1):
        be.schedule((s - 1) * stagger_ns, lambda s=s: be.flow(s, 0, size))
    be.run()
    ts = be.telemetry()["time_series"]
    first_done = min(be.flow_done_ns.values())
    all_on = (flows - 1) * stagger_ns
    rows = [k for k, t in enumerate(ts["time_ns"]) if all_on + (first_done - all_on) / 2 <= t <= first_done]
    a, b = rows[0], rows[-1]
    span = ts["time_ns"][b] - ts["time_ns"][a]
    share = [(ts["qp_delivered_bytes"][b][i] - ts["qp_delivered_bytes"][a][i]) * 8 / span for i in range(flows)]
    fair = sum(share) / flows
    assert all(abs(x - fair) <= 0.15 * fair for x in share), (share, fair)
    # the late flows did catch up: no flow kept the head start of line rate
    assert max(share) < 0.6 * gbps
