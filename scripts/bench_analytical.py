#!/usr/bin/env python3
"""Benchmark the analytical backends: a 256 MiB all-reduce (4 chunks) on 64, 256 and 1,024 NPUs.

    python scripts/bench_analytical.py                 # the compiled fast path
    python scripts/bench_analytical.py --pure-python   # the same sources run by the interpreter
    python scripts/bench_analytical.py --compare       # both, in this run, with the speed-up
    python scripts/bench_analytical.py --astrasim-binary ~/astra-sim/build/.../AstraSim_Analytical_Congestion_Unaware

Two configurations: `ring` (ring algorithm on a Ring topology) and `direct` (direct algorithm on
a FullyConnected topology), 50 GB/s and 500 ns per link, endpoint delay 10 ns, local-mem-bw 50.
Every point runs in its own process, so peak RSS is per run. The JSON has, per point and
backend: wall and CPU seconds of the whole run (CPU is the fairer number on a shared machine),
start-up seconds (trace loading and set-up), simulated ns, events and events/s (over the event
loop), messages, peak RSS. A user's own ASTRA-sim binary (`--astrasim-binary`, repeatable) runs
the same trace files and configs; its row gives wall/CPU seconds, simulated ns and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

CONFIGS = {"ring": ("Ring", "ring"), "direct": ("FullyConnected", "direct")}


def write_inputs(folder: str, config: str, npus: int, size: int, splits: int) -> dict[str, str]:
    """Trace files, network YAML, system JSON and remote-memory JSON of one point."""
    from astrasim_py.chakra.generators import coll_node
    from astrasim_py.chakra.io import write_et
    from astrasim_py.chakra.schema import GlobalMetadata

    topology, algorithm = CONFIGS[config]
    prefix = os.path.join(folder, "ar")
    for rank in range(npus):
        write_et(f"{prefix}.{rank}.et", GlobalMetadata(version="0.0.4"), [coll_node(0, "ar", 0, size)])
    net = os.path.join(folder, "net.yml")
    with open(net, "w") as handle:
        handle.write(f"topology: [{topology}]\nnpus_count: [{npus}]\nbandwidth: [50.0]\nlatency: [500.0]\n")
    system = os.path.join(folder, "sys.json")
    with open(system, "w") as handle:
        json.dump({"scheduling-policy": "LIFO", "endpoint-delay": 10, "active-chunks-per-dimension": 1,
                   "preferred-dataset-splits": splits, "all-reduce-implementation": [algorithm],
                   "all-gather-implementation": [algorithm], "reduce-scatter-implementation": [algorithm],
                   "all-to-all-implementation": [algorithm], "collective-optimization": "localBWAware",
                   "local-mem-bw": 50, "boost-mode": 0}, handle)
    memory = os.path.join(folder, "memory.json")
    with open(memory, "w") as handle:
        json.dump({"memory-type": "NO_MEMORY_EXPANSION"}, handle)
    return {"workload": prefix, "network": net, "system": system, "memory": memory}


def one(backend: str, config: str, npus: int, size: int, splits: int, folder: str) -> dict:
    """Run one point in this process and return its measurements."""
    from astrasim_py.runner import RunRequest, run

    try:
        from astrasim_py._compiled import compiled_active
    except ImportError:  # a checkout from before the compiled build (PYTHONPATH=<old tree>)
        def compiled_active() -> bool:
            return False

    files = write_inputs(folder, config, npus, size, splits)
    cpu0 = time.process_time()
    result = run(RunRequest(workload=files["workload"], system=files["system"], network=files["network"],
                            backend=backend), progress=False)
    cpu_s = time.process_time() - cpu0
    fabric = result["fabric"]
    loop_s = result["wall_s"] - result["startup_s"]
    return {"backend": backend, "config": config, "npus": npus, "size_bytes": size, "chunks": splits,
            "path": "compiled" if compiled_active() else "pure-python",
            "wall_s": round(result["wall_s"], 3), "cpu_s": round(cpu_s, 3),
            "startup_s": round(result["startup_s"], 3), "simulated_ns": result["max_finish_ns"],
            "events": fabric["events"], "events_per_s": round(fabric["events"] / loop_s) if loop_s > 0 else None,
            "messages": fabric["messages"], "peak_rss_mb": result["peak_rss_mb"]}


def _child(args: list[str], env: dict[str, str]) -> tuple[str, float, float, float]:
    """Run a child process: (stdout, wall s, CPU s, peak RSS MB) of that child alone."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read()
        proc.stderr.close()
        if proc.returncode != 0:
            raise SystemExit(f"{args[0]} failed ({proc.returncode}): {err.strip()[-500:]}")
        out.seek(0)
        return out.read(), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_ours(backend: str, config: str, npus: int, size: int, splits: int, pure: bool) -> dict:
    """One point of our backend in a child process."""
    env = dict(os.environ)
    env.pop("ASTRASIM_PY_PURE", None)
    if pure:
        env["ASTRASIM_PY_PURE"] = "1"
    stdout, _, _, _ = _child([sys.executable, os.path.abspath(__file__), "--child", backend, "--config", config,
                              "--npus", str(npus), "--size", str(size), "--chunks", str(splits)], env)
    return json.loads(stdout.strip().splitlines()[-1])


def run_astrasim(binary: str, config: str, npus: int, size: int, splits: int) -> dict:
    """One point of a user's ASTRA-sim binary on the same inputs."""
    with tempfile.TemporaryDirectory() as folder:
        files = write_inputs(folder, config, npus, size, splits)
        stdout, wall, cpu, rss = _child([binary, f"--workload-configuration={files['workload']}",
                                         f"--system-configuration={files['system']}",
                                         f"--network-configuration={files['network']}",
                                         f"--remote-memory-configuration={files['memory']}"], dict(os.environ))
    finished = [int(m) for m in re.findall(r"finished, (\d+) cycles", stdout)]
    return {"backend": f"astrasim:{os.path.basename(binary)}", "config": config, "npus": npus,
            "size_bytes": size, "chunks": splits, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "simulated_ns": max(finished) if finished else None, "peak_rss_mb": round(rss, 1)}


def main() -> int:
    """Run every point in child processes and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--npus", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--configs", nargs="+", choices=sorted(CONFIGS), default=["ring", "direct"])
    parser.add_argument("--size", type=int, default=256 << 20, help="all-reduce bytes (default 256 MiB)")
    parser.add_argument("--chunks", type=int, default=4)
    parser.add_argument("--direct-max-npus", type=int, default=256,
                        help="skip direct above this many NPUs (every rank keeps n-1 messages in flight: "
                             "149 MB at 256 NPUs, about 16x that at 1,024)")
    parser.add_argument("--backends", default="analytical,analytical-aware")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--pure-python", action="store_true", help="run the Python sources (ASTRASIM_PY_PURE=1)")
    mode.add_argument("--compare", action="store_true", help="run the pure and the compiled path, report the speed-up")
    parser.add_argument("--astrasim-binary", action="append", default=[], metavar="PATH",
                        help="also run this ASTRA-sim analytical binary on the same inputs (repeatable)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--config", default="ring", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(one(args.child, args.config, args.npus[0], args.size, args.chunks, folder)))
        return 0
    for binary in args.astrasim_binary:
        if not os.access(binary, os.X_OK):
            print(f"bench_analytical: --astrasim-binary {binary}: not an executable file", file=sys.stderr)
            return 2
    from astrasim_py._compiled import stale_modules

    if not args.pure_python and stale_modules(include_unbuilt=True):
        print("bench_analytical: this checkout's compiled modules are missing or older than their sources "
              "(the fast path would run the Python sources); build them: python scripts/build_compiled.py",
              file=sys.stderr)
        return 2
    paths = [True, False] if args.compare else [args.pure_python]
    rows = []
    for config in args.configs:
        for npus in args.npus:
            if config == "direct" and npus > args.direct_max_npus:
                continue
            for backend in args.backends.split(","):
                for pure in paths:
                    row = run_ours(backend, config, npus, args.size, args.chunks, pure)
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
                if args.compare:
                    slow, fast = rows[-2], rows[-1]
                    fast["speedup_cpu"] = round(slow["cpu_s"] / fast["cpu_s"], 2)
                    fast["speedup_wall"] = round(slow["wall_s"] / fast["wall_s"], 2)
                    fast["same_simulated_ns"] = slow["simulated_ns"] == fast["simulated_ns"]
            for binary in args.astrasim_binary:
                rows.append(run_astrasim(binary, config, npus, args.size, args.chunks))
    print(json.dumps({"bench": "analytical_allreduce", "load_avg_1min": round(os.getloadavg()[0], 2),
                      "cores": os.cpu_count(), "results": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
