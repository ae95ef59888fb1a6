"""The API the fabrics consume: presets, ASTRA-sim dims, ns-3 reference files, routes as arrays."""

from __future__ import annotations

import numpy as np
import pytest

from astrasim_py.errors import InputError
from astrasim_py.topology import (
    Link, Topology, compute_routes, from_astrasim_dims, gbps_from_GBps, list_presets,
    load_topology, read_ns3_topology,
)


def test_gbps_uses_gibibytes():
    """ASTRA-sim GB/s is GiB/s: 50 GB/s = 50 * 8 * 2^30 / 1e9 Gbps."""
    assert gbps_from_GBps(50) == pytest.approx(429.4967296)


def test_ring_8_preset_is_a_forwarding_ring():
    topo = load_topology("ring_8")
    assert (topo.num_hosts, topo.num_switches, len(topo.links)) == (8, 0, 8)
    assert topo.hosts_forward
    assert {(l.a, l.b) for l in topo.links} == {(i, (i + 1) % 8) for i in range(8)}
    routes = compute_routes(topo)
    # Bidirectional ring: distance min(d, 8-d); the antipode has two equal-cost directions.
    for dst in range(1, 8):
        assert routes.distance(0, dst) == min(dst, 8 - dst)
    assert routes.next_hops(0, 4) == (1, 7)
    assert routes.next_hops(0, 3) == (1,)
    assert routes.next_hops(2, 4) == (3,)
    assert routes.path_count(0, 4) == 2


@pytest.mark.parametrize("preset, gbps", [("switch_8", gbps_from_GBps(50)),
                                          ("ref_8n_1sw_400g", 400.0)])
def test_single_switch_presets(preset, gbps):
    topo = load_topology(preset)
    assert (topo.num_hosts, topo.num_switches, len(topo.links)) == (8, 1, 8)
    assert not topo.hosts_forward
    assert all(l.rate_gbps == pytest.approx(gbps) and l.latency_ns == 500 for l in topo.links)
    routes = compute_routes(topo)
    for src in range(8):
        for dst in range(8):
            if src != dst:
                assert routes.next_hops(src, dst) == (8,)
                assert routes.distance(src, dst) == 2
        assert routes.next_hops(8, src) == (src,)


def test_ref_star_matches_reference_file(shared_dir):
    """The preset is link-for-link the ASTRA-sim ns-3 reference file."""
    ref = read_ns3_topology(shared_dir / "specs/ns3_configs/topo_8n_1sw_400g_500ns.txt")
    preset = load_topology("ref_8n_1sw_400g")
    def key(t):
        return sorted((min(l.a, l.b), max(l.a, l.b), l.rate_gbps, l.latency_ns) for l in t.links)
    assert key(ref) == key(preset)


def test_as_arrays_csr_layout_matches_next_hops():
    topo = from_astrasim_dims([("Ring", 4, 50, 500), ("Switch", 2, 25, 1000)])
    routes = compute_routes(topo)
    offsets, neighbours = routes.as_arrays()
    assert offsets.dtype == np.int64 and neighbours.dtype == np.int32
    h = topo.num_hosts
    assert len(offsets) == topo.num_nodes * h + 1 and offsets[-1] == len(neighbours)
    for node in range(topo.num_nodes):
        for dst in range(h):
            key = node * h + dst
            row = tuple(int(x) for x in neighbours[offsets[key]:offsets[key + 1]])
            assert row == routes.next_hops(node, dst)
            assert list(row) == sorted(row)
            if node == dst:
                assert row == ()


def test_two_dim_ring_switch_layout_and_relay():
    """Ring 4 x Switch 2: dim 0 fastest, one switch per dim-1 group, hosts relay across dims."""
    topo = from_astrasim_dims([("Ring", 4, 50, 500), ("Switch", 2, 25, 1000)])
    assert (topo.num_hosts, topo.num_switches) == (8, 4)
    assert len(topo.links) == 2 * 4 + 4 * 2
    # Switch 8 joins ranks {0, 4}: the ranks that differ only in dim 1.
    assert topo.neighbours(8) == [0, 4]
    ring_link = topo.link_between(0, 1)
    switch_link = topo.link_between(0, 8)
    assert ring_link.rate_gbps == pytest.approx(gbps_from_GBps(50)) and ring_link.latency_ns == 500
    assert switch_link.rate_gbps == pytest.approx(gbps_from_GBps(25)) and switch_link.latency_ns == 1000
    routes = compute_routes(topo)
    # 0 -> 5 differs in both dims: 0-1-9-5 or 0-8-4-5.
    assert routes.distance(0, 5) == 3 and routes.path_count(0, 5) == 2
    assert routes.next_hops(0, 5) == (1, 8)


def test_fully_connected_and_two_ring():
    fc = from_astrasim_dims([("FullyConnected", 5, 10, 100)])
    assert len(fc.links) == 10 and fc.num_switches == 0
    routes = compute_routes(fc)
    assert all(routes.next_hops(a, b) == (b,) for a in range(5) for b in range(5) if a != b)
    pair = from_astrasim_dims([("Ring", 2, 10, 100), ("FullyConnected", 3, 10, 100)])
    assert len(pair.links) == 3 * 1 + 2 * 3  # a 2-ring is a single link


def test_nonforwarding_host_gets_first_hop_choices():
    """A two-port host that does not relay still chooses among ports toward the destination."""
    topo = Topology("dual", num_hosts=2, num_switches=2,
                    links=[Link(0, 2, 100, 10), Link(0, 3, 100, 10), Link(1, 2, 100, 10),
                           Link(1, 3, 100, 10)]).validate()
    routes = compute_routes(topo)
    assert routes.next_hops(0, 1) == (2, 3)
    assert routes.path_count(0, 1) == 2


def test_hosts_do_not_relay_unless_allowed():
    links = [Link(0, 1, 100, 10), Link(1, 2, 100, 10)]
    with pytest.raises(InputError, match="host 0 cannot reach host 2"):
        Topology("chain", 3, 0, links).validate()
    topo = Topology("chain", 3, 0, links, hosts_forward=True).validate()
    assert compute_routes(topo).next_hops(0, 2) == (1,)


@pytest.mark.parametrize("links, hosts, switches, message", [
    ([Link(0, 1, 100, 10), Link(1, 0, 100, 10)], 2, 0, "duplicate link 0-1"),
    ([Link(0, 1, 0, 10)], 2, 0, "rate 0"),
    ([Link(0, 1, -5, 10)], 2, 0, "rate -5"),
    ([Link(0, 1, 100, -1)], 2, 0, "latency -1"),
    ([Link(0, 7, 100, 10)], 2, 0, "node id 7 out of range"),
    ([Link(0, 2, 100, 10), Link(1, 3, 100, 10)], 2, 2, "disconnected"),
    ([Link(0, 0, 100, 10)], 1, 0, "itself"),
])
def test_validation_errors(links, hosts, switches, message):
    with pytest.raises(InputError, match=message):
        Topology("bad", hosts, switches, links).validate()


def test_npu_count_must_match():
    topo = load_topology("switch_8")
    topo.check_npus(8)
    with pytest.raises(InputError, match="16 NPUs"):
        topo.check_npus(16)
    with pytest.raises(InputError, match="4 NPUs"):
        topo.check_npus(4)
    topo.check_npus(4, allow_idle_hosts=True)


def test_unknown_preset_names_the_choices():
    with pytest.raises(InputError, match="ring_8"):
        load_topology("no_such_topology")


def test_presets_listed():
    assert {"ring_8", "switch_8", "ref_8n_1sw_400g"} <= set(list_presets())


def test_ns3_reader_remaps_hosts_first(tmp_path):
    """Switch id 0 in the file becomes node 3; hosts 1..3 become 0..2; mapping kept."""
    path = tmp_path / "t.txt"
    path.write_text("4 1 3\n0\n0 1 100Gbps 0.001ms 0\n0 2 100Gbps 1000ns 0\n3 0 25Gbps 2us 0\n")
    topo = read_ns3_topology(path)
    assert (topo.num_hosts, topo.num_switches) == (3, 1)
    assert topo.source_node_ids == [1, 2, 3, 0]
    got = sorted((min(l.a, l.b), max(l.a, l.b), l.rate_gbps, l.latency_ns) for l in topo.links)
    assert got == [(0, 3, 100.0, 1000), (1, 3, 100.0, 1000), (2, 3, 25.0, 2000)]


def test_ns3_reader_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("3 1 2\n2\n0 2 100Gbps 0.001ms 0\n1 2 fastGbps 1us 0\n")
    with pytest.raises(InputError, match="line 4"):
        read_ns3_topology(path)
