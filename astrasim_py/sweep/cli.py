"""`astrasim-py sweep SPEC --out DIR`: run a parameter sweep locally or on a Slurm cluster, resumably."""

from __future__ import annotations

import argparse
from pathlib import Path

from astrasim_py.sweep.engine import EXECUTORS, SweepOptions, run_sweep
from astrasim_py.sweep.pointrun import DEFAULT_POINT_FN
from astrasim_py.sweep.spec import load_spec

EXIT_POINTS_FAILED = 1


def add_parser(sub) -> argparse.ArgumentParser:
    """Register the `sweep` sub-command."""
    p = sub.add_parser(
        "sweep", help="run a parameter sweep (local worker pool or Slurm job arrays); rerun to resume",
        description="Run every point of a sweep spec. Results: DIR/results.csv (one row per point) and "
                    "DIR/points/<id>.json. Rerunning the same command runs only missing or failed points. "
                    "Exit 0 if every point succeeded, 1 if some failed, 2 for a bad spec.")
    p.add_argument("spec", type=Path, help="sweep spec YAML (base run + axes)")
    p.add_argument("--out", type=Path, required=True, help="output folder (created; reused to resume)")
    p.add_argument("--executor", choices=EXECUTORS, default="local", help="where points run (default: local)")
    p.add_argument("--workers", type=int, help="local worker processes (default: spec `workers`, else #cores)")
    p.add_argument("--time-limit-s", type=float, help="per-point time limit in seconds (default: spec)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--keep-traces", action="store_true",
                   help="write generated workloads as Chakra files under DIR/traces (default: kept in memory)")
    g = p.add_argument_group("slurm (override the spec's `slurm:` section)")
    g.add_argument("--partition", help="Slurm partition")
    g.add_argument("--time-min", type=int, help="time limit of each array task, minutes")
    g.add_argument("--mem-gb", type=float, help="memory per array task, GB")
    g.add_argument("--array-parallelism", type=int, help="array tasks running at once")
    g.add_argument("--points-per-task", type=int, help="points per array task (default: spread over the slots)")
    g.add_argument("--cpus-per-task", type=int, help="CPUs (= worker processes) per array task")
    # Tests and benchmarks swap the function that runs one point (module:function).
    p.add_argument("--point-fn", default=DEFAULT_POINT_FN, help=argparse.SUPPRESS)
    p.set_defaults(func=main)
    return p


def main(args: argparse.Namespace) -> int:
    """Run the sweep and print its summary; the exit code says whether every point succeeded."""
    spec = load_spec(args.spec)
    for name in ("workers", "time_limit_s", "time_min", "mem_gb", "array_parallelism", "points_per_task",
                 "cpus_per_task"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            from astrasim_py.errors import InputError

            raise InputError(f"must be positive, got {value}", field="--" + name.replace("_", "-"),
                             fix="give a number greater than zero")
    options = SweepOptions(
        executor=args.executor, workers=args.workers, point_fn=args.point_fn, time_limit_s=args.time_limit_s,
        progress=not args.no_progress, keep_traces=args.keep_traces,
        slurm={"partition": args.partition, "time_min": args.time_min, "mem_gb": args.mem_gb,
               "array_parallelism": args.array_parallelism, "points_per_task": args.points_per_task,
               "cpus_per_task": args.cpus_per_task})
    summary = run_sweep(spec, args.out, options)
    print(summary.text())
    return 0 if summary.all_ok else EXIT_POINTS_FAILED
