"""Dependency feeder: which nodes of one rank may issue now (ASTRA-sim's feeder contract)."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from astrasim_py.errors import InputError


class DependencyFeeder:
    """Ready queue over a node DAG: a node is ready once all its parents finished.

    Parents are data_deps plus ctrl_deps (use_ctrl_deps=True, as ASTRA-sim's feeder_v3) or
    data_deps only (the mlcommons v1 feeder). Ready nodes come out in ascending id order.
    Duplicate ids keep the last node, as both C++ feeders do.
    """

    def __init__(self, nodes: Sequence, use_ctrl_deps: bool = True, *, file: str | None = None) -> None:
        # Only ids, positions and counters are kept; node(id) fetches the message from `nodes`
        # (a NodeSequence parses on access), so memory stays small for huge traces.
        self._source = nodes if isinstance(nodes, Sequence) else list(nodes)
        self._position: dict[int, int] = {}
        self._pending: dict[int, int] = {}
        self._children: dict[int, list[int]] = {}
        self._ready_heap: list[int] = []
        self._ready: set[int] = set()
        self._in_flight: set[int] = set()
        self._finished = 0
        parents_of: dict[int, tuple[int, ...]] = {}
        for position, node in enumerate(self._source):
            nid = node.id
            self._position[nid] = position
            deps = node.data_deps[:]
            if use_ctrl_deps:
                ctrl = node.ctrl_deps
                if ctrl:
                    deps.extend(ctrl)
            if len(deps) > 1:
                deps = list(dict.fromkeys(deps))  # a parent named twice still counts once
            if deps:
                parents_of[nid] = tuple(deps)
            else:
                parents_of.pop(nid, None)  # a duplicate id keeps the last node, as the feeders do
        children = self._children
        for nid in self._position:
            parents = parents_of.get(nid, ())
            for parent in parents:
                if parent not in self._position:
                    name = self._source[self._position[nid]].name or "unnamed"
                    raise InputError(f"node {nid} ({name}) depends on node {parent}, "
                                     "which is not in this file", file=file, field="data_deps/ctrl_deps",
                                     fix="every dependency must name a node id of the same rank file")
                if parent in children:
                    children[parent].append(nid)
                else:
                    children[parent] = [nid]
            self._pending[nid] = len(parents)
            if not parents:
                self._ready.add(nid)
                self._ready_heap.append(nid)
        del parents_of
        self._sorted: list[int] = sorted(self._ready)  # ascending ready ids; may hold taken ids
        self._added: list[int] = []  # became ready since _sorted was last rebuilt
        # NodeSequence parses on every access: keep ready/in-flight nodes the caller looked at.
        self._cache: dict[int, object] | None = None if isinstance(self._source, list) else {}
        heapq.heapify(self._ready_heap)

    def __len__(self) -> int:
        """Number of distinct nodes."""
        return len(self._position)

    def node(self, node_id: int):
        """The Node message with this id (cached while the node is ready or in flight)."""
        if self._cache is None:
            return self._source[self._position[node_id]]
        node = self._cache.get(node_id)
        if node is None:
            node = self._source[self._position[node_id]]
            if node_id in self._ready or node_id in self._in_flight:
                self._cache[node_id] = node  # dropped at finish(): memory ~ ready + in flight
        return node

    def has_ready(self) -> bool:
        """True if at least one node is ready and not yet taken."""
        return bool(self._ready)

    def ready_ids(self) -> list[int]:
        """Ready, not-yet-taken node ids in ascending order (does not take them); O(ready)."""
        ready = self._ready
        if self._added:
            self._added.sort()
            # two sorted runs: Timsort merges them in linear time
            self._sorted = sorted([i for i in self._sorted if i in ready] + self._added)
            self._added = []
        elif len(self._sorted) != len(ready):
            self._sorted = [i for i in self._sorted if i in ready]
        return list(self._sorted)

    def peek_ready(self) -> int | None:
        """Smallest ready id, or None."""
        heap = self._ready_heap
        while heap and heap[0] not in self._ready:
            heapq.heappop(heap)
        return heap[0] if heap else None

    def next_ready(self) -> int | None:
        """Take and return the smallest ready id, or None if nothing is ready."""
        nid = self.peek_ready()
        if nid is not None:
            self.take(nid)
        return nid

    def pop_ready(self) -> list[int]:
        """Take every ready node; returns their ids in ascending order."""
        ids = sorted(self._ready)
        for nid in ids:
            self.take(nid)
        return ids

    def take(self, node_id: int) -> None:
        """Mark a ready node as issued (in flight); it stays blocked for its children until finish()."""
        if node_id not in self._ready:
            raise KeyError(f"node {node_id} is not ready (or already taken)")
        self._ready.discard(node_id)  # heap entry removed lazily
        self._in_flight.add(node_id)

    def finish(self, node_id: int) -> list[int]:
        """Mark an issued node complete; returns the ids that became ready, ascending."""
        if node_id not in self._in_flight:
            raise KeyError(f"node {node_id} is not in flight")
        self._in_flight.discard(node_id)
        self._finished += 1
        newly = []
        if self._cache is not None:
            self._cache.pop(node_id, None)
        pending = self._pending
        for child in self._children.get(node_id, ()):
            pending[child] -= 1
            if pending[child] == 0:
                newly.append(child)
                self._ready.add(child)
                heapq.heappush(self._ready_heap, child)
        newly.sort()
        self._added.extend(newly)
        return newly

    def in_flight(self) -> int:
        """Number of taken but unfinished nodes."""
        return len(self._in_flight)

    def num_finished(self) -> int:
        """Number of finished nodes."""
        return self._finished

    def all_done(self) -> bool:
        """True once every node has finished."""
        return self._finished == len(self._position)

    def is_stalled(self) -> bool:
        """True if nodes remain but none is ready or in flight (a cycle)."""
        return not self.all_done() and not self._ready and not self._in_flight
