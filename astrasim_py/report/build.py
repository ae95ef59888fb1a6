"""Build a sweep report: load the points, group them, draw the figures, write HTML + Markdown + JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from astrasim_py.errors import InputError
from astrasim_py.report.document import build_document
from astrasim_py.report.figures import write_figures
from astrasim_py.report.load import load_sweep
from astrasim_py.report.tables import (collective_rows, group_points, point_metrics, resolve_group_by,
                                       summary_rows)
from astrasim_py.report.tiers import tier_flow_wait_ns, tier_order, tier_queue_bytes, tier_utilization
from astrasim_py.report.writers import render_html, render_markdown
from astrasim_py.safe_io import write_text_atomic

DEFAULT_OUTPUT = Path("report") / "report.html"


@dataclass
class ReportFiles:
    """What a report run wrote."""

    html: Path
    markdown: Path
    json: Path
    figures: list[Path]


def report_paths(sweep_dir: Path, output: str | Path | None) -> tuple[Path, Path, Path, Path]:
    """(html, markdown, json, figure folder) for an --output path (default SWEEP_DIR/report/report.html)."""
    html_path = Path(output) if output else sweep_dir / DEFAULT_OUTPUT
    if html_path.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"the report is an HTML file, got {html_path.name!r}", field="--output",
                         fix="give a path ending in .html, e.g. --output study/report.html")
    if html_path.is_dir():
        raise InputError("is a folder", file=str(html_path), field="--output", fix="give a file path ending in .html")
    return (html_path, html_path.with_suffix(".md"), html_path.with_suffix(".json"),
            html_path.parent / f"{html_path.stem}_figures")


def write_report(sweep_dir: str | Path, output: str | Path | None = None, group_by: str | None = None) -> ReportFiles:
    """Write the report of a finished sweep folder; return the files written."""
    data = load_sweep(sweep_dir)
    keys = resolve_group_by(group_by, data)
    html_path, md_path, json_path, fig_dir = report_paths(Path(sweep_dir), output)
    groups = group_points(data, keys)
    figures = write_figures(groups, keys, fig_dir)
    doc = build_document(data, groups, keys, [(name, caption + (f" ({note})" if note else ""))
                                              for name, caption, note in figures])
    rel = fig_dir.name
    numbers = {
        "sweep": data.name,
        "group_by": keys,
        "summary": summary_rows(groups),
        "collectives": collective_rows(groups),
        "tiers": {g.label: {"utilization_percent": _merge([tier_utilization(p) for p in g.points]),
                            "max_queue_bytes": _merge([tier_queue_bytes(p) for p in g.points]),
                            "flow_wait_ns": _merge([tier_flow_wait_ns(p) for p in g.points])} for g in groups},
        "points": [{"index": p.index, "point_id": p.point_id, "group": g.label, "axes": p.axes,
                    **point_metrics(p)} for g in groups for p in g.points],
        "figures": [name for name, _, _ in figures],
        "figure_notes": {name: note for name, _, note in figures if note},
    }
    write_text_atomic(json_path, json.dumps(numbers, indent=1, sort_keys=True, default=str) + "\n")
    write_text_atomic(md_path, render_markdown(doc, rel))
    # The HTML goes last: once it exists, everything it links to does.
    write_text_atomic(html_path, render_html(doc, rel))
    return ReportFiles(html_path, md_path, json_path, [fig_dir / name for name, _, _ in figures])


def _merge(per_point: list[dict[str, tuple[float, float]]]) -> dict[str, dict[str, float]]:
    """Per tier: mean of the points' means and max of their maxima."""
    out: dict[str, dict[str, float]] = {}
    for tier in sorted({t for d in per_point for t in d}, key=tier_order):
        pairs = [d[tier] for d in per_point if tier in d]
        out[tier] = {"mean": sum(p[0] for p in pairs) / len(pairs), "max": max(p[1] for p in pairs)}
    return out
