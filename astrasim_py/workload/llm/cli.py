"""`astrasim-py workload llm|run`: generate LLM traces; run any trace with a per-iteration breakdown."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from astrasim_py.errors import InputError

_SHAPE_FLAGS = (("layers", "layers"), ("dmodel", "d_model"), ("dff", "d_ff"), ("heads", "heads"),
                ("kv_heads", "kv_heads"), ("vocab", "vocab"), ("seq", "seq"), ("experts", "experts"),
                ("top_k", "top_k"), ("dff_expert", "d_ff_expert"), ("shared_experts", "shared_experts"))


def add_parser(sub) -> None:
    """Register `workload` with its `llm` and `run` commands."""
    from astrasim_py.workload.llm.accelerators import accelerator_names
    from astrasim_py.workload.llm.models import model_names

    top = sub.add_parser("workload", help="LLM trace generator and per-iteration runs",
                         description="Generate transformer training/inference traces; run traces with a breakdown.")
    commands = top.add_subparsers(dest="workload_command", required=True)

    gen = commands.add_parser("llm", help="per-rank Chakra ETs + comm groups for an LLM job")
    gen.add_argument("--output", required=True, metavar="PREFIX",
                     help="files PREFIX.<rank>.et, PREFIX.comm_groups.json, PREFIX.system.json, PREFIX.manifest.json")
    gen.add_argument("--model", help=f"named shape: {', '.join(model_names())}; shape flags override it")
    for flag, _ in _SHAPE_FLAGS:
        gen.add_argument("--" + flag.replace("_", "-"), type=int, default=None)
    gen.add_argument("--ffn", choices=("swiglu", "gelu"), default=None)
    gen.add_argument("--batch", type=int, default=8, help="global batch in sequences (default 8)")
    gen.add_argument("--micro-batch", type=int, default=1, help="sequences per micro-batch per DP replica")
    for dim in ("dp", "tp", "pp", "ep"):
        gen.add_argument(f"--{dim}", type=int, default=1)
    gen.add_argument("--sp", nargs="?", const="on", default="off", metavar="DEGREE",
                     help="sequence parallelism inside the TP group (AG + RS instead of AR): --sp, or "
                          "--sp N with N = tp (on) or 1 (off)")
    gen.add_argument("--zero", type=int, default=0, help="0 none, 1/2 sharded optimizer+grads, 3 FSDP")
    gen.add_argument("--fsdp", action="store_true", help="same as --zero 3 (weights sharded over dp)")
    gen.add_argument("--recompute", action="store_true", help="full activation recompute before each backward")
    gen.add_argument("--schedule", default="1f1b", help="1f1b or gpipe")
    gen.add_argument("--mode", default="train", help="train or infer")
    gen.add_argument("--decode-steps", type=int, default=0, help="infer: tokens generated after the prefill")
    gen.add_argument("--dtype", default="bf16",
                     help="activations/weights and roofline peak: fp32, tf32, bf16, fp16, fp8")
    gen.add_argument("--grad-dtype", default="bf16", help="gradients on the wire")
    gen.add_argument("--bucket-mb", type=float, default=25.0, help="DP gradient bucket in MiB (default 25)")
    gen.add_argument("--accelerator", default=None,
                     help=f"roofline preset: {', '.join(accelerator_names())} (default H100)")
    gen.add_argument("--compute-efficiency", type=float, default=1.0, help="fraction of peak reached (default 1)")
    gen.add_argument("--durations", default=None, metavar="FILE.json",
                     help='measured µs per op pattern, e.g. {"fwd.*": 120, "*": 10}, instead of the roofline')
    gen.add_argument("--gpus-per-server", type=int, default=None, help="servers' scale-up size for the placement "
                     "(default 8, or the --topology's)")
    gen.add_argument("--topology", default=None, metavar="PRESET|FILE",
                     help="a rail_optimized topology (e.g. rail_16x8): place ranks on its servers and rails")
    gen.add_argument("--quiet", action="store_true", help="do not print the placement")
    gen.set_defaults(func=_generate)

    run = commands.add_parser("run", help="run a trace prefix and report step time, compute/exposed split, "
                                          "time per collective and per parallelism dimension")
    run.add_argument("--workload", required=True, metavar="PREFIX")
    run.add_argument("--network", required=True, metavar="FILE.yml", help="ASTRA-sim network YAML (+ fabric:)")
    run.add_argument("--system", default=None, metavar="FILE.json", help="default PREFIX.system.json, "
                     "or a roofline system from --accelerator for STG traces")
    run.add_argument("--comm-group", default=None, metavar="FILE.json",
                     help="default PREFIX.comm_groups.json (STG: PREFIX.json)")
    run.add_argument("--format", choices=("astrasim", "stg"), default="astrasim",
                     help="stg: comm_size/tensor_size in elements, matmul num_ops in MACs")
    run.add_argument("--element-bytes", type=int, default=2, help="STG: bytes per element (default 2)")
    run.add_argument("--matmul-flops-per-op", type=int, default=2, help="STG: FLOPs per matmul op (default 2)")
    for dim in ("dp", "tp", "sp", "pp"):
        run.add_argument(f"--{dim}", type=int, default=1, help="STG: degree (names the groups)")
    run.add_argument("--accelerator", default="H100", help="STG without --system: roofline preset")
    run.add_argument("--dtype", default="bf16")
    run.add_argument("--backend", choices=("analytical", "analytical-aware", "ns3"), default="analytical")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--output-json", default=None, metavar="FILE")
    run.add_argument("--chrome-trace", default=None, metavar="FILE.json", help="per-rank timeline (Perfetto)")
    run.add_argument("--include-nodes", action="store_true",
                     help="keep every node's [rank, id, start_ns, end_ns] in --output-json (large)")
    run.set_defaults(func=_run)


def _generate(args: argparse.Namespace) -> int:
    from astrasim_py.workload.llm.accelerators import get_accelerator
    from astrasim_py.workload.llm.config import JobConfig, load_durations
    from astrasim_py.workload.llm.layout import Parallelism, describe_placement
    from astrasim_py.workload.llm.models import build_model
    from astrasim_py.workload.llm.writer import compute_model, generate

    overrides = {key: getattr(args, flag) for flag, key in _SHAPE_FLAGS}
    overrides["ffn"] = args.ffn
    model = build_model(args.model, overrides)
    if args.durations and args.accelerator:
        raise InputError("give either --accelerator (roofline) or --durations (measured)", field="--durations",
                         fix="drop one of them")
    durations = load_durations(args.durations) if args.durations else None
    accelerator = None if durations else get_accelerator(args.accelerator or "H100", args.dtype,
                                                          args.compute_efficiency)
    gpus_per_server = _gpus_per_server(args, par_world=args.dp * args.tp * args.pp)
    par = Parallelism(dp=args.dp, tp=args.tp, pp=args.pp, ep=args.ep, sp=_sequence_parallel(args.sp, args.tp),
                      zero=3 if args.fsdp else args.zero)
    job = JobConfig(model=model, par=par, mode=args.mode, batch=args.batch, micro_batch=args.micro_batch,
                    schedule=args.schedule.lower(), recompute=args.recompute, dtype=args.dtype,
                    grad_dtype=args.grad_dtype, bucket_bytes=int(args.bucket_mb * 2**20),
                    decode_steps=args.decode_steps, accelerator=accelerator, durations=durations)
    out = generate(job, args.output, gpus_per_server)
    if not args.quiet:
        for line in describe_placement(out["layout"], out["placement"]):
            print(line)
    for line in out["warnings"]:
        print(f"warning: {line}", file=sys.stderr)
    cm = compute_model(job.accelerator, job.durations)
    what = (f"roofline {cm['accelerator']} {cm['dtype']} ({cm['peak_tflops']:g} TFLOP/s, "
            f"{cm['mem_bw_gbytes_per_s']:g} GB/s)" if cm["kind"] == "roofline" else f"measured ({cm['durations']})")
    print(f"wrote {par.world} rank files ({out['nodes']} nodes) {args.output}.<rank>.et, {out['comm_groups']}, "
          f"{out['system']}; compute: {what}")
    return 0


def _gpus_per_server(args: argparse.Namespace, par_world: int) -> int:
    """The scale-up domain size: --gpus-per-server, or the rail_optimized --topology's (whose hosts must match)."""
    if args.topology is None:
        value = 8 if args.gpus_per_server is None else args.gpus_per_server
        if value < 1:
            raise InputError("must be >= 1", field="--gpus-per-server", fix="give the GPUs per server")
        return value
    from astrasim_py.topology import load_topology

    topo = load_topology(args.topology)
    gpus = topo.facts.get("gpus_per_server")
    if topo.facts.get("builder") != "rail_optimized" or not gpus:
        raise InputError("is not a rail_optimized topology", file=str(args.topology), field="--topology",
                         fix="use a rail preset such as rail_2x8 or rail_16x8, or give --gpus-per-server")
    if topo.num_hosts != par_world:
        raise InputError(f"has {topo.num_hosts} GPUs but dp x tp x pp = {par_world}", file=str(args.topology),
                         field="--topology", fix="pick degrees whose product is the number of GPUs")
    if args.gpus_per_server not in (None, gpus):
        raise InputError(f"--gpus-per-server {args.gpus_per_server} contradicts the topology's {gpus}",
                         field="--gpus-per-server", fix="drop --gpus-per-server")
    return int(gpus)


def _sequence_parallel(value: str, tp: int) -> bool:
    """--sp: on/off, or a degree that must be 1 or the TP degree (no separate context parallelism)."""
    if value in ("on", "off"):
        return value == "on"
    try:
        degree = int(value)
    except ValueError:
        degree = -1
    if degree == 1:
        return False
    if degree == tp and degree > 1:
        return True
    raise InputError(f"--sp {value} is neither 1 nor --tp {tp}", field="--sp",
                     fix="sequence parallelism shards the sequence over the TP group; a separate "
                         "context-parallel degree is not modelled")


def _run(args: argparse.Namespace) -> int:
    from astrasim_py.results import breakdown, write_chrome_trace, write_json
    from astrasim_py.runner import RunRequest, run

    prefix = args.workload
    traces = None
    compute = None
    manifest_path = f"{prefix}.manifest.json"
    with tempfile.TemporaryDirectory(prefix="astrasim_llm_") as tmp:
        system = args.system
        groups = args.comm_group
        if args.format == "stg":
            from astrasim_py.workload.llm.accelerators import get_accelerator
            from astrasim_py.workload.llm.stg import StgOptions, load_stg
            from astrasim_py.workload.llm.writer import compute_model, system_json

            opts = StgOptions(args.element_bytes, args.matmul_flops_per_op, args.dp, args.tp, args.sp, args.pp)
            traces, _, groups = load_stg(prefix, groups, opts)
            if system is None:
                acc = get_accelerator(args.accelerator, args.dtype)
                system = os.path.join(tmp, "system.json")
                with open(system, "w", encoding="utf-8") as handle:
                    json.dump(system_json(acc), handle)
                compute = compute_model(acc)
        else:
            system = system or f"{prefix}.system.json"
            groups = groups or (f"{prefix}.comm_groups.json" if os.path.exists(f"{prefix}.comm_groups.json") else None)
            if os.path.exists(manifest_path):
                with open(manifest_path, encoding="utf-8") as handle:
                    compute = json.load(handle).get("compute_model")
        if not os.path.exists(system):
            raise InputError("system configuration not found", file=system, field="--system",
                             fix="generate with `workload llm` or pass --system")
        if traces is None:  # read once: the run and the breakdown below share the traces
            from astrasim_py.chakra.workload import load_workload

            traces = load_workload(prefix)
        request = RunRequest(workload=prefix, system=system, network=args.network, comm_group=groups,
                             backend=args.backend, seed=args.seed)
        result = run(request, traces=traces, record_nodes=True)
        summary = breakdown(result, traces)
        summary["compute_model"] = compute or {"kind": "from the system configuration", "system": system}
        result["iteration"] = summary
        _print_summary(summary, result)
        if args.chrome_trace:
            write_chrome_trace(result, traces, args.chrome_trace)
            print(f"timeline: {args.chrome_trace} (open in https://ui.perfetto.dev or chrome://tracing)")
        if args.output_json:
            if not args.include_nodes:
                result.pop("nodes", None)
            write_json(result, args.output_json)
    return 0


def _print_summary(summary: dict, result: dict) -> None:
    ms = 1e6
    cm = summary["compute_model"]
    print(f"step time {summary['step_time_ns'] / ms:.3f} ms on {result['num_npus']} ranks ({result['backend']}); "
          f"compute model: {cm.get('kind')} {cm.get('accelerator', '')} {cm.get('dtype', '')}".rstrip())
    print(f"per rank (mean): compute {summary['compute_ns_mean'] / ms:.3f} ms, exposed communication "
          f"{summary['exposed_comm_ns_mean'] / ms:.3f} ms")
    ranks = summary["ranks"]
    shown = ranks if len(ranks) <= 8 else ranks[:4] + ranks[-4:]
    for r in shown:
        print(f"  rank {r['rank']:5d}: finish {r['finish_ns'] / ms:10.3f} ms  compute {r['compute_ns'] / ms:10.3f} ms  "
              f"exposed comm {r['exposed_comm_ns'] / ms:10.3f} ms")
    print("by collective (all ranks): " + ", ".join(
        f"{k} {v['nodes']} x, {v['time_ns'] / ms:.3f} ms" for k, v in summary["by_collective"].items()))
    print("by dimension (mean per rank): " + ", ".join(
        f"{k} {v['time_ns_mean_per_rank'] / ms:.3f} ms busy / {v['exposed_ns_mean_per_rank'] / ms:.3f} ms exposed"
        for k, v in summary["by_dimension"].items()))
    fabric = result.get("fabric") or {}
    counters = {k: fabric[k] for k in ("delivered_bytes", "data_packets", "drops", "retransmitted_packets",
                                       "pfc_pause_frames", "ecn_marks", "cnps")
                if k in fabric}
    if counters:
        print("fabric: " + ", ".join(f"{k} {v}" for k, v in counters.items()))
