"""`astrasim-py report SWEEP_DIR`: a static HTML page (+ PNGs, Markdown and JSON twins) comparing a sweep's points."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub) -> argparse.ArgumentParser:
    """Register the `report` sub-command."""
    p = sub.add_parser(
        "report", help="compare a finished sweep's points: HTML page, PNG figures, Markdown and JSON",
        description="Read SWEEP_DIR (the --out folder of `astrasim-py sweep`) and write a report comparing its "
                    "points: finish time and slowdown against the ideal (analytical) time, per collective; PFC "
                    "pause / credit-stall time, ECN/CNP/FECN/BECN, drops and retransmissions; queue depth and "
                    "link utilization per tier; completion-time CDFs. Writes OUTPUT (.html), OUTPUT.md, "
                    "OUTPUT.json and the figures in <stem>_figures/ beside it.")
    p.add_argument("sweep_dir", type=Path, help="sweep output folder (has sweep.json and points/)")
    p.add_argument("--output", type=Path, help="HTML file to write (default: SWEEP_DIR/report/report.html)")
    p.add_argument("--group-by", help="comma-separated axes to group points by (short names allowed, e.g. "
                                      "transport,preset,size; also transport, cc_preset, backend); "
                                      "default: every axis")
    p.set_defaults(func=main)
    return p


def main(args: argparse.Namespace) -> int:
    """Write the report and print where it is."""
    from astrasim_py.report.build import write_report

    files = write_report(args.sweep_dir, args.output, args.group_by)
    print(f"report: {files.html} (Markdown {files.markdown.name}, numbers {files.json.name}, "
          f"{len(files.figures)} figures in {files.figures[0].parent if files.figures else '-'})")
    return 0
