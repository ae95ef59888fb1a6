"""The telemetry's counters come from the devices' trace sources: exact counts for known traffic."""

from __future__ import annotations

import pytest

from astrasim_py.topology import star

pytestmark = pytest.mark.ns3


def test_trace_source_counters_match_the_traffic(make_backend):
    # two senders into one port, lossy and small buffer: drops, resends and a NACK per loss run
    be = make_backend({"fabric": {"topology": star(3, 100, 1000), "preset": "lossy",
                                  "switch_buffer_bytes": 200_000}}, 3)
    be.flow(1, 0, 500 * 1000)
    be.flow(2, 0, 500 * 1000)
    be.run()
    tel = be.telemetry()
    ports = {(p["node"], p["peer"]): p for p in tel["ports"]}
    sent = ports[(1, 3)]["tx_data_packets"] + ports[(2, 3)]["tx_data_packets"]
    assert sent == tel["data_packets"] == 1000 + tel["retransmitted_packets"]
    assert tel["drops"] > 0 and tel["drops"] == sum(p["drops"] for p in tel["ports"])
    # every packet that reached host 0 left the switch toward it
    assert ports[(3, 0)]["tx_data_packets"] == sent - tel["drops"]
    # the receiver's control frames: one ACK per in-order packet and per duplicate, plus NACKs
    assert ports[(0, 3)]["tx_bytes"] == (tel["acks"] + tel["nacks"]) * (66 + 20)
    assert tel["nacks"] > 0 and tel["cnps"] == 0 and tel["ecn_marks"] == 0


def test_pfc_frames_are_counted_on_both_ends(make_backend):
    be = make_backend({"fabric": {"topology": star(8, 100, 1000), "preset": "pfc_only",
                                  "switch_buffer_bytes": 1_000_000}}, 8)
    for s in range(1, 8):
        be.flow(s, 0, 1_000_000)
    be.run()
    tel = be.telemetry()
    sent = sum(p["pause_frames_sent"] for p in tel["ports"] if p["node"] == 8)
    received = sum(p["pause_frames_received"] for p in tel["ports"] if p["node"] < 8)
    assert sent == received == tel["pfc_pause_frames"] > 0
