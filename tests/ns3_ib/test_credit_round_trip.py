"""A link whose per-VL buffer is smaller than its credit round trip runs at buffer / round trip,
not at line rate (closed form), and the run says so before it starts."""

from __future__ import annotations

import pytest

from astrasim_py.network.ns3.config import parse_fabric_config
from astrasim_py.network.ns3.fabric_checks import credit_limits, fabric_warnings

pytestmark = pytest.mark.ns3

WIRE = 4096 + 26 + 2      # ib_credits preset: MTU + headers + delimiters
BLOCKS_PER_PACKET = 65    # ceil(4124 / 64)
SIZE = 20_000_000


def _network(latency_ns: int, buffer: int) -> dict:
    topo = {"builder": "star", "num_hosts": 2, "link_gbps": 200, "latency_ns": latency_ns}
    return {"fabric": {"topology": topo, "transport": "ib", "preset": "ib_credits",
                       "flow_control_params": {"SwitchBufferBytesPerVl": buffer, "HcaBufferBytesPerVl": buffer}}}


@pytest.mark.parametrize("latency_ns,buffer", [(5000, 65536), (5000, 131072), (2000, 65536)])
def test_credit_limited_throughput_is_buffer_over_round_trip(make_backend, latency_ns, buffer):
    be = make_backend(_network(latency_ns, buffer), 2)
    be.flow(0, 1, SIZE)
    be.run()
    measured = SIZE / 4096 * WIRE * 8 / max(be.flow_done_ns.values())
    # Whole packets that fit the buffer, over the credit loop: two link latencies, the frame,
    # the 256 ns update delay and the switch's 100 ns forwarding delay.
    packets = (buffer // 64) // BLOCKS_PER_PACKET
    round_trip = 2 * latency_ns + WIRE * 8 / 200 + 256 + 100
    expected = packets * WIRE * 8 / round_trip
    assert expected < 200
    assert measured == pytest.approx(expected, rel=0.03)
    predicted = min(c.limit_gbps for c in credit_limits(parse_fabric_config(_network(latency_ns, buffer), 2)))
    assert predicted == pytest.approx(expected, rel=1e-9)


def test_short_links_run_at_line_rate_and_warn_nothing(make_backend):
    be = make_backend(_network(500, 65536), 2)
    be.flow(0, 1, SIZE)
    be.run()
    measured = SIZE / 4096 * WIRE * 8 / max(be.flow_done_ns.values())
    assert measured == pytest.approx(200, rel=0.01)
    assert fabric_warnings(parse_fabric_config(_network(500, 65536), 2)) == []


def test_warning_names_the_limit_and_the_fix():
    (line,) = fabric_warnings(parse_fabric_config(_network(5000, 65536), 2))
    assert "4 link directions are credit-limited" in line
    assert "HcaBufferBytesPerVl" in line and "of 200 Gb/s" in line
    (line,) = fabric_warnings(parse_fabric_config(_network(20000, 131072), 2))
    assert "shorten the links" in line


def test_the_run_prints_the_warning_and_keeps_it_in_the_results(make_backend, capsys):
    be = make_backend(_network(5000, 65536), 2)
    assert "credit-limited" in capsys.readouterr().err
    assert be.describe()["warnings"] == fabric_warnings(parse_fabric_config(_network(5000, 65536), 2))
