"""Sweep reports: compare a finished sweep's points in HTML, Markdown, JSON and PNG figures."""

from astrasim_py.report.build import ReportFiles, write_report

__all__ = ["ReportFiles", "write_report"]
