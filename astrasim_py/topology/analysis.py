"""Summary numbers of a topology: bisection bandwidth, diameter, equal-cost path counts."""

from __future__ import annotations

from collections import Counter

import numpy as np

from astrasim_py.topology.model import Topology
from astrasim_py.topology.routing import Routes, compute_routes, gather_ranges

# Max-flow bisection is skipped above this many nodes to keep `topology show` interactive.
BISECTION_MAX_NODES = 6000


def host_path_counts(routes: Routes) -> np.ndarray:
    """Equal-cost shortest-path counts [src_node, dst_host] for every node and host.

    Built level by level over the CSR next-hop table: a pair's count is the sum of its next
    hops' counts toward the same destination. float64 keeps huge counts (deep multi-dimensional
    systems) from overflowing.
    """
    offsets, neighbours = routes.as_arrays()
    n, h = routes.dist.shape
    level_of = routes.dist.reshape(-1)
    counts = np.zeros(n * h, dtype=np.float64)
    counts[np.arange(h) * h + np.arange(h)] = 1.0
    order = np.argsort(level_of, kind="stable")
    bounds = np.searchsorted(level_of[order], np.arange(1, int(level_of.max(initial=0)) + 2))
    for level in range(1, len(bounds)):
        keys = order[bounds[level - 1]:bounds[level]]
        if len(keys) == 0:
            continue
        lengths = offsets[keys + 1] - offsets[keys]
        hops = neighbours[gather_ranges(offsets[keys], lengths)].astype(np.int64)
        dests = np.repeat(keys % h, lengths)
        firsts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        counts[keys] = np.add.reduceat(counts[hops * h + dests], firsts)
    return counts.reshape(n, h)


def bisection_bandwidth_gbps(topo: Topology) -> float | None:
    """Min cut (Gbps, one direction) between hosts 0..H/2-1 and the rest, by max-flow.

    Builders number hosts pod by pod / group by group, so the id halves are the classic worst-case
    bisection of trees, Clos and multi-dimensional systems. None for very large topologies.
    """
    import networkx as nx

    if topo.num_hosts < 2 or topo.num_nodes > BISECTION_MAX_NODES:
        return None
    g = nx.DiGraph()
    for link in topo.links:
        g.add_edge(link.a, link.b, capacity=link.rate_gbps)
        g.add_edge(link.b, link.a, capacity=link.rate_gbps)
    half = topo.num_hosts // 2
    source, sink = "S", "T"
    for h in range(half):
        g.add_edge(source, h)                       # no capacity attribute = unbounded
    for h in range(half, topo.num_hosts):
        g.add_edge(h, sink)
    value, _ = nx.maximum_flow(g, source, sink)
    return float(value)


def summarize(topo: Topology, routes: Routes | None = None) -> dict[str, object]:
    """Hosts, switches, links, rates, bisection, diameter and equal-cost path statistics."""
    routes = routes or compute_routes(topo)
    hosts = topo.num_hosts
    host_dist = routes.dist[:hosts, :hosts].astype(np.int64)
    off_diag = ~np.eye(hosts, dtype=bool)
    rates = Counter(l.rate_gbps for l in topo.links)
    latencies = Counter(l.latency_ns for l in topo.links)
    summary: dict[str, object] = {
        "name": topo.name,
        "description": topo.description,
        "hosts": hosts,
        "switches": topo.num_switches,
        "links": len(topo.links),
        "hosts_forward": topo.hosts_forward,
        "link_gbps": {f"{r:g}": c for r, c in sorted(rates.items())},
        "link_latency_ns": {str(k): c for k, c in sorted(latencies.items())},
        "host_ports": {str(k): c for k, c in sorted(Counter(
            int(x) for x in np.diff(routes.indptr)[:hosts]).items())},
        "diameter_hops": int(host_dist[off_diag].max()) if hosts > 1 else 0,
        "bisection_gbps": bisection_bandwidth_gbps(topo),
    }
    if hosts > 1 and hosts <= 2048:
        counts = host_path_counts(routes)[:hosts]
        table: dict[tuple[int, int], int] = Counter(
            zip(host_dist[off_diag].tolist(), counts[off_diag].astype(np.int64).tolist()))
        summary["host_pairs_by_hops_and_paths"] = [
            {"hops": h, "equal_cost_paths": p, "ordered_pairs": c}
            for (h, p), c in sorted(table.items())]
    summary["facts"] = topo.facts
    if topo.switch_buffer_bytes is not None:
        summary["switch_buffer_bytes"] = topo.switch_buffer_bytes
    return summary
