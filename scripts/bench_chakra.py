#!/usr/bin/env python3
"""Benchmark the Chakra reader: time and peak memory to read an N-node trace; prints JSON.

Usage: PYTHONPATH=. python scripts/bench_chakra.py [--nodes 1000000] [--workdir DIR]
       PYTHONPATH=. python scripts/bench_chakra.py --pytorch-mb 1024 [--workdir DIR]
The second form times `chakra link` + `chakra convert --input-type pytorch` on a synthetic PyTorch
execution trace of about that many MB (plus its Kineto trace): MB/s and peak RSS vs input size.
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


def make_pytorch_traces(folder: str, target_mb: float) -> dict:
    """A host ET (schema 1.1.1) of about target_mb MB and its Kineto trace, written as a stream.

    Each training step is a user annotation holding 48 aten ops (2 tensor inputs each) and one
    DDP-style c10d::allreduce_ + gloo:all_reduce pair; the gloo op runs on a second thread.
    """
    start = time.perf_counter()
    host = os.path.join(folder, "host_0.json")
    device = os.path.join(folder, "device_0.json")
    target = int(target_mb * 1e6)
    attrs = ('"attrs": [{{"name": "rf_id", "type": "uint64", "value": {rf}}}, {{"name": "fw_parent", '
             '"type": "uint64", "value": 0}}, {{"name": "seq_id", "type": "int64", "value": {rf}}}, '
             '{{"name": "scope", "type": "uint64", "value": 0}}, {{"name": "tid", "type": "uint64", '
             '"value": {tid}}}, {{"name": "fw_tid", "type": "uint64", "value": 0}}, {{"name": "op_schema", '
             '"type": "string", "value": "{schema}"}}]')
    aten = ('{{"id": {id}, "name": "aten::addmm", "ctrl_deps": {parent}, "inputs": {{"values": '
            '[[{id}, {id}, 0, 4096, 4, "cpu"], [{t2}, {t2}, 0, 8192, 4, "cpu"], 1, 1], "shapes": [[64, 64], '
            '[64, 128], [], []], "types": ["Tensor(float)", "Tensor(float)", "Int", "Int"], "strides": '
            '[[64, 1], [128, 1], [], []]}}, "outputs": {{"values": [[{t3}, {t3}, 0, 8192, 4, "cpu"]], '
            '"shapes": [[64, 128]], "types": ["Tensor(float)"], "strides": [[128, 1]]}}, ' + attrs + '}}')
    plain = ('{{"id": {id}, "name": "{name}", "ctrl_deps": {parent}, "inputs": {{"values": {values}, '
             '"shapes": [[]], "types": {types}, "strides": [[]]}}, "outputs": {{"values": [], "shapes": [], '
             '"types": [], "strides": []}}, ' + attrs + '}}')
    ev = ('{{"ph": "X", "cat": "{cat}", "name": "{name}", "pid": 1, "tid": {tid}, "ts": {ts}, "dur": {dur}, '
          '"args": {{"External id": {rf}, "Record function id": {rf}}}}}')
    schema = "aten::addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor"
    nodes = steps = 0
    with open(host, "w") as h, open(device, "w") as k:
        h.write('{\n  "schema": "1.1.1-chakra.0.0.4", "pid": 1, "time": "2026-01-01 00:00:00", '
                '"start_ts": 1000,\n  "nodes": [\n')
        h.write(plain.format(id=2, name="[pytorch|profiler|execution_trace|thread]", parent=1, values="[]",
                             types="[]", rf=0, tid=1, schema=""))
        h.write(",\n" + plain.format(id=3, name="[pytorch|profiler|execution_trace|thread]", parent=1,
                                      values="[]", types="[]", rf=0, tid=2, schema=""))
        k.write('{"schemaVersion": 1, "distributedInfo": {"rank": 0, "world_size": 2}, "traceEvents": [\n')
        nid, rf, ts = 10, 1, 1000.0
        first_event = True
        while h.tell() < target:
            step_id, step_rf, step_ts = nid, rf, ts
            parts = [plain.format(id=nid, name=f"Step#{steps}", parent=2, values="[]", types="[]", rf=rf, tid=1,
                                  schema="")]
            events = []
            nid += 1
            rf += 1
            t = ts + 1.0
            for _ in range(48):
                parts.append(aten.format(id=nid, parent=step_id, t2=nid + 1, t3=nid + 2, rf=rf, tid=1,
                                         schema=schema))
                events.append(ev.format(cat="cpu_op", name="aten::addmm", tid=1, ts=round(t, 3), dur=10.5, rf=rf))
                nid += 3
                rf += 1
                t += 12.0
            parts.append(plain.format(id=nid, name="c10d::allreduce_", parent=step_id,
                                      values='[[[7, 7, 0, 1048576, 4, "cpu"]], "<Object>"]',
                                      types='["GenericList[Tensor(float)]", "Object"]', rf=rf, tid=1, schema=""))
            events.append(ev.format(cat="cpu_op", name="c10d::allreduce_", tid=1, ts=round(t, 3), dur=5.0, rf=rf))
            parts.append(plain.format(id=nid + 1, name="gloo:all_reduce", parent=3,
                                      values='[[7, 7, 0, 1048576, 4, "cpu"]]', types='["Tensor(float)"]',
                                      rf=rf + 1, tid=2, schema=""))
            events.append(ev.format(cat="user_annotation", name="gloo:all_reduce", tid=2, ts=round(t + 2, 3),
                                    dur=400.0, rf=rf + 1))
            events.insert(0, ev.format(cat="user_annotation", name=f"Step#{steps}", tid=1, ts=round(step_ts, 3),
                                       dur=round(t + 6 - step_ts, 3), rf=step_rf))
            nid += 2
            rf += 2
            ts = t + 2000.0  # a gap: each step links to the other thread's latest op
            h.write(",\n" + ",\n".join(parts))
            k.write(("" if first_event else ",\n") + ",\n".join(events))
            first_event = False
            nodes += len(parts)
            steps += 1
        h.write(",\n" + plain.format(id=1, name="[pytorch|profiler|execution_trace|process]", parent=1,
                                      values="[]", types="[]", rf=0, tid=0, schema=""))
        h.write('\n  ],\n  "finish_ts": 2000\n}\n')
        k.write("\n]}\n")
    return {"host": host, "device": device, "host_bytes": os.path.getsize(host),
            "device_bytes": os.path.getsize(device), "host_nodes": nodes + 3, "steps": steps,
            "write_s": round(time.perf_counter() - start, 3)}


def measure_pytorch(mode: str, host: str, device: str, folder: str) -> dict:
    """One pytorch measurement in this process: link, convert (merged) or convert-host."""
    from astrasim_py.chakra.pytorch.converter import convert_pytorch
    from astrasim_py.chakra.pytorch.linker import link_traces

    merged = os.path.join(folder, "merged_0.json")
    start = time.perf_counter()
    if mode == "link":
        source_bytes = os.path.getsize(host) + os.path.getsize(device)
        link_traces(host, device, merged, rank=0)
        out_bytes = os.path.getsize(merged)
    else:
        source = merged if mode == "convert" else host
        source_bytes = os.path.getsize(source)
        out = os.path.join(folder, f"{mode}.0.et")
        result = convert_pytorch(source, out)
        out_bytes = os.path.getsize(out)
        assert result.comms, "the synthetic trace must yield COMM nodes"
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss * 1024
    cpu = usage.ru_utime + usage.ru_stime  # on a shared machine wall time overstates the cost
    return {"mode": mode, "input_mb": round(source_bytes / 1e6, 1), "output_mb": round(out_bytes / 1e6, 1),
            "seconds": round(seconds, 2), "mb_per_s": round(source_bytes / 1e6 / seconds, 1),
            "cpu_s": round(cpu, 2), "mb_per_cpu_s": round(source_bytes / 1e6 / cpu, 1),
            "peak_rss_mb": round(peak / 1e6, 1), "peak_rss_over_input": round(peak / source_bytes, 2)}


def main() -> int:
    """Generate the trace once, then measure each mode in a subprocess; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--workdir", default=None, help="where to put the trace (default: a temp dir)")
    parser.add_argument("--modes", default="stream,read,load,full")
    parser.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--pytorch-mb", type=float, default=0,
                        help="instead: link + convert a synthetic PyTorch trace of this many MB")
    parser.add_argument("--measure-pytorch", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    if args.measure_pytorch:
        print(json.dumps(measure_pytorch(*args.measure_pytorch)))
        return 0
    if args.pytorch_mb > 0:
        return _bench_pytorch(args)
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


def _bench_pytorch(args) -> int:
    with tempfile.TemporaryDirectory(dir=args.workdir) as folder:
        made = make_pytorch_traces(folder, args.pytorch_mb)
        report = {"benchmark": "pytorch link + convert", "python": sys.version.split()[0],
                  **{k: v for k, v in made.items() if k not in ("host", "device")}, "runs": []}
        env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        for mode in ("link", "convert", "convert-host"):
            out = subprocess.run([sys.executable, __file__, "--measure-pytorch", mode, made["host"],
                                  made["device"], folder], env=env, capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"{mode} failed: {out.stderr.strip()[-2000:]}")
            report["runs"].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
