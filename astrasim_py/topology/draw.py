"""Drawings of topologies: layered (hosts at the bottom, switch tiers above) or a circle."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from astrasim_py.topology.model import Topology

# Labels and per-node markers become unreadable beyond this many nodes.
_LABEL_MAX_NODES = 64


def node_layers(topo: Topology) -> np.ndarray:
    """Tier of every node: 0 for hosts, else hop distance from the nearest host."""
    indptr, indices = topo.adjacency()
    layer = np.full(topo.num_nodes, -1, dtype=np.int64)
    layer[: topo.num_hosts] = 0
    frontier = list(range(topo.num_hosts))
    level = 0
    while frontier:
        level += 1
        nxt = []
        for v in frontier:
            for u in indices[indptr[v]:indptr[v + 1]]:
                if layer[u] < 0:
                    layer[u] = level
                    nxt.append(int(u))
        frontier = nxt
    return layer


def layout(topo: Topology) -> np.ndarray:
    """(num_nodes, 2) positions: a circle for switchless systems, layers by tier otherwise."""
    n = topo.num_nodes
    pos = np.zeros((n, 2))
    if topo.num_switches == 0:
        angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
        pos[:, 0], pos[:, 1] = np.cos(angles), np.sin(angles)
        return pos
    layer = node_layers(topo)
    for tier in np.unique(layer):
        members = np.flatnonzero(layer == tier)
        xs = (np.arange(len(members)) + 0.5) / len(members)
        pos[members, 0] = xs
        pos[members, 1] = tier
    return pos


def _segment(pos: np.ndarray, a: int, b: int, bend: bool) -> np.ndarray:
    """Points of a link: straight, or an arc below the host row for host-to-host links in layers
    (a straight line would run along the row and hide the hosts in between)."""
    if not bend:
        return np.array([pos[a], pos[b]])
    t = np.linspace(0.0, 1.0, 17)
    x = pos[a, 0] + (pos[b, 0] - pos[a, 0]) * t
    depth = 0.15 + 0.6 * abs(pos[b, 0] - pos[a, 0])
    y = pos[a, 1] - depth * np.sin(np.pi * t)
    return np.column_stack([x, y])


def draw_topology(topo: Topology, output: str | Path, title: str | None = None) -> Path:
    """Draw topo to an image file (format from the suffix) and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    pos = layout(topo)
    n = topo.num_nodes
    rates = np.array([l.rate_gbps for l in topo.links]) if topo.links else np.ones(1)
    # Thinner lines as links multiply, or a large fabric becomes a solid grey block.
    thin = min(1.0, 200.0 / max(1, len(topo.links)))
    widths = (0.4 + 1.6 * rates / rates.max()) * max(thin, 0.1)
    rows = node_layers(topo) if topo.num_switches else np.zeros(n, dtype=int)  # one row: the circle
    width_in = min(24.0, max(6.0, 0.12 * max(np.bincount(rows))))
    fig, ax = plt.subplots(figsize=(width_in, 4.5 if topo.num_switches else 6))
    segments = [_segment(pos, l.a, l.b, bend=topo.num_switches > 0 and not topo.is_switch(l.a)
                         and not topo.is_switch(l.b)) for l in topo.links]
    ax.add_collection(LineCollection(segments, linewidths=widths[: len(segments)],
                                     colors="0.55", alpha=0.4 + 0.6 * thin, zorder=1))
    size = 60 if n <= _LABEL_MAX_NODES else max(2.0, 4000.0 / n)
    hosts = np.arange(topo.num_hosts)
    switches = np.arange(topo.num_hosts, n)
    ax.scatter(pos[hosts, 0], pos[hosts, 1], s=size, c="tab:blue", label="host (NPU)", zorder=2)
    if len(switches):
        ax.scatter(pos[switches, 0], pos[switches, 1], s=size * 1.5, c="tab:orange", marker="s",
                   label="switch", zorder=2)
    if n <= _LABEL_MAX_NODES:
        for node in range(n):
            ax.annotate(str(node), pos[node], fontsize=6, ha="center", va="center", zorder=3)
    else:  # too many to label each: name the first and last id of every row (or of the circle)
        for tier in np.unique(rows):
            members = np.flatnonzero(rows == tier)
            for node in {int(members[0]), int(members[-1])}:
                ax.annotate(str(node), pos[node], xytext=(0, 6), textcoords="offset points", fontsize=6,
                            ha="center", va="bottom", zorder=3)
    ax.set_title(title or f"{topo.name}: {topo.num_hosts} hosts, {topo.num_switches} switches, "
                          f"{len(topo.links)} links")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7, frameon=False)
    ax.autoscale()
    ax.margins(0.05)
    ax.set_axis_off()
    output = Path(output)
    fig.savefig(output, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return output
