"""Custom collectives: a collective whose algorithm is a set of Chakra ETs (one per group rank).

ASTRA-sim's semantics (CollectiveImplLookup / Sys): the system JSON's
`per-node-custom-implementation` (workload node id -> prefix) wins over
`<collective>-implementation-custom`, which wins over the native lists. A custom collective is
one stream with one phase and no chunking (preferred-dataset-splits and the node's comm_size
are ignored; message sizes come from the algorithm ET). Rank r runs `<prefix>.<pos>.et`, pos
being r's position in its communicator group, and peers in the ET are translated back to real
ranks through the group's members. Nodes run by their data + ctrl dependencies, ready ones in
ascending id: SEND and RECV are plain messages (Sys.send/recv, so they are QP messages on ns-3
and honour rendezvous), COMP waits duration_micros (0 -> 1 ns). The phase ends when every node
has finished.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from astrasim_py.chakra.collective_check import COMP, SEND, RankAlgorithm, load_algorithm
from astrasim_py.chakra.schema import NodeType
from astrasim_py.config.custom_collectives import resolve_prefix
from astrasim_py.system.algorithms import COLLECTIVE_KEYS

if TYPE_CHECKING:
    from astrasim_py.system.sys import Stream, Sys, SystemContext


class CustomCollectives:
    """The run's custom-collective selection and its loaded, checked algorithms (shared by all ranks)."""

    def __init__(self, ctx: "SystemContext") -> None:
        self.ctx = ctx
        system = ctx.system
        self.by_collective = dict(system.custom_implementation)
        self.by_node = dict(system.per_node_custom_implementation)
        self._algorithms: dict[tuple[str, int], list[RankAlgorithm]] = {}

    def lookup(self, comm_type: int, node_id: int | None) -> str | None:
        """The prefix selected for this collective, or None for the native implementation."""
        if node_id is not None and node_id in self.by_node:
            return self.by_node[node_id]
        return self.by_collective.get(COLLECTIVE_KEYS.get(comm_type, ""))

    def _field(self, prefix: str) -> tuple[str, str]:
        # Which key named the prefix, and which file to resolve it against.
        for comm, value in self.by_collective.items():
            if value == prefix:
                return f"{comm}-implementation-custom", self.ctx.system.source
        return "per-node-custom-implementation", self.ctx.system.per_node_custom_file

    def algorithm(self, prefix: str, num_ranks: int) -> list[RankAlgorithm]:
        """Load and check `<prefix>.<0..num_ranks-1>.et` once per run."""
        key = (prefix, num_ranks)
        algo = self._algorithms.get(key)
        if algo is None:
            field_name, named_by = self._field(prefix)
            algo = load_algorithm(resolve_prefix(prefix, named_by), num_ranks, rendezvous=self.ctx.rendezvous,
                                  field_name=field_name)
            self._algorithms[key] = algo
        return algo

    def _group(self, group_id: int) -> list[int] | None:
        if not group_id:
            return None
        members = self.ctx.comm_groups[group_id]
        return None if len(members) == self.ctx.num_npus else members

    def prepare(self, traces, groups: dict[int, list[int]] | None = None) -> None:
        """Load and check, before the run, every algorithm the workload's collectives select."""
        from astrasim_py.chakra.attrs import get_attr, get_int_attr

        needed: set[tuple[str, int]] = set()
        for trace in traces:
            for node in trace.nodes:
                if node.type != NodeType.COMM_COLL_NODE:
                    continue
                comm_type = get_int_attr(node, "comm_type", -1, file=trace.path)
                if comm_type not in COLLECTIVE_KEYS:  # broadcast is replayed, others refused by the workload
                    continue
                prefix = self.lookup(comm_type, int(node.id))
                if prefix is None:
                    continue
                pg = get_attr(node, "pg_name", "", file=trace.path)
                try:
                    gid = int(pg) if pg not in ("", "0") else 0
                except (TypeError, ValueError):
                    gid = -1
                members = (groups or self.ctx.comm_groups).get(gid) if gid else None
                if gid and members is None:
                    continue  # defined later by a METADATA node: checked when the collective starts
                n = len(members) if members and len(members) != self.ctx.num_npus else self.ctx.num_npus
                needed.add((prefix, n))
        for prefix, n in sorted(needed):
            self.algorithm(prefix, n)

    def start(self, sysobj: "Sys", prefix: str, comm_type: int, group_id: int, priority: int,
              notifier: Callable[[], None]):
        """Run the algorithm as one stream with one phase on the first dimension's queue."""
        from astrasim_py.system.sys import GROUP_STREAM_OFFSET, DataSet, Phase, Stream

        group = self._group(group_id)
        num_ranks = len(group) if group else self.ctx.num_npus
        algo = self.algorithm(prefix, num_ranks)
        position = group.index(sysobj.rank) if group else sysobj.rank
        dataset = DataSet(notifier)
        counter = sysobj._stream_counters.get(group_id, 0)
        sysobj._stream_counters[group_id] = counter + 1
        queue_id, _direction = sysobj._queue(0, "plain")
        run = CustomRun(sysobj, algo[position], group)
        stream = Stream(group_id * GROUP_STREAM_OFFSET + counter, [Phase(queue_id, run, comm_type)], priority, dataset)
        dataset.total = 1
        dataset.stream_ids = [stream.stream_id]
        sysobj.proceed(stream)
        return dataset


class CustomRun:
    """One rank's execution of its algorithm ET inside a stream phase."""

    __slots__ = ("sys", "algo", "members", "stream", "final_size", "parents_left", "nodes_left", "done")

    def __init__(self, sysobj: "Sys", algo: RankAlgorithm, members: list[int] | None) -> None:
        self.sys = sysobj
        self.algo = algo
        self.members = members
        self.stream: "Stream" = None  # type: ignore[assignment]
        self.final_size = 0
        self.parents_left: list[int] = []  # per node: parents not yet finished
        self.nodes_left = 0
        self.done = False

    def start(self) -> None:
        """StreamInit: issue every node without parents."""
        algo = self.algo
        self.parents_left = algo.parents[:]
        self.nodes_left = len(algo.kinds)
        if self.nodes_left == 0:  # this rank has no part in the algorithm
            self.sys.register(0, self._exit)
            return
        for i in algo.roots:
            self._issue(i)

    def _real(self, peer: int) -> int:
        return self.members[peer] if self.members is not None else peer

    def _issue(self, i: int) -> None:
        algo = self.algo
        kind = algo.kinds[i]
        done = lambda: self._finish(i)  # noqa: E731 - one closure per node completion
        if kind == COMP:
            self.sys.register(algo.delays_ns[i], done)
        elif kind == SEND:
            self.sys.send(self._real(algo.peers[i]), algo.sizes[i], algo.tags[i], done)
        else:
            self.sys.recv(self._real(algo.peers[i]), algo.sizes[i], algo.tags[i], done)

    def _finish(self, i: int) -> None:
        self.nodes_left -= 1
        parents_left = self.parents_left
        ready = []
        for child in self.algo.children[i]:
            parents_left[child] -= 1
            if parents_left[child] == 0:
                ready.append(child)
        for child in ready:  # children lists are sorted: ascending id
            self._issue(child)
        if self.nodes_left == 0:
            self._exit()

    def _exit(self) -> None:
        if not self.done:
            self.done = True
            self.sys.proceed(self.stream)
