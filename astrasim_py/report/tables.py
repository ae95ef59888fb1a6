"""The report's numbers: per-point metrics, groups of points, and the comparison tables built from them."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from astrasim_py.errors import InputError
from astrasim_py.report.load import ReportPoint, SweepData
from astrasim_py.sweep.counters import WARNING_SEPARATOR, counter_columns

# Group-by names that are not axes but properties every point has.
DERIVED_KEYS = ("transport", "cc_preset", "backend")
# What the link-level flow control's waiting is called on each transport.
FLOW_WAIT_NAME = {"roce": "PFC pause time", "ib": "credit-stall time"}


@dataclass
class Group:
    """Points sharing the values of the group-by keys (their numbers are averaged)."""

    label: str
    values: dict[str, Any]
    points: list[ReportPoint]


def axis_value_text(value: Any) -> str:
    """An axis value as a short label: a workload's `name`, an input file's stem, else the value as written."""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"]
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, str) and "/" in value:
        return PurePath(value).stem if PurePath(value).suffix else PurePath(value).name
    return str(value)


def short_key(key: str) -> str:
    """The last dotted part of an axis key (`network_overrides.fabric.transport` -> `transport`)."""
    return key.rsplit(".", 1)[-1]


def resolve_group_by(text: str | None, data: SweepData) -> list[str]:
    """Group-by names -> axis keys (full or last dotted part) or derived keys; default: every axis."""
    if not text:
        return list(data.axis_keys) or ["transport"]
    keys = []
    for name in (n.strip() for n in text.split(",")):
        if not name:
            continue
        matches = [k for k in data.axis_keys if k == name] or [k for k in data.axis_keys if short_key(k) == name]
        if len(matches) == 1:
            keys.append(matches[0])
        elif name in DERIVED_KEYS:
            keys.append(name)
        else:
            known = ", ".join(dict.fromkeys([*(short_key(k) for k in data.axis_keys), *DERIVED_KEYS]))
            raise InputError(f"unknown or ambiguous group-by key {name!r}", file=str(data.folder),
                             field="--group-by", fix=f"use axes of this sweep: {known}")
    return keys


def point_value(point: ReportPoint, key: str) -> Any:
    """A point's value for an axis key or a derived key."""
    if key in point.axes:
        return point.axes[key]
    if key == "transport":
        return point.transport
    if key == "cc_preset":
        return (point.fabric.get("config") or {}).get("preset") or "-"
    if key == "backend":
        return point.result.get("backend")
    return None


def group_points(data: SweepData, keys: list[str]) -> list[Group]:
    """Points grouped by the values of `keys`, groups in the order of their first point."""
    groups: dict[tuple[str, ...], Group] = {}
    for point in data.points:
        values = {k: point_value(point, k) for k in keys}
        ident = tuple(axis_value_text(v) for v in values.values())
        if ident not in groups:
            label = ", ".join(f"{short_key(k)}={axis_value_text(v)}" for k, v in values.items())
            groups[ident] = Group(label, values, [])
        groups[ident].points.append(point)
    return list(groups.values())


def _mean(values: list[Any]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return statistics.fmean(numbers) if numbers else None


def point_metrics(point: ReportPoint) -> dict[str, Any]:
    """The headline numbers of one point: times, slowdown, flow-control wait and fabric counters."""
    row = counter_columns(point.result)
    row["finish_ns"] = point.result.get("max_finish_ns")
    transport = point.transport
    if transport == "ib":
        row["flow_wait_ns"] = row.get("credit_stall_ns")
    elif transport == "roce":
        row["flow_wait_ns"] = row.get("pfc_paused_ns")
    else:
        row["flow_wait_ns"] = None
    return row


SUMMARY_METRICS = ("finish_ns", "ideal_max_finish_ns", "slowdown", "flow_wait_ns", "pfc_pause_frames",
                   "pfc_paused_ns", "credit_stall_ns", "ecn_marks", "cnps", "fecn_marked", "becn_received",
                   "drops", "retransmitted_packets", "max_queue_bytes", "delivered_bytes", "num_warnings")


def summary_rows(groups: list[Group]) -> list[dict[str, Any]]:
    """One row per group: the mean of each headline metric over its points."""
    rows = []
    for g in groups:
        metrics = [point_metrics(p) for p in g.points]
        transports = sorted({p.transport for p in g.points})
        row: dict[str, Any] = {"group": g.label, "points": len(g.points), "transport": "/".join(transports),
                               "flow_wait_name": " / ".join(dict.fromkeys(FLOW_WAIT_NAME.get(t, "-") for t in transports))}
        for name in SUMMARY_METRICS:
            row[name] = _mean([m.get(name) for m in metrics])
        row["warnings"] = sorted({w for m in metrics for w in (m.get("warnings") or "").split(WARNING_SEPARATOR) if w})
        rows.append(row)
    return rows


def job_of_rank(result: dict[str, Any]) -> dict[int, str]:
    """Host -> job name for a multi-job run ({} for a single workload)."""
    return {int(h): str(j.get("name")) for j in result.get("jobs") or [] for h in j.get("hosts") or []}


def collective_instances(collectives: list[dict[str, Any]], jobs: dict[int, str] | None = None) -> dict[str, list[float]]:
    """Per collective name (`job:name` in multi-job runs), each instance's time: last end minus first start, ns."""
    jobs = jobs or {}
    # Node ids differ between ranks' traces, so an instance is the k-th collective of that name
    # (and communicator group) on each rank.
    spans: dict[tuple[str, Any, int], list[float]] = {}
    seen: dict[tuple[Any, str, Any], int] = {}
    timed = [c for c in collectives or []
             if isinstance(c.get("start_ns"), (int, float)) and isinstance(c.get("end_ns"), (int, float))]
    for c in sorted(timed, key=lambda c: (str(c.get("rank")), c["start_ns"], str(c.get("node_id")))):
        name = str(c.get("name") or c.get("collective"))
        if c.get("rank") in jobs:
            name = f"{jobs[c['rank']]}:{name}"
        ordinal_key = (c.get("rank"), name, c.get("group"))
        ordinal = seen.get(ordinal_key, 0)
        seen[ordinal_key] = ordinal + 1
        key = (name, str(c.get("group")), ordinal)
        start, end = c["start_ns"], c["end_ns"]
        span = spans.setdefault(key, [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
    out: dict[str, list[float]] = {}
    for (name, _, _), (start, end) in sorted(spans.items()):
        out.setdefault(name, []).append(end - start)
    return out


def collective_rows(groups: list[Group]) -> list[dict[str, Any]]:
    """One row per (group, collective name): mean instance time, the ideal's, and their ratio."""
    rows = []
    for g in groups:
        names: dict[str, tuple[list[float], list[float]]] = {}
        for p in g.points:
            for name, times in collective_instances(p.result.get("collectives"), job_of_rank(p.result)).items():
                names.setdefault(name, ([], []))[0].extend(times)
            ideal = p.result.get("ideal") or {}
            for name, times in collective_instances(ideal.get("collectives"), job_of_rank(ideal)).items():
                names.setdefault(name, ([], []))[1].extend(times)
        for name, (times, ideal_times) in names.items():
            mean, ideal_mean = _mean(times), _mean(ideal_times)
            rows.append({"group": g.label, "collective": name, "instances": len(times), "time_ns": mean,
                         "ideal_ns": ideal_mean,
                         "slowdown": mean / ideal_mean if mean is not None and ideal_mean else None})
    return rows


def message_times_ns(point: ReportPoint) -> list[float]:
    """Completion time (issue to last byte) of every point-to-point message of a point, ns."""
    return [float(m["end_ns"] - m["start_ns"]) for m in point.result.get("messages") or []
            if isinstance(m.get("end_ns"), (int, float)) and isinstance(m.get("start_ns"), (int, float))]


def collective_times_ns(point: ReportPoint) -> list[float]:
    """Per-rank durations of every collective of a point, ns."""
    return [float(c["duration_ns"]) for c in point.result.get("collectives") or []
            if isinstance(c.get("duration_ns"), (int, float))]


def completion_samples(groups: list[Group]) -> tuple[str, dict[str, list[float]]]:
    """(what is measured, group label -> completion times in ns): messages where any point has them,
    else per-rank collective times."""
    if any(message_times_ns(p) for g in groups for p in g.points):
        return "message completion time", {g.label: [t for p in g.points for t in message_times_ns(p)]
                                           for g in groups}
    return "per-rank collective completion time", {g.label: [t for p in g.points for t in collective_times_ns(p)]
                                                   for g in groups}


def message_slowdowns(point: ReportPoint) -> list[float]:
    """Each message's completion time over the same message's time in the ideal run (matched by src, dst, tag)."""
    ideal = {(m.get("src"), m.get("dst"), m.get("tag")): m for m in (point.result.get("ideal") or {}).get("messages") or []}
    out = []
    for m in point.result.get("messages") or []:
        ref = ideal.get((m.get("src"), m.get("dst"), m.get("tag")))
        if ref is None or not all(isinstance(x.get(k), (int, float)) for x in (m, ref) for k in ("start_ns", "end_ns")):
            continue
        ideal_ns = ref["end_ns"] - ref["start_ns"]
        if ideal_ns > 0:
            out.append((m["end_ns"] - m["start_ns"]) / ideal_ns)
    return out
