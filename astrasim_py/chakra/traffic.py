"""Traffic that congests, as Chakra workloads of point-to-point SEND/RECV nodes.

Patterns: incast (N-to-1), permutation (fixed shift), random permutation (seeded derangement),
all-to-all (every ordered pair, one shift per step), hotspot (a fraction of flows to one rank),
and Poisson background traffic (open-loop flow arrivals at a target load of the host link rate,
flow sizes from a CDF file). Every flow is one SEND on its source and one RECV on its
destination with a tag of its own, so matching never depends on arrival order. A rank issues
its SENDs one at a time (the workload layer's one communication slot): a host's flows queue at
its NIC, as an RDMA NIC serving one message at a time would.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

from astrasim_py.chakra.generators import DEFAULT_VERSION, RankGraph, comp_node, p2p_node
from astrasim_py.chakra.schema import GlobalMetadata
from astrasim_py.errors import InputError

PATTERNS = ("incast", "permutation", "random_permutation", "all_to_all", "hotspot", "poisson")
CDF_DIR = Path(__file__).resolve().parent / "flow_cdfs"


@dataclass(frozen=True)
class Flow:
    """One message: src sends size_bytes to dst, not before start_us (0 = at once)."""

    src: int
    dst: int
    size_bytes: int
    start_us: int = 0


# ------------------------------------------------------------------ flow-size distributions
@dataclass(frozen=True)
class FlowSizeCdf:
    """A piecewise-linear flow-size CDF: (size_bytes, cumulative probability) points."""

    name: str
    points: tuple[tuple[float, float], ...]

    def mean_bytes(self) -> float:
        """Exact mean of the piecewise-linear distribution."""
        return sum((p1 - p0) * (s0 + s1) / 2 for (s0, p0), (s1, p1) in zip(self.points, self.points[1:]))

    def sample(self, rng: random.Random) -> int:
        """One flow size in bytes (inverse CDF, linear between points; at least 1 byte)."""
        u = rng.random()
        for (s0, p0), (s1, p1) in zip(self.points, self.points[1:]):
            if u <= p1 and p1 > p0:
                return max(1, int(round(s0 + (s1 - s0) * (u - p0) / (p1 - p0))))
        return max(1, int(self.points[-1][0]))

    def scaled(self, factor: float) -> "FlowSizeCdf":
        """The same shape with every size multiplied by factor (small, fast test runs)."""
        return FlowSizeCdf(self.name, tuple((s * factor, p) for s, p in self.points))


def shipped_cdfs() -> list[str]:
    """Names of the flow-size CDFs shipped in astrasim_py/chakra/flow_cdfs."""
    return sorted(p.stem for p in CDF_DIR.glob("*.cdf"))


def load_cdf(name_or_path: str) -> FlowSizeCdf:
    """Read a CDF file (shipped name or path): lines `size_bytes probability`, # comments."""
    path = Path(name_or_path)
    if not path.is_file():
        path = CDF_DIR / f"{name_or_path}.cdf"
    if not path.is_file():
        raise InputError(f"no flow-size CDF named {name_or_path!r}", field="cdf",
                         fix=f"use one of {', '.join(shipped_cdfs())} or a file of `size_bytes probability` lines")
    points = []
    from astrasim_py.safe_io import read_text

    for number, line in enumerate(read_text(path, "flow-size CDF").splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        parts = text.split()
        try:
            size, prob = float(parts[0]), float(parts[1])
            if len(parts) != 2:
                raise ValueError
        except (ValueError, IndexError):
            raise InputError(f"line {number}: {line.strip()!r} is not `size_bytes probability`",
                             file=str(path), field="cdf", fix="two numbers per line") from None
        if points and (size < points[-1][0] or prob < points[-1][1]):
            raise InputError(f"line {number}: sizes and probabilities must not decrease", file=str(path),
                             field="cdf", fix="sort the points by size")
        if not 0 <= prob <= 1 or size < 0:
            raise InputError(f"line {number}: probability {prob} / size {size} out of range", file=str(path),
                             field="cdf", fix="probabilities in [0, 1], sizes >= 0")
        points.append((size, prob))
    if len(points) < 2 or points[-1][1] != 1.0:
        raise InputError("a CDF needs at least two points and must end at probability 1", file=str(path),
                         field="cdf", fix="end with `<max size> 1.0`")
    return FlowSizeCdf(path.stem, tuple(points))


# ------------------------------------------------------------------ patterns -> flows
def _need(npus: int, least: int, pattern: str) -> None:
    if npus < least:
        raise InputError(f"{pattern} needs at least {least} ranks, got {npus}", field="npus",
                         fix=f"use --npus {least} or more")


def _rank(value: int, npus: int, name: str) -> int:
    if not 0 <= value < npus:
        raise InputError(f"{name} {value} is not a rank of 0..{npus - 1}", field=name, fix="name an existing rank")
    return value


def incast_flows(npus: int, size: int, *, target: int = 0, senders: int | None = None) -> list[Flow]:
    """`senders` ranks (default all others, lowest first) each send size bytes to target."""
    _need(npus, 2, "incast")
    _rank(target, npus, "target")
    others = [r for r in range(npus) if r != target]
    senders = len(others) if senders is None else senders
    if not 1 <= senders <= len(others):
        raise InputError(f"senders is {senders}", field="senders", fix=f"use 1..{len(others)}")
    return [Flow(s, target, size) for s in others[:senders]]


def permutation_flows(npus: int, size: int, *, shift: int | None = None) -> list[Flow]:
    """Rank r sends size bytes to (r + shift) mod npus; default shift npus/2 (crosses the fabric)."""
    _need(npus, 2, "permutation")
    shift = npus // 2 if shift is None else shift
    if shift % npus == 0:
        raise InputError(f"shift {shift} maps every rank to itself", field="shift",
                         fix=f"use a shift that is not a multiple of {npus}")
    return [Flow(r, (r + shift) % npus, size) for r in range(npus)]


def random_permutation_flows(npus: int, size: int, *, seed: int = 0) -> list[Flow]:
    """A seeded random derangement: every rank sends to one rank and receives from one, never itself."""
    _need(npus, 2, "random_permutation")
    rng = random.Random(seed)
    while True:  # rejection sampling: a random permutation is a derangement with probability ~1/e
        dst = list(range(npus))
        rng.shuffle(dst)
        if all(d != r for r, d in enumerate(dst)):
            return [Flow(r, d, size) for r, d in enumerate(dst)]


def all_to_all_flows(npus: int, size: int) -> list[Flow]:
    """Every ordered pair once, size bytes each; rank r's k-th flow goes to r + k (a shift per step)."""
    _need(npus, 2, "all_to_all")
    return [Flow(r, (r + k) % npus, size) for k in range(1, npus) for r in range(npus)]


def hotspot_flows(npus: int, size: int, *, hotspot: int = 0, hot_fraction: float = 0.5,
                  flows_per_rank: int = 4, seed: int = 0) -> list[Flow]:
    """Each rank but the hotspot sends flows_per_rank flows; each goes to the hotspot with
    probability hot_fraction, else to a uniformly chosen other rank (seeded)."""
    _need(npus, 3, "hotspot")
    _rank(hotspot, npus, "hotspot")
    if not 0 <= hot_fraction <= 1:
        raise InputError(f"hot fraction {hot_fraction}", field="hot-fraction", fix="use a value in [0, 1]")
    if flows_per_rank < 1:
        raise InputError(f"flows per rank {flows_per_rank}", field="flows", fix="use at least 1")
    rng = random.Random(seed)
    flows = []
    for r in range(npus):
        if r == hotspot:
            continue
        cold = [d for d in range(npus) if d not in (r, hotspot)]
        for _ in range(flows_per_rank):
            hot = rng.random() < hot_fraction
            flows.append(Flow(r, hotspot if hot else rng.choice(cold), size))
    return flows


def poisson_flows(npus: int, *, load: float, link_gbps: float, duration_us: float, cdf: FlowSizeCdf,
                  seed: int = 0) -> list[Flow]:
    """Open-loop background traffic: every rank starts flows at Poisson times with rate
    load x link rate / mean flow size, to uniformly chosen other ranks, sizes from cdf, over duration_us."""
    _need(npus, 2, "poisson")
    if not 0 < load <= 1:
        raise InputError(f"load {load}", field="load", fix="give a fraction of the link rate in (0, 1]")
    if link_gbps <= 0 or duration_us <= 0:
        raise InputError("link rate and duration must be positive", field="link-gbps/duration-us",
                         fix="e.g. --link-gbps 400 --duration-us 1000")
    mean = cdf.mean_bytes()
    per_us = load * link_gbps * 1e3 / 8 / mean  # flows per µs per rank (Gb/s x 1e3 = bytes/µs x 8)
    flows = []
    for r in range(npus):
        rng = random.Random(f"{seed}:{r}")  # one stream per rank: adding ranks keeps the others' flows
        t = rng.expovariate(per_us)
        while t < duration_us:
            dst = rng.randrange(npus - 1)
            flows.append(Flow(r, dst + (dst >= r), cdf.sample(rng), int(math.floor(t))))
            t += rng.expovariate(per_us)
    return flows


# Options each pattern takes (beyond npus and size), with their defaults.
PATTERN_OPTIONS: dict[str, dict[str, object]] = {
    "incast": {"target": 0, "senders": None},
    "permutation": {"shift": None},
    "random_permutation": {"seed": 0},
    "all_to_all": {},
    "hotspot": {"hotspot": 0, "hot_fraction": 0.5, "flows": 4, "seed": 0},
    "poisson": {"load": 0.3, "link_gbps": 400.0, "duration_us": 1000.0, "cdf": "websearch", "cdf_scale": 1.0,
                "seed": 0},
}


def generate_flows(pattern: str, npus: int, size: int, options: dict | None = None,
                   where: str = "pattern") -> list[Flow]:
    """The flows of a named pattern (CLI and sweeps); options as in PATTERN_OPTIONS."""
    if pattern not in PATTERN_OPTIONS:
        raise InputError(f"unknown traffic pattern {pattern!r}", field=where, fix=f"use one of {', '.join(PATTERNS)}")
    opts = dict(PATTERN_OPTIONS[pattern])
    for key, value in (options or {}).items():
        if key not in opts:
            raise InputError(f"{pattern} takes no option {key!r}", field=f"{where}.{key}",
                             fix=f"use {', '.join(opts) or 'no options'}")
        opts[key] = value
    if pattern == "incast":
        return incast_flows(npus, size, target=int(opts["target"]),
                            senders=None if opts["senders"] is None else int(opts["senders"]))
    if pattern == "permutation":
        return permutation_flows(npus, size, shift=None if opts["shift"] is None else int(opts["shift"]))
    if pattern == "random_permutation":
        return random_permutation_flows(npus, size, seed=int(opts["seed"]))
    if pattern == "all_to_all":
        return all_to_all_flows(npus, size)
    if pattern == "hotspot":
        return hotspot_flows(npus, size, hotspot=int(opts["hotspot"]), hot_fraction=float(opts["hot_fraction"]),
                             flows_per_rank=int(opts["flows"]), seed=int(opts["seed"]))
    scale = float(opts["cdf_scale"])
    if scale <= 0:
        raise InputError(f"cdf scale {scale}", field=f"{where}.cdf_scale", fix="give a positive factor")
    return poisson_flows(npus, load=float(opts["load"]), link_gbps=float(opts["link_gbps"]),
                         duration_us=float(opts["duration_us"]), cdf=load_cdf(str(opts["cdf"])).scaled(scale),
                         seed=int(opts["seed"]))


# ------------------------------------------------------------------ flows -> Chakra graphs
def flows_to_graphs(flows: list[Flow], npus: int, *, version: str = DEFAULT_VERSION) -> list[RankGraph]:
    """Per-rank graphs: sends in flow order (delayed by a COMP chain where flows start later),
    one RECV per incoming flow; a rank with no flow gets one 0 µs COMP node (a trace needs a node)."""
    sends: list[list[tuple[int, Flow]]] = [[] for _ in range(npus)]
    recvs: list[list[tuple[int, Flow]]] = [[] for _ in range(npus)]
    for tag, flow in enumerate(flows):
        if not (0 <= flow.src < npus and 0 <= flow.dst < npus) or flow.src == flow.dst:
            raise InputError(f"flow {flow.src}->{flow.dst} is not between two ranks of 0..{npus - 1}",
                             field="flows", fix="give flows between different existing ranks")
        sends[flow.src].append((tag, flow))
        recvs[flow.dst].append((tag, flow))
    graphs = []
    for rank in range(npus):
        nodes = []
        clock_us = 0
        last_delay: int | None = None
        for tag, flow in sorted(sends[rank], key=lambda tf: (tf[1].start_us, tf[0])):
            deps = []
            if flow.start_us > clock_us:
                # The COMP chain keeps absolute start times: each delay is the gap since the last one.
                gap = flow.start_us - clock_us
                node_id = len(nodes)
                nodes.append(comp_node(node_id, f"WAIT_{flow.start_us}us", gap,
                                       data_deps=[last_delay] if last_delay is not None else []))
                last_delay, clock_us = node_id, flow.start_us
            if last_delay is not None:
                deps = [last_delay]
            nodes.append(p2p_node(len(nodes), f"COMM_SEND_NODE_{rank}_to_{flow.dst}_flow{tag}", True,
                                  rank, flow.dst, flow.size_bytes, tag, data_deps=deps))
        for tag, flow in recvs[rank]:
            nodes.append(p2p_node(len(nodes), f"COMM_RECV_NODE_{flow.src}_to_{rank}_flow{tag}", False,
                                  flow.src, rank, flow.size_bytes, tag))
        if not nodes:
            nodes.append(comp_node(0, "IDLE", 0))
        graphs.append(RankGraph(rank, GlobalMetadata(version=version), nodes))
    return graphs


def bytes_per_pair(flows: list[Flow]) -> dict[tuple[int, int], int]:
    """Total bytes each (src, dst) pair carries."""
    out: dict[tuple[int, int], int] = {}
    for f in flows:
        out[(f.src, f.dst)] = out.get((f.src, f.dst), 0) + f.size_bytes
    return out
