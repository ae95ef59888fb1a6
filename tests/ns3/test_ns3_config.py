"""The fabric config: ASTRA-sim YAML mapping, presets, and one-line errors for bad input."""

from __future__ import annotations

import pytest

from astrasim_py.errors import InputError
from astrasim_py.network.ns3.config import list_presets, parse_fabric_config

ANALYTICAL = {"topology": ["Switch"], "npus_count": [8], "bandwidth": [50], "latency": [500]}


def test_required_presets_ship():
    assert {"dcqcn_paper", "dcqcn_mlnx", "dcqcn_astrasim_ref", "pfc_only", "lossy"} <= set(list_presets())


def test_analytical_yaml_alone_maps_to_a_switch_fabric():
    cfg = parse_fabric_config(ANALYTICAL, 8)
    assert cfg.mapped_from_analytical
    assert cfg.topology.num_hosts == 8 and cfg.topology.num_switches == 1
    assert cfg.flow_control.kind == "pfc" and cfg.congestion_control.kind == "dcqcn"


def test_overrides_and_units():
    cfg = parse_fabric_config({**ANALYTICAL, "fabric": {
        "preset": "dcqcn_paper", "congestion_control_params": {"RpTimerUs": 300},
        "flow_control": "none", "mtu_bytes": 4096}}, 8)
    assert cfg.congestion_control.params["RpTimerUs"] == 300
    assert cfg.flow_control.kind == "none"
    assert cfg.network_params["MtuBytes"] == 4096


@pytest.mark.parametrize("fabric,field", [
    ({"bogus": 1}, "fabric.bogus"),
    ({"preset": "nope"}, "fabric.preset"),
    ({"transport": "carrier_pigeon"}, "fabric.transport"),
    ({"link_gbps": -3}, "fabric.link_gbps"),
    ({"congestion_control": {"type": "swift"}}, "fabric.congestion_control.type"),
    ({"mtu_bytes": "big"}, "fabric.mtu_bytes"),
])
def test_bad_input_names_the_field(fabric, field):
    with pytest.raises(InputError) as err:
        parse_fabric_config({**ANALYTICAL, "fabric": fabric}, 8, "net.yml")
    assert err.value.field == field and err.value.file == "net.yml"
    assert "\n" not in str(err.value)


def test_unknown_attribute_is_an_input_error(make_backend):
    with pytest.raises(InputError, match="RpTimerFortnights") as err:
        make_backend({**ANALYTICAL, "fabric": {"congestion_control_params": {"RpTimerFortnights": 1}}}, 8)
    assert err.value.field == "fabric.congestion_control_params.RpTimerFortnights"


def test_time_series_and_plots(make_backend, tmp_path):
    be = make_backend({**ANALYTICAL, "fabric": {"preset": "dcqcn_paper", "switch_buffer_bytes": 500_000,
                                                "telemetry": {"time_series_interval_ns": 1000,
                                                              "plot_dir": str(tmp_path)}}}, 8)
    for src in range(1, 8):
        be.flow(src, 0, 300_000)
    be.run()
    tel = be.telemetry()
    ts = tel["time_series"]
    assert len(ts["time_ns"]) > 10 and len(ts["queue_bytes"][0]) == len(ts["ports"])
    assert max(max(row) for row in ts["queue_bytes"]) > 0
    assert {p.split("/")[-1] for p in tel["plots"]} == {"queue_depth.png", "pause_state.png", "qp_rates.png"}


def test_pcap_has_real_roce_headers(make_backend, tmp_path):
    import struct

    be = make_backend({**ANALYTICAL, "fabric": {"preset": "pfc_only",
                                                "telemetry": {"pcap_ports": [[0, 0]], "pcap_dir": str(tmp_path)}}}, 8)
    be.flow(0, 1, 2500)
    be.run()
    data = (tmp_path / "node0_port0.pcap").read_bytes()
    magic, = struct.unpack_from("<I", data, 0)
    assert magic == 0xA1B23C4D  # nanosecond pcap
    off, frames = 24, []
    while off < len(data):
        _, _, caplen, length = struct.unpack_from("<IIII", data, off)
        frames.append((data[off + 16: off + 16 + caplen], length))
        off += 16 + caplen
    assert len(frames) == 3  # 1000 + 1000 + 500 bytes of payload
    frame, length = frames[-1]
    assert frame[12:14] == b"\x08\x00" and frame[23] == 17  # IPv4, UDP
    assert struct.unpack_from(">H", frame, 36)[0] == 4791  # RoCEv2
    assert frame[42] == 0x02  # BTH opcode: RC SEND last
    assert length == 14 + 20 + 8 + 12 + 500 + 4  # Ethernet..BTH + payload + ICRC (no FCS)
