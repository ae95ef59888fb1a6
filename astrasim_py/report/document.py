"""The report as a small document model (title, sections of text, tables and figures) both writers render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from astrasim_py.report.load import SweepData
from astrasim_py.report.tables import Group, collective_rows, short_key, summary_rows


@dataclass
class Table:
    """A table of already formatted cells."""

    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """A titled part of the report: paragraphs, then tables, then figures (file name, caption)."""

    title: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Document:
    """The whole report."""

    title: str
    intro: list[str]
    sections: list[Section]


def fmt_us(ns: Any) -> str:
    """Nanoseconds as microseconds with two decimals ('-' when absent)."""
    return "-" if ns is None else f"{ns / 1e3:.2f}"


def fmt_ratio(value: Any) -> str:
    """A slowdown as '1.234x'."""
    return "-" if value is None else f"{value:.3f}x"


def fmt_count(value: Any) -> str:
    """A count (a mean over points may be fractional)."""
    if value is None:
        return "-"
    return f"{int(value)}" if float(value).is_integer() else f"{value:.1f}"


def fmt_kib(value: Any) -> str:
    """Bytes as KiB with one decimal."""
    return "-" if value is None else f"{value / 1024:.1f}"


SUMMARY_HEADERS = ["configuration", "points", "transport", "finish (us)", "ideal (us)", "slowdown",
                   "flow-control wait", "wait (us)", "PFC pause frames", "ECN marks", "CNPs", "FECN", "BECN",
                   "drops", "retransmitted", "max queue (KiB)", "warnings"]


def summary_table(groups: list[Group]) -> Table:
    """The headline comparison: one row per group."""
    rows = []
    for r in summary_rows(groups):
        rows.append([r["group"], str(r["points"]), r["transport"], fmt_us(r["finish_ns"]),
                     fmt_us(r["ideal_max_finish_ns"]), fmt_ratio(r["slowdown"]), r["flow_wait_name"],
                     fmt_us(r["flow_wait_ns"]), fmt_count(r["pfc_pause_frames"]), fmt_count(r["ecn_marks"]),
                     fmt_count(r["cnps"]), fmt_count(r["fecn_marked"]), fmt_count(r["becn_received"]),
                     fmt_count(r["drops"]), fmt_count(r["retransmitted_packets"]), fmt_kib(r["max_queue_bytes"]),
                     str(len(r["warnings"]))])
    return Table(SUMMARY_HEADERS, rows)


COLLECTIVE_HEADERS = ["configuration", "collective", "instances", "mean time (us)", "ideal (us)", "slowdown"]


def collective_table(groups: list[Group]) -> Table:
    """Per collective name and group: mean time per instance, the ideal's and the slowdown."""
    rows = [[r["group"], r["collective"], str(r["instances"]), fmt_us(r["time_ns"]), fmt_us(r["ideal_ns"]),
             fmt_ratio(r["slowdown"])] for r in collective_rows(groups)]
    return Table(COLLECTIVE_HEADERS, rows)


def build_document(data: SweepData, groups: list[Group], group_keys: list[str],
                   figures: list[tuple[str, str]]) -> Document:
    """Assemble the report: headline, per-collective, fabric counters, tiers, completion times, warnings."""
    fig = dict(figures)

    def figs(*names: str) -> list[tuple[str, str]]:
        return [(n, fig[n]) for n in names if n in fig]

    by = ", ".join(short_key(k) for k in group_keys)
    intro = [f"Sweep `{data.name}` ({data.folder}): {len(data.points)} successful point(s), "
             f"{len(data.failed)} failed, {data.missing} not run; grouped by {by} "
             f"({len(groups)} configuration(s); numbers are means over the points of a configuration).",
             "Ideal time: the same workload on the sweep's `ideal` backend (ASTRA-sim's congestion-unaware "
             "analytical model of the network file's dimensions); slowdown = finish time / ideal time."]
    sections = [
        Section("Per collective", tables=[collective_table(groups)],
                figures=figs("collectives.png")),
        Section("Finish time and slowdown", tables=[summary_table(groups)],
                figures=figs("slowdown.png", "finish_time.png")),
        Section("Flow control and congestion signals",
                text=["Flow-control wait is PFC paused time on RoCE (a port's transmission held by a PAUSE) "
                      "and credit-stall time on InfiniBand (a VL with data but no credits), summed over ports."],
                figures=figs("flow_control_wait.png", "flow_wait_heatmap.png", "congestion_signals.png",
                             "loss.png")),
        Section("Queues and link utilization per tier",
                figures=figs("queue_heatmap.png", "utilization_heatmap.png")),
        Section("Completion times", figures=figs("completion_cdf.png", "message_slowdown_cdf.png")),
    ]
    warnings: dict[str, list[str]] = {}
    for r in summary_rows(groups):
        for w in r["warnings"]:
            warnings.setdefault(w, []).append(r["group"])
    sections.append(Section("Warnings", text=["none"] if not warnings else [],
                            tables=[Table(["warning", "configurations"], [[w, "; ".join(g)]
                                                                          for w, g in warnings.items()])]
                            if warnings else []))
    point_rows = [[str(p.index), p.point_id, g.label, fmt_us(p.result.get("max_finish_ns"))]
                  for g in groups for p in g.points]
    failed_rows = [[str(r.get("index")), str(r.get("point_id")), str(r.get("status")), str(r.get("error") or "")]
                   for r in data.failed]
    points = Section("Points", tables=[Table(["index", "point id", "configuration", "finish (us)"], point_rows)])
    if failed_rows:
        points.tables.append(Table(["index", "point id", "status", "error"], failed_rows))
    sections.append(points)
    return Document(f"Sweep report: {data.name}", intro, sections)
