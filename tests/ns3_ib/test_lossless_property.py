"""Property: whatever the traffic and buffer sizes, credit flow control delivers every byte,
never drops, never overruns a per-VL buffer and never retransmits."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from astrasim_py.topology import leaf_spine

pytestmark = pytest.mark.ns3

HOSTS = 8
flows = st.lists(st.tuples(st.integers(0, HOSTS - 1), st.integers(0, HOSTS - 1), st.integers(1, 60_000))
                 .filter(lambda f: f[0] != f[1]), min_size=1, max_size=12)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flows=flows, buffer_blocks=st.integers(66, 400), routing=st.sampled_from(["dmodk", "adaptive"]),
       preset=st.sampled_from(["ib_credits", "ib_credits_cc"]))
def test_credits_are_lossless_and_conserve_bytes(make_backend, flows, buffer_blocks, routing, preset):
    be = make_backend({"fabric": {"topology": leaf_spine(2, 4, 2, 100, 100, 200), "transport": "ib",
                                  "preset": preset, "routing": routing,
                                  "flow_control_params": {"SwitchBufferBytesPerVl": 64 * buffer_blocks}}},
                      HOSTS)
    ids = [be.flow(s, d, size, stream=i % 3) for i, (s, d, size) in enumerate(flows)]
    be.run()
    tel = be.telemetry()
    fc = tel["flow_control_stats"]
    assert set(be.flow_done_ns) == set(ids)
    assert tel["delivered_bytes"] == sum(size for _, _, size in flows)
    assert tel["drops"] == tel["retransmitted_packets"] == tel["nacks"] == 0
    assert fc["invariant_violations"] == 0
    assert all(p["max_buffer_blocks"] <= p["buffer_blocks"] for p in fc["per_port_vl"])
    assert max(p["max_buffer_blocks"] for p in fc["per_port_vl"] if p["node"] >= HOSTS) <= buffer_blocks
