#!/usr/bin/env python3
"""Sweep throughput: 64 analytical points on the old path and on the new one, in one run (not a timed test).

    PYTHONPATH=. .venv/bin/python scripts/bench_sweep.py [--points 64] [--workers 1] [--repeat 1] [--json out.json]
    ... scripts/bench_sweep.py --old-tree ../astrasim-py-before    # the old path from another checkout

Each point is a generated 32-NPU all-reduce (a distinct size per point, 16 chunks) on a ring, run by
`astrasim_py.runner.run` with the analytical backend. Every configuration runs in a fresh output
folder, so trace generation and worker start-up are included. Two paths (`--modes`):
- old: what a sweep did before the sweep fast path: the pure-Python modules (ASTRASIM_PY_PURE=1 in
  the workers), each generated trace written as 32 rank files and read back, a full gc per point;
  with `--old-tree PATH`, that checkout's own default sweep on its pure-Python modules instead;
- new: the default sweep: the compiled modules, generated traces handed over in memory, no gc.
Each run is one `astrasim-py sweep` child process. Both paths must give the same simulated times
(checked point by point). It prints JSON: wall and CPU seconds (the sweep process plus its
workers) per run, and the old/new ratios over the summed runs.
`--point-fn bench_sweep:busy_point` swaps in a fixed CPU-bound stand-in to measure the executor alone.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PURE_ENV = "ASTRASIM_PY_PURE"  # astrasim_py._compiled.PURE_ENV (not imported: --old-tree may predate it)

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
         "new": {"env": {PURE_ENV: None}, "point_fn": None}}


def run_mode(spec_path: Path, out: Path, mode: str, workers: int, point_fn: str | None,
             old_tree: Path | None) -> tuple[dict, dict]:
    """One `astrasim-py sweep` process on one path; returns its numbers and {point_id: simulated ns}.

    Both paths run the CLI in a child process (start-up, workers and all), timed by wait4: wall,
    and the CPU of the sweep process plus its workers. The old path runs `old_tree` (e.g. a
    checkout of the commit before the sweep fast path) when given, else this tree's old behaviour.
    """
    env = dict(os.environ)
    tree = old_tree if (mode == "old" and old_tree) else REPO
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(REPO / "scripts")])  # workers import bench_sweep
    for key, value in MODES[mode]["env"].items():
        env.pop(key, None) if value is None else env.__setitem__(key, value)
    fn = point_fn or (None if tree != REPO else MODES[mode]["point_fn"])
    cmd = [sys.executable, "-m", "astrasim_py", "sweep", str(spec_path), "--out", str(out), "--workers",
           str(workers), "--no-progress", *(["--point-fn", fn] if fn else [])]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=str(out.parent), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench_sweep: the {mode} path failed: {err.strip()[-800:]}")
    records = [json.loads(p.read_text()) for p in (out / "points").glob("*.json")]
    busy = sum(r["wall_s"] for r in records)
    sim = {r["point_id"]: r["result"]["sim_time_ns"] for r in records}
    # utilization = time the workers spent inside points / (workers x wall): start-up, result
    # writing and hand-over between points show as < 1.
    return ({"mode": mode, "tree": str(tree), "workers": workers, "points": len(records), "wall_s": round(wall, 3),
             "cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "points_per_s": round(len(records) / wall, 2),
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
    parser.add_argument("--old-tree", type=Path,
                        help="run the old path from this checkout (its default sweep, pure-Python modules)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    from astrasim_py._compiled import stale_modules

    if "new" in args.modes and stale_modules(include_unbuilt=True):
        print("bench_sweep: this checkout's compiled modules are missing or older than their sources (the new "
              "path would run the Python sources); build them: python scripts/build_compiled.py", file=sys.stderr)
        return 2
    runs, sims = [], {}
    print(f"machine load before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (other work skews the numbers)",
          file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench_sweep.") as tmp:
        spec_path = write_spec(Path(tmp), args.points)
        for rep in range(args.repeat):
            for workers in args.workers:
                for mode in args.modes:
                    run, sim = run_mode(spec_path, Path(tmp) / f"out-{rep}-{mode}-w{workers}", mode, workers,
                                        args.point_fn, args.old_tree)
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
