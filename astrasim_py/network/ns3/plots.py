"""Plots of the fabric's time series: queue depth per port, pause state, QP rates."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_time_series(series: dict[str, Any], out_dir: str | Path, top_ports: int = 8) -> list[Path]:
    """Write queue/pause/rate PNGs for a time series from `Ns3Backend.time_series()`; return paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t_us = np.asarray(series["time_ns"], dtype=float) / 1000.0
    if t_us.size == 0:
        return []
    ports = [tuple(p) for p in series["ports"]]
    queues = np.asarray(series["queue_bytes"], dtype=float)
    paused = np.asarray(series["paused"], dtype=float)
    rates = np.asarray(series["qp_rate_gbps"], dtype=float) if series["qp_rate_gbps"] else None
    written = []

    busiest = np.argsort(queues.max(axis=0))[::-1][:top_ports]
    fig, ax = plt.subplots(figsize=(8, 4))
    for i in busiest:
        ax.plot(t_us, queues[:, i] / 1000.0, label=f"node {ports[i][0]} port {ports[i][1]}")
    ax.set_xlabel("time (us)")
    ax.set_ylabel("egress queue (KB)")
    ax.set_title(f"Queue depth, {len(busiest)} busiest ports")
    ax.legend(fontsize=7)
    written.append(out / "queue_depth.png")
    fig.tight_layout()
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    ever = np.flatnonzero(paused.max(axis=0) > 0)
    if ever.size:
        ax.imshow(paused[:, ever].T, aspect="auto", interpolation="nearest", cmap="Reds",
                  extent=(t_us[0], t_us[-1], ever.size - 0.5, -0.5))
        ax.set_yticks(range(ever.size), [f"{ports[i][0]}:{ports[i][1]}" for i in ever], fontsize=6)
    ax.set_xlabel("time (us)")
    ax.set_title("PFC pause state per port (node:port; red = paused)")
    written.append(out / "pause_state.png")
    fig.tight_layout()
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    if rates is not None and rates.size:
        fig, ax = plt.subplots(figsize=(8, 4))
        qps = series["qps"]
        for q in np.argsort(rates.max(axis=0))[::-1][:top_ports]:
            ax.plot(t_us, rates[:, q], label=f"QP {qps[q][0]}->{qps[q][1]} s{qps[q][2]}")
        ax.set_xlabel("time (us)")
        ax.set_ylabel("rate (Gb/s)")
        ax.set_title("QP sending rate (0 = idle)")
        ax.legend(fontsize=7)
        written.append(out / "qp_rates.png")
        fig.tight_layout()
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    return written
