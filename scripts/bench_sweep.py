#!/usr/bin/env python3
"""Sweep throughput: the same 64 analytical points on 1 and on 2 local workers (not a timed test).

    PYTHONPATH=. .venv/bin/python scripts/bench_sweep.py [--points 64] [--workers 1 2] [--json out.json]

Each point is a generated 32-NPU all-reduce (a distinct size per point, 16 chunks) on a ring, run by the real
`astrasim_py.runner.run` with the analytical backend. Every configuration runs in a fresh output
folder, so trace generation and worker start-up are included. `--point-fn bench_sweep:busy_point`
swaps in a fixed CPU-bound stand-in to measure the executor alone.
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    """Run the benchmark and print one line per worker count plus the speed-up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--point-fn", default=DEFAULT_POINT_FN)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    results = []
    print(f"machine load before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (other work skews the numbers)")
    with tempfile.TemporaryDirectory(prefix="bench_sweep.") as tmp:
        spec = load_spec(write_spec(Path(tmp), args.points))
        for run_no, workers in enumerate(args.workers):
            out = Path(tmp) / f"out-{run_no}-w{workers}"
            cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            summary = run_sweep(spec, out, SweepOptions(workers=workers, point_fn=args.point_fn, progress=False))
            wall = time.perf_counter() - start
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            worker_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
            busy = sum(json.loads(p.read_text())["wall_s"] for p in (out / "points").glob("*.json"))
            if not summary.all_ok:
                print(summary.text(), file=sys.stderr)
                return 1
            # utilization = time workers spent inside points / (workers x wall): the executor's own
            # overhead shows as < 1; cores taken by other processes show as worker CPU < busy time.
            results.append({"workers": workers, "points": summary.total, "wall_s": round(wall, 3),
                            "points_per_s": round(summary.total / wall, 2),
                            "worker_utilization": round(busy / (workers * wall), 3),
                            "worker_cpu_s": round(worker_cpu, 2), "in_point_wall_s": round(busy, 2),
                            "points_per_worker_cpu_s": round(summary.total / worker_cpu, 2)})
            load = os.getloadavg()[0]
            results[-1]["load_avg_1min_after"] = round(load, 2)
            print(f"workers={workers}: {summary.total} points in {wall:.2f} s ({summary.total / wall:.1f} points/s; "
                  f"worker utilization {busy / (workers * wall):.2f}, worker CPU {worker_cpu:.1f} s for "
                  f"{busy:.1f} s in points; machine load {load:.2f} on {os.cpu_count()} cores)")
    # Each run is compared with the latest run of the first worker count before it (pairs like
    # `--workers 1 2 1 2` see the same background load more closely than the first run alone).
    reference = None
    for r in results:
        if r["workers"] == results[0]["workers"]:
            reference = r
            continue
        r["speedup"] = round(reference["wall_s"] / r["wall_s"], 2)
        # On a shared machine the wall-clock speed-up only shows the cores others left us; the CPU
        # per point shows whether more workers add overhead (ratio 1.0 = none: N idle cores give N x).
        r["cpu_per_point_ratio"] = round(reference["points_per_worker_cpu_s"] / r["points_per_worker_cpu_s"], 2)
        print(f"speed-up {reference['workers']} -> {r['workers']} workers: {r['speedup']:.2f}x wall; "
              f"CPU per point {r['cpu_per_point_ratio']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"point_fn": args.point_fn, "runs": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
