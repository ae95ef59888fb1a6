#!/usr/bin/env python3
"""Benchmark the LLM trace generator (and optionally an analytical run); prints JSON.

Usage: PYTHONPATH=. python scripts/bench_llm.py [--batch 16] [--run] [--workdir DIR]
Default job: GPT-3 175B on 1024 NPUs, dp 8 x tp 8 x pp 16, micro-batch 1.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time


def main() -> None:
    """Generate (and with --run simulate) the job; print wall times, node count and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="gpt3-175b")
    parser.add_argument("--dp", type=int, default=8)
    parser.add_argument("--tp", type=int, default=8)
    parser.add_argument("--pp", type=int, default=16)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--run", action="store_true", help="also run it on the analytical backend")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()

    from astrasim_py.runner import RunRequest, run
    from astrasim_py.workload.llm.accelerators import get_accelerator
    from astrasim_py.workload.llm.config import JobConfig
    from astrasim_py.workload.llm.layout import Parallelism
    from astrasim_py.workload.llm.models import build_model
    from astrasim_py.workload.llm.writer import generate

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        job = JobConfig(build_model(args.model), Parallelism(dp=args.dp, tp=args.tp, pp=args.pp),
                        batch=args.batch, accelerator=get_accelerator("H100"))
        prefix = os.path.join(tmp, "llm")
        start = time.perf_counter()
        facts = generate(job, prefix)
        out = {"model": args.model, "npus": job.par.world, "micro_batches": job.micro_batches,
               "nodes": facts["nodes"], "generate_s": round(time.perf_counter() - start, 3)}
        if args.run:
            world = job.par.world
            inner = min(8, world)
            net = os.path.join(tmp, "net.yml")
            with open(net, "w", encoding="utf-8") as handle:
                handle.write(f"topology: [Switch, Switch]\nnpus_count: [{inner}, {world // inner}]\n"
                             "bandwidth: [450, 50]\nlatency: [250, 1000]\n")
            start = time.perf_counter()
            result = run(RunRequest(workload=prefix, system=facts["system"], network=net,
                                    comm_group=facts["comm_groups"]))
            out.update({"run_s": round(time.perf_counter() - start, 3), "step_ns": result["max_finish_ns"]})
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
