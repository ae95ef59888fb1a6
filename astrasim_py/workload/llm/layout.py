"""Parallel layout: rank numbering over (tp, dp, pp), communicator groups, and server/rail placement.

Ranks are numbered with tp fastest, then dp, then pp (Megatron's order), so a TP group is a run of
consecutive ranks: on a rail-optimized cluster (host = server x gpus_per_server + gpu) it sits
inside one server's scale-up domain whenever tp divides gpus_per_server, while DP and PP peers
share a rail index and cross the scale-out fabric. Expert parallelism is carved out of DP: an EP
group is ep consecutive DP replicas; the experts' gradients are reduced over the "expert DP"
group of the dp/ep replicas that hold the same experts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from astrasim_py.errors import InputError

DIMENSIONS = ("tp", "dp", "pp", "ep", "edp")


@dataclass(frozen=True)
class Parallelism:
    """Degrees of each parallelism dimension and the sharding options."""

    dp: int = 1
    tp: int = 1
    pp: int = 1
    ep: int = 1
    sp: bool = False  # Megatron sequence parallelism inside the TP group (AG + RS instead of AR)
    zero: int = 0  # 0 none; 1/2 sharded optimizer (+ gradients): RS grads, AG params; 3 = FSDP

    @property
    def world(self) -> int:
        """Number of ranks."""
        return self.dp * self.tp * self.pp

    def check(self) -> None:
        """InputError on degrees that cannot form a layout."""
        for name in ("dp", "tp", "pp", "ep"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise InputError(f"--{name} must be a positive integer, got {value!r}", field=f"--{name}",
                                 fix="give a degree >= 1")
        if self.dp % self.ep:
            raise InputError(f"--ep {self.ep} does not divide --dp {self.dp}", field="--ep",
                             fix="expert parallelism is carved out of data parallelism; pick ep dividing dp")
        if self.zero not in (0, 1, 2, 3):
            raise InputError(f"--zero {self.zero} is unknown", field="--zero", fix="use 0, 1, 2 or 3")


@dataclass
class Layout:
    """Coordinates of every rank and the communicator groups of each dimension."""

    par: Parallelism
    groups: dict[int, list[int]] = field(default_factory=dict)  # id -> sorted ranks (ASTRA-sim JSON)
    group_dim: dict[int, str] = field(default_factory=dict)  # id -> dimension name
    _of: dict[tuple[str, int], int] = field(default_factory=dict)  # (dim, rank) -> group id

    def rank(self, tp: int, dp: int, pp: int) -> int:
        """Rank of coordinates (tp fastest)."""
        return tp + self.par.tp * (dp + self.par.dp * pp)

    def coords(self, rank: int) -> tuple[int, int, int]:
        """(tp, dp, pp) of a rank."""
        tp = rank % self.par.tp
        dp = (rank // self.par.tp) % self.par.dp
        pp = rank // (self.par.tp * self.par.dp)
        return tp, dp, pp

    def group_of(self, dim: str, rank: int) -> int | None:
        """Group id of rank in dimension dim, or None when that dimension has a single member."""
        return self._of.get((dim, rank))

    def members(self, dim: str, rank: int) -> list[int]:
        """Ranks sharing dim with rank (itself alone when the degree is 1)."""
        gid = self.group_of(dim, rank)
        return [rank] if gid is None else self.groups[gid]


def build_layout(par: Parallelism) -> Layout:
    """Number ranks and make one group per (dimension, coordinates of the other dimensions)."""
    par.check()
    layout = Layout(par)
    edp = par.dp // par.ep
    candidates: dict[str, list[list[int]]] = {d: [] for d in DIMENSIONS}
    for pp in range(par.pp):
        for dp in range(par.dp):
            candidates["tp"].append([layout.rank(t, dp, pp) for t in range(par.tp)])
        for t in range(par.tp):
            candidates["dp"].append([layout.rank(t, d, pp) for d in range(par.dp)])
            for block in range(edp):
                candidates["ep"].append([layout.rank(t, block * par.ep + e, pp) for e in range(par.ep)])
            for e in range(par.ep):
                candidates["edp"].append([layout.rank(t, block * par.ep + e, pp) for block in range(edp)])
    for t in range(par.tp):
        for dp in range(par.dp):
            candidates["pp"].append([layout.rank(t, dp, p) for p in range(par.pp)])
    next_id = 1
    for dim in DIMENSIONS:
        if dim == "edp" and par.ep == 1:
            continue  # expert DP equals DP without expert parallelism
        for ranks in candidates[dim]:
            if len(ranks) < 2:
                continue  # a one-rank dimension needs no group and issues no collective
            layout.groups[next_id] = sorted(ranks)
            layout.group_dim[next_id] = dim
            for r in ranks:
                layout._of[(dim, r)] = next_id
            next_id += 1
    return layout


@dataclass(frozen=True)
class Placement:
    """Where each rank runs: rank r on host r = server x gpus_per_server + gpu (rail = gpu)."""

    gpus_per_server: int
    world: int

    def server(self, rank: int) -> int:
        """Server index of a rank."""
        return rank // self.gpus_per_server

    def rail(self, rank: int) -> int:
        """Rail (GPU index inside the server) of a rank."""
        return rank % self.gpus_per_server


def check_placement(layout: Layout, placement: Placement) -> list[str]:
    """Warnings for TP groups that leave one server's scale-up domain."""
    out = []
    for gid, ranks in sorted(layout.groups.items()):
        if layout.group_dim[gid] == "tp" and len({placement.server(r) for r in ranks}) > 1:
            out.append(f"TP group {gid} {ranks} spans servers "
                       f"{sorted({placement.server(r) for r in ranks})}: its all-reduces cross the scale-out "
                       f"fabric (use --tp dividing --gpus-per-server {placement.gpus_per_server})")
            break
    return out


def describe_placement(layout: Layout, placement: Placement, limit: int = 16) -> list[str]:
    """Human-readable lines: one per rank (the first `limit`), then a summary per dimension."""
    lines = [f"placement: {layout.par.world} ranks on {-(-layout.par.world // placement.gpus_per_server)} "
             f"server(s) x {placement.gpus_per_server} GPU(s); rank r = host r (server r // "
             f"{placement.gpus_per_server}, rail r % {placement.gpus_per_server})"]
    for r in range(min(limit, layout.par.world)):
        tp, dp, pp = layout.coords(r)
        lines.append(f"  rank {r:5d}: server {placement.server(r):4d} rail {placement.rail(r):2d}  "
                     f"tp {tp} dp {dp} pp {pp}")
    if layout.par.world > limit:
        lines.append(f"  ... ({layout.par.world - limit} more ranks)")
    for dim in DIMENSIONS:
        gids = [g for g, d in layout.group_dim.items() if d == dim]
        if not gids:
            continue
        spans = {len({placement.server(r) for r in layout.groups[g]}) for g in gids}
        where = "inside one server" if spans == {1} else f"across {max(spans)} servers"
        lines.append(f"  {dim}: {len(gids)} group(s) of {len(layout.groups[gids[0]])}, {where}")
    return lines
