"""IB congestion control reaction point: QP rates come from the CCT (rate = line x T/(T+IPD),
IPD = CCTI x step), an incast keeps the bottleneck busy, and rates recover via the timer."""

from __future__ import annotations

import pytest

from astrasim_py.topology import star

pytestmark = pytest.mark.ns3

GBPS = 100
STEP_NS = 20
REF_BYTES = 4124


def test_incast_rates_follow_the_cct_and_keep_the_bottleneck_busy(make_backend):
    be = make_backend({"fabric": {"topology": star(8, GBPS, 500), "transport": "ib", "preset": "ib_credits_cc",
                                  "telemetry": {"time_series_interval_ns": 2000}}}, 8)
    for s in range(1, 8):
        be.flow(s, 0, 1_000_000)
    be.run()
    tel = be.telemetry()
    cc = tel["congestion_control_stats"]
    assert cc["becn_received"] == tel["cnps"] > 0 and cc["fecn_marked"] == tel["ecn_marks"] > 0
    t = REF_BYTES * 8 / GBPS
    allowed = [GBPS * t / (t + i * STEP_NS) for i in range(128)]
    rates = {r for sample in tel["time_series"]["qp_rate_gbps"] for r in sample if r > 0}
    assert all(min(abs(r - a) for a in allowed) < 1e-3 * GBPS for r in rates)
    assert min(rates) < GBPS / 3, "the senders must have been slowed well below line rate"
    ideal = 7_000_000 * (4096 + 28) / 4096 * 8 / GBPS
    assert max(be.flow_done_ns.values()) < 1.25 * ideal
    assert tel["drops"] == 0 and tel["flow_control_stats"]["invariant_violations"] == 0
    # the time series marks ports waiting for credits (the senders' HCA ports) as held back
    ts = tel["time_series"]
    held = {tuple(ts["ports"][i]) for sample in ts["paused"] for i, v in enumerate(sample) if v}
    assert held and {node for node, _ in held} <= set(range(1, 8))


@pytest.mark.parametrize("rate", [1, 4])
def test_marking_rate_marks_every_nth_eligible_packet_per_port(make_backend, rate):
    be = make_backend({"fabric": {"topology": star(5, GBPS, 500), "transport": "ib", "preset": "ib_credits_cc",
                                  "congestion_control_params": {"MarkingRate": rate}}}, 5)
    for s in range(1, 5):
        be.flow(s, 0, 500_000)
    be.run()
    cc = be.telemetry()["congestion_control_stats"]
    eligible, marked = cc["fecn_eligible"], cc["fecn_marked"]
    assert eligible > 20
    # one congested port: marks = ceil(eligible / rate)
    assert marked == -(-eligible // rate)
