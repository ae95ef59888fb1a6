"""End to end through the system layer: the reference's anchor and the analytical cross-check."""

from __future__ import annotations

import copy
import pytest
import yaml

pytestmark = pytest.mark.ns3

HEADER = 62 + 20  # RoCEv2 headers + preamble/IFG per frame
ACK_FRAME = 66 + 20
STEPS = 4 * 14  # 4 chunks run one after another, 2(n-1) = 14 ring steps each, n = 8
MSG = 1_048_576 // 4 // 8  # 32 KiB per ring step


def _run(tmp_path, reference_inputs, network: dict, backend: str = "ns3") -> dict:
    from astrasim_py.runner import RunRequest, run

    path = tmp_path / f"net_{backend}.yml"
    path.write_text(yaml.safe_dump(network))
    request = RunRequest(
        workload=reference_inputs["workload"],
        system=reference_inputs["system"],
        network=str(path),
        remote_memory=reference_inputs["remote_memory"],
        backend=backend)
    return run(request)


def _wire(size: int, mtu: int = 1000) -> int:
    return size + -(-size // mtu) * HEADER


def test_reference_ring_allreduce_within_3_percent(tmp_path, reference_inputs, fabric_available):
    """The reference reports 154,096 ns, but it completes a message when its last ACK returns.

    Ours completes at the last byte, so the comparable number adds, per sequential ring step,
    the ACK's trip back: two link latencies plus the ACK frame's serialization on both links:
        T_ref_equivalent = T_ours + STEPS * (2 * 500 ns + 2 * ACK_FRAME * 8 / 400 Gb/s).
    The rest of the gap is header size: the reference counts 36 B per packet, we count 82 B.
    """
    # the reference's 8-host, 1-switch, 400 Gb/s, 500 ns topology, 1000-byte payloads, PFC and
    # no congestion control (the shipped CC_MODE 12)
    network = {"fabric": {"topology": reference_inputs["topology_8n_1sw"],
                          "mtu_bytes": 1000, "preset": "pfc_only"}}
    result = _run(tmp_path, reference_inputs, network)
    ours = result["max_finish_ns"]
    ack_return = 2 * 500 + 2 * ACK_FRAME * 8 / 400
    equivalent = ours + STEPS * ack_return
    assert abs(equivalent - 154_096) / 154_096 < 0.03, (ours, equivalent)
    fabric = result["fabric"]
    assert fabric["delivered_messages"] == 8 * STEPS
    assert fabric["pfc_pause_frames"] == 0 and fabric["drops"] == 0
    assert fabric["config"]["flow_control"]["name"] == "pfc"


def test_uncongested_ring_matches_analytical_plus_headers_and_store_and_forward(tmp_path, reference_inputs,
                                                                                 fabric_available):
    """Analytical: each ring step costs 2 x 500 ns + m / BW (Switch = 2 link latencies).

    The fabric adds, per step, the header bytes of every packet and one more serialization of
    a full frame at the switch (store and forward):
        T_ns3 = T_analytical + STEPS * ((wire(m) - m) + max_frame) * 8 / R,  R = 50 GiB/s in Gb/s.
    """
    network = {"topology": ["Switch"], "npus_count": [8], "bandwidth": [50], "latency": [500],
               "fabric": {"mtu_bytes": 1000, "preset": "pfc_only"}}
    analytical = _run(tmp_path, reference_inputs, copy.deepcopy(network), "analytical")["max_finish_ns"]
    ns3 = _run(tmp_path, reference_inputs, network)["max_finish_ns"]
    gbps = 50 * 8 * 2**30 / 1e9
    expected = analytical + STEPS * ((_wire(MSG) - MSG) + (1000 + HEADER)) * 8 / gbps
    assert abs(ns3 - expected) / expected < 0.03
    assert abs(ns3 - expected) < STEPS * 2  # in fact exact up to ns flooring per step
