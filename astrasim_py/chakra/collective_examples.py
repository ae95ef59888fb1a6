"""Example custom all-reduce algorithms written with CollectiveBuilder (see chakra/API.md).

- `ring_allreduce`: the MSCCL ring of ASTRA-sim's shipped example, step for step (one chain per
  rank: send, then n-1 times receive-reduce + send, then n-2 times receive + send, then receive).
- `double_binary_tree_allreduce`: half the data on each of two binary trees (the second is the
  mirror of the first): reduce up the tree, then broadcast down, optionally pipelined in pieces.
- `hierarchical_allreduce`: intra-server ring reduce-scatter, inter-server ring all-reduce of
  each GPU's shard among the GPUs with the same local index, intra-server ring all-gather.
  Rank = server * gpus_per_server + local GPU (the local index varies fastest, like dim 0).
"""

from __future__ import annotations

from astrasim_py.chakra.collective_builder import CollectiveBuilder, StepRef
from astrasim_py.chakra.msccl import DEFAULT_LOCAL_MEM_BW_GBPS
from astrasim_py.errors import InputError


def _names(prefix: str, step: int) -> str:
    return f"{prefix}_tb0_step{step}"


def ring_allreduce(num_ranks: int, size_bytes: int, local_mem_bw_gbps: float = DEFAULT_LOCAL_MEM_BW_GBPS,
                   tag: int = 0) -> CollectiveBuilder:
    """Ring all-reduce, chunk = size / n, the same graph the MSCCL converter makes of the ring XML."""
    if num_ranks < 2:
        raise InputError(f"a ring needs >= 2 ranks, got {num_ranks}", field="npus", fix="use 2 or more ranks")
    b = CollectiveBuilder(num_ranks, "allreduce", local_mem_bw_gbps)
    chunk = size_bytes // num_ranks
    for rank in range(num_ranks):
        _ring_chain(b, rank, (rank + 1) % num_ranks, (rank - 1) % num_ranks, chunk, tag,
                    reduce_steps=num_ranks - 1, copy_steps=num_ranks - 2, after=None, step0=0)
    return b


def _ring_chain(b: CollectiveBuilder, rank: int, succ: int, pred: int, chunk: int, tag: int,
                reduce_steps: int, copy_steps: int, after, step0: int, final_recv: bool = True) -> StepRef:
    """send; reduce_steps x (recv, reduce, send); copy_steps x (recv, send); recv. Returns the last step."""
    step = step0
    last = b.send(rank, succ, chunk, tag, after, name=_names("COMM_SEND_NODE", step))
    for _ in range(reduce_steps):
        step += 1
        recv = b.recv(rank, pred, chunk, tag, last, name=_names("COMM_RECV_NODE", step))
        red = b.reduce(rank, chunk, recv, name=_names("COMP_NODE", step))
        step += 1
        last = b.send(rank, succ, chunk, tag, red, name=_names("COMM_SEND_NODE", step))
    for _ in range(copy_steps):
        step += 1
        recv = b.recv(rank, pred, chunk, tag, last, name=_names("COMM_RECV_NODE", step))
        step += 1
        last = b.send(rank, succ, chunk, tag, recv, name=_names("COMM_SEND_NODE", step))
    if final_recv:
        step += 1
        last = b.recv(rank, pred, chunk, tag, last, name=_names("COMM_RECV_NODE", step))
    return last


def binary_tree(num_ranks: int, mirror: bool = False) -> dict[int, list[int]]:
    """Children of every rank in a balanced in-order binary tree over 0..n-1 (mirror: rank -> n-1-rank)."""
    children: dict[int, list[int]] = {r: [] for r in range(num_ranks)}

    def build(lo: int, hi: int) -> int | None:
        if lo > hi:
            return None
        mid = (lo + hi + 1) // 2
        for child in (build(lo, mid - 1), build(mid + 1, hi)):
            if child is not None:
                children[mid].append(child)
        return mid

    build(0, num_ranks - 1)
    if not mirror:
        return children
    flip = lambda r: num_ranks - 1 - r  # noqa: E731
    return {flip(r): [flip(c) for c in kids] for r, kids in children.items()}


def tree_root(children: dict[int, list[int]]) -> int:
    """The rank that is nobody's child."""
    kids = {c for cs in children.values() for c in cs}
    return next(r for r in sorted(children) if r not in kids)


def double_binary_tree_allreduce(num_ranks: int, size_bytes: int, pieces: int = 1,
                                 local_mem_bw_gbps: float = DEFAULT_LOCAL_MEM_BW_GBPS) -> CollectiveBuilder:
    """Each tree (tag 0 and 1) all-reduces half the data: reduce to its root, broadcast back."""
    if num_ranks < 2 or pieces < 1:
        raise InputError(f"needs >= 2 ranks and >= 1 piece (got {num_ranks}, {pieces})", field="npus",
                         fix="use 2 or more ranks")
    b = CollectiveBuilder(num_ranks, "allreduce", local_mem_bw_gbps)
    piece = size_bytes // 2 // pieces
    for tag, mirror in ((0, False), (1, True)):
        children = binary_tree(num_ranks, mirror)
        parent = {c: r for r, cs in children.items() for c in cs}
        previous: dict[tuple[int, str], StepRef] = {}  # keeps each (rank, role) in piece order

        def chained(rank: int, role: str, deps: list[StepRef]) -> list[StepRef]:
            prev = previous.get((rank, role))
            return deps + ([prev] if prev is not None else [])

        for _ in range(pieces):
            reduced: dict[int, list[StepRef]] = {}
            for rank in _post_order(children, tree_root(children)):
                deps = []
                for child in children[rank]:
                    recv = b.recv(rank, child, piece, tag, chained(rank, f"up{child}", []))
                    previous[(rank, f"up{child}")] = recv
                    deps.append(b.reduce(rank, piece, recv))
                reduced[rank] = deps
                if rank in parent:
                    send = b.send(rank, parent[rank], piece, tag, chained(rank, "toparent", deps))
                    previous[(rank, "toparent")] = send
            for rank in _pre_order(children, tree_root(children)):
                if rank in parent:
                    got = b.recv(rank, parent[rank], piece, tag, chained(rank, "fromparent",
                                                                         [previous[(rank, "toparent")]]))
                    previous[(rank, "fromparent")] = got
                    ready = [got]
                else:
                    ready = reduced[rank]
                for child in children[rank]:
                    send = b.send(rank, child, piece, tag, chained(rank, f"down{child}", ready))
                    previous[(rank, f"down{child}")] = send
    return b


def _post_order(children: dict[int, list[int]], root: int) -> list[int]:
    out: list[int] = []

    def walk(r: int) -> None:
        for c in children[r]:
            walk(c)
        out.append(r)

    walk(root)
    return out


def _pre_order(children: dict[int, list[int]], root: int) -> list[int]:
    return list(reversed(_post_order({r: list(reversed(c)) for r, c in children.items()}, root)))


def hierarchical_allreduce(num_servers: int, gpus_per_server: int, size_bytes: int,
                           local_mem_bw_gbps: float = DEFAULT_LOCAL_MEM_BW_GBPS) -> CollectiveBuilder:
    """Intra-server ring reduce-scatter (tag 0) -> inter-server ring all-reduce (tag 1) -> intra-server all-gather (tag 2)."""
    if num_servers < 2 or gpus_per_server < 2:
        raise InputError(f"needs >= 2 servers of >= 2 GPUs (got {num_servers} x {gpus_per_server})",
                         field="servers", fix="use at least 2 servers and 2 GPUs per server")
    g, s = gpus_per_server, num_servers
    b = CollectiveBuilder(g * s, "allreduce", local_mem_bw_gbps)
    shard = size_bytes // g
    piece = shard // s
    for rank in range(g * s):
        server, local = divmod(rank, g)
        succ_local = server * g + (local + 1) % g
        pred_local = server * g + (local - 1) % g
        succ_server = ((server + 1) % s) * g + local
        pred_server = ((server - 1) % s) * g + local
        # reduce-scatter inside the server: send, (g-2) x (recv, reduce, send), recv, reduce
        last = _ring_chain(b, rank, succ_local, pred_local, shard, 0, g - 2, 0, None, 0, final_recv=False)
        recv = b.recv(rank, pred_local, shard, 0, last)
        last = b.reduce(rank, shard, recv)
        # all-reduce of this GPU's shard across servers (a full ring all-reduce of s pieces)
        last = _ring_chain(b, rank, succ_server, pred_server, piece, 1, s - 1, s - 2, last, 100)
        # all-gather inside the server: send, (g-2) x (recv, send), recv
        _ring_chain(b, rank, succ_local, pred_local, shard, 2, 0, g - 2, last, 200)
    return b


EXAMPLES = ("ring", "double-binary-tree", "hierarchical")


def build_example(name: str, num_ranks: int, size_bytes: int, *, servers: int = 2, pieces: int = 1,
                  local_mem_bw_gbps: float = DEFAULT_LOCAL_MEM_BW_GBPS) -> CollectiveBuilder:
    """One of EXAMPLES by name (hierarchical: num_ranks = servers x GPUs per server)."""
    if name == "ring":
        return ring_allreduce(num_ranks, size_bytes, local_mem_bw_gbps)
    if name == "double-binary-tree":
        return double_binary_tree_allreduce(num_ranks, size_bytes, pieces, local_mem_bw_gbps)
    if name == "hierarchical":
        if servers < 1 or num_ranks % servers:
            raise InputError(f"{num_ranks} ranks do not split into {servers} servers", field="servers",
                             fix="make --npus a multiple of --servers")
        return hierarchical_allreduce(servers, num_ranks // servers, size_bytes, local_mem_bw_gbps)
    raise InputError(f"unknown algorithm {name!r}", field="algorithm", fix="use " + ", ".join(EXAMPLES))


def add_algorithm_parser(commands) -> None:
    """Register `chakra algorithm`: write one of the example custom collectives as per-rank ETs."""
    p = commands.add_parser("algorithm", help="write an example custom all-reduce (ring, double-binary-tree, "
                                              "hierarchical) as <output>.<rank>.et")
    p.add_argument("--name", required=True, choices=EXAMPLES, help="which algorithm")
    p.add_argument("--npus", type=int, required=True, help="ranks of the group it runs on")
    p.add_argument("--size", required=True, help="all-reduce bytes (1048576, 1MiB)")
    p.add_argument("--output", required=True, help="PREFIX; files are PREFIX.<rank>.et")
    p.add_argument("--servers", type=int, default=2, help="hierarchical: number of servers (default 2)")
    p.add_argument("--pieces", type=int, default=1, help="double-binary-tree: pipeline pieces per tree")
    p.add_argument("--local-mem-bw", type=float, default=DEFAULT_LOCAL_MEM_BW_GBPS,
                   help="reduction bandwidth in GB/s (default 50)")
    p.set_defaults(func=_algorithm_cli)
    c = commands.add_parser("check-algorithm", help="check a custom collective (one ET per rank) before running it")
    c.add_argument("prefix", help="algorithm PREFIX (reads PREFIX.<rank>.et)")
    c.add_argument("--npus", type=int, required=True, help="ranks of the group it will run on")
    c.add_argument("--rendezvous", action="store_true", help="check as with --rendezvous-protocol=true")
    c.set_defaults(func=_check_cli)


def _algorithm_cli(args) -> int:
    from astrasim_py.chakra.units import parse_size

    size = parse_size(args.size, field="size")
    builder = build_example(args.name, args.npus, size, servers=args.servers, pieces=args.pieces,
                            local_mem_bw_gbps=args.local_mem_bw)
    paths = builder.write(args.output)
    print(f"wrote {len(paths)} rank files {args.output}.<0..{len(paths) - 1}>.et ({args.name} all-reduce); "
          f'select it with "all-reduce-implementation-custom": ["{args.output}"]')
    return 0


def _check_cli(args) -> int:
    from astrasim_py.chakra.collective_check import SEND, load_algorithm

    ranks = load_algorithm(args.prefix, args.npus, rendezvous=args.rendezvous, field_name="prefix")
    sends = [(a.sizes[i]) for a in ranks for i, k in enumerate(a.kinds) if k == SEND]
    print(f"OK {args.prefix}: {len(ranks)} ranks, {sum(len(a.kinds) for a in ranks)} nodes, "
          f"{len(sends)} messages, {sum(sends)} bytes; every RECV matched, no cycle, no deadlock")
    return 0
