"""Per-tier summaries of a fabric: link utilization and queue depth by the tiers a link joins.

Tiers come from the topology the telemetry lists: hosts are nodes 0..num_npus-1 (tier 0), and a
switch's tier is its hop distance from the nearest host (T1 = leaf / edge / scale-up, T2 = spine /
aggregation, T3 = core). A link direction's tier is `from->to`, with the link rate when one tier
pair mixes rates (a rail server's scale-up and NIC links).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from astrasim_py.report.load import ReportPoint


def node_tiers(links: list[dict[str, Any]], num_hosts: int) -> dict[int, int]:
    """Hop distance of every node from the nearest host (hosts are 0)."""
    adjacency: dict[int, list[int]] = {}
    for link in links:
        a, b = int(link["a"]), int(link["b"])
        adjacency.setdefault(a, []).append(b)
        adjacency.setdefault(b, []).append(a)
    tiers = {h: 0 for h in range(num_hosts)}
    queue = deque(range(num_hosts))
    while queue:
        node = queue.popleft()
        for peer in adjacency.get(node, []):
            if peer not in tiers:
                tiers[peer] = tiers[node] + 1
                queue.append(peer)
    return tiers


def _tier_name(tier: int) -> str:
    return "host" if tier == 0 else f"T{tier}"


def _direction_labels(point: ReportPoint) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], float]]:
    """Label and rate (Gb/s) of each directed link (a, b) of the point's fabric."""
    links = point.fabric.get("links") or []
    tiers = node_tiers(links, int(point.result.get("num_npus") or 0))
    base: dict[tuple[int, int], str] = {}
    rates: dict[tuple[int, int], float] = {}
    for link in links:
        a, b = int(link["a"]), int(link["b"])
        for u, v in ((a, b), (b, a)):
            base[(u, v)] = f"{_tier_name(tiers.get(u, -1))}->{_tier_name(tiers.get(v, -1))}"
            rates[(u, v)] = float(link["gbps"])
    mixed = {name for name in set(base.values()) if len({rates[k] for k in base if base[k] == name}) > 1}
    labels = {k: (f"{name} {rates[k]:g}G" if name in mixed else name) for k, name in base.items()}
    return labels, rates


def tier_order(label: str) -> tuple[int, int, str]:
    """Sort key: upward tiers from the hosts first (host->T1, T1->T2, ...), then downward ones."""
    ends = label.split(" ", 1)[0].split("->")
    try:
        lo, hi = (0 if e == "host" else int(e.lstrip("T")) for e in ends)
    except ValueError:
        return (2, 0, label)
    return (0, lo, label) if hi > lo else (1, -lo, label)


def _by_tier(per_tier: dict[str, list[float]], mean: bool) -> dict[str, tuple[float, float]]:
    """Per tier label in tier order: (mean or sum, max) of its values."""
    return {t: (sum(v) / len(v) if mean else sum(v), max(v))
            for t, v in sorted(per_tier.items(), key=lambda kv: tier_order(kv[0]))}


def tier_utilization(point: ReportPoint) -> dict[str, tuple[float, float]]:
    """Per tier label: (mean, max) utilization of its link directions over the run, in percent."""
    sim_ns = float(point.result.get("sim_time_ns") or 0)
    if sim_ns <= 0:
        return {}
    labels, rates = _direction_labels(point)
    per_tier: dict[str, list[float]] = {}
    for link in point.fabric.get("links") or []:
        a, b = int(link["a"]), int(link["b"])
        for (u, v), sent in (((a, b), link.get("bytes_a_to_b", 0)), ((b, a), link.get("bytes_b_to_a", 0))):
            # gbps is bits per ns, so bytes * 8 / (gbps * ns) is the busy fraction.
            per_tier.setdefault(labels[(u, v)], []).append(100.0 * float(sent) * 8.0 / (rates[(u, v)] * sim_ns))
    return _by_tier(per_tier, mean=True)


def tier_queue_bytes(point: ReportPoint) -> dict[str, tuple[float, float]]:
    """Per tier label: (mean, max) over its egress ports of the port's maximum queue, bytes."""
    labels, _ = _direction_labels(point)
    per_tier: dict[str, list[float]] = {}
    for port in point.fabric.get("ports") or []:
        key = (int(port["node"]), int(port["peer"]))
        if key in labels:
            per_tier.setdefault(labels[key], []).append(float(port.get("max_queue_bytes") or 0))
    return _by_tier(per_tier, mean=True)


def tier_flow_wait_ns(point: ReportPoint) -> dict[str, tuple[float, float]]:
    """Per tier label: (sum, max) over its egress ports of the time spent waiting on link-level flow control, ns.

    RoCE: a port's PFC paused time; IB: its credit-stall time (summed over VLs). Where the waiting sits
    shows how far a congestion tree spreads upstream from its root.
    """
    labels, _ = _direction_labels(point)
    ports = point.fabric.get("ports") or []
    peer = {(int(p["node"]), int(p["port"])): int(p["peer"]) for p in ports if "port" in p}
    waits: dict[tuple[int, int], float] = {}
    per_vl = (point.fabric.get("flow_control_stats") or {}).get("per_port_vl")
    if point.transport == "ib" and isinstance(per_vl, list):
        for entry in per_vl:
            key = (int(entry["node"]), int(entry["port"]))
            if key in peer:
                direction = (key[0], peer[key])
                waits[direction] = waits.get(direction, 0.0) + float(entry.get("credit_stall_ns") or 0)
    else:
        for p in ports:
            direction = (int(p["node"]), int(p["peer"]))
            waits[direction] = waits.get(direction, 0.0) + float(p.get("paused_ns") or 0)
    per_tier: dict[str, list[float]] = {}
    for direction, wait in waits.items():
        if direction in labels:
            per_tier.setdefault(labels[direction], []).append(wait)
    return _by_tier(per_tier, mean=False)
