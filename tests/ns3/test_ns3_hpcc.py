"""HPCC: INT bytes on the wire, a near-empty bottleneck at high utilization under incast, and the
reference's anchor results on its 8-host and 16-host 400 G stars."""

from __future__ import annotations

import pytest
import yaml

from astrasim_py.topology import star

pytestmark = pytest.mark.ns3

MB = 1_000_000
HEADER = 62 + 20  # RoCEv2 headers + preamble/IFG per frame
INT = 42          # HPCC's INT header on every data packet and echoed in every ACK
ACK_FRAME = 66 + 20


def _run_reference(tmp_path, shared_dir, preset: str, workload: str, system: str, topology: str) -> dict:
    from astrasim_py.runner import RunRequest, run

    path = tmp_path / "net.yml"
    path.write_text(yaml.safe_dump({"fabric": {"topology": str(shared_dir / "specs/ns3_configs" / topology),
                                               "mtu_bytes": 1000, "preset": preset}}))
    return run(RunRequest(workload=workload, system=str(shared_dir / "specs/ns3_configs" / system),
                          network=str(path),
                          remote_memory=str(shared_dir / "specs/ns3_configs/no_memory_expansion.json"),
                          backend="ns3"))


def _ack_return_ns(gbps: float = 400, latency_ns: int = 500) -> float:
    """The reference completes a message when its last ACK is back: two link latencies and the
    (INT-carrying) ACK frame serialized on both links of the star."""
    return 2 * latency_ns + 2 * (ACK_FRAME + INT) * 8 / gbps


def test_int_header_is_counted_on_data_and_ack_frames(make_backend):
    be = make_backend({"fabric": {"topology": star(2, 100, 1000), "preset": "hpcc_paper",
                                  "telemetry": {"time_series_interval_ns": 1000}}})
    packets = 2000
    be.flow(0, 1, packets * 1000)
    be.run()
    tel = be.telemetry()
    host0 = next(p for p in tel["ports"] if p["node"] == 0)
    host1 = next(p for p in tel["ports"] if p["node"] == 1)
    assert host0["tx_bytes"] == packets * (1000 + HEADER + INT)   # the data frames
    assert host1["tx_bytes"] == packets * (ACK_FRAME + INT)       # one ACK per packet
    # a lone flow settles where u = R/B meets the target: R = eta * B + W_AI (no queue builds)
    rates = [row[0] for row in tel["time_series"]["qp_rate_gbps"]]
    settled = rates[len(rates) // 2:-2]
    assert all(r == pytest.approx(0.95 * 100 + 0.05, rel=2e-3) for r in settled), settled[:5]


@pytest.mark.parametrize("preset", ["hpcc_paper", "hpcc_astrasim_ref"])
def test_incast_keeps_the_queue_below_one_bdp_at_high_utilization(make_backend, preset):
    gbps, latency, size = 100, 1000, 2 * MB
    cfg = {"fabric": {"topology": star(8, gbps, latency), "preset": preset,
                      "telemetry": {"time_series_interval_ns": 1000}}}
    be = make_backend(cfg, 8)
    for s in range(1, 8):
        be.flow(s, 0, size)
    be.run()
    tel = be.telemetry()
    ts = tel["time_series"]
    # BDP: the base RTT (two hops, 2 x latency + a full data frame + an ACK each) x line rate
    frame, ack = 1000 + HEADER + INT, ACK_FRAME + INT
    base_rtt_ns = 2 * (2 * latency + (frame + ack) * 8 / gbps)
    bdp = base_rtt_ns * gbps / 8
    # steady state: after the first window of every sender has drained (20 base RTTs), before
    # the first sender finishes
    start, end = 20 * base_rtt_ns, min(be.flow_done_ns.values()) - 5 * base_rtt_ns
    rows = [k for k, t in enumerate(ts["time_ns"]) if start <= t <= end]
    assert len(rows) > 100
    port = ts["ports"].index([8, 0])
    queue = [ts["queue_bytes"][k][port] for k in rows]
    assert max(queue) < bdp, (max(queue), bdp)
    delivered = [sum(ts["qp_delivered_bytes"][k]) for k in (rows[0], rows[-1])]
    span_ns = ts["time_ns"][rows[-1]] - ts["time_ns"][rows[0]]
    wire_gbps = (delivered[1] - delivered[0]) * frame / 1000 * 8 / span_ns
    assert wire_gbps / gbps > 0.90, wire_gbps
    assert tel["pfc_pause_frames"] == 0 and tel["drops"] == 0


def test_reference_ring_allreduce_with_hpcc_within_3_percent(tmp_path, shared_dir, fabric_available):
    """The reference's HPCC run (CC_MODE 3) reports 156,112 ns; as for its 154,096 ns no-CC run
    (test_ns3_reference.py) it completes a message when the last ACK is back, which here adds
    one ACK return per sequential ring step (4 chunks x 14 steps)."""
    result = _run_reference(tmp_path, shared_dir, "hpcc_astrasim_ref",
                            str(shared_dir / "fixtures/chakra/a_allreduce_1MiB/ALL_REDUCE"),
                            "Ring_4chunks.json", "topo_8n_1sw_400g_500ns.txt")
    steps = 4 * 14
    equivalent = result["max_finish_ns"] + steps * _ack_return_ns()
    assert abs(equivalent - 156_112) / 156_112 < 0.03, (result["max_finish_ns"], equivalent)
    assert result["fabric"]["config"]["congestion_control"]["name"] == "hpcc"
    assert result["fabric"]["delivered_messages"] == 8 * steps


def test_reference_all_to_all_16_npus_with_hpcc_within_3_percent(tmp_path, shared_dir, fabric_available):
    """ASTRA-sim's all-to-all with Ring_4chunks.json is its relay ring: n(n-1)/2 = 120 sequential
    steps per chunk, 4 chunks. The reference's HPCC run reports 1,150,600 ns (1,141,000 without CC)."""
    from astrasim_py.chakra.generators import generate_collective, write_workload

    prefix = tmp_path / "a2a"
    write_workload(prefix, generate_collective("all_to_all", 16, 1_048_576))
    result = _run_reference(tmp_path, shared_dir, "hpcc_astrasim_ref", str(prefix), "Ring_4chunks.json",
                            "topo_16n_1sw_400g_500ns.txt")
    steps = 4 * 16 * 15 // 2
    assert result["fabric"]["delivered_messages"] == 16 * steps
    equivalent = result["max_finish_ns"] + steps * _ack_return_ns()
    assert abs(equivalent - 1_150_600) / 1_150_600 < 0.03, (result["max_finish_ns"], equivalent)
