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
# Destinations handled together in one vectorised BFS; bounds the frontier arrays' memory.
_DEST_CHUNK = 512


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


def gather_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenate the index ranges [starts[i], starts[i]+lengths[i]) into one int64 array."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts.astype(np.int64) - np.concatenate(([0], np.cumsum(lengths)[:-1])),
                      lengths)
    return shift + np.arange(total, dtype=np.int64)


class _RelayEdges:
    """Directed edges leaving relaying nodes, grouped by the node they enter (for dense steps)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, forwarding: np.ndarray) -> None:
        src = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        dst = indices.astype(np.int64)
        relay = forwarding[src]
        src, dst = src[relay], dst[relay]
        order = np.argsort(dst, kind="stable")
        self.src, dst = src[order], dst[order]
        self.targets, self.starts = np.unique(dst, return_index=True)


def _hop_distances(topo: Topology, indptr: np.ndarray, indices: np.ndarray,
                   forwarding: np.ndarray) -> np.ndarray:
    """dist[v, d] for every node v and host d by level-synchronous BFS, many destinations at once.

    Each level expands a frontier of (node, destination) pairs either sparsely (gather the
    neighbours of each pair: cheap when the frontier is thin, e.g. the 512 levels of a 1024-NPU
    ring) or densely (one OR-reduction over all relaying edges: cheap when it is wide, e.g. the
    core level of a fat-tree), whichever touches fewer elements.
    """
    n, h = topo.num_nodes, topo.num_hosts
    dist = np.full((n, h), UNREACHED, dtype=np.int16)
    degree = np.diff(indptr)
    edges = _RelayEdges(indptr, indices, forwarding)
    limit = np.iinfo(np.int16).max - 1
    for lo in range(0, h, _DEST_CHUNK):
        width = min(h, lo + _DEST_CHUNK) - lo
        block = np.full((n, width), UNREACHED, dtype=np.int16)
        flat = block.reshape(-1)                     # key = node * width + column
        claim = np.empty(n * width, dtype=np.int64)  # scratch for de-duplicating sparse steps
        node = np.arange(lo, lo + width, dtype=np.int64)
        col = np.arange(width, dtype=np.int64)
        block[node, col] = 0
        level = 0
        while len(node):
            if level > 0:  # beyond the first hop only relaying nodes pass traffic on
                keep = forwarding[node]
                node, col = node[keep], col[keep]
            if level + 1 >= limit:
                raise InputError("topology diameter exceeds 32k hops", field="links",
                                 fix="use a smaller topology")
            lengths = degree[node]
            sparse_cost = 4 * int(lengths.sum())
            if level == 0 or sparse_cost < len(edges.src) * width:
                picks = gather_ranges(indptr[node], lengths)
                keys = indices[picks].astype(np.int64) * width + np.repeat(col, lengths)
                keys = keys[flat[keys] == UNREACHED]
                claim[keys] = np.arange(len(keys))
                keys = keys[claim[keys] == np.arange(len(keys))]
                new_node, new_col = keys // width, keys % width
            else:
                frontier = np.zeros((n, width), dtype=bool)
                frontier[node, col] = True
                reached = np.logical_or.reduceat(frontier[edges.src], edges.starts, axis=0)
                rows, new_col = np.nonzero(reached & (block[edges.targets] == UNREACHED))
                new_node = edges.targets[rows]
            level += 1
            block[new_node, new_col] = level
            node, col = new_node, new_col
        dist[:, lo:lo + width] = block
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
