"""Time-series plots: ragged QP rows (multi-chunk collectives, QPs that start mid-run) plot,
QP panels show delivered throughput, idle panels say so, and a plotting failure is a warning in
the results instead of a lost simulation."""

from __future__ import annotations

import json

import pytest

from astrasim_py.chakra.generators import generate_collective, write_workload
from astrasim_py.network.ns3.plots import qp_throughput_gbps, rectangular
from astrasim_py.runner import RunRequest, run

pytestmark = pytest.mark.ns3

SYSTEM = {"scheduling-policy": "LIFO", "all-reduce-implementation": ["ring"], "collective-optimization": "baseline",
          "endpoint-delay": 10, "active-chunks-per-dimension": 1, "preferred-dataset-splits": 4,
          "local-mem-bw": 1600, "peak-perf": 900, "roofline-enabled": 0}


def _run_multichunk(tmp_path, star, plot_dir, transport="roce"):
    write_workload(tmp_path / "ar", generate_collective("all_reduce", 8, 1 << 20))
    (tmp_path / "sys.json").write_text(json.dumps(SYSTEM))
    preset = {"roce": "pfc_only", "ib": "ib_credits"}[transport]
    net = star(8, 100, 500, transport=transport, preset=preset,
               telemetry={"time_series_interval_ns": 2000, "plot_dir": str(plot_dir)})
    (tmp_path / "net.json").write_text(json.dumps(net))
    return run(RunRequest(workload=str(tmp_path / "ar"), system=str(tmp_path / "sys.json"),
                          network=str(tmp_path / "net.json"), backend="ns3"), progress=False)


@pytest.mark.parametrize("transport,wait_plot", [("roce", "pause_state.png"), ("ib", "credit_wait.png")])
def test_multichunk_collective_plots(tmp_path, star, fabric_available, transport, wait_plot):
    result = _run_multichunk(tmp_path, star, tmp_path / "plots", transport)
    ts = result["fabric"]["time_series"]
    widths = {len(row) for row in ts["qp_rate_gbps"]}
    assert len(widths) > 1, "the case must have ragged rows (chunks open QPs as they start)"
    names = sorted(p.rsplit("/", 1)[-1] for p in result["fabric"]["plots"])
    assert names == sorted(["queue_depth.png", wait_plot, "qp_rates.png"])
    assert all((tmp_path / "plots" / n).stat().st_size > 5000 for n in names)
    assert result["warnings"] == []


def test_qps_that_start_mid_run(make_backend, star, tmp_path):
    be = make_backend(star(4, 100, 500, preset="pfc_only",
                           telemetry={"time_series_interval_ns": 1000, "plot_dir": str(tmp_path)}), 4)
    be.flow(0, 1, 500_000)
    be.schedule(20_000, lambda: be.flow(2, 3, 500_000))
    be.run()
    tel = be.telemetry()
    ts = tel["time_series"]
    assert len(ts["qp_rate_gbps"][0]) == 1 and len(ts["qp_rate_gbps"][-1]) == 2
    thr = qp_throughput_gbps(ts)
    assert thr.shape == (len(ts["time_ns"]) - 1, 2)
    late = thr[:, 1]
    # the late QP delivers nothing before it starts, then runs near line rate
    t_mid = [(a + b) / 2 for a, b in zip(ts["time_ns"], ts["time_ns"][1:])]
    assert all(v == 0 for v, t in zip(late, t_mid) if t < 20_000)
    assert max(late) == pytest.approx(100 * 1000 / 1082, rel=0.06)  # payload share of the wire
    # delivered bytes add up to the flow size
    assert rectangular(ts["qp_delivered_bytes"], 2)[-1].tolist() == [500_000, 500_000]
    assert {p.rsplit("/", 1)[-1] for p in tel["plots"]} == {"queue_depth.png", "pause_state.png", "qp_rates.png"}


def test_nothing_happened_says_so(tmp_path):
    from astrasim_py.network.ns3.plots import plot_time_series

    series = {"time_ns": [0, 1000, 2000], "ports": [[4, 0]], "queue_bytes": [[0], [0], [0]],
              "paused": [[0], [0], [0]], "qp_rate_gbps": [[], [], []], "qp_delivered_bytes": [[], [], []],
              "qps": []}
    paths = plot_time_series(series, tmp_path, transport="ib")
    assert sorted(p.name for p in paths) == ["credit_wait.png", "qp_rates.png", "queue_depth.png"]


def test_a_plotting_failure_is_a_warning_not_a_lost_run(tmp_path, star, fabric_available):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the plot directory should go")
    result = _run_multichunk(tmp_path, star, blocker)
    assert result["max_finish_ns"] > 0 and result["fabric"]["plots"] == []
    (line,) = result["warnings"]
    assert line.startswith(f"plotting the time series into {blocker} failed")
    assert result["fabric"]["config"]["warnings"] == [line]


def test_many_paused_ports_keep_the_longest(tmp_path, monkeypatch):
    import matplotlib.axes

    from astrasim_py.network.ns3.plots import plot_time_series

    titles = []
    monkeypatch.setattr(matplotlib.axes.Axes, "set_title",
                        lambda self, text, *a, **k: titles.append(text))
    n = 60
    paused = [[1 if p < s else 0 for p in range(n)] for s in range(n)]  # port p pauses from sample p+1 on
    series = {"time_ns": [1000 * s for s in range(n)], "ports": [[100, p] for p in range(n)],
              "queue_bytes": [[0] * n for _ in range(n)], "paused": paused,
              "qp_rate_gbps": [[] for _ in range(n)], "qp_delivered_bytes": [[] for _ in range(n)], "qps": []}
    plot_time_series(series, tmp_path, max_wait_ports=40)
    assert any(t.endswith(", 40 longest of 59 ports") for t in titles), titles
