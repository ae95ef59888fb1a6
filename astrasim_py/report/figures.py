"""The report's figures (PNG, matplotlib Agg): one function per figure, each returning its file name.

Every axis carries its unit; a figure whose quantity never happened says so in words ("no pauses")
instead of showing empty axes. Files are written atomically.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from astrasim_py.report.tables import (FLOW_WAIT_NAME, Group, collective_rows, completion_kind,
                                       completion_times_ns, short_key, summary_rows, axis_value_text)
from astrasim_py.report.tiers import tier_order, tier_queue_bytes, tier_utilization

DPI = 110
BAR_HEIGHT_IN = 0.32


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
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


def _height(n_bars: int) -> float:
    return max(2.6, 1.2 + BAR_HEIGHT_IN * n_bars)


def _say(ax, text: str) -> None:
    """Write what happened instead of drawing empty axes."""
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def group_colors(groups: list[Group], key: str | None) -> tuple[list[Any], dict[str, Any]]:
    """A color per group from the value of the first group-by key, and the legend's value -> color map."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    if key is None:
        return [cmap(0)] * len(groups), {}
    values: dict[str, Any] = {}
    for g in groups:
        text = axis_value_text(g.values.get(key))
        values.setdefault(text, cmap(len(values) % 10))
    return [values[axis_value_text(g.values.get(key))] for g in groups], values


def _legend(ax, legend: dict[str, Any], title: str) -> None:
    if len(legend) > 1:
        from matplotlib.patches import Patch

        ax.legend([Patch(color=c) for c in legend.values()], list(legend), title=title, fontsize=8,
                  title_fontsize=8, loc="best")


def _hbars(ax, labels: list[str], values: list[float], colors: list[Any], fmt: str) -> None:
    ys = list(range(len(labels)))
    ax.barh(ys, values, color=colors)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.invert_yaxis()
    top = max(values) if values else 0
    for y, v in zip(ys, values):
        ax.text(v + top * 0.01, y, fmt.format(v), va="center", fontsize=7)
    ax.set_xlim(0, top * 1.15 if top > 0 else 1)
    ax.grid(axis="x", alpha=0.3)


def fig_finish(groups: list[Group], color_key: str | None, path: Path) -> None:
    """Finish time per group (bars) with the ideal (analytical) time marked."""
    plt = _plt()
    rows = summary_rows(groups)
    fig, ax = plt.subplots(figsize=(8, _height(len(rows))))
    colors, _ = group_colors(groups, color_key)  # the slowdown figure's legend names the colors
    values = [(r["finish_ns"] or 0) / 1e3 for r in rows]
    _hbars(ax, [r["group"] for r in rows], values, colors, "{:.1f}")
    ideal = [(i, r["ideal_max_finish_ns"] / 1e3) for i, r in enumerate(rows) if r["ideal_max_finish_ns"]]
    if ideal:
        ax.scatter([v for _, v in ideal], [i for i, _ in ideal], marker="|", s=300, color="black",
                   label="ideal (analytical)", zorder=3)
        ax.legend(fontsize=8, loc="lower right")
    ax.set_xlabel("finish time of the slowest rank (us)")
    ax.set_title("Finish time per configuration")
    fig.tight_layout()
    _save(fig, path)


def fig_slowdown(groups: list[Group], color_key: str | None, path: Path) -> None:
    """Slowdown against the ideal (analytical) finish time per group (the headline figure)."""
    plt = _plt()
    rows = summary_rows(groups)
    fig, ax = plt.subplots(figsize=(8, _height(len(rows))))
    if not any(r["slowdown"] for r in rows):
        _say(ax, "no ideal time: add `ideal: analytical` to the sweep spec")
    else:
        colors, legend = group_colors(groups, color_key)
        _hbars(ax, [r["group"] for r in rows], [r["slowdown"] or 0 for r in rows], colors, "{:.3f}x")
        ax.axvline(1.0, color="black", lw=0.8, ls="--")
        ax.set_xlabel("slowdown: finish time / ideal (analytical) finish time (x)")
        _legend(ax, legend, short_key(color_key or ""))
    ax.set_title("Slowdown against the ideal (congestion-free analytical) time")
    fig.tight_layout()
    _save(fig, path)


def fig_collectives(groups: list[Group], path: Path) -> None:
    """Per collective: slowdown (or time without an ideal) for each group."""
    plt = _plt()
    rows = collective_rows(groups)
    names = list(dict.fromkeys(r["collective"] for r in rows))
    use_slowdown = rows and all(r["slowdown"] for r in rows)
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(4.5 * max(1, len(names)), _height(len(groups))),
                             squeeze=False, sharey=True)
    if not names:
        _say(axes[0][0], "no collectives in these runs")
    labels = [g.label for g in groups]
    for ax, name in zip(axes[0], names):
        by_group = {r["group"]: r for r in rows if r["collective"] == name}
        values = [((by_group[lb]["slowdown"] if use_slowdown else (by_group[lb]["time_ns"] or 0) / 1e3)
                   if lb in by_group else 0.0) for lb in labels]
        _hbars(ax, labels, values, ["tab:blue"] * len(labels), "{:.3f}x" if use_slowdown else "{:.1f}")
        if use_slowdown:
            ax.axvline(1.0, color="black", lw=0.8, ls="--")
        ax.set_xlabel("slowdown vs ideal (x)" if use_slowdown else "mean time per instance (us)")
        ax.set_title(name, fontsize=10)
    fig.suptitle("Per collective: " + ("slowdown against the ideal time" if use_slowdown else "completion time"))
    fig.tight_layout()
    _save(fig, path)


def fig_flow_wait(groups: list[Group], path: Path) -> None:
    """Link-level flow-control waiting per group: PFC paused time (RoCE) or credit-stall time (IB)."""
    plt = _plt()
    rows = summary_rows(groups)
    fig, ax = plt.subplots(figsize=(8, _height(len(rows))))
    values = [(r["flow_wait_ns"] or 0) / 1e3 for r in rows]
    if not any(values):
        _say(ax, "no pauses and no credit stalls")
    else:
        palette = {"roce": "tab:red", "ib": "tab:purple"}
        colors = [palette.get(r["transport"], "tab:gray") for r in rows]
        _hbars(ax, [r["group"] for r in rows], values, colors, "{:.1f}")
        ax.set_xlabel("port-time waiting on flow control, summed over ports (us)")
        from matplotlib.patches import Patch

        shown = [t for t in palette if any(r["transport"] == t for r in rows)]
        ax.legend([Patch(color=palette[t]) for t in shown], [f"{t}: {FLOW_WAIT_NAME[t]}" for t in shown],
                  fontsize=8, loc="best")
    ax.set_title("PFC pause time (RoCE) / credit-stall time (IB)")
    fig.tight_layout()
    _save(fig, path)


def _counter_figure(groups: list[Group], path: Path, series: list[tuple[str, str]], title: str,
                    none_text: str, xlabel: str) -> None:
    plt = _plt()
    import numpy as np

    rows = summary_rows(groups)
    fig, ax = plt.subplots(figsize=(8, _height(len(rows) * max(1, len(series)) * 0.5)))
    if not any(r[key] for r in rows for key, _ in series):
        _say(ax, none_text)
    else:
        ys = np.arange(len(rows))
        width = 0.8 / len(series)
        for i, (key, name) in enumerate(series):
            ax.barh(ys + (i - (len(series) - 1) / 2) * width, [r[key] or 0 for r in rows], height=width, label=name)
        ax.set_yticks(ys, [r["group"] for r in rows], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    ax.set_title(title)
    fig.tight_layout()
    _save(fig, path)


def fig_congestion_signals(groups: list[Group], path: Path) -> None:
    """ECN marks, CNPs and IB FECN / BECN counts per group."""
    _counter_figure(groups, path, [("ecn_marks", "ECN marks (RoCE)"), ("cnps", "CNPs (RoCE)"),
                                   ("fecn_marked", "FECN marks (IB)"), ("becn_received", "BECNs (IB)")],
                    "Congestion signals", "no ECN marks, CNPs, FECN or BECN", "count (packets)")


def fig_loss(groups: list[Group], path: Path) -> None:
    """Drops and retransmissions per group."""
    _counter_figure(groups, path, [("drops", "dropped packets"), ("retransmitted_packets", "retransmitted packets")],
                    "Drops and retransmissions", "no drops and no retransmissions", "count (packets)")


def _heatmap(groups: list[Group], path: Path, per_point: Callable, pick: int, scale: float, title: str,
             unit: str, none_text: str) -> None:
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
        _say(ax, "no packet-fabric telemetry in these points")
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
        if not np.nanmax(grid) > 0:
            ax.set_title(f"{title} ({none_text})")
    if tiers and np.nanmax(grid) > 0:
        ax.set_title(title)
    fig.tight_layout()
    _save(fig, path)


def fig_queue_heatmap(groups: list[Group], path: Path) -> None:
    """Deepest egress queue per link tier and group."""
    _heatmap(groups, path, tier_queue_bytes, 1, 1024.0, "Maximum egress queue per tier", "max queue (KiB)",
             "no queueing")


def fig_utilization_heatmap(groups: list[Group], path: Path) -> None:
    """Mean link utilization per link tier and group, over the whole run."""
    _heatmap(groups, path, tier_utilization, 0, 1.0, "Mean link utilization per tier", "utilization (%)",
             "no traffic")


def fig_completion_cdf(groups: list[Group], color_key: str | None, path: Path) -> None:
    """CDF of completion times per group."""
    plt = _plt()
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 4.5))
    kind = completion_kind([p for g in groups for p in g.points])
    drawn = 0
    for g in groups:
        times = np.sort(np.array([t for p in g.points for t in completion_times_ns(p)], dtype=float)) / 1e3
        if times.size:
            ax.step(times, np.arange(1, times.size + 1) / times.size, where="post", label=g.label)
            drawn += 1
    if not drawn:
        _say(ax, f"no {kind}s recorded")
    else:
        ax.set_xlabel(f"{kind} (us)")
        ax.set_ylabel("fraction of completions")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right", ncol=1 if drawn <= 8 else 2)
    ax.set_title(f"CDF of {kind}")
    fig.tight_layout()
    _save(fig, path)


# (file name, caption, drawing function taking (groups, color_key, path)).
FIGURES: list[tuple[str, str, Callable[[list[Group], str | None, Path], None]]] = [
    ("slowdown.png", "Slowdown against the ideal (analytical) finish time",
     lambda g, k, p: fig_slowdown(g, k, p)),
    ("finish_time.png", "Finish time of the slowest rank, with the ideal time marked",
     lambda g, k, p: fig_finish(g, k, p)),
    ("collectives.png", "Per collective: slowdown against the ideal", lambda g, k, p: fig_collectives(g, p)),
    ("flow_control_wait.png", "PFC pause time (RoCE) / credit-stall time (IB)", lambda g, k, p: fig_flow_wait(g, p)),
    ("congestion_signals.png", "ECN marks, CNPs, FECN and BECN", lambda g, k, p: fig_congestion_signals(g, p)),
    ("loss.png", "Drops and retransmissions", lambda g, k, p: fig_loss(g, p)),
    ("queue_heatmap.png", "Maximum egress queue per link tier", lambda g, k, p: fig_queue_heatmap(g, p)),
    ("utilization_heatmap.png", "Mean link utilization per link tier", lambda g, k, p: fig_utilization_heatmap(g, p)),
    ("completion_cdf.png", "Completion-time CDF", lambda g, k, p: fig_completion_cdf(g, k, p)),
]


def write_figures(groups: list[Group], color_key: str | None, folder: Path) -> list[tuple[str, str]]:
    """Draw every figure into `folder`; return (file name, caption) pairs in report order."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, caption, draw in FIGURES:
        draw(groups, color_key, folder / name)
        written.append((name, caption))
    return written
