"""Load a custom collective algorithm (one Chakra ET per rank) and prove it can run.

Checked before the simulation starts, so a broken algorithm is one clear error instead of a
hang: every rank file exists, only SEND/RECV/COMP nodes, peers inside the group, dependencies
form a DAG, every RECV has a matching SEND (same src, dst, tag and size) and the reverse, and
an untimed replay of all ranks finishes (otherwise the ranks and steps that wait forever are named).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

from astrasim_py.chakra.attrs import INTEGER_KINDS, get_int_attr
from astrasim_py.chakra.io import read_et
from astrasim_py.chakra.schema import NodeType, node_type_name
from astrasim_py.chakra.validate import validate_trace
from astrasim_py.chakra.workload import rank_file
from astrasim_py.errors import InputError

SEND, RECV, COMP = 0, 1, 2
_KINDS = {NodeType.COMM_SEND_NODE: SEND, NodeType.COMM_RECV_NODE: RECV, NodeType.COMP_NODE: COMP}


@dataclass
class RankAlgorithm:
    """One rank's part of an algorithm, compiled to index-based arrays (index order = ascending id)."""

    path: str
    rank: int
    ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    peers: list[int] = field(default_factory=list)  # SEND: destination, RECV: source (ET ranks)
    sizes: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    delays_ns: list[int] = field(default_factory=list)  # COMP: duration_micros * 1000, 0 -> 1 ns
    parents: list[int] = field(default_factory=list)  # number of parents per node
    children: list[list[int]] = field(default_factory=list)
    roots: list[int] = field(default_factory=list)

    def describe(self, index: int) -> str:
        """`node 3 (COMM_RECV_NODE_tb0_step1: RECV from rank 7, tag 0, 131072 B)`."""
        kind = self.kinds[index]
        what = {SEND: f"SEND to rank {self.peers[index]}", RECV: f"RECV from rank {self.peers[index]}",
                COMP: "COMP"}[kind]
        if kind != COMP:
            what += f", tag {self.tags[index]}, {self.sizes[index]} B"
        return f"node {self.ids[index]} ({self.names[index] or 'unnamed'}: {what})"


def load_algorithm(prefix: str, num_ranks: int, *, rendezvous: bool = False,
                   field_name: str = "implementation-custom") -> list[RankAlgorithm]:
    """Read `<prefix>.<0..num_ranks-1>.et`, check it as a whole, and return it compiled per rank."""
    ranks = []
    for rank in range(num_ranks):
        path = rank_file(prefix, rank)
        if not os.path.isfile(path):
            raise InputError(f"custom collective rank file missing: the communicator group has {num_ranks} "
                             f"rank(s), so {os.path.basename(path)} must exist", file=path, field=field_name,
                             fix=f"write one ET per rank {prefix}.<0..{num_ranks - 1}>.et (astrasim-py chakra "
                                 "convert --input-type msccl), or fix the path (relative to the working directory, else to the file naming it)")
        ranks.append(_compile(path, rank, num_ranks))
    check_matching(ranks)
    check_progress(ranks, rendezvous=rendezvous)
    return ranks


def _compile(path: str, rank: int, num_ranks: int) -> RankAlgorithm:
    trace = read_et(path)
    return compile_rank(trace, rank, num_ranks)


def compile_rank(trace, rank: int, num_ranks: int) -> RankAlgorithm:
    """Check one rank's algorithm ET (an EtTrace) and compile it.

    One pass over the nodes; on anything odd (duplicate id, missing dependency, cycle, a wrong
    attribute kind) the general validator is run to name the problem precisely."""
    path = trace.path
    nodes = sorted(trace.nodes, key=lambda n: n.id)
    algo = RankAlgorithm(path=path, rank=rank)
    index: dict[int, int] = {}
    parents_of: list[tuple[int, ...]] = []
    suspicious = False
    for i, node in enumerate(nodes):
        ntype = node.type
        kind = _KINDS.get(ntype)
        if kind is None:
            raise InputError(f"node {node.id} ({node.name}): {node_type_name(ntype)} cannot be a step of "
                             "a custom collective", file=path, field="type",
                             fix="use only COMM_SEND_NODE, COMM_RECV_NODE and COMP_NODE in algorithm ETs")
        nid = int(node.id)
        suspicious |= nid in index
        index[nid] = i
        algo.ids.append(nid)
        algo.names.append(node.name)
        algo.kinds.append(kind)
        peer, size, tag, delay = -1, 0, 0, 0
        if kind == COMP:
            delay = int(node.duration_micros) * 1000 or 1
        else:
            attrs: dict = {}
            for attr in node.attr:
                attrs.setdefault(attr.name, attr)  # the first of a repeated name wins (feeder_v3)
            if "comm_size" not in attrs:
                hint = (" (the current collectiveapi converter writes msg_chunk_cnt instead; ASTRA-sim needs "
                        "comm_size)") if "msg_chunk_cnt" in attrs else ""
                raise InputError(f"node {node.id} ({node.name}): attribute comm_size is missing{hint}", file=path,
                                 field="comm_size", fix="convert the XML with astrasim-py chakra convert "
                                                         "--input-type msccl --size BYTES")
            name = "comm_dst" if kind == SEND else "comm_src"
            peer = _int_attr(node, attrs, name, None, path)
            size = _int_attr(node, attrs, "comm_size", None, path)
            tag = _int_attr(node, attrs, "comm_tag", 0, path)
            if size < 0:
                raise InputError(f"node {node.id} ({node.name}): comm_size is {size}", file=path,
                                 field="comm_size", fix="comm_size is a byte count >= 0")
            if not 0 <= peer < num_ranks or peer == rank:
                raise InputError(f"node {node.id} ({node.name}): {name} {peer} is outside the communicator "
                                 f"group (ranks 0..{num_ranks - 1}, this file is rank {rank})", file=path,
                                 field=name, fix=f"algorithm ranks are positions in the group: use another "
                                                 f"of 0..{num_ranks - 1}, or run it on a group of the size "
                                                 "it was written for")
        algo.peers.append(peer)
        algo.sizes.append(size)
        algo.tags.append(tag)
        algo.delays_ns.append(delay)
        ctrl = node.ctrl_deps
        deps = tuple(set(node.data_deps) | set(ctrl)) if ctrl else tuple(set(node.data_deps))
        parents_of.append(deps)
        algo.parents.append(len(deps))
        algo.children.append([])
    children = algo.children
    for i, deps in enumerate(parents_of):
        for parent in deps:
            j = index.get(parent)
            if j is None:
                suspicious = True
                break
            children[j].append(i)
    for kids in children:
        kids.sort()
    algo.roots = [i for i, count in enumerate(algo.parents) if count == 0]
    if suspicious or not _acyclic(algo):
        validate_trace(trace, warn_stream=None)  # names the duplicate id, missing dependency or cycle
        raise InputError("the dependency graph is not a DAG of unique node ids", file=path, field="data_deps",
                         fix="give every node a unique id and depend only on nodes of the same file")
    return algo


def _int_attr(node, attrs: dict, name: str, default, path: str) -> int:
    attr = attrs.get(name)
    kind = attr.WhichOneof("value") if attr is not None else None
    if kind in INTEGER_KINDS:
        return int(getattr(attr, kind))
    return get_int_attr(node, name, default, file=path) if default is not None else get_int_attr(node, name,
                                                                                                file=path)


def _acyclic(algo: RankAlgorithm) -> bool:
    pending = algo.parents[:]
    ready = list(algo.roots)
    seen = 0
    while ready:
        i = ready.pop()
        seen += 1
        for child in algo.children[i]:
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    return seen == len(pending)


def _key(algo: RankAlgorithm, i: int) -> tuple[int, int, int, int]:
    """(src, dst, tag, size): ASTRA-sim matches messages on this key plus a sequence number."""
    if algo.kinds[i] == SEND:
        return algo.rank, algo.peers[i], algo.tags[i], algo.sizes[i]
    return algo.peers[i], algo.rank, algo.tags[i], algo.sizes[i]


def check_matching(ranks: list[RankAlgorithm]) -> None:
    """Every RECV needs a SEND with the same (src, dst, tag, size) somewhere, and the reverse."""
    sends: Counter = Counter()
    recvs: dict[tuple, list[tuple[int, int]]] = {}
    for algo in ranks:
        for i, kind in enumerate(algo.kinds):
            if kind == SEND:
                sends[_key(algo, i)] += 1
            elif kind == RECV:
                recvs.setdefault(_key(algo, i), []).append((algo.rank, i))
    for key, waiting in sorted(recvs.items()):
        if len(waiting) > sends[key]:
            src, dst, tag, size = key
            rank, i = waiting[sends[key]]
            algo = ranks[rank]
            others = sorted({(s[3]) for s in sends if s[:3] == (src, dst, tag)})
            also = f"; rank {src} does send to it with tag {tag} in size(s) {others} B" if others else ""
            raise InputError(f"rank {rank} {algo.describe(i)} has no matching SEND anywhere: rank {src} sends "
                             f"{sends[key]} message(s) of {size} B with tag {tag} to rank {dst}, rank {dst} "
                             f"receives {len(waiting)}{also}", file=algo.path, field="comm_src",
                             fix="pair every RECV with a SEND of the same comm_src/comm_dst, comm_tag and comm_size")
    for key, count in sorted(sends.items()):
        posted = len(recvs.get(key, ()))
        if count > posted:
            src, dst, tag, size = key
            algo = ranks[src]
            i = [j for j in range(len(algo.kinds)) if algo.kinds[j] == SEND and _key(algo, j) == key][posted]
            raise InputError(f"rank {src} {algo.describe(i)} has no matching RECV: rank {dst} posts {posted} "
                             f"receive(s) of {size} B with tag {tag} from rank {src}, rank {src} sends {count}",
                             file=algo.path, field="comm_dst",
                             fix="pair every SEND with a RECV of the same comm_src/comm_dst, comm_tag and comm_size")


def check_progress(ranks: list[RankAlgorithm], *, rendezvous: bool = False) -> None:
    """Replay every rank without time; InputError naming the waiting ranks and steps if it stalls.

    A SEND completes on its own (the data arrives whether or not the receive is posted), unless
    rendezvous is on (it then waits for the matching RECV to be posted); a RECV completes once the
    SEND with its key and sequence number has been issued; COMP always completes.
    """
    pending = [algo.parents[:] for algo in ranks]
    done = [0] * len(ranks)
    sent: Counter = Counter()  # key -> SENDs issued
    posted: Counter = Counter()  # key -> RECVs issued
    waiting_recv: dict[tuple, list[tuple[int, int, int]]] = {}  # key -> (seq, rank, index)
    waiting_send: dict[tuple, list[tuple[int, int, int]]] = {}
    work = [(r, i) for r, algo in enumerate(ranks) for i in algo.roots]
    blocked: dict[tuple[int, int], tuple] = {}

    def complete(rank: int, i: int) -> None:
        done[rank] += 1
        algo = ranks[rank]
        for child in algo.children[i]:
            pending[rank][child] -= 1
            if pending[rank][child] == 0:
                work.append((rank, child))

    def wake(table: dict, key: tuple, limit: int) -> None:
        for entry in list(table.get(key, ())):
            seq, rank, i = entry
            if seq < limit:
                table[key].remove(entry)
                blocked.pop((rank, i), None)
                complete(rank, i)

    while work:
        rank, i = work.pop()
        algo = ranks[rank]
        kind = algo.kinds[i]
        if kind == COMP:
            complete(rank, i)
            continue
        key = _key(algo, i)
        if kind == SEND:
            seq = sent[key]
            sent[key] += 1
            if rendezvous and posted[key] <= seq:
                waiting_send.setdefault(key, []).append((seq, rank, i))
                blocked[(rank, i)] = key
            else:
                complete(rank, i)
            wake(waiting_recv, key, sent[key])
        else:
            seq = posted[key]
            posted[key] += 1
            if sent[key] <= seq:
                waiting_recv.setdefault(key, []).append((seq, rank, i))
                blocked[(rank, i)] = key
            else:
                complete(rank, i)
            wake(waiting_send, key, posted[key])
    stuck = [r for r, algo in enumerate(ranks) if done[r] != len(algo.kinds)]
    if not stuck:
        return
    parts = []
    for rank in stuck[:4]:
        algo = ranks[rank]
        waits = sorted(i for (r, i) in blocked if r == rank)
        if not waits:
            parts.append(f"rank {rank} never reaches its remaining steps")
            continue
        i = waits[0]
        key = blocked[(rank, i)]
        peer_rank = key[0] if algo.kinds[i] == RECV else key[1]
        other = ranks[peer_rank]
        want = SEND if algo.kinds[i] == RECV else RECV
        candidates = [j for j in range(len(other.kinds)) if other.kinds[j] == want and _key(other, j) == key]
        issued = sent[key] if want == SEND else posted[key]
        partner = (f"rank {peer_rank}'s {other.describe(candidates[issued])}, which is never issued"
                   if issued < len(candidates) else f"a step rank {peer_rank} never issues")
        parts.append(f"rank {rank} waits at {algo.describe(i)} for {partner}")
    more = f" (and {len(stuck) - 4} more rank(s))" if len(stuck) > 4 else ""
    why = " (with rendezvous every SEND waits until its RECV is posted)" if rendezvous else ""
    raise InputError("custom collective deadlocks before the run" + why + ": " + "; ".join(parts) + more,
                     file=ranks[stuck[0]].path, field="data_deps",
                     fix=("post each RECV before the SEND it waits for, or run without --rendezvous-protocol"
                          if rendezvous else "order the steps so that some rank sends before it waits to "
                          "receive (e.g. post the SEND first, or make the RECV not depend on it)"))
