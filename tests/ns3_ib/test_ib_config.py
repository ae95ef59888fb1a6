"""`transport: ib` configuration: defaults, and one clear error per bad value."""

from __future__ import annotations

import pytest

from astrasim_py.errors import InputError
from astrasim_py.network.ns3.config import parse_fabric_config
from astrasim_py.topology import star

pytestmark = pytest.mark.ns3


def test_transport_ib_defaults_to_credits_cc_dmodk_and_in_order_placement():
    cfg = parse_fabric_config({"fabric": {"topology": star(4, 100, 500), "transport": "ib"}}, 4)
    assert cfg.preset == "ib_default"
    assert cfg.flow_control.type_id == "ns3::fabric::IbCreditFlowControl"
    assert cfg.congestion_control.type_id == "ns3::fabric::IbCongestionControl"
    assert cfg.switch_params["Routing"] == "dmodk"
    assert cfg.nic_params["OutOfOrderReceive"] is True
    assert cfg.network_params["MtuBytes"] == 4096


def test_unknown_routing_names_the_field():
    with pytest.raises(InputError) as err:
        parse_fabric_config({"fabric": {"topology": star(4, 100, 500), "transport": "ib",
                                        "routing": "random"}}, 4)
    assert err.value.field == "fabric.routing" and "adaptive" in err.value.fix


def test_oversized_vl_buffer_is_an_input_error(make_backend):
    # 12-bit credit counters: at most 2048 blocks (128 KiB) per VL
    with pytest.raises(InputError) as err:
        make_backend({"fabric": {"topology": star(4, 100, 500), "transport": "ib",
                                 "flow_control_params": {"SwitchBufferBytesPerVl": 1 << 20}}}, 4)
    assert "SwitchBufferBytesPerVl" in err.value.field


@pytest.mark.parametrize("section,name,value", [
    ("flow_control_params", "SlToVl", "0,1,2"),
    ("flow_control_params", "VlArbitrationLow", "1:300"),
    ("flow_control_params", "VlArbitrationHigh", "9:10"),
    ("transport_params", "SlByStream", "0,1"),
])
def test_bad_ib_list_attribute_names_the_field(section, name, value):
    with pytest.raises(InputError) as err:
        parse_fabric_config({"fabric": {"topology": star(4, 100, 500), "transport": "ib",
                                        section: {name: value}}}, 4)
    assert err.value.field == f"fabric.{section}.{name}"



def test_ib_mtu_must_be_an_ib_path_mtu():
    with pytest.raises(InputError) as err:
        parse_fabric_config({"fabric": {"topology": star(4, 100, 500), "transport": "ib", "mtu_bytes": 1000}}, 4)
    assert err.value.field == "fabric.mtu_bytes" and "4096" in err.value.fix
    cfg = parse_fabric_config({"fabric": {"topology": star(4, 100, 500), "transport": "ib", "mtu_bytes": 2048}}, 4)
    assert cfg.network_params["MtuBytes"] == 2048
