#!/usr/bin/env python3
"""Sweep throughput: 64 analytical points on the old path and on the new one, in one run (not a timed test).

    PYTHONPATH=. .venv/bin/python scripts/bench_sweep.py [--points 64] [--workers 1] [--repeat 1] [--json out.json]

Each point is a generated 32-NPU all-reduce (a distinct size per point, 16 chunks) on a ring, run by
`astrasim_py.runner.run` with the analytical backend. Every configuration runs in a fresh output
folder, so trace generation and worker start-up are included. Two paths (`--modes`):
- old: what a sweep did before the sweep fast path: the pure-Python modules (ASTRASIM_PY_PURE=1 in
  the workers), each generated trace written as 32 rank files and read back, a full gc per point;
- new: the default sweep: the compiled modules, generated traces handed over in memory, no gc.
Both produce the same results (the script checks the simulated times point by point). It prints
JSON: wall and CPU seconds (this process plus its workers) per run, and the old/new ratios.
`--point-fn bench_sweep:busy_point` swaps in a fixed CPU-bound stand-in to measure the executor alone.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from astrasim_py._compiled import PURE_ENV  # noqa: E402
from astrasim_py.sweep.engine import SweepOptions, run_sweep  # noqa: E402
from astrasim_py.sweep.pointrun import DEFAULT_POINT_FN  # noqa: E402
from astrasim_py.sweep.spec import load_spec  # noqa: E402

INPUTS = REPO / "scripts" / "sweep_inputs"


def busy_point(request: dict) -> dict:
    """A CPU-bound stand-in for one simulation (~0.1 s of pure Python work)."""
    acc = len(request["workload"])
    for i in range(1_500_000):
        acc = (acc * 31 + i) % 1_000_003
    return {"backend": request["backend"], "finish_ns": [acc], "sim_time_ns": acc}


def write_spec(folder: Path, points: int, npus: int = 32, splits: int = 16) -> Path:
    """A spec of `points` analytical all-reduce points (one size each) on an `npus`-NPU ring."""
    system = json.loads((INPUTS / "system_ring.json").read_text())
    system["preferred-dataset-splits"] = splits  # more chunks: a point costs ~0.15 s, like a real study
    (folder / "system.json").write_text(json.dumps(system))
    (folder / "network.yml").write_text(
        f"topology: [ Ring ]\nnpus_count: [ {npus} ]\nbandwidth: [ 50.0 ]\nlatency: [ 500.0 ]\n")
    doc = {"name": f"bench{points}",
           "base": {"workload": {"generate": {"collective": "all_reduce", "npus": npus, "size": 1 << 20}},
                    "system": str(folder / "system.json"), "network": str(folder / "network.yml"),
                    "backend": "analytical"},
           "axes": {"workload.generate.size": [(i + 1) * (1 << 20) for i in range(points)]}}
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def legacy_point(request: dict) -> dict:
    """The old point path: the trace read back from the files run_point wrote, then a full gc."""
    from astrasim_py.sweep.pointrun import run_request

    try:
        return run_request(request)
    finally:
        gc.collect()


MODES = {"old": {"env": {PURE_ENV: "1"}, "point_fn": "bench_sweep:legacy_point"},
         "new": {"env": {PURE_ENV: None}, "point_fn": DEFAULT_POINT_FN}}


def cpu_seconds() -> float:
    """CPU seconds of this process plus its finished (joined) worker processes."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def run_mode(spec, out: Path, mode: str, workers: int, point_fn: str | None) -> tuple[dict, dict]:
    """One sweep on one path; returns its numbers and {point_id: simulated ns}."""
    saved = {k: os.environ.get(k) for k in MODES[mode]["env"]}
    for key, value in MODES[mode]["env"].items():  # spawned workers inherit the environment
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    try:
        cpu0, start = cpu_seconds(), time.perf_counter()
        summary = run_sweep(spec, out, SweepOptions(workers=workers, point_fn=point_fn or MODES[mode]["point_fn"],
                                                    progress=False))
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    if not summary.all_ok:
        raise SystemExit(f"bench_sweep: {mode} path failed:\n{summary.text()}")
    records = [json.loads(p.read_text()) for p in (out / "points").glob("*.json")]
    busy = sum(r["wall_s"] for r in records)
    sim = {r["point_id"]: r["result"]["sim_time_ns"] for r in records}
    # utilization = time workers spent inside points / (workers x wall): the executor's own overhead
    # shows as < 1.
    return ({"mode": mode, "workers": workers, "points": summary.total, "wall_s": round(wall, 3),
             "cpu_s": round(cpu, 3), "points_per_s": round(summary.total / wall, 2),
             "in_point_wall_s": round(busy, 3), "worker_utilization": round(busy / (workers * wall), 3),
             "load_avg_1min_after": round(os.getloadavg()[0], 2)}, sim)


def ratios(runs: list[dict]) -> dict:
    """old/new wall and CPU ratios per worker count, over the summed repeats (same run, same load)."""
    out = {}
    for workers in sorted({r["workers"] for r in runs}):
        total = {m: {k: sum(r[k] for r in runs if r["mode"] == m and r["workers"] == workers)
                     for k in ("wall_s", "cpu_s")} for m in ("old", "new")}
        if total["old"]["wall_s"] and total["new"]["wall_s"]:
            out[f"workers={workers}"] = {"wall": round(total["old"]["wall_s"] / total["new"]["wall_s"], 2),
                                         "cpu": round(total["old"]["cpu_s"] / total["new"]["cpu_s"], 2)}
    return out


def main() -> int:
    """Run both paths (alternating, `--repeat` times) and print their numbers and ratios as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each path (alternating old, new)")
    parser.add_argument("--modes", nargs="+", choices=sorted(MODES), default=["old", "new"])
    parser.add_argument("--point-fn", help="replace both paths' point function (e.g. bench_sweep:busy_point)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    runs, sims = [], {}
    print(f"machine load before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (other work skews the numbers)",
          file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench_sweep.") as tmp:
        spec = load_spec(write_spec(Path(tmp), args.points))
        for rep in range(args.repeat):
            for workers in args.workers:
                for mode in args.modes:
                    run, sim = run_mode(spec, Path(tmp) / f"out-{rep}-{mode}-w{workers}", mode, workers, args.point_fn)
                    runs.append(run)
                    print(json.dumps(run), file=sys.stderr)
                    if not args.point_fn and sims.setdefault("first", sim) != sim:
                        raise SystemExit(f"bench_sweep: the {mode} path simulated different times")
    doc = {"points": args.points, "point_fn": args.point_fn, "runs": runs, "old_over_new": ratios(runs)}
    print(json.dumps(doc, indent=1))
    if args.json:
        args.json.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
