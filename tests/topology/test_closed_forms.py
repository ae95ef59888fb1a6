"""Link counts, bisection bandwidth and equal-cost path counts against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from astrasim_py.errors import InputError
from astrasim_py.topology import (
    clos_2tier, compute_routes, fattree, from_astrasim_dims, gbps_from_GBps, leaf_spine,
    load_topology, rail_optimized, read_ns3_topology,
)
from astrasim_py.topology.analysis import bisection_bandwidth_gbps, host_path_counts, summarize


def _pairs_by_hops(routes, hosts):
    """{hops: set of path counts} over ordered host pairs."""
    counts = host_path_counts(routes)[:hosts]
    table: dict[int, set[int]] = {}
    for s in range(hosts):
        for d in range(hosts):
            if s != d:
                table.setdefault(routes.distance(s, d), set()).add(int(counts[s, d]))
    return table


@pytest.mark.parametrize("k", [4, 6, 8])
def test_fattree_counts_and_paths(k):
    topo = fattree(k, 100, 500)
    half = k // 2
    assert topo.num_hosts == k ** 3 // 4
    assert topo.num_switches == k * k + half * half          # k*k/2 edge + k*k/2 agg + (k/2)^2 core
    assert len(topo.links) == 3 * k ** 3 // 4                 # host, edge-agg, agg-core tiers
    routes = compute_routes(topo)
    # Same edge: 2 hops, 1 path; same pod: 4 hops, k/2 paths; other pod: 6 hops, (k/2)^2 paths.
    assert _pairs_by_hops(routes, topo.num_hosts) == {2: {1}, 4: {half}, 6: {half * half}}
    assert routes.path_count(0, topo.num_hosts - 1) == half * half
    # Full bisection: half the hosts at line rate.
    assert bisection_bandwidth_gbps(topo) == pytest.approx(topo.num_hosts / 2 * 100)


def test_fattree_oversubscribed_bisection():
    topo = fattree(4, 100, 500, oversubscription=2)
    assert topo.num_hosts == 2 * 4 ** 3 // 4
    assert bisection_bandwidth_gbps(topo) == pytest.approx(topo.num_hosts / 2 * 100 / 2)


@pytest.mark.parametrize("hosts_per_leaf, ratio", [(8, 1), (8, 2), (8, 4), (6, 3)])
def test_clos_oversubscription(hosts_per_leaf, ratio):
    leaves = 4
    topo = clos_2tier(leaves * hosts_per_leaf, hosts_per_leaf, ratio, 400)
    spines = hosts_per_leaf // ratio
    assert topo.num_switches == leaves + spines
    assert len(topo.links) == leaves * hosts_per_leaf + leaves * spines
    assert topo.facts["oversubscription"] == pytest.approx(ratio)
    # Half the leaves send through their spine uplinks: H/2 * rate / ratio.
    assert bisection_bandwidth_gbps(topo) == pytest.approx(topo.num_hosts / 2 * 400 / ratio)
    routes = compute_routes(topo)
    assert _pairs_by_hops(routes, topo.num_hosts) == {2: {1}, 4: {spines}}


def test_clos_rejects_fractional_spines():
    with pytest.raises(InputError, match="oversubscription"):
        clos_2tier(64, 8, 3, 400)


@pytest.mark.parametrize("servers, gpus, spines", [(2, 8, 2), (4, 4, 2), (3, 8, 0)])
def test_rail_counts(servers, gpus, spines):
    topo = rail_optimized(servers, gpus, nic_gbps=400, scaleup_gbps=3600, num_spines=spines)
    assert topo.num_hosts == servers * gpus
    assert topo.num_switches == servers + gpus + spines
    assert len(topo.links) == 2 * servers * gpus + gpus * spines
    routes = compute_routes(topo)
    # Same server: via the scale-up switch. Same rail: via the rail leaf.
    assert routes.next_hops(0, 1) == (topo.num_hosts,)
    assert routes.next_hops(0, gpus) == (topo.num_hosts + servers,)
    cross = gpus + 1  # other server, other rail
    if spines:
        assert routes.distance(0, cross) == 4 and routes.path_count(0, cross) == spines
        assert not topo.hosts_forward
    else:
        # Without spines cross-rail traffic relays through a GPU (PXN): scale-up switch, peer
        # GPU, its rail; or own rail, peer GPU, scale-up switch. Two 4-hop paths.
        assert topo.hosts_forward
        assert routes.distance(0, cross) == 4
        assert routes.path_count(0, cross) == 2


def test_rail_presets():
    small = load_topology("rail_2x8")
    big = load_topology("rail_16x8")
    assert (small.num_hosts, small.num_switches) == (16, 2 + 8 + 2)
    assert (big.num_hosts, big.num_switches) == (128, 16 + 8 + 8)
    assert big.facts["rail_leaf_oversubscription"] == pytest.approx(1.0)
    assert bisection_bandwidth_gbps(big) == pytest.approx(64 * 400)


def test_ring_bisection_and_dims():
    ring = load_topology("ring_8")
    assert bisection_bandwidth_gbps(ring) == pytest.approx(2 * gbps_from_GBps(50))
    two_d = load_topology("ring4x_switch2")
    assert two_d.num_switches == 4 and len(two_d.links) == 16
    three_d = load_topology("ring2_fc8_switch4")
    # 2-ring: one link per pair (32); FC8: 28 links per group (8 groups); Switch4: 16 switches x 4.
    assert three_d.num_hosts == 64 and three_d.num_switches == 16
    assert len(three_d.links) == 32 + 8 * 28 + 16 * 4


def test_three_dim_rank_order():
    """rank = a0 + n0*(a1 + n1*a2): members of a dim-2 switch are r, r+16, r+32, r+48."""
    topo = from_astrasim_dims([("Ring", 2, 200, 50), ("FullyConnected", 8, 100, 500),
                               ("Switch", 4, 50, 2000)])
    assert topo.neighbours(64) == [0, 16, 32, 48]
    assert topo.link_between(0, 1).latency_ns == 50            # dim 0
    assert topo.link_between(0, 2).latency_ns == 500           # dim 1 (a1 = 1)
    assert topo.link_between(0, 14).latency_ns == 500          # dim 1 (a1 = 7)
    assert topo.link_between(0, 3) is None                     # differs in two dims


def test_reference_clos_matches_file(shared_dir):
    """The preset rebuilds topo_clos128_16sw_200g.txt link for link (ids already hosts-first)."""
    ref = read_ns3_topology(shared_dir / "specs/ns3_configs/topo_clos128_16sw_200g.txt")
    preset = load_topology("ref_clos128_16sw_200g")
    assert ref.source_node_ids == list(range(144))
    def key(t):
        return sorted((min(l.a, l.b), max(l.a, l.b), l.rate_gbps, l.latency_ns) for l in t.links)
    assert key(ref) == key(preset)
    assert bisection_bandwidth_gbps(preset) == pytest.approx(64 * 200 / 2)   # 2:1 oversubscribed
    assert compute_routes(preset).path_count(0, 127) == 8


def test_reference_leaf_spine_matches_file(shared_dir):
    ref = read_ns3_topology(shared_dir / "specs/ns3_configs/topo_16n_2leaf2spine_400g_500ns.txt")
    preset = load_topology("ref_16n_2leaf2spine_400g")
    def key(t):
        return sorted((min(l.a, l.b), max(l.a, l.b), l.rate_gbps, l.latency_ns) for l in t.links)
    assert key(ref) == key(preset)
    assert preset.facts["oversubscription"] == pytest.approx(4.0)


def test_path_counts_match_networkx():
    """Vectorised equal-cost counts agree with networkx all_shortest_paths on a 2-D system."""
    import networkx as nx

    topo = load_topology("ring4x_switch2")
    routes = compute_routes(topo)
    counts = host_path_counts(routes)
    g = topo.graph()
    for s in range(topo.num_hosts):
        for d in range(topo.num_hosts):
            if s != d:
                assert counts[s, d] == len(list(nx.all_shortest_paths(g, s, d)))


def test_leaf_spine_next_hops_are_all_spines():
    topo = leaf_spine(2, 4, 3, 100)
    routes = compute_routes(topo)
    leaf0 = topo.num_hosts
    assert routes.next_hops(leaf0, 7) == (10, 11, 12)
    assert routes.next_hops(10, 7) == (leaf0 + 1,)
    assert routes.next_hops(leaf0 + 1, 7) == (7,)


def test_summary_fields():
    s = summarize(load_topology("fattree_k4"))
    assert (s["hosts"], s["switches"], s["links"], s["diameter_hops"]) == (16, 20, 48, 6)
    assert s["bisection_gbps"] == pytest.approx(8 * 400)
    assert {(r["hops"], r["equal_cost_paths"]) for r in s["host_pairs_by_hops_and_paths"]} == \
        {(2, 1), (4, 2), (6, 4)}
    assert sum(r["ordered_pairs"] for r in s["host_pairs_by_hops_and_paths"]) == 16 * 15


@pytest.mark.parametrize("n", [5, 8, 64])
def test_ring_distances_and_antipode(n):
    routes = compute_routes(from_astrasim_dims([("Ring", n, 50, 500)]))
    for d in range(1, n):
        assert routes.distance(0, d) == min(d, n - d)
        assert routes.path_count(0, d) == (2 if 2 * d == n else 1)


def test_torus_path_counts_are_binomial():
    """Ring 8 x Ring 8 (a 2-D torus): to (a, b) with a, b < 4 there are C(a+b, a) shortest paths."""
    from math import comb

    topo = from_astrasim_dims([("Ring", 8, 50, 500), ("Ring", 8, 50, 500)])
    counts = host_path_counts(compute_routes(topo))
    for a in range(4):
        for b in range(4):
            if a or b:
                assert counts[0, a + 8 * b] == comb(a + b, a)
    # Antipodes in both dims: 2 directions each way.
    assert counts[0, 4 + 8 * 4] == comb(8, 4) * 4
    assert bisection_bandwidth_gbps(topo) == pytest.approx(16 * gbps_from_GBps(50))
