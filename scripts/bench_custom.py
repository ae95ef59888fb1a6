#!/usr/bin/env python3
"""Benchmark custom collectives: build, check and run an N-rank ring all-reduce written as Chakra ETs.

Prints one JSON document: seconds to build and write the algorithm (CollectiveBuilder), to load and
check it (matching, cycles, untimed replay), and per backend the run's wall seconds, simulated ns
and messages per second. Default: 64 ranks, 64 MiB (2 x 63 x 64 = 8064 messages).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)


def main() -> int:
    """Run the benchmark and print JSON."""
    from astrasim_py.chakra.collective_check import load_algorithm
    from astrasim_py.chakra.collective_examples import ring_allreduce
    from astrasim_py.chakra.generators import coll_node
    from astrasim_py.chakra.io import write_et
    from astrasim_py.chakra.schema import GlobalMetadata
    from astrasim_py.runner import RunRequest, run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--npus", type=int, default=64)
    parser.add_argument("--size", type=int, default=64 << 20, help="bytes")
    parser.add_argument("--backends", default="analytical,analytical-aware")
    args = parser.parse_args()
    out: dict = {"npus": args.npus, "size_bytes": args.size, "messages": 2 * (args.npus - 1) * args.npus}
    with tempfile.TemporaryDirectory() as folder:
        algo = os.path.join(folder, "algo")
        started = time.perf_counter()
        ring_allreduce(args.npus, args.size).write(algo)
        out["build_write_s"] = round(time.perf_counter() - started, 4)
        started = time.perf_counter()
        load_algorithm(algo, args.npus)
        out["load_check_s"] = round(time.perf_counter() - started, 4)
        workload = os.path.join(folder, "ar")
        for rank in range(args.npus):
            write_et(f"{workload}.{rank}.et", GlobalMetadata(version="0.0.4"), [coll_node(0, "ar", 0, args.size)])
        net = os.path.join(folder, "net.yml")
        with open(net, "w") as handle:
            handle.write(f"topology: [Ring]\nnpus_count: [{args.npus}]\nbandwidth: [50]\nlatency: [500]\n")
        system = os.path.join(folder, "sys.json")
        with open(system, "w") as handle:
            json.dump({"scheduling-policy": "FIFO", "preferred-dataset-splits": 1, "local-mem-bw": 50,
                       "all-reduce-implementation-custom": [algo]}, handle)
        out["runs"] = {}
        for backend in args.backends.split(","):
            doc = run(RunRequest(workload=workload, system=system, network=net, backend=backend))
            out["runs"][backend] = {"wall_s": doc["wall_s"], "simulated_ns": doc["max_finish_ns"],
                                    "messages_per_s": round(out["messages"] / doc["wall_s"])}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
