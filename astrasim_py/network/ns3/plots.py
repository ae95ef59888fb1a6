"""Plots of the fabric's time series: queue depth per port, pause / credit-wait state, QP throughput."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def rectangular(rows: list[list[float]], width: int):
    """Rows of per-QP samples padded with zeros to `width` columns (QPs created mid-run have no
    entry in the samples taken before they existed)."""
    import numpy as np

    out = np.zeros((len(rows), width), dtype=float)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row[:width]
    return out


def qp_throughput_gbps(series: dict[str, Any]):
    """Delivered throughput per QP and sample interval [Gb/s], from the cumulative delivered bytes."""
    import numpy as np

    t_ns = np.asarray(series["time_ns"], dtype=float)
    delivered = rectangular(series.get("qp_delivered_bytes") or [], len(series.get("qps") or []))
    if t_ns.size < 2 or delivered.size == 0:
        return np.zeros((max(t_ns.size - 1, 0), delivered.shape[1] if delivered.ndim == 2 else 0))
    return np.diff(delivered, axis=0) * 8.0 / np.diff(t_ns)[:, None]


def _wait_names(transport: str) -> tuple[str, str]:
    """(title, file stem) of the link-level back-pressure plot for the transport."""
    if transport == "ib":
        return "IB credit wait per port (node:port; red = waiting for credits)", "credit_wait"
    return "PFC pause state per port (node:port; red = paused)", "pause_state"


def plot_time_series(series: dict[str, Any], out_dir: str | Path, top_ports: int = 8,
                     transport: str = "roce", max_wait_ports: int = 40) -> list[Path]:
    """Write queue, pause/credit-wait and QP-throughput PNGs for `Ns3Backend.time_series()`; return paths."""
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
    queues = rectangular(series["queue_bytes"], len(ports))
    paused = rectangular(series["paused"], len(ports))
    written = []

    def save(fig, name: str) -> None:
        written.append(out / name)
        fig.tight_layout()
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)

    def empty(ax, text: str) -> None:
        ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=12)
        ax.set_xlim(t_us[0], t_us[-1] if t_us[-1] > t_us[0] else t_us[0] + 1)

    fig, ax = plt.subplots(figsize=(10, 4))
    busiest = [i for i in np.argsort(queues.max(axis=0))[::-1][:top_ports] if queues[:, i].max() > 0] \
        if queues.size else []
    for i in busiest:
        ax.plot(t_us, queues[:, i] / 1000.0, label=f"node {ports[i][0]} port {ports[i][1]}")
    if busiest:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        empty(ax, "no queueing (every egress queue stayed empty)")
    ax.set_xlabel("simulated time (us)")
    ax.set_ylabel("egress queue (KB)")
    ax.set_title(f"Queue depth, {len(busiest)} busiest ports")
    save(fig, "queue_depth.png")

    title, stem = _wait_names(transport)
    fig, ax = plt.subplots(figsize=(8, 4))
    ever = np.flatnonzero(paused.max(axis=0) > 0) if paused.size else np.array([], dtype=int)
    shown_of = ever.size
    if ever.size > max_wait_ports:  # keep the rows readable: the ports that waited longest
        ever = np.sort(ever[np.argsort(-paused[:, ever].sum(axis=0), kind="stable")[:max_wait_ports]])
        title += f", {max_wait_ports} longest of {shown_of} ports"
    if ever.size:
        ax.imshow(paused[:, ever].T, aspect="auto", interpolation="nearest", cmap="Reds", vmin=0, vmax=1,
                  extent=(t_us[0], t_us[-1], ever.size - 0.5, -0.5))
        ax.set_yticks(range(ever.size), [f"{ports[i][0]}:{ports[i][1]}" for i in ever], fontsize=6)
    else:
        empty(ax, "no credit waits" if transport == "ib" else "no pauses")
        ax.set_yticks([])
    ax.set_xlabel("simulated time (us)")
    ax.set_ylabel("port (node:port)")
    ax.set_title(title)
    save(fig, f"{stem}.png")

    qps = series.get("qps") or []
    fig, ax = plt.subplots(figsize=(10, 4))
    thr = qp_throughput_gbps(series)
    if thr.size and thr.max() > 0:
        mid_us = (t_us[1:] + t_us[:-1]) / 2
        for q in np.argsort(thr.max(axis=0))[::-1][:top_ports]:
            if thr[:, q].max() > 0:
                ax.plot(mid_us, thr[:, q], label=f"QP {qps[q][0]}->{qps[q][1]} stream {qps[q][2]}")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        empty(ax, "no data delivered between samples")
    ax.set_xlabel("simulated time (us)")
    ax.set_ylabel("delivered throughput (Gb/s)")
    ax.set_title(f"QP throughput, {min(top_ports, len(qps))} busiest of {len(qps)} QPs")
    save(fig, "qp_rates.png")  # name kept from the allowed-rate plot it replaces
    return written


def safe_plot_time_series(series: dict[str, Any], out_dir: str | Path, transport: str,
                          warnings: list[str]) -> list[str]:
    """plot_time_series that never raises: a failure becomes a line in `warnings` (a finished
    simulation is worth more than its plots)."""
    try:
        return [str(p) for p in plot_time_series(series, out_dir, transport=transport)]
    except Exception as exc:  # noqa: BLE001 - any plotting failure must not lose the results
        warnings.append(f"plotting the time series into {out_dir} failed: {type(exc).__name__}: "
                        f"{' '.join(str(exc).split())}")
        return []
