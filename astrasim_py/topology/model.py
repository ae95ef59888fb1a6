"""The physical topology model shared by every backend: hosts, switches, links.

Node ids: hosts (NPUs/NICs) are 0 .. num_hosts-1 and host r is NPU rank r; switches follow,
num_hosts .. num_hosts+num_switches-1. Links are full duplex.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from astrasim_py.errors import InputError

if TYPE_CHECKING:  # numpy and networkx are imported where used: a run's start-up needs neither
    import networkx as nx
    import numpy as np


@dataclass(frozen=True)
class Link:
    """A full-duplex link between nodes a and b."""

    a: int
    b: int
    rate_gbps: float
    latency_ns: int
    # Receive-side packet loss probability (ns-3 reference topology files carry one; 0 = lossless).
    error_rate: float = 0.0


@dataclass
class Topology:
    """Hosts, switches and links; `hosts_forward` lets multi-port hosts relay transit traffic
    (switchless scale-up fabrics such as NPU rings)."""

    name: str
    num_hosts: int
    num_switches: int
    links: list[Link]
    description: str = ""
    hosts_forward: bool = False
    # Per-switch shared buffer in bytes where the preset sets one (None: fabric default).
    switch_buffer_bytes: int | None = None
    # Free-form facts printed with results (tiers, oversubscription, rails ...).
    facts: dict[str, object] = field(default_factory=dict)
    # Where the topology came from with other node ids (ns-3 text files): source_node_ids[i] is
    # the id node i had in that source. None when ids were never remapped.
    source_node_ids: list[int] | None = None
    # Where the topology was read from (file path or preset name), for error messages.
    source: str | None = None

    @property
    def num_nodes(self) -> int:
        """Hosts plus switches."""
        return self.num_hosts + self.num_switches

    def is_switch(self, node: int) -> bool:
        """True when node is a switch id."""
        return node >= self.num_hosts

    def forwards(self, node: int) -> bool:
        """True when node relays transit traffic (every switch; hosts only if hosts_forward)."""
        return self.is_switch(node) or self.hosts_forward

    def forwarding_mask(self) -> np.ndarray:
        """Boolean array over node ids: True for nodes that relay transit traffic."""
        import numpy as np

        mask = np.zeros(self.num_nodes, dtype=bool)
        mask[self.num_hosts:] = True
        if self.hosts_forward:
            mask[: self.num_hosts] = True
        return mask

    def graph(self) -> "nx.Graph":
        """A networkx Graph: nodes carry `kind` ('host'/'switch'), edges `rate_gbps`, `latency_ns`."""
        import networkx as nx

        g = nx.Graph(name=self.name)
        for node in range(self.num_nodes):
            g.add_node(node, kind="switch" if self.is_switch(node) else "host")
        for link in self.links:
            g.add_edge(link.a, link.b, rate_gbps=link.rate_gbps, latency_ns=link.latency_ns,
                       error_rate=link.error_rate)
        return g

    def adjacency(self) -> tuple[np.ndarray, np.ndarray]:
        """Undirected adjacency in CSR form (indptr int64, indices int32); neighbours sorted."""
        import numpy as np

        n = self.num_nodes
        if not self.links:
            return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32)
        ends = np.array([(l.a, l.b) for l in self.links], dtype=np.int64)
        src = np.concatenate([ends[:, 0], ends[:, 1]])
        dst = np.concatenate([ends[:, 1], ends[:, 0]])
        order = np.lexsort((dst, src))
        src, dst = src[order], dst[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
        return indptr, dst.astype(np.int32)

    def neighbours(self, node: int) -> list[int]:
        """Sorted neighbour ids of node."""
        return sorted({l.b if l.a == node else l.a for l in self.links if node in (l.a, l.b)})

    def link_index(self) -> dict[tuple[int, int], int]:
        """Map (a, b) and (b, a) to the index of their link in `links` (for port lookups)."""
        index: dict[tuple[int, int], int] = {}
        for i, link in enumerate(self.links):
            index[(link.a, link.b)] = i
            index[(link.b, link.a)] = i
        return index

    def link_between(self, a: int, b: int) -> Link | None:
        """The link joining a and b, if any."""
        for link in self.links:
            if {link.a, link.b} == {a, b}:
                return link
        return None

    # ------------------------------------------------------------------ validation
    def validate(self) -> "Topology":
        """Check ids, rates, duplicates and connectivity; raise InputError naming the fix. Returns self."""
        where = self.source  # None inside builders: the loader adds the file it read
        if self.num_hosts < 1:
            raise InputError(f"topology '{self.name}' has {self.num_hosts} hosts", file=where,
                             field="num_hosts", fix="a topology needs at least one host (NPU)")
        if self.num_switches < 0:
            raise InputError(f"negative switch count {self.num_switches}", file=where,
                             field="num_switches", fix="use 0 or more switches")
        n = self.num_nodes
        seen: dict[tuple[int, int], int] = {}
        for i, link in enumerate(self.links):
            fld = f"links[{i}]"
            for end in (link.a, link.b):
                if not isinstance(end, numbers.Integral) or not 0 <= end < n:
                    raise InputError(f"node id {end} out of range 0..{n - 1}", file=where, field=fld,
                                     fix=f"hosts are 0..{self.num_hosts - 1}, switches "
                                         f"{self.num_hosts}..{n - 1}")
            if link.a == link.b:
                raise InputError(f"link connects node {link.a} to itself", file=where, field=fld,
                                 fix="remove the self-loop")
            if not link.rate_gbps > 0:
                raise InputError(f"link {link.a}-{link.b} has rate {link.rate_gbps} Gbps",
                                 file=where, field=fld, fix="give every link a positive rate")
            if not link.latency_ns >= 0:
                raise InputError(f"link {link.a}-{link.b} has latency {link.latency_ns} ns",
                                 file=where, field=fld, fix="latency must be 0 or more ns")
            if not 0 <= link.error_rate < 1:
                raise InputError(f"link {link.a}-{link.b} has error rate {link.error_rate}",
                                 file=where, field=fld, fix="error rate is a probability in [0, 1)")
            key = (min(link.a, link.b), max(link.a, link.b))
            if key in seen:
                raise InputError(f"duplicate link {key[0]}-{key[1]} (also links[{seen[key]}])",
                                 file=where, field=fld,
                                 fix="merge parallel links into one link with the summed rate")
            seen[key] = i
        self._check_connected(where)
        return self

    def _check_connected(self, where: str | None) -> None:
        """Every node linked into one piece, and every host pair reachable under the forwarding rule."""
        # Plain breadth-first search, not networkx: importing networkx costs ~0.1 s of every
        # run's start-up, and this check is all a run needs from a graph library.
        adjacent: list[list[int]] = [[] for _ in range(self.num_nodes)]
        for link in self.links:
            adjacent[link.a].append(link.b)
            adjacent[link.b].append(link.a)
        parts = _components(range(self.num_nodes), adjacent)
        if len(parts) > 1:
            parts.sort(key=lambda p: min(p))
            stray = sorted(parts[1])
            shown = ", ".join(map(str, stray[:8])) + (" ..." if len(stray) > 8 else "")
            raise InputError(f"topology '{self.name}' is disconnected: {len(parts)} parts; nodes "
                             f"{shown} are not linked to node 0", file=where, field="links",
                             fix="add links joining every part")
        if self.hosts_forward or self.num_hosts == 1:
            return
        # Hosts do not relay: a host pair talks over a direct link or through one switch component.
        comp_of = {}
        for idx, comp in enumerate(_components(range(self.num_hosts, self.num_nodes), adjacent)):
            for s in comp:
                comp_of[s] = idx
        attach = [frozenset(comp_of[s] for s in adjacent[h] if s >= self.num_hosts)
                  for h in range(self.num_hosts)]
        common = frozenset.intersection(*attach)
        if common:
            return
        for h1 in range(self.num_hosts):
            for h2 in range(h1 + 1, self.num_hosts):
                if not (attach[h1] & attach[h2]) and h2 not in adjacent[h1]:
                    raise InputError(f"host {h1} cannot reach host {h2}: hosts do not forward "
                                     f"and no switch path joins them", file=where, field="links",
                                     fix="link both hosts to connected switches or set "
                                         "hosts_forward: true")

    def check_npus(self, num_npus: int, *, allow_idle_hosts: bool = False) -> None:
        """Raise InputError unless the workload's NPU count fits this topology's hosts."""
        where = self.source or self.name
        if num_npus > self.num_hosts or (num_npus < self.num_hosts and not allow_idle_hosts):
            raise InputError(f"workload has {num_npus} NPUs but topology '{self.name}' has "
                             f"{self.num_hosts} hosts", file=where, field="num_hosts",
                             fix="pick a topology with one host per NPU (or allow idle hosts "
                                 "when the topology is larger)")

    # ------------------------------------------------------------------ logical mapping
    def logical_mapping(self, logical_dims: list[int]) -> list[dict[str, object]]:
        """Per rank: its logical coordinates (dim 0 fastest) and the host it runs on (rank r = host r)."""
        import numpy as np

        total = int(np.prod(logical_dims)) if logical_dims else 0
        if not logical_dims or any(int(d) < 1 for d in logical_dims):
            raise InputError(f"logical dims {logical_dims} are invalid", field="logical_dims",
                             fix="give one positive NPU count per dimension")
        self.check_npus(total, allow_idle_hosts=True)
        indptr, indices = self.adjacency()
        rows = []
        for rank in range(total):
            coords, rest = [], rank
            for size in logical_dims:
                coords.append(rest % size)
                rest //= size
            attached = [int(u) for u in indices[indptr[rank]:indptr[rank + 1]]]
            rows.append({"rank": rank, "coords": tuple(coords), "host": rank,
                         "attached_to": attached})
        return rows

    def describe_mapping(self, logical_dims: list[int]) -> str:
        """Text table: rank -> logical coordinates -> host, and per logical dim the rank groups with
        their physical hop distances."""
        import numpy as np

        from astrasim_py.topology.routing import compute_routes

        rows = self.logical_mapping(logical_dims)
        routes = compute_routes(self)
        dims_txt = "x".join(str(d) for d in logical_dims)
        out = [f"logical {dims_txt} on '{self.name}' ({self.num_hosts} hosts, "
               f"{self.num_switches} switches); rank r runs on host r, dim 0 varies fastest"]
        for row in rows:
            out.append(f"  rank {row['rank']:>5}  coords {row['coords']}  -> host {row['host']}"
                       f"  links to {row['attached_to']}")
        ranks = np.arange(len(rows))
        stride = 1
        for d, size in enumerate(logical_dims):
            # Group members differ only in coordinate d: base + i*stride for base with a_d == 0.
            bases = ranks[(ranks // stride) % size == 0]
            groups = bases[:, None] + stride * np.arange(size)[None, :]
            hops = routes.dist[groups[:, :, None], groups[:, None, :]]
            off = hops[:, ~np.eye(size, dtype=bool)]
            example = [int(x) for x in groups[0]]
            out.append(f"  dim {d}: {len(groups)} groups of {size} (e.g. ranks {example}); "
                       f"physical hops between group members: {int(off.min())}..{int(off.max())}")
            stride *= size
        return "\n".join(out)


def _components(nodes: range, adjacent: list[list[int]]) -> list[set[int]]:
    """Connected components of the subgraph induced by `nodes` (a contiguous id range)."""
    seen: set[int] = set()
    parts: list[set[int]] = []
    for start in nodes:
        if start in seen:
            continue
        part = {start}
        frontier = [start]
        while frontier:
            node = frontier.pop()
            for peer in adjacent[node]:
                if peer in nodes and peer not in part:
                    part.add(peer)
                    frontier.append(peer)
        seen |= part
        parts.append(part)
    return parts
