"""One typed configuration path: YAML numbers reach the C++ attributes as numbers (times in the
unit of their name), defaults come from the TypeId registry, and the results echo the values in
force as numbers."""

from __future__ import annotations

import pytest

from astrasim_py.config import parse_network
from astrasim_py.errors import InputError
from astrasim_py.network.ns3.config import parse_fabric_config

pytestmark = pytest.mark.ns3

DIMS = {"topology": ["Switch"], "npus_count": [8], "bandwidth": [50], "latency": [500]}


def test_time_attributes_are_numbers_in_the_unit_of_their_name(fabric_available):
    from astrasim_py.network.ns3.registry import default, type_attributes

    dcqcn = type_attributes("ns3::fabric::DcqcnCongestionControl")
    assert dcqcn["RpTimerUs"]["checker"] == "ns3::DoubleValue"
    assert dcqcn["RpTimerUs"]["range"].startswith("time_us 0:")
    assert dcqcn["RpTimerUs"]["default"] == 55  # the paper's T, read from C++, not a Python copy
    assert type_attributes("ns3::fabric::FabricNetwork")["SampleIntervalNs"]["range"].startswith("time_ns ")
    assert default("ns3::fabric::FabricNetwork", "MtuBytes") == 1000


def test_values_round_trip_exactly_into_the_results(make_backend):
    # 1/1024 and 1023/1024 need more than the 6 digits ns-3 prints; 20.5 us is not whole
    be = make_backend({**DIMS, "fabric": {"preset": "dcqcn_paper", "congestion_control_params": {
        "RpTimerUs": 20.5, "G": 0.0009765625, "InitialAlpha": 0.9990234375, "KminBytes": 2**62},
        "telemetry": {"time_series_interval_ns": 1000}}}, 8)
    config = be.describe()
    attrs = config["congestion_control"]["attributes"]
    assert attrs["RpTimerUs"] == 20.5 and attrs["G"] == 0.0009765625 and attrs["InitialAlpha"] == 0.9990234375
    assert attrs["KminBytes"] == 2**62 and isinstance(attrs["KminBytes"], int)
    assert attrs["ClampTargetRate"] is True
    assert config["transport_attributes"]["SampleIntervalNs"] == 1000
    assert config["switch_attributes"]["Routing"] == "ecmp"


def test_a_time_with_a_unit_suffix_is_refused_with_the_field():
    with pytest.raises(InputError) as err:
        parse_fabric_config({**DIMS, "fabric": {"congestion_control_params": {"RpTimerUs": "55us"}}}, 8, "net.yml")
    assert err.value.field == "fabric.congestion_control_params.RpTimerUs"
    assert "a time in us" in str(err.value) and "\n" not in str(err.value)


def test_parsed_values_have_their_attribute_types(fabric_available):
    cfg = parse_fabric_config({**DIMS, "fabric": {"transport_params": {"MtuBytes": 2048.0, "BdpWindow": "true"},
                                                  "congestion_control_params": {"RpTimerUs": 300}}}, 8)
    assert cfg.network_params["MtuBytes"] == 2048 and isinstance(cfg.network_params["MtuBytes"], int)
    assert cfg.network_params["BdpWindow"] is True
    assert isinstance(cfg.congestion_control.params["RpTimerUs"], float)
    assert cfg.attribute("network", "AckBytes") == 66  # not configured: the C++ default


def test_the_bridge_setter_takes_typed_values_only(fabric_available):
    from astrasim_py.network.ns3.loader import bridge_class

    bridge = bridge_class()()
    assert str(bridge.SetAttribute("network", "MtuBytes", 4096)) == ""
    assert "takes no value of this type" in str(bridge.SetAttribute("network", "MtuBytes", "4096"))  # text
    assert "takes no value of this type" in str(bridge.SetAttribute("network", "MtuBytes", 4096.0))
    assert "64:65536" in str(bridge.SetAttribute("network", "MtuBytes", 10))
    assert str(bridge.SetAttribute("network", "StallTimeoutUs", 2.5)) == ""
    assert "time_us" in str(bridge.SetAttribute("network", "StallTimeoutUs", -1.0))
    assert "takes no value of this type" in str(bridge.SetAttribute("network", "BdpWindow", 1))  # not a bool
    assert str(bridge.SetAttribute("switch", "Routing", "dmodk")) == ""
    assert "has no attribute" in str(bridge.SetAttribute("network", "NoSuchThing", True))


def test_a_parsed_network_config_and_its_mapping_give_one_fabric(fabric_available):
    netcfg = parse_network(dict(DIMS), source="net.yml")
    typed, raw = parse_fabric_config(netcfg, 8, "net.yml"), parse_fabric_config(DIMS, 8, "net.yml")
    assert typed.mapped_from_analytical and typed.topology.links == raw.topology.links
    # 50 GB/s (2^30 B) = 429.4967296 Gbit/s per link
    assert {l.rate_gbps for l in typed.topology.links} == {50 * 8 * 2**30 / 1e9}
