"""All-shortest-path routing with ECMP next-hop sets, computed by BFS from every destination host.

Forwarding rule: switches always relay; hosts relay only when `Topology.hosts_forward`. A path may
start at any host and end at any host, but its intermediate nodes must relay. Every neighbour
lying on some shortest such path is a next hop (full ECMP), as in the reference ns-3 routing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from astrasim_py.errors import InputError
from astrasim_py.topology.model import Topology

UNREACHED = -1
# Destinations handled together in one vectorised BFS; bounds memory at ~chunk x directed edges.
_DEST_CHUNK = 256


@dataclass
class Routes:
    """ECMP next hops toward every host from every node, backed by a hop-distance matrix.

    `dist[v, d]` (int16) is the shortest forwarding-legal hop count from node v to host d
    (-1 when unreachable). Next hops of v toward d are neighbours u with dist[u, d] == dist[v, d]-1
    that relay (or are d itself).
    """

    topology: Topology
    dist: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    forwarding: np.ndarray
    _csr: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def num_hosts(self) -> int:
        """Number of destination hosts (columns of the tables)."""
        return self.topology.num_hosts

    def distance(self, src: int, dst_host: int) -> int:
        """Hop count of the shortest legal path from node src to host dst_host (-1 if none)."""
        return int(self.dist[src, dst_host])

    def _next_hop_array(self, node: int, dst_host: int) -> np.ndarray:
        """Next hops as a sorted int array."""
        here = self.dist[node, dst_host]
        if here <= 0:
            return np.zeros(0, dtype=np.int32)
        nbrs = self.indices[self.indptr[node]:self.indptr[node + 1]]
        ok = (self.dist[nbrs, dst_host] == here - 1) & (self.forwarding[nbrs] | (nbrs == dst_host))
        return nbrs[ok]

    def next_hops(self, node: int, dst_host: int) -> tuple[int, ...]:
        """Sorted neighbour ids of `node` on a shortest path to host `dst_host` (() at the host)."""
        if not 0 <= dst_host < self.num_hosts:
            raise IndexError(f"destination {dst_host} is not a host (0..{self.num_hosts - 1})")
        return tuple(int(u) for u in self._next_hop_array(node, dst_host))

    def path_count(self, src: int, dst_host: int) -> int:
        """Number of distinct equal-cost shortest paths from node src to host dst_host."""
        counts = self._path_counts_to(dst_host)
        return int(counts[src])

    def _path_counts_to(self, dst_host: int) -> np.ndarray:
        """Equal-cost path counts from every node to dst_host (dynamic programme by distance)."""
        column = self.dist[:, dst_host]
        counts = np.zeros(len(column), dtype=object)
        counts[dst_host] = 1
        order = np.argsort(column, kind="stable")
        for v in order:
            if column[v] <= 0:
                continue
            counts[v] = sum(counts[u] for u in self._next_hop_array(int(v), dst_host))
        return counts

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Next-hop table in CSR layout for the C++ fabric: `(offsets, neighbours)`.

        Row key = `node * num_hosts + dst_host` for node in 0..num_nodes-1 and dst_host in
        0..num_hosts-1. The next hops of that pair are
        `neighbours[offsets[key]:offsets[key + 1]]`, sorted ascending. `offsets` is int64 with
        num_nodes*num_hosts+1 entries, `neighbours` is int32. A row is empty when node is the
        destination itself. Non-forwarding hosts still have rows: their first-hop choices.
        """
        if self._csr is None:
            self._csr = self._build_csr()
        return self._csr

    def _build_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Assemble the CSR table node by node from the distance matrix."""
        n, h = self.dist.shape
        host_ids = np.arange(h)
        # Row lengths are written straight into offsets[1:] and summed in place: at 4096 hosts
        # the table has ~18M rows, so a separate counts array would cost another 145 MB.
        offsets = np.zeros(n * h + 1, dtype=np.int64)
        pieces = []
        for v in range(n):
            nbrs = self.indices[self.indptr[v]:self.indptr[v + 1]]
            if len(nbrs) == 0:
                continue
            here = self.dist[v]                      # (h,)
            there = self.dist[nbrs]                  # (deg, h)
            ok = (there == here[None, :] - 1) & (here[None, :] > 0)
            ok &= self.forwarding[nbrs][:, None] | (nbrs[:, None] == host_ids[None, :])
            ok_t = ok.T                              # (h, deg): row-major gives (dst, nbr) order
            offsets[v * h + 1:(v + 1) * h + 1] = ok_t.sum(axis=1)
            pieces.append(np.broadcast_to(nbrs, ok_t.shape)[ok_t])
        np.cumsum(offsets, out=offsets)
        neighbours = (np.concatenate(pieces).astype(np.int32, copy=False) if pieces
                      else np.zeros(0, dtype=np.int32))
        return offsets, neighbours


def _hop_distances(topo: Topology, indptr: np.ndarray, indices: np.ndarray,
                   forwarding: np.ndarray) -> np.ndarray:
    """dist[v, d] for every node v and host d by level-synchronous BFS, many destinations at once."""
    n, h = topo.num_nodes, topo.num_hosts
    dist = np.full((n, h), UNREACHED, dtype=np.int16)
    src_of = np.repeat(np.arange(n), np.diff(indptr))
    dst_of = indices.astype(np.int64)
    # Only edges leaving a relaying node extend a path beyond its first hop. Group them by the
    # node they enter so one reduceat ORs each node's incoming frontier.
    relay = forwarding[src_of]
    e_src, e_dst = src_of[relay], dst_of[relay]
    order = np.argsort(e_dst, kind="stable")
    e_src, e_dst = e_src[order], e_dst[order]
    targets, starts = np.unique(e_dst, return_index=True)
    for lo in range(0, h, _DEST_CHUNK):
        hi = min(h, lo + _DEST_CHUNK)
        block = np.full((n, hi - lo), UNREACHED, dtype=np.int16)
        cols = np.arange(hi - lo)
        dests = np.arange(lo, hi)
        block[dests, cols] = 0
        # The first hop may leave the destination whether or not it relays.
        for c, d in zip(cols, dests):
            nb = indices[indptr[d]:indptr[d + 1]]
            block[nb, c] = 1
        level = 1
        while len(e_src):
            frontier = (block == level) & forwarding[:, None]
            if not frontier.any():
                break
            reached = np.logical_or.reduceat(frontier[e_src], starts, axis=0)
            fresh = reached & (block[targets] == UNREACHED)
            if not fresh.any():
                break
            rows, cs = np.nonzero(fresh)
            block[targets[rows], cs] = level + 1
            level += 1
            if level >= np.iinfo(np.int16).max - 1:
                raise InputError("topology diameter exceeds 32k hops", field="links",
                                 fix="use a smaller topology")
        dist[:, lo:hi] = block
    return dist


def compute_routes(topo: Topology, *, check: bool = True) -> Routes:
    """All-shortest-path ECMP routes toward every host; raises InputError if a host pair cannot talk."""
    indptr, indices = topo.adjacency()
    forwarding = topo.forwarding_mask()
    dist = _hop_distances(topo, indptr, indices, forwarding)
    if check:
        host_block = dist[: topo.num_hosts]
        bad = np.argwhere(host_block == UNREACHED)
        if len(bad):
            src, dst = (int(x) for x in bad[0])
            raise InputError(f"host {src} cannot reach host {dst} in topology '{topo.name}'",
                             file=topo.source or topo.name, field="links",
                             fix="connect them through switches, or set hosts_forward: true "
                                 "when hosts relay traffic")
    return Routes(topology=topo, dist=dist, indptr=indptr, indices=indices, forwarding=forwarding)
