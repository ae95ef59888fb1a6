"""Builders for common physical topologies: ASTRA-sim dimensions, fat-trees, Clos, rail-optimized.

Every builder returns a validated `Topology` whose hosts are numbered first (host r = NPU rank r)
and whose switches follow in the order documented per builder.
"""

from __future__ import annotations

import itertools
import math
from typing import Iterable, Sequence

from astrasim_py.config.checks import LIMITS
from astrasim_py.config.network import Dimension, gbps_from_GBps  # gbps_from_GBps: re-exported by topology
from astrasim_py.errors import InputError
from astrasim_py.topology.model import Link, Topology

ASTRASIM_DIM_KINDS = ("Ring", "FullyConnected", "Switch")
MAX_LINKS = 1 << 22  # ~200 bytes of Python per link, then C++ ports and queues in ns-3


def _dimension(value: object, index: int) -> Dimension:
    """Accept a Dimension, a 4-tuple, or a mapping with a topology preset's keys
    (topology, npus_count, bandwidth_GBps, latency_ns)."""
    if isinstance(value, Dimension):
        return value
    if isinstance(value, dict):
        try:
            kind, count, bw, lat = (value["topology"], value["npus_count"], value["bandwidth_GBps"],
                                    value["latency_ns"])
        except KeyError as exc:
            raise InputError(f"dimension {index} lacks {exc.args[0]}", field=f"dims[{index}]",
                             fix="give topology, npus_count, bandwidth_GBps, latency_ns") from None
    else:
        try:
            kind, count, bw, lat = value  # type: ignore[misc]
        except (TypeError, ValueError):
            raise InputError(f"dimension {index} is {value!r}", field=f"dims[{index}]",
                             fix="use (topology, npus_count, bandwidth_GBps, latency_ns)") from None
    count = _positive_int(count, f"dims[{index}].npus_count", 1)
    return Dimension(str(kind), count, _positive_float(bw, f"dims[{index}].bandwidth_GBps"),
                     _latency(lat, f"dims[{index}].latency_ns"))


class _Assembler:
    """Collects links and hands out switch ids after the hosts."""

    def __init__(self, num_hosts: int) -> None:
        if num_hosts > LIMITS.max_hosts:
            raise InputError(f"the topology has {num_hosts} hosts, above the limit of {LIMITS.max_hosts}",
                             field="num_hosts", fix="build a smaller fabric (each host costs memory)")
        self.num_hosts = num_hosts
        self.num_switches = 0
        self.links: list[Link] = []

    def new_switch(self) -> int:
        """Allocate the next switch id."""
        node = self.num_hosts + self.num_switches
        self.num_switches += 1
        return node

    def link(self, a: int, b: int, rate_gbps: float, latency_ns: float) -> None:
        """Add a full-duplex link (latency rounded to whole ns)."""
        if len(self.links) >= MAX_LINKS:
            raise InputError(f"the topology has more than {MAX_LINKS} links", field="links",
                             fix="build a smaller fabric (a FullyConnected dimension of n NPUs has n(n-1)/2 links)")
        self.links.append(Link(a, b, float(rate_gbps), int(round(latency_ns))))

    def build(self, name: str, description: str, *, hosts_forward: bool = False,
              facts: dict[str, object] | None = None) -> Topology:
        """Finish and validate."""
        topo = Topology(name=name, num_hosts=self.num_hosts, num_switches=self.num_switches,
                        links=self.links, description=description, hosts_forward=hosts_forward,
                        facts=dict(facts or {}))
        return topo.validate()


def _positive_int(value: object, fld: str, minimum: int = 1) -> int:
    """Parse an integer parameter >= minimum (and <= LIMITS.max_hosts) or raise InputError."""
    if isinstance(value, bool):
        raise InputError(f"{value!r} is not an integer", field=fld, fix="give a whole number")
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{value!r} is not an integer", field=fld, fix="give a whole number") from None
    if number != value and not isinstance(value, str):
        raise InputError(f"{value!r} is not an integer", field=fld, fix="give a whole number")
    if number < minimum:
        raise InputError(f"{number} is below {minimum}", field=fld, fix=f"use {minimum} or more")
    if number > LIMITS.max_hosts:
        raise InputError(f"{number} is above the limit of {LIMITS.max_hosts}", field=fld,
                         fix="build a smaller fabric (each host costs memory)")
    return number


def _positive_float(value: object, fld: str) -> float:
    """Parse a rate > 0."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not a number", field=fld, fix="give a positive number") from None
    if not number > 0:
        raise InputError(f"{number} is not positive", field=fld, fix="give a positive number")
    if not math.isfinite(number) or number > LIMITS.max_link_gbps * 8:
        raise InputError(f"{number} is not a finite rate", field=fld, fix="give a finite positive number")
    return number


def _latency(value: object, fld: str) -> float:
    """Parse a latency >= 0 ns."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not a number", field=fld, fix="give latency in ns") from None
    if not number >= 0:
        raise InputError(f"latency {number} is negative", field=fld, fix="use 0 or more ns")
    if not number <= LIMITS.max_latency_ns:
        raise InputError(f"latency {number} is above {LIMITS.max_latency_ns:g} ns", field=fld,
                         fix="give a finite latency in ns")
    return number


# ---------------------------------------------------------------------- ASTRA-sim dimensions
def _checked_dims(dims: Sequence[object]) -> list[Dimension]:
    """Dimensions of a known kind with at least 2 NPUs, a positive bandwidth and a latency."""
    parsed = [_dimension(d, i) for i, d in enumerate(dims)]
    if not parsed:
        raise InputError("no dimensions given", field="dims", fix="give at least one dimension")
    for i, dim in enumerate(parsed):
        if dim.topology not in ASTRASIM_DIM_KINDS:
            raise InputError(f"unknown dimension topology '{dim.topology}'", field=f"dims[{i}].topology",
                             fix=f"use one of {', '.join(ASTRASIM_DIM_KINDS)}")
        if dim.npus < 2:
            raise InputError(f"npus_count {dim.npus} must be > 1", field=f"dims[{i}].npus_count",
                             fix="give every dimension at least 2 NPUs")
        _positive_float(dim.bandwidth_gbytes_per_s, f"dims[{i}].bandwidth_GBps")
        _latency(dim.latency_ns, f"dims[{i}].latency_ns")
    return parsed


def from_astrasim_dims(dims: Sequence[object], name: str | None = None,
                       description: str = "") -> Topology:
    """Physical system for ASTRA-sim dimensions: `config.network.Dimension`s (as `parse_network`
    returns them) or [(topology, npus_count, bandwidth_GBps, latency_ns), ...].

    Rank r has coordinates a_i with r = a0 + n0*(a1 + n1*(...)) (dim 0 fastest). For every group of
    ranks differing only in dim i: Ring links neighbours a_i <-> a_i+1 (mod n; a 2-ring is one link),
    FullyConnected links every pair, Switch adds one switch linked to each member. Link rates are
    the dimension bandwidth in Gbps, link latency the dimension latency (a Switch path is therefore
    2 x latency, as in ASTRA-sim). Hosts relay (hosts_forward) whenever a Ring or a second dimension
    exists, because then traffic must cross NPUs. Switches are numbered dim by dim, group by group
    in order of the group's lowest rank.
    """
    parsed = _checked_dims(dims)
    sizes = [d.npus for d in parsed]
    total = 1
    for s in sizes:
        total *= s
    asm = _Assembler(total)
    stride = 1
    for dim in parsed:
        n = dim.npus
        gbps = dim.link_gbps
        for base in range(total):
            if (base // stride) % n != 0:
                continue  # base is the member with a_i == 0 of its group
            members = [base + j * stride for j in range(n)]
            if dim.topology == "Ring":
                pairs = [(members[j], members[(j + 1) % n]) for j in range(n if n > 2 else 1)]
                for a, b in pairs:
                    asm.link(a, b, gbps, dim.latency_ns)
            elif dim.topology == "FullyConnected":
                for a, b in itertools.combinations(members, 2):
                    asm.link(a, b, gbps, dim.latency_ns)
            else:
                sw = asm.new_switch()
                for a in members:
                    asm.link(a, sw, gbps, dim.latency_ns)
        stride *= n
    label = "x".join(f"{d.topology}{d.npus}" for d in parsed)
    hosts_forward = len(parsed) > 1 or any(d.topology == "Ring" for d in parsed)
    facts = {
        "builder": "astrasim_dims",
        "dims": [[d.topology, d.npus, d.bandwidth_gbytes_per_s, d.latency_ns] for d in parsed],
        "dim_link_gbps": [d.link_gbps for d in parsed],
    }
    if any(d.latency_ns != round(d.latency_ns) for d in parsed):
        facts["note"] = "link latencies rounded to whole ns (Link.latency_ns is an integer)"
    return asm.build(name or f"astrasim_{label}",
                     description or f"ASTRA-sim dimensions {label} (dim 0 fastest)",
                     hosts_forward=hosts_forward, facts=facts)


# ---------------------------------------------------------------------- single switch
def star(num_hosts: int, link_gbps: float, latency_ns: float, name: str | None = None,
         description: str = "") -> Topology:
    """num_hosts hosts on one switch (id num_hosts), every link link_gbps / latency_ns."""
    num_hosts = _positive_int(num_hosts, "num_hosts", 2)
    link_gbps = _positive_float(link_gbps, "link_gbps")
    latency_ns = _latency(latency_ns, "latency_ns")
    asm = _Assembler(num_hosts)
    sw = asm.new_switch()
    for h in range(num_hosts):
        asm.link(h, sw, link_gbps, latency_ns)
    return asm.build(name or f"star_{num_hosts}",
                     description or f"{num_hosts} hosts on one switch",
                     facts={"builder": "star", "tiers": 1,
                            "bisection_gbps_closed_form": num_hosts // 2 * link_gbps})


# ---------------------------------------------------------------------- two-tier leaf-spine
def leaf_spine(num_leaves: int, hosts_per_leaf: int, num_spines: int, host_gbps: float,
               uplink_gbps: float | None = None, host_latency_ns: float = 500,
               uplink_latency_ns: float | None = None, name: str | None = None,
               description: str = "") -> Topology:
    """Two-tier Clos: leaves with hosts_per_leaf hosts, every leaf linked once to every spine.

    Hosts of leaf i are i*hosts_per_leaf .. ; leaves are switches 0..L-1 after the hosts, spines
    follow. Oversubscription = hosts_per_leaf*host_gbps / (num_spines*uplink_gbps).
    """
    num_leaves = _positive_int(num_leaves, "num_leaves")
    hosts_per_leaf = _positive_int(hosts_per_leaf, "hosts_per_leaf")
    num_spines = _positive_int(num_spines, "num_spines", 0 if num_leaves == 1 else 1)
    host_gbps = _positive_float(host_gbps, "host_gbps")
    uplink_gbps = host_gbps if uplink_gbps is None else _positive_float(uplink_gbps, "uplink_gbps")
    host_latency_ns = _latency(host_latency_ns, "host_latency_ns")
    uplink_latency_ns = (host_latency_ns if uplink_latency_ns is None
                         else _latency(uplink_latency_ns, "uplink_latency_ns"))
    num_hosts = num_leaves * hosts_per_leaf
    asm = _Assembler(num_hosts)
    leaves = [asm.new_switch() for _ in range(num_leaves)]
    spines = [asm.new_switch() for _ in range(num_spines)]
    for i, leaf in enumerate(leaves):
        for h in range(i * hosts_per_leaf, (i + 1) * hosts_per_leaf):
            asm.link(h, leaf, host_gbps, host_latency_ns)
    for leaf in leaves:
        for spine in spines:
            asm.link(leaf, spine, uplink_gbps, uplink_latency_ns)
    down = hosts_per_leaf * host_gbps
    up = num_spines * uplink_gbps
    oversub = down / up if up else float("inf")
    half = num_leaves // 2
    bisection = (min(half * hosts_per_leaf * host_gbps, half * up) if num_leaves % 2 == 0
                 else None)
    facts = {"builder": "leaf_spine", "tiers": 2, "leaves": num_leaves, "spines": num_spines,
             "hosts_per_leaf": hosts_per_leaf, "oversubscription": oversub,
             "bisection_gbps_closed_form": bisection}
    return asm.build(name or f"leaf_spine_{num_leaves}x{hosts_per_leaf}_{num_spines}sp",
                     description or (f"2-tier Clos: {num_leaves} leaves x {hosts_per_leaf} hosts, "
                                     f"{num_spines} spines, {oversub:g}:1 oversubscribed"),
                     facts=facts)


def clos_2tier(num_hosts: int, hosts_per_leaf: int, oversubscription: float, link_gbps: float,
               latency_ns: float = 500, name: str | None = None, description: str = "") -> Topology:
    """Two-tier Clos with equal link rates; spines = hosts_per_leaf / oversubscription."""
    num_hosts = _positive_int(num_hosts, "num_hosts", 2)
    hosts_per_leaf = _positive_int(hosts_per_leaf, "hosts_per_leaf")
    oversubscription = _positive_float(oversubscription, "oversubscription")
    if num_hosts % hosts_per_leaf:
        raise InputError(f"{num_hosts} hosts do not fill leaves of {hosts_per_leaf}",
                         field="hosts_per_leaf", fix="make num_hosts a multiple of hosts_per_leaf")
    spines = hosts_per_leaf / oversubscription
    if abs(spines - round(spines)) > 1e-9 or round(spines) < 1:
        raise InputError(f"hosts_per_leaf {hosts_per_leaf} / oversubscription {oversubscription} "
                         f"is not a whole number of spines", field="oversubscription",
                         fix="choose a ratio dividing hosts_per_leaf")
    return leaf_spine(num_hosts // hosts_per_leaf, hosts_per_leaf, int(round(spines)), link_gbps,
                      link_gbps, latency_ns, latency_ns, name=name, description=description)


# ---------------------------------------------------------------------- three-tier fat-tree
def fattree(k: int, link_gbps: float, latency_ns: float = 500, oversubscription: float = 1,
            name: str | None = None, description: str = "") -> Topology:
    """k-ary fat-tree (Al-Fares): k pods of k/2 edge + k/2 aggregation switches, (k/2)^2 cores.

    Each edge switch has k/2 uplinks and k/2 * oversubscription hosts (1:1 gives k^3/4 hosts).
    Aggregation switch j of every pod links to cores j*k/2 .. j*k/2+k/2-1. Switch ids after the
    hosts: edges (pod-major), then aggregations (pod-major), then cores.
    """
    k = _positive_int(k, "k", 2)
    if k % 2:
        raise InputError(f"k = {k} is odd", field="k", fix="a k-ary fat-tree needs an even k")
    link_gbps = _positive_float(link_gbps, "link_gbps")
    latency_ns = _latency(latency_ns, "latency_ns")
    oversubscription = _positive_float(oversubscription, "oversubscription")
    half = k // 2
    per_edge = half * oversubscription
    if abs(per_edge - round(per_edge)) > 1e-9:
        raise InputError(f"k/2 * oversubscription = {per_edge} hosts per edge switch",
                         field="oversubscription", fix="choose a ratio giving whole hosts per edge")
    per_edge = int(round(per_edge))
    num_hosts = k * half * per_edge
    asm = _Assembler(num_hosts)
    edges = [[asm.new_switch() for _ in range(half)] for _ in range(k)]
    aggs = [[asm.new_switch() for _ in range(half)] for _ in range(k)]
    cores = [asm.new_switch() for _ in range(half * half)]
    host = 0
    for pod in range(k):
        for e in edges[pod]:
            for _ in range(per_edge):
                asm.link(host, e, link_gbps, latency_ns)
                host += 1
        for e in edges[pod]:
            for a in aggs[pod]:
                asm.link(e, a, link_gbps, latency_ns)
        for j, a in enumerate(aggs[pod]):
            for c in cores[j * half:(j + 1) * half]:
                asm.link(a, c, link_gbps, latency_ns)
    facts = {"builder": "fattree", "tiers": 3, "k": k, "pods": k, "hosts_per_edge": per_edge,
             "core_switches": half * half, "oversubscription": float(oversubscription),
             # Splitting the pods in halves cuts either the hosts or the k^3/8 core uplinks.
             "bisection_gbps_closed_form": min(num_hosts / 2, half * half * half) * link_gbps}
    return asm.build(name or f"fattree_k{k}",
                     description or f"{k}-ary fat-tree, {num_hosts} hosts, {oversubscription:g}:1",
                     facts=facts)


# ---------------------------------------------------------------------- rail-optimized
def rail_optimized(num_servers: int, gpus_per_server: int = 8, nic_gbps: float = 400,
                   scaleup_gbps: float = 3600, num_spines: int = 0, spine_gbps: float | None = None,
                   nic_latency_ns: float = 500, scaleup_latency_ns: float = 250,
                   spine_latency_ns: float | None = None, name: str | None = None,
                   description: str = "") -> Topology:
    """Rail-optimized cluster: GPU g of server s is host s*gpus_per_server+g.

    Every server has a scale-up switch (NVSwitch-like) linked to its GPUs at scaleup_gbps; every
    GPU's NIC links at nic_gbps to the leaf of rail g (one leaf per GPU index); num_spines spines
    link to every rail leaf at spine_gbps (default: non-blocking, num_servers*nic_gbps/num_spines).
    With no spines, cross-rail traffic between servers has no path unless hosts forward (PXN),
    so hosts_forward is set then. Switch ids: scale-up switches (per server), rail leaves, spines.
    """
    num_servers = _positive_int(num_servers, "num_servers")
    gpus = _positive_int(gpus_per_server, "gpus_per_server")
    nic_gbps = _positive_float(nic_gbps, "nic_gbps")
    scaleup_gbps = _positive_float(scaleup_gbps, "scaleup_gbps")
    num_spines = _positive_int(num_spines, "num_spines", 0)
    if spine_gbps is None:
        spine_gbps = num_servers * nic_gbps / num_spines if num_spines else nic_gbps
    spine_gbps = _positive_float(spine_gbps, "spine_gbps")
    nic_latency_ns = _latency(nic_latency_ns, "nic_latency_ns")
    scaleup_latency_ns = _latency(scaleup_latency_ns, "scaleup_latency_ns")
    spine_latency_ns = (nic_latency_ns if spine_latency_ns is None
                        else _latency(spine_latency_ns, "spine_latency_ns"))
    asm = _Assembler(num_servers * gpus)
    scaleup = [asm.new_switch() for _ in range(num_servers)]
    rails = [asm.new_switch() for _ in range(gpus)]
    spines = [asm.new_switch() for _ in range(num_spines)]
    for s in range(num_servers):
        for g in range(gpus):
            host = s * gpus + g
            asm.link(host, scaleup[s], scaleup_gbps, scaleup_latency_ns)
            asm.link(host, rails[g], nic_gbps, nic_latency_ns)
    for leaf in rails:
        for spine in spines:
            asm.link(leaf, spine, spine_gbps, spine_latency_ns)
    rail_oversub = (num_servers * nic_gbps / (num_spines * spine_gbps)) if num_spines else None
    facts = {"builder": "rail_optimized", "servers": num_servers, "gpus_per_server": gpus,
             "rails": gpus, "scaleup_switches": num_servers, "spines": num_spines,
             "rail_leaf_oversubscription": rail_oversub}
    return asm.build(name or f"rail_{num_servers}x{gpus}",
                     description or (f"rail-optimized: {num_servers} servers x {gpus} GPUs, "
                                     f"{gpus} rail leaves, {num_spines} spines"),
                     hosts_forward=num_spines == 0 and num_servers > 1, facts=facts)


# ---------------------------------------------------------------------- explicit graph
def explicit(num_hosts: int, num_switches: int, links: Iterable[object], name: str = "custom",
             description: str = "", hosts_forward: bool = False,
             default_gbps: float | None = None, default_latency_ns: float | None = None) -> Topology:
    """A graph listed link by link: each link [a, b, gbps, ns] or {a, b, gbps, latency_ns}."""
    num_hosts = _positive_int(num_hosts, "hosts")
    num_switches = _positive_int(num_switches, "switches", 0)
    parsed: list[Link] = []
    for i, raw in enumerate(links):
        fld = f"links[{i}]"
        if isinstance(raw, dict):
            a, b = raw.get("a"), raw.get("b")
            gbps = raw.get("gbps", raw.get("rate_gbps", default_gbps))
            lat = raw.get("latency_ns", default_latency_ns)
        elif isinstance(raw, (list, tuple)) and len(raw) in (2, 4):
            a, b = raw[0], raw[1]
            gbps, lat = (raw[2], raw[3]) if len(raw) == 4 else (default_gbps, default_latency_ns)
        else:
            raise InputError(f"link {raw!r} is not [a, b, gbps, latency_ns]", field=fld,
                             fix="write each link as [a, b, gbps, latency_ns]")
        if gbps is None or lat is None:
            raise InputError(f"link {raw!r} has no rate or latency", field=fld,
                             fix="give gbps and latency_ns per link or link_gbps/latency_ns defaults")
        if not isinstance(a, int) or not isinstance(b, int):
            raise InputError(f"link ends {a!r}, {b!r} are not node ids", field=fld,
                             fix="use integer node ids (hosts first, then switches)")
        try:
            parsed.append(Link(a, b, float(gbps), int(round(float(lat)))))
        except (TypeError, ValueError):
            raise InputError(f"link {raw!r} has a non-numeric rate or latency", field=fld,
                             fix="give numbers") from None
    topo = Topology(name=name, num_hosts=num_hosts, num_switches=num_switches, links=parsed,
                    description=description, hosts_forward=bool(hosts_forward),
                    facts={"builder": "graph"})
    return topo.validate()
