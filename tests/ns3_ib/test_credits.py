"""InfiniBand credit flow control: uncongested timing vs the analytical model, lossless
incast within the configured per-VL buffers, and determinism."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from astrasim_py.topology import star

pytestmark = pytest.mark.ns3

MB = 1_000_000
IB_WIRE = 4096 + 26 + 2  # MTU + LRH/BTH/ICRC/VCRC + delimiters (ib_credits preset)


def ib_fabric(topo, preset: str = "ib_credits", **kw) -> dict:
    """Network config with transport ib on an explicit topology."""
    return {"fabric": {"topology": topo, "transport": "ib", "preset": preset, **kw}}


def _run(tmp_path, reference_inputs, network: dict, backend: str) -> dict:
    from astrasim_py.runner import RunRequest, run

    path = tmp_path / f"net_{backend}.yml"
    path.write_text(yaml.safe_dump(network))
    return run(RunRequest(workload=reference_inputs["workload"],
                          system=reference_inputs["system"],
                          network=str(path),
                          remote_memory=reference_inputs["remote_memory"],
                          backend=backend))


@pytest.mark.parametrize("preset", ["ib_credits", "ib_credits_cc"])
def test_uncongested_ring_allreduce_within_5_percent_of_analytical(tmp_path, reference_inputs, fabric_available,
                                                                     preset):
    """Same workload and topology, `transport: ib`: credits never throttle an uncongested ring.

    The analytical Switch dimension charges two link latencies per step; the IB fabric has
    500 ns links plus the switch's own 100 ns, so the analytical model gets 550 ns per link.
    """
    network = {"topology": ["Switch"], "npus_count": [8], "bandwidth": [50], "latency": [500],
               "fabric": {"transport": "ib", "preset": preset, "latency_ns": 500}}
    reference = copy.deepcopy(network)
    reference["latency"] = [550]
    analytical = _run(tmp_path, reference_inputs, reference, "analytical")["max_finish_ns"]
    result = _run(tmp_path, reference_inputs, network, "ns3")
    ns3 = result["max_finish_ns"]
    assert abs(ns3 - analytical) / analytical < 0.05, (ns3, analytical)
    fabric = result["fabric"]
    assert fabric["config"]["transport"] == "ib"
    assert fabric["config"]["flow_control"]["type"] == "ns3::fabric::IbCreditFlowControl"
    assert fabric["drops"] == 0 and fabric["retransmitted_packets"] == 0
    assert fabric["flow_control_stats"]["credit_updates"] > 0
    assert fabric["flow_control_stats"]["invariant_violations"] == 0
    assert fabric["config"]["switch_attributes"]["CutThroughBytes"] == 64


@pytest.mark.parametrize("cut_through,packets", [(64, 1), (64, 3), (0, 3)])
def test_one_message_timing_is_exact(make_backend, cut_through, packets):
    """Host - switch - host, 400 Gb/s, 500 ns links, 100 ns switch latency:
    T = sum(frames)/R + 2 latency + 100 ns + (cut-through ? 64 B : largest frame)/R."""
    payload = packets * 4096 - 1000
    be = make_backend(ib_fabric(star(2, 400, 500), switch_params={"CutThroughBytes": cut_through}), 2)
    mid = be.flow(0, 1, payload)
    be.run()
    frames = [min(4096, payload - 4096 * i) + 28 for i in range(packets)]
    first_part = cut_through if cut_through else max(frames)
    expected = (sum(frames) + first_part) * 8 / 400 + 2 * 500 + 100
    assert be.flow_done_ns[mid] == pytest.approx(expected, abs=0.01)


def test_incast_7_to_1_is_lossless_within_configured_buffers(make_backend):
    buffer = 16_384  # 256 blocks per port and VL: far below the 7 MB in flight
    be = make_backend(ib_fabric(star(8, 100, 500), flow_control_params={"SwitchBufferBytesPerVl": buffer}), 8)
    for s in range(1, 8):
        be.flow(s, 0, MB)
    be.run()
    tel = be.telemetry()
    fc = tel["flow_control_stats"]
    assert len(be.flow_done_ns) == 7
    assert tel["drops"] == 0 and tel["retransmitted_packets"] == 0 and tel["nacks"] == 0
    assert tel["delivered_bytes"] == 7 * MB
    assert fc["invariant_violations"] == 0
    # credit updates are link-level flow-control frames, never PFC pauses
    assert tel["pfc_pause_frames"] == 0 and tel["flow_control_frames"] == fc["credit_updates"] > 0
    # every switch input buffer stayed within its size, and the senders really were held back
    switch_ports = [p for p in fc["per_port_vl"] if p["node"] == 8]
    assert switch_ports and all(p["max_buffer_blocks"] <= buffer // 64 for p in switch_ports)
    assert max(p["max_buffer_blocks"] for p in switch_ports) > buffer // 64 // 2
    stalled = [p for p in fc["per_port_vl"] if p["node"] < 8 and p["credit_stall_ns"] > 0]
    assert len(stalled) == 7, "every sender's HCA port must have waited for credits"
    # 7 ports' worth of buffer at most (+ nothing else): the switch never held more
    assert tel["max_switch_buffer_bytes"] <= 7 * buffer
    # the bottleneck stays busy: 7 MB at 100 Gb/s plus IB framing
    ideal = 7 * MB * IB_WIRE / 4096 * 8 / 100
    assert ideal < max(be.flow_done_ns.values()) < 1.03 * ideal


def _incast_result(make_backend, seed: int) -> str:
    be = make_backend(ib_fabric(star(6, 100, 300), preset="ib_credits_cc",
                                flow_control_params={"SwitchBufferBytesPerVl": 32768},
                                congestion_control_params={"FecnThresholdBytes": 20000}), 6, seed)
    for s in range(1, 6):
        be.flow(s, 0, 400_000)
    be.flow(0, 3, 300_000)
    be.run()
    tel = be.telemetry()
    tel.pop("wall")
    return json.dumps({"done": be.flow_done_ns, "tel": tel}, sort_keys=True)


def test_same_seed_gives_identical_results(make_backend):
    first = _incast_result(make_backend, 7)
    assert first == _incast_result(make_backend, 7)
    assert json.loads(first)["tel"]["congestion_control_stats"]["becn_received"] > 0


def test_credit_overrun_is_a_counted_fatal_error(make_backend):
    """A sender that starts with more credit than the switch has buffer overruns it: the model
    stops with a SimulationError naming the port and VL instead of silently dropping."""
    from astrasim_py.errors import SimulationError

    be = make_backend(ib_fabric(star(4, 100, 500), flow_control_params={
        "SwitchBufferBytesPerVl": 8192, "InitialCreditBlocks": 2048}), 4)
    for s in (1, 2, 3):
        be.flow(s, 0, 500_000)
    with pytest.raises(SimulationError, match="IB credit invariant violated at node 4: port [0-9] VL 3"):
        be.run()
    assert be.telemetry()["flow_control_stats"]["invariant_violations"] == 1


def test_switchless_ring_relays_transit_traffic_losslessly(make_backend):
    """ASTRA-sim Ring dimensions map to hosts that forward: transit packets free the upstream
    credits when the relaying HCA takes them, so multi-hop flows complete."""
    network = {"topology": ["Ring"], "npus_count": [4], "bandwidth": [50], "latency": [500],
               "fabric": {"transport": "ib", "preset": "ib_credits",
                          "flow_control_params": {"HcaBufferBytesPerVl": 16384}}}
    be = make_backend(network, 4)
    flows = [be.flow(0, 2, 300_000), be.flow(1, 3, 300_000), be.flow(2, 0, 300_000)]
    be.run()
    tel = be.telemetry()
    assert set(be.flow_done_ns) == set(flows)
    assert tel["delivered_bytes"] == 900_000 and tel["drops"] == 0
    assert tel["flow_control_stats"]["invariant_violations"] == 0
    assert tel["flow_control_stats"]["credit_updates"] > 0


def test_cut_through_into_a_faster_link_waits_for_the_tail(make_backend):
    """100 Gb/s in, 400 Gb/s out: the egress may not finish before the frame's tail arrived,
    so one packet takes frame/100G + 2 latency + 100 ns (the 400 G copy ends with the tail)."""
    from astrasim_py.topology.builders import explicit

    topo = explicit(2, 1, [[0, 2, 100, 500], [1, 2, 400, 500]], name="rate_step")
    be = make_backend(ib_fabric(topo), 2)
    up = be.flow(0, 1, 3000)
    be.run()
    frame = 3000 + 28
    assert be.flow_done_ns[up] == pytest.approx(frame * 8 / 100 + 2 * 500 + 100, abs=0.01)
    # the other way (400 in, 100 out) cuts through after the first 64 bytes
    be = make_backend(ib_fabric(topo), 2)
    down = be.flow(1, 0, 3000)
    be.run()
    assert be.flow_done_ns[down] == pytest.approx(64 * 8 / 400 + frame * 8 / 100 + 2 * 500 + 100,
                                                   abs=0.01)
