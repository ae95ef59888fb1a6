#!/usr/bin/env python3
"""Benchmark the Chakra reader: time and peak memory to read an N-node trace; prints JSON.

Usage: PYTHONPATH=. python scripts/bench_chakra.py [--nodes 1000000] [--workdir DIR]
Each measurement runs in a fresh subprocess so that peak RSS (ru_maxrss) belongs to it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_trace(path: str, nodes: int) -> dict:
    """A realistic rank file: a chain alternating COMP (is_cpu_op) and ALL_REDUCE nodes."""
    from astrasim_py.chakra.attrs import bool_attr, int64_attr
    from astrasim_py.chakra.io import encode_varint
    from astrasim_py.chakra.schema import GlobalMetadata, Node

    start = time.perf_counter()
    comp_attrs = [bool_attr("is_cpu_op", False)]
    coll_attrs = [bool_attr("is_cpu_op", False), int64_attr("comm_type", 0), int64_attr("comm_size", 1 << 20)]
    with open(path, "wb") as out:
        meta = GlobalMetadata(version="1.0.0").SerializeToString()
        out.write(encode_varint(len(meta)) + meta)
        for nid in range(nodes):
            coll = nid % 2 == 1
            node = Node(id=nid, name=f"{'COMM_COLL' if coll else 'COMP'}_NODE_{nid}", type=7 if coll else 4,
                        data_deps=[nid - 1] if nid else [], duration_micros=0 if coll else 100)
            node.attr.extend(coll_attrs if coll else comp_attrs)
            payload = node.SerializeToString()
            out.write(encode_varint(len(payload)) + payload)
    return {"write_s": round(time.perf_counter() - start, 3), "file_bytes": os.path.getsize(path)}


def measure(mode: str, path: str) -> dict:
    """Run one measurement (in this process) and return timings and peak RSS."""
    from astrasim_py.chakra.feeder import DependencyFeeder
    from astrasim_py.chakra.io import iter_nodes, read_et
    from astrasim_py.chakra.validate import validate_trace

    result: dict = {"mode": mode}
    start = time.perf_counter()
    if mode == "stream":  # iter_nodes: bounded memory, one node at a time
        count = 0
        for _meta, _node in iter_nodes(path):
            count += 1
        result["nodes"] = count
        result["read_s"] = round(time.perf_counter() - start, 3)
    elif mode == "load":  # load_workload: read + per-rank and cross-rank validation (what `run` does)
        from astrasim_py.chakra.workload import load_workload

        (trace,) = load_workload(path[: -len(".0.et")], 1, warn_stream=None)
        result["nodes"] = len(trace.nodes)
        result["load_workload_s"] = round(time.perf_counter() - start, 3)
    else:  # read_et: the whole trace as Node messages, then validation and a feeder walk
        trace = read_et(path)
        result["nodes"] = len(trace.nodes)
        result["read_s"] = round(time.perf_counter() - start, 3)
        if mode == "full":
            t = time.perf_counter()
            validate_trace(trace, warn_stream=None)
            result["validate_s"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            feeder = DependencyFeeder(trace.nodes)
            result["feeder_build_s"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            while not feeder.all_done():
                nid = feeder.next_ready()
                feeder.finish(nid)
            result["feeder_walk_s"] = round(time.perf_counter() - t, 3)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def main() -> int:
    """Generate the trace once, then measure each mode in a subprocess; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--workdir", default=None, help="where to put the trace (default: a temp dir)")
    parser.add_argument("--modes", default="stream,read,load,full")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    import google.protobuf

    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        path = os.path.join(folder, "bench.0.et")
        report = {"nodes": args.nodes, "protobuf": google.protobuf.__version__,
                  "python": sys.version.split()[0], **make_trace(path, args.nodes), "runs": []}
        env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        for mode in args.modes.split(","):
            out = subprocess.run([sys.executable, __file__, "--measure", mode, path], env=env,
                                 capture_output=True, text=True, check=True).stdout
            report["runs"].append(json.loads(out))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
