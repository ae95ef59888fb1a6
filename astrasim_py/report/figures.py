"""The report's figures (PNG, matplotlib Agg): one function per figure, each returning what it said instead of plotting.

Every axis carries its unit; a figure whose quantity never happened says so in words ("no pauses")
instead of showing empty axes. Files are written atomically.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from astrasim_py.report.tables import (Group, axis_value_text, collective_rows, completion_samples,
                                       message_slowdowns, short_key, summary_rows)
from astrasim_py.report.tiers import tier_flow_wait_ns, tier_order, tier_queue_bytes, tier_utilization

DPI = 110
NO_FABRIC = "no packet-fabric telemetry in these points"
ROW_HEIGHT_IN = 0.3


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> str | None:
    """Write the figure atomically; return what it says in words instead of plotting, if anything."""
    note = "; ".join(getattr(fig, "astrasim_notes", [])) or None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            # No software/date metadata: the same sweep gives byte-identical figures.
            fig.savefig(f, format="png", dpi=DPI, metadata={"Software": None})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        _plt().close(fig)
    return note


def _height(n_rows: int) -> float:
    return max(2.6, 1.2 + ROW_HEIGHT_IN * n_rows)


def _say(ax, text: str) -> None:
    """Write what happened instead of drawing empty axes (and remember it for the report's captions)."""
    ax.figure.astrasim_notes = [*getattr(ax.figure, "astrasim_notes", []), text]
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


@dataclass
class Layout:
    """Bars grouped by category (every group-by key but the last) with one color per series (the last key)."""

    categories: list[str]
    series: list[str]
    cell: dict[str, tuple[int, int]]  # group label -> (category index, series index)
    series_key: str | None


def layout(groups: list[Group], keys: list[str]) -> Layout:
    """Place every group in a category (its values of all keys but the last) and a series (the last key)."""
    series_key = keys[-1] if keys else None
    categories: list[str] = []
    series: list[str] = []
    cell = {}
    for g in groups:
        cat = "\n".join(f"{short_key(k)}={axis_value_text(v)}" for k, v in g.values.items() if k != series_key)
        ser = axis_value_text(g.values.get(series_key)) if series_key else "all"
        if cat not in categories:
            categories.append(cat)
        if ser not in series:
            series.append(ser)
        cell[g.label] = (categories.index(cat), series.index(ser))
    return Layout(categories or [""], series, cell, series_key)


def _width(lay: Layout) -> float:
    # Room for each category's two-line tick label as well as for its bars.
    per_category = max(1.9, 0.3 * len(lay.series) + 0.5)
    return min(24.0, max(7.0, 1.2 + per_category * len(lay.categories)))


def _bar_x(lay: Layout, cat: int, ser: int) -> float:
    """Centre of the bar of series `ser` in category `cat`."""
    return cat + (ser - (len(lay.series) - 1) / 2) * (0.8 / max(1, len(lay.series)))


def _bar_figure(groups: list[Group], keys: list[str]):
    """One bar axes sized for the groups' layout: (figure, axes, summary rows, layout)."""
    lay = layout(groups, keys)
    fig, ax = _plt().subplots(figsize=(_width(lay), 4.8))
    return fig, ax, summary_rows(groups), lay


def _grouped_bars(ax, lay: Layout, values: dict[str, float | None], fmt: str, legend: bool = True) -> bool:
    """Draw one bar per group that has a value; return False when no group has one."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    width = 0.8 / max(1, len(lay.series))
    drawn = False
    top = max([v for v in values.values() if v is not None] or [0.0])
    for label, value in values.items():
        if value is None or label not in lay.cell:
            continue
        cat, ser = lay.cell[label]
        x = _bar_x(lay, cat, ser)
        ax.bar(x, value, width=width * 0.95, color=cmap(ser % 10))
        ax.text(x, value + top * 0.01, fmt.format(value), ha="center", va="bottom", fontsize=6, rotation=90)
        drawn = True
    ax.set_xticks(range(len(lay.categories)), lay.categories, fontsize=7)
    ax.set_xlim(-0.6, len(lay.categories) - 0.4)
    ax.set_ylim(0, top * 1.25 if top > 0 else 1)
    ax.grid(axis="y", alpha=0.3)
    if legend and len(lay.series) > 1:
        from matplotlib.patches import Patch

        ax.legend([Patch(color=cmap(i % 10)) for i in range(len(lay.series))], lay.series,
                  title=short_key(lay.series_key or ""), fontsize=7, title_fontsize=7, loc="upper left",
                  ncol=min(4, len(lay.series)))
    return drawn


def fig_finish(groups: list[Group], keys: list[str], path: Path) -> str | None:
    """Finish time per group (bars) with the ideal (analytical) time marked."""
    fig, ax, rows, lay = _bar_figure(groups, keys)
    _grouped_bars(ax, lay, {r["group"]: (r["finish_ns"] or 0) / 1e3 for r in rows}, "{:.0f}")
    marks = [(lay.cell[r["group"]], r["ideal_max_finish_ns"] / 1e3) for r in rows if r["ideal_max_finish_ns"]]
    if marks:
        xs = [_bar_x(lay, cat, ser) for (cat, ser), _ in marks]
        ax.scatter(xs, [v for _, v in marks], marker="_", s=120, color="black", zorder=3)
        ax.text(0.99, 0.98, "black ticks: ideal (analytical) time", transform=ax.transAxes, ha="right",
                va="top", fontsize=7)
    ax.set_ylabel("finish time of the slowest rank (us)")
    ax.set_title("Finish time per configuration")
    fig.tight_layout()
    return _save(fig, path)


def fig_slowdown(groups: list[Group], keys: list[str], path: Path) -> str | None:
    """Whole-run slowdown against the ideal (analytical) finish time per group."""
    fig, ax, rows, lay = _bar_figure(groups, keys)
    if not _grouped_bars(ax, lay, {r["group"]: r["slowdown"] for r in rows}, "{:.2f}x"):
        _say(ax, "no ideal time: add `ideal: analytical` to the sweep spec")
    else:
        ax.axhline(1.0, color="black", lw=0.8, ls="--")
        ax.set_ylabel("finish time / ideal (analytical) time (x)")
    ax.set_title("Whole-run slowdown against the ideal (congestion-free analytical) time")
    fig.tight_layout()
    return _save(fig, path)


def fig_collectives(groups: list[Group], keys: list[str], path: Path) -> str | None:
    """Per collective (one panel each): slowdown against the ideal, or the time without an ideal."""
    plt = _plt()
    rows = collective_rows(groups)
    names = list(dict.fromkeys(r["collective"] for r in rows))
    use_slowdown = bool(rows) and all(r["slowdown"] for r in rows)
    panels: list[tuple[str, list[Group]]] = []
    for name in names:
        with_it = {r["group"] for r in rows if r["collective"] == name}
        panels.append((name, [g for g in groups if g.label in with_it]))
    lays = [layout(gs, keys) for _, gs in panels]
    width = sum(_width(lay) for lay in lays) if lays else 7.0
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(min(width, 24.0), 4.8), squeeze=False,
                             gridspec_kw={"width_ratios": [max(1, len(lay.categories)) for lay in lays] or [1]})
    if not panels:
        _say(axes[0][0], "no collectives in these runs")
    for i, ((name, _), lay) in enumerate(zip(panels, lays)):
        ax = axes[0][i]
        by_group = {r["group"]: r for r in rows if r["collective"] == name}
        values = {lb: (r["slowdown"] if use_slowdown else (r["time_ns"] or 0) / 1e3) for lb, r in by_group.items()}
        _grouped_bars(ax, lay, values, "{:.2f}x" if use_slowdown else "{:.0f}", legend=(i == 0))
        if use_slowdown:
            ax.axhline(1.0, color="black", lw=0.8, ls="--")
        ax.set_ylabel("collective time / ideal (analytical) time (x)" if use_slowdown
                      else "mean time per instance (us)")
        ax.set_title(name, fontsize=10)
    fig.suptitle("Per collective: " + ("slowdown against the ideal time" if use_slowdown else "completion time"))
    fig.tight_layout()
    return _save(fig, path)


def fig_flow_wait(groups: list[Group], keys: list[str], path: Path) -> str | None:
    """Link-level flow-control waiting per group: PFC paused time (RoCE) or credit-stall time (IB)."""
    fig, ax, rows, lay = _bar_figure(groups, keys)
    values = {r["group"]: (r["flow_wait_ns"] / 1e3 if r["flow_wait_ns"] is not None else None) for r in rows}
    if all(v is None for v in values.values()):
        _say(ax, NO_FABRIC)
    elif not any(values.values()):
        _say(ax, "no pauses and no credit stalls")
    else:
        _grouped_bars(ax, lay, values, "{:.0f}")
        ax.set_ylabel("port-time waiting, summed over ports (us)")
        ax.text(0.99, 0.98, "RoCE: PFC paused time; IB: credit-stall time", transform=ax.transAxes,
                ha="right", va="top", fontsize=7)
    ax.set_title("Link-level flow control: PFC pause time (RoCE) / credit-stall time (IB)")
    fig.tight_layout()
    return _save(fig, path)


def _counter_figure(groups: list[Group], keys: list[str], path: Path, series: list[tuple[str, str]], title: str,
                    none_text: str) -> str | None:
    plt = _plt()
    rows = summary_rows(groups)
    lay = layout(groups, keys)
    shown = [(key, name) for key, name in series if any(r[key] for r in rows)]
    if all(r[key] is None for r in rows for key, _ in series):
        none_text = NO_FABRIC
    fig, axes = plt.subplots(max(1, len(shown)), 1, figsize=(_width(lay), 3.2 * max(1, len(shown)) + 0.6),
                             squeeze=False)
    if not shown:
        _say(axes[0][0], none_text)
    for i, (key, name) in enumerate(shown):
        ax = axes[i][0]
        _grouped_bars(ax, lay, {r["group"]: r[key] for r in rows}, "{:.0f}", legend=(i == 0))
        ax.set_ylabel(f"{name} (count)", fontsize=8)
    quiet = [name for key, name in series if (key, name) not in shown]
    fig.suptitle(title + (f" (none: {', '.join(quiet)})" if quiet and shown else ""), fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def fig_congestion_signals(groups: list[Group], keys: list[str], path: Path) -> str | None:
    """ECN marks, CNPs and IB FECN / BECN counts per group."""
    return _counter_figure(groups, keys, path, [("ecn_marks", "ECN-marked packets"), ("cnps", "CNPs"),
                                         ("fecn_marked", "FECN-marked packets (IB)"), ("becn_received", "BECNs (IB)")],
                    "Congestion signals", "no ECN marks, CNPs, FECN or BECN")


def fig_loss(groups: list[Group], keys: list[str], path: Path) -> str | None:
    """Drops and retransmissions per group."""
    return _counter_figure(groups, keys, path, [("drops", "dropped packets"), ("retransmitted_packets", "retransmitted packets")],
                    "Drops and retransmissions", "no drops and no retransmissions")


def _heatmap(groups: list[Group], path: Path, per_point: Callable, pick: int, scale: float, title: str,
             unit: str, none_text: str) -> str | None:
    plt = _plt()
    import numpy as np

    cells: list[dict[str, float]] = []
    for g in groups:
        merged: dict[str, list[float]] = {}
        for p in g.points:
            for tier, pair in per_point(p).items():
                merged.setdefault(tier, []).append(pair[pick] / scale)
        cells.append({t: sum(v) / len(v) for t, v in merged.items()})
    tiers = sorted({t for c in cells for t in c}, key=tier_order)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 + 0.9 * len(tiers)), _height(len(groups))))
    if not tiers:
        _say(ax, NO_FABRIC)
    else:
        grid = np.array([[c.get(t, np.nan) for t in tiers] for c in cells])
        image = ax.imshow(grid, aspect="auto", cmap="viridis", vmin=0)
        ax.set_xticks(range(len(tiers)), tiers, fontsize=8, rotation=30, ha="right")
        ax.set_yticks(range(len(groups)), [g.label for g in groups], fontsize=8)
        ax.set_xlabel("link tier (from -> to; host, T1 = leaf/edge, T2 = spine/agg, T3 = core)")
        top = np.nanmax(grid) if np.isfinite(grid).any() else 0
        for (i, j), v in np.ndenumerate(grid):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=7,
                        color="white" if v < 0.6 * top else "black")
        fig.colorbar(image, ax=ax, label=unit)
        if top > 0:
            ax.set_title(title)
        else:
            ax.set_title(f"{title} ({none_text})")
            fig.astrasim_notes = [none_text]
    fig.tight_layout()
    return _save(fig, path)


def fig_queue_heatmap(groups: list[Group], path: Path) -> str | None:
    """Deepest egress queue per link tier and group."""
    return _heatmap(groups, path, tier_queue_bytes, 1, 1024.0, "Maximum egress queue per tier", "max queue (KiB)",
             "no queueing")


def fig_flow_wait_heatmap(groups: list[Group], path: Path) -> str | None:
    """Flow-control waiting per link tier and group: how far pauses / credit stalls spread upstream."""
    return _heatmap(groups, path, tier_flow_wait_ns, 0, 1e3,
                    "Flow-control wait per tier (RoCE: PFC paused time; IB: credit-stall time)",
                    "wait summed over the tier's ports (us)", "no pauses and no credit stalls")


def fig_utilization_heatmap(groups: list[Group], path: Path) -> str | None:
    """Mean link utilization per link tier and group, over the whole run."""
    return _heatmap(groups, path, tier_utilization, 0, 1.0, "Mean link utilization per tier", "utilization (%)",
             "no traffic")


def fig_completion_cdf(groups: list[Group], keys: list[str], path: Path) -> str | None:
    """CDFs of completion times: one panel per category, one line per series."""
    kind, samples = completion_samples(groups)
    return _cdf_panels(groups, keys, path, kind, samples, "us", 1e3)


def fig_message_slowdown_cdf(groups: list[Group], keys: list[str], path: Path) -> str | None:
    """CDFs of per-message slowdown (completion time over the ideal run's time for the same message)."""
    samples = {g.label: [v for p in g.points for v in message_slowdowns(p)] for g in groups}
    return _cdf_panels(groups, keys, path, "message slowdown against the ideal", samples, "x", 1.0)


def _cdf_panels(groups: list[Group], keys: list[str], path: Path, kind: str, samples: dict[str, list[float]],
                unit: str, scale: float) -> str | None:
    plt = _plt()
    import matplotlib
    import numpy as np

    lay = layout(groups, keys)
    cats = [i for i, _ in enumerate(lay.categories)
            if any(samples.get(g.label) for g in groups if lay.cell[g.label][0] == i)]
    cols = min(3, max(1, len(cats)))
    rows = max(1, -(-len(cats) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows + 0.5), squeeze=False)
    cmap = matplotlib.colormaps["tab10"]
    if not cats:
        _say(axes[0][0], f"no {kind} recorded")
    for ax in axes.flat[len(cats):] if cats else axes.flat[1:]:
        ax.set_visible(False)
    for ax, cat in zip(axes.flat, cats):
        for g in groups:
            c, ser = lay.cell[g.label]
            times = np.sort(np.asarray(samples.get(g.label) or [], dtype=float)) / scale
            if c != cat or not times.size:
                continue
            ax.step(times, np.arange(1, times.size + 1) / times.size, where="post", color=cmap(ser % 10),
                    label=lay.series[ser])
        ax.set_xscale("log")
        from matplotlib.ticker import NullFormatter

        ax.xaxis.set_minor_formatter(NullFormatter())  # labelled decades only: minor labels collide
        ax.set_xlabel(f"{kind} ({unit}, log scale)", fontsize=8)
        ax.set_ylabel("fraction of completions", fontsize=8)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3, which="both")
        ax.set_title(lay.categories[cat].replace("\n", ", "), fontsize=8)
        ax.legend(fontsize=7, loc="lower right", title=short_key(lay.series_key or ""), title_fontsize=7)
    fig.suptitle(f"CDF of {kind}", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


# (file name, caption, drawing function taking (groups, group-by keys, path)), in report order.
FIGURES: list[tuple[str, str, Callable[[list[Group], list[str], Path], str | None]]] = [
    ("collectives.png", "Per collective: slowdown against the ideal (analytical) time", fig_collectives),
    ("slowdown.png", "Whole-run slowdown against the ideal (analytical) finish time", fig_slowdown),
    ("finish_time.png", "Finish time of the slowest rank, with the ideal time marked", fig_finish),
    ("flow_control_wait.png", "PFC pause time (RoCE) / credit-stall time (IB)", fig_flow_wait),
    ("flow_wait_heatmap.png", "Flow-control wait per link tier (where pauses / credit stalls spread)",
     lambda g, k, p: fig_flow_wait_heatmap(g, p)),
    ("congestion_signals.png", "ECN marks, CNPs, FECN and BECN", fig_congestion_signals),
    ("loss.png", "Drops and retransmissions", fig_loss),
    ("queue_heatmap.png", "Maximum egress queue per link tier",
     lambda g, k, p: fig_queue_heatmap(g, p)),
    ("utilization_heatmap.png", "Mean link utilization per link tier",
     lambda g, k, p: fig_utilization_heatmap(g, p)),
    ("completion_cdf.png", "Completion-time CDF", fig_completion_cdf),
    ("message_slowdown_cdf.png", "CDF of each message's slowdown against its ideal (analytical) time",
     fig_message_slowdown_cdf),
]


def write_figures(groups: list[Group], keys: list[str], folder: Path) -> list[tuple[str, str, str | None]]:
    """Draw every figure into `folder`; return (file name, caption, note said instead of plotted) in report order."""
    folder.mkdir(parents=True, exist_ok=True)
    return [(name, caption, draw(groups, keys, folder / name)) for name, caption, draw in FIGURES]
