"""`astrasim-py chakra ...`: generate, convert, validate, dump and view Chakra ET workloads."""

from __future__ import annotations

import argparse
import json
import os
import sys

from astrasim_py.chakra.pytorch import cli as pytorch_cli
from astrasim_py.errors import InputError
from astrasim_py.safe_io import make_parent_dir


def add_parser(sub) -> None:
    """Register `chakra` and its sub-commands."""
    parser = sub.add_parser("chakra", help="make, convert, check and inspect Chakra ET workloads")
    commands = parser.add_subparsers(dest="chakra_command", required=True)

    gen = commands.add_parser("generate", help="write a synthetic workload <output>.<rank>.et")
    what = gen.add_mutually_exclusive_group()
    what.add_argument("--collective", help="all_reduce, all_gather, reduce_scatter, all_to_all, broadcast, "
                                           "reduce, gather, scatter, reduce_scatter_block, barrier, send_recv")
    what.add_argument("--chain", help='dependency chain per rank, e.g. "comp:100,all_reduce:1MiB,comp:100"')
    what.add_argument("--microbenchmarks", action="store_true",
                      help="the 14 chakra_generator families into the directory --output")
    gen.add_argument("--npus", type=int, required=True, help="number of ranks (one file each)")
    gen.add_argument("--size", default="1MiB", help="bytes per rank: 1048576, 64KiB, 1MiB, 1MB (default 1MiB)")
    gen.add_argument("--output", required=True, help="DIR/PREFIX; files are PREFIX.<rank>.et")
    gen.add_argument("--version", default="1.0.0", help='GlobalMetadata version (default "1.0.0")')
    gen.add_argument("--name", help="node name of the collective (default: its upper-case name)")
    gen.add_argument("--pattern", default=None,
                     choices=("pairs", "ring", "incast", "permutation", "random_permutation", "all_to_all",
                              "hotspot", "poisson"),
                     help="send_recv pattern (pairs, ring), or on its own a congesting traffic pattern "
                          "(incast, permutation, random_permutation, all_to_all, hotspot, poisson)")
    traffic = gen.add_argument_group("traffic patterns (--pattern without --collective)")
    traffic.add_argument("--target", type=int, default=0, help="incast: receiving rank (default 0)")
    traffic.add_argument("--senders", type=int, default=None, help="incast: how many senders (default all others)")
    traffic.add_argument("--shift", type=int, default=None, help="permutation: r sends to r+shift (default npus/2)")
    traffic.add_argument("--hotspot", type=int, default=0, help="hotspot: the hot rank (default 0)")
    traffic.add_argument("--hot-fraction", type=float, default=0.5,
                         help="hotspot: probability a flow goes to the hot rank (default 0.5)")
    traffic.add_argument("--flows", type=int, default=4, help="hotspot: flows per rank (default 4)")
    traffic.add_argument("--seed", type=int, default=0, help="random_permutation, hotspot, poisson: seed (default 0)")
    traffic.add_argument("--load", type=float, default=0.3,
                         help="poisson: offered load per host, fraction of --link-gbps (default 0.3)")
    traffic.add_argument("--link-gbps", type=float, default=400.0, help="poisson: host link rate [Gb/s] (default 400)")
    traffic.add_argument("--duration-us", type=float, default=1000.0,
                         help="poisson: arrivals over this many µs (default 1000)")
    traffic.add_argument("--cdf", default="websearch",
                         help="poisson: flow-size CDF, websearch, datamining or a file (default websearch)")
    traffic.add_argument("--cdf-scale", type=float, default=1.0,
                         help="poisson: multiply every CDF size (small, fast runs; default 1)")
    gen.add_argument("--tag", type=int, default=0, help="send_recv comm_tag (default 0)")
    gen.add_argument("--runtime", type=int, default=5, help="microbenchmarks: COMP duration in µs (default 5)")
    gen.add_argument("--tensor-size", default="1024", help="microbenchmarks: tensor_size bytes (default 1024)")
    gen.set_defaults(func=_generate)

    conv = commands.add_parser("convert", help="convert an ASTRA-sim 1.0 text workload, an MSCCL-IR XML "
                                               "or a PyTorch trace")
    conv.add_argument("--input-type", required=True, choices=("text", "msccl", "pytorch"), help="input format")
    conv.add_argument("--input", required=True, help="text workload file, MSCCL-IR XML (msccl), or a PyTorch "
                                                     "host/merged JSON (pytorch)")
    conv.add_argument("--output", required=True, help="output PREFIX; files are PREFIX.<rank>.et "
                                                      "(pytorch without --ranks: the file itself)")
    conv.add_argument("--num-npus", type=int, help="number of ranks (text; msccl takes ngpus from the XML)")
    from astrasim_py.chakra.msccl import add_arguments as add_msccl_arguments

    add_msccl_arguments(conv)
    conv.add_argument("--num-passes", type=int, default=1, help="training passes (default 1)")
    conv.add_argument("--schema", default="mlcommons", choices=("mlcommons", "fork"),
                      help='metadata schema attr: "1.0.2-chakra.1.0.0" (mlcommons) or "...0.0.4" (fork)')
    pytorch_cli.add_convert_options(conv)
    conv.set_defaults(func=_convert)
    pytorch_cli.add_link_parser(commands)
    pytorch_cli.add_collect_parser(commands)

    val = commands.add_parser("validate", help="check every rank file of a workload prefix")
    val.add_argument("prefix", help="workload PREFIX (reads PREFIX.<rank>.et), or one .et file")
    val.add_argument("--npus", type=int, help="expected number of ranks (default: the files found)")
    val.add_argument("--json", action="store_true", help="print the summary as JSON")
    val.add_argument("--chakra-only", action="store_true",
                     help="accept every Chakra collective, also those `astrasim-py run` does not simulate")
    val.set_defaults(func=_validate)

    dump = commands.add_parser("dump", help="print a rank file as the chakra_jsonizer does")
    dump.add_argument("file", help="a .et file")
    dump.add_argument("--output", help="write to this file instead of stdout")
    dump.set_defaults(func=_dump)

    view = commands.add_parser("view", help="draw the dependency graph of a rank file")
    view.add_argument("file", help="a .et file")
    view.add_argument("--output", required=True, help="graph.png, .svg, .pdf or .graphml")
    view.add_argument("--labels", choices=("auto", "on", "off"), default="auto", help="node labels")
    view.set_defaults(func=_view)

    from astrasim_py.chakra.collective_examples import add_algorithm_parser

    add_algorithm_parser(commands)


def _generate(args: argparse.Namespace) -> int:
    from astrasim_py.chakra import generators as gen
    from astrasim_py.chakra.units import parse_size

    size = parse_size(args.size, field="size")
    if not (args.collective or args.chain or args.microbenchmarks):
        from astrasim_py.chakra.traffic import PATTERNS

        if args.pattern not in PATTERNS:
            raise InputError("nothing to generate", field="--collective/--chain/--microbenchmarks/--pattern",
                             fix=f"give one of them; --pattern alone takes {', '.join(PATTERNS)}")
        return _generate_traffic(args, size)
    if args.pattern in (None, "pairs", "ring"):
        args.pattern = args.pattern or "pairs"
    elif not args.collective or args.collective.lower().replace("-", "_") not in ("send_recv", "sendrecv", "p2p"):
        raise InputError(f"--pattern {args.pattern} is a traffic pattern", field="--pattern",
                         fix="give it without --collective/--chain (send_recv takes pairs or ring)")
    if args.microbenchmarks:
        families = gen.generate_microbenchmarks(args.npus, runtime=args.runtime, comm_size=size,
                                                tensor_size=parse_size(args.tensor_size, field="tensor-size"),
                                                version=args.version)
        make_parent_dir(os.path.join(args.output, "x"))
        for family, graphs in families.items():
            gen.write_workload(os.path.join(args.output, family), graphs)
        print(f"wrote {len(families)} families x {args.npus} ranks into {args.output}")
        return 0
    if args.chain:
        graphs = gen.generate_chain(gen.parse_chain(args.chain), args.npus, version=args.version)
    elif args.collective.lower().replace("-", "_") in ("send_recv", "sendrecv", "p2p"):
        graphs = gen.generate_send_recv(args.npus, size, pattern=args.pattern, tag=args.tag,
                                        version=args.version)
    else:
        graphs = gen.generate_collective(args.collective, args.npus, size, version=args.version,
                                         name=args.name)
        gen.print_support_note(args.collective)
    if size == 0 and not args.chain:
        print("WARNING: --size 0: every communication node moves no data", file=sys.stderr)
    make_parent_dir(args.output)
    paths = gen.write_workload(args.output, graphs)
    print(f"wrote {len(paths)} rank files {args.output}.<0..{len(paths) - 1}>.et")
    return 0


def _generate_traffic(args: argparse.Namespace, size: int) -> int:
    from astrasim_py.chakra import traffic as tr
    from astrasim_py.chakra.generators import write_workload

    n = args.npus
    options = {key: getattr(args, key) for key in tr.PATTERN_OPTIONS[args.pattern]}
    flows = tr.generate_flows(args.pattern, n, size, options, where="--pattern")
    if size == 0 and args.pattern != "poisson":
        print("WARNING: --size 0: every flow moves no data", file=sys.stderr)
    make_parent_dir(args.output)
    paths = write_workload(args.output, tr.flows_to_graphs(flows, n, version=args.version))
    total = sum(f.size_bytes for f in flows)
    print(f"wrote {len(paths)} rank files {args.output}.<0..{len(paths) - 1}>.et: {args.pattern}, "
          f"{len(flows)} flows, {total} bytes")
    return 0


def _convert(args: argparse.Namespace) -> int:
    if args.input_type == "msccl":
        from astrasim_py.chakra.msccl import cli_convert

        make_parent_dir(args.output)
        return cli_convert(args)
    from astrasim_py.chakra.text_converter import SCHEMA_FORK, SCHEMA_MLCOMMONS, convert_text

    if args.input_type == "pytorch":
        return pytorch_cli.run_convert(args)
    if args.num_npus is None:
        raise InputError("--input-type text needs --num-npus", field="num-npus", fix="give the number of ranks")
    schema = SCHEMA_MLCOMMONS if args.schema == "mlcommons" else SCHEMA_FORK
    make_parent_dir(args.output)
    paths = convert_text(args.input, args.output, args.num_npus, args.num_passes, schema=schema)
    print(f"wrote {len(paths)} rank files {args.output}.<0..{len(paths) - 1}>.et")
    return 0


def _check_runnable(reports) -> None:
    """Refuse, as `run` would, collectives ASTRA-sim does not simulate (run and validate agree)."""
    from astrasim_py.chakra.schema import CollectiveCommType
    from astrasim_py.workload.workload import SIMULATED

    runnable = set(SIMULATED) | {CollectiveCommType.BROADCAST}
    names = {v: k for k, v in vars(CollectiveCommType).items() if not k.startswith("_")}
    from astrasim_py.config.checks import LIMITS

    for report in reports:
        sizes = [c[1] for c in report.collectives] + [p[3] for p in report.point_to_point]
        if sizes and max(sizes) > LIMITS.max_bytes:
            raise InputError(f"a communication of {max(sizes)} bytes is above the {LIMITS.max_bytes}-byte (1 PiB) "
                             "limit of `astrasim-py run`", file=report.path, field="comm_size",
                             fix="give byte counts a run can move, or pass --chakra-only")
        for comm_type, _size, _pg in report.collectives:
            if comm_type not in runnable:
                raise InputError(f"collective comm type {comm_type} ({names.get(comm_type, 'not a Chakra type')}) "
                                 "is not simulated by `astrasim-py run`", file=report.path, field="comm_type",
                                 fix="use ALL_REDUCE(0), ALL_GATHER(2), ALL_TO_ALL(6), REDUCE_SCATTER(7) or "
                                     "BROADCAST(5), or pass --chakra-only to check the Chakra format alone")


def _validate(args: argparse.Namespace) -> int:
    from astrasim_py.chakra.io import read_et
    from astrasim_py.chakra.validate import validate_trace, validate_workload
    from astrasim_py.chakra.workload import existing_ranks, load_workload

    prefix = args.prefix
    if prefix.endswith(".et") and os.path.isfile(prefix) and not existing_ranks(prefix):
        traces = [read_et(prefix)]
        reports = [validate_trace(traces[0])]
    else:
        traces = load_workload(prefix, args.npus, validate=False)
        reports = [validate_trace(t, rank=r, num_npus=len(traces)) for r, t in enumerate(traces)]
        validate_workload(traces, reports=reports)
    if not args.chakra_only:
        _check_runnable(reports)
    summary = {"prefix": prefix, "ranks": len(traces), "nodes": [r.num_nodes for r in reports],
               "zero_size_comm_nodes": sum(len(r.zero_size_comm_ids) for r in reports), "valid": True}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"OK {prefix}: {len(traces)} rank file(s), {sum(summary['nodes'])} nodes"
              + (f", {summary['zero_size_comm_nodes']} zero-size comm node(s)"
                 if summary["zero_size_comm_nodes"] else ""))
    return 0


def _dump(args: argparse.Namespace) -> int:
    from astrasim_py.chakra.dump import iter_json_objects

    if args.output:
        make_parent_dir(args.output)
        with open(args.output, "w", encoding="utf-8") as out:
            for obj in iter_json_objects(args.file):
                out.write(obj)
    else:
        try:
            for obj in iter_json_objects(args.file):
                sys.stdout.write(obj)
            sys.stdout.write("\n")
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into `head`; not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _view(args: argparse.Namespace) -> int:
    from astrasim_py.chakra.io import read_et
    from astrasim_py.chakra.view import render_graph

    labels = {"auto": None, "on": True, "off": False}[args.labels]
    make_parent_dir(args.output)
    path = render_graph(read_et(args.file), args.output, labels=labels)
    print(f"wrote {path}")
    return 0

