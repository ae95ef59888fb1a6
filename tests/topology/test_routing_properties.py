"""Routing agrees with networkx shortest paths on random graphs; the 1024-host preset routes."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings, strategies as st

from astrasim_py.topology import Link, Topology, compute_routes, load_topology


@st.composite
def connected_graphs(draw):
    """A random connected graph of 2..9 hosts and 0..5 switches (spanning tree + extra edges)."""
    hosts = draw(st.integers(2, 9))
    switches = draw(st.integers(0, 5))
    n = hosts + switches
    order = draw(st.permutations(range(n)))
    edges = set()
    for i in range(1, n):
        parent = order[draw(st.integers(0, i - 1))]
        edges.add(tuple(sorted((order[i], parent))))
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=10))
    edges |= {tuple(sorted(e)) for e in extra if e[0] != e[1]}
    links = [Link(a, b, 100.0, 10) for a, b in sorted(edges)]
    return Topology("random", hosts, switches, links, hosts_forward=True)


@settings(max_examples=60, deadline=None)
@given(connected_graphs())
def test_relaying_hosts_match_networkx(topo):
    """With relaying hosts every node forwards: plain shortest paths and their ECMP sets."""
    topo.validate()
    routes = compute_routes(topo)
    g = topo.graph()
    offsets, neighbours = routes.as_arrays()
    h = topo.num_hosts
    for dst in range(h):
        lengths = nx.single_source_shortest_path_length(g, dst)
        for node in range(topo.num_nodes):
            assert routes.distance(node, dst) == lengths[node]
            expected = tuple(sorted(u for u in g[node] if lengths[u] == lengths[node] - 1))
            assert routes.next_hops(node, dst) == expected
            key = node * h + dst
            assert tuple(neighbours[offsets[key]:offsets[key + 1]]) == expected
        for src in range(h):
            if src != dst:
                assert routes.path_count(src, dst) == len(list(nx.all_shortest_paths(g, src, dst)))


@settings(max_examples=40, deadline=None)
@given(connected_graphs())
def test_paths_never_transit_non_relaying_hosts(topo):
    """Without host relaying, next hops toward d are switches or d itself, and stay shortest
    in the graph with the other hosts' transit removed."""
    topo.hosts_forward = False
    routes = compute_routes(topo, check=False)
    h = topo.num_hosts
    g = topo.graph()
    for dst in range(h):
        allowed = g.subgraph([dst, *range(h, topo.num_nodes)])
        lengths = nx.single_source_shortest_path_length(allowed, dst)
        for node in range(topo.num_nodes):
            hops = routes.next_hops(node, dst)
            assert all(u == dst or topo.is_switch(u) for u in hops)
            if node >= h or node == dst:
                assert routes.distance(node, dst) == lengths.get(node, -1)


def test_fattree_k16_routes():
    """1024 hosts: every host pair routed, inter-pod (k/2)^2 = 64 paths, CSR rows consistent."""
    topo = load_topology("fattree_k16")
    assert topo.num_hosts == 1024 and topo.num_switches == 320
    routes = compute_routes(topo)
    offsets, neighbours = routes.as_arrays()
    assert len(offsets) == topo.num_nodes * 1024 + 1
    assert (routes.dist[:1024, :1024] >= 0).all()
    assert routes.path_count(0, 1023) == 64
    edge0 = 1024
    # An edge switch sends remote traffic up to all k/2 aggregation switches of its pod.
    key = edge0 * 1024 + 1023
    assert np.array_equal(neighbours[offsets[key]:offsets[key + 1]],
                          np.arange(1024 + 128, 1024 + 136, dtype=np.int32))
