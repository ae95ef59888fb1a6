"""CLI glue for `chakra link`, `chakra convert --input-type pytorch` and `chakra collect`."""

from __future__ import annotations

import argparse
import os
import re

from astrasim_py.errors import InputError
from astrasim_py.safe_io import make_parent_dir

_RANK_FILE = re.compile(r"^(?P<stem>.*?)(?P<rank>\d+)(?P<ext>\.json(?:\.gz)?)$")


def add_link_parser(commands) -> None:
    """Register `chakra link`."""
    link = commands.add_parser("link", help="merge a PyTorch execution trace with its Kineto trace "
                                            "(as chakra_trace_link)")
    link.add_argument("--rank", type=int, required=True, help="rank of the two traces")
    link.add_argument("--host", "--chakra-host-trace", dest="host", required=True,
                      help="execution trace JSON (ExecutionTraceObserver), .gz accepted")
    link.add_argument("--device", "--chakra-device-trace", dest="device", required=True,
                      help="Kineto JSON (torch.profiler export_chrome_trace), .gz accepted")
    link.add_argument("--output", "--output-file", dest="output", required=True, help="merged JSON to write")
    link.add_argument("--indent", type=int, default=None, metavar="N",
                      help="indent the JSON (4 = the real tool's exact bytes; default: one node per line, "
                           "several times faster)")
    link.add_argument("--no-progress", action="store_true", help="no progress bar")
    link.set_defaults(func=run_link)


def add_convert_options(conv) -> None:
    """Options of `chakra convert` that only --input-type pytorch uses."""
    conv.add_argument("--compat", choices=("default", "upstream"), default="default",
                      help="pytorch: 'upstream' = byte-identical to the real chakra_converter")
    conv.add_argument("--ranks", nargs="?", const="auto", default=None, metavar="PATTERN",
                      help="pytorch: --input is a folder of per-rank traces (e.g. host_{rank}.json); "
                           "writes OUTPUT.<rank>.et")
    conv.add_argument("--comm-group-output", default=None, metavar="FILE.json",
                      help="pytorch: where to write the communicator groups (default OUTPUT-prefix"
                           ".comm_groups.json, only when the trace has sub-groups)")
    conv.add_argument("--no-progress", action="store_true", help="pytorch: no progress bar")


def add_collect_parser(commands) -> None:
    """Register `chakra collect`."""
    col = commands.add_parser("collect", help="record an N-rank CPU/gloo PyTorch job: host + Kineto "
                                              "traces per rank (needs torch: pip install .[pytorch])")
    col.add_argument("--ranks", type=int, default=2, help="number of processes (default 2)")
    col.add_argument("--output", required=True, help="directory for host_<r>.json and device_<r>.json")
    col.add_argument("--steps", type=int, default=2, help="training steps; the last one is recorded")
    col.add_argument("--port", type=int, default=29533, help="rendezvous port on 127.0.0.1")
    col.set_defaults(func=run_collect)


def run_link(args: argparse.Namespace) -> int:
    """`chakra link`."""
    from astrasim_py.chakra.pytorch.linker import link_traces

    make_parent_dir(args.output)
    stats = link_traces(args.host, args.device, args.output, rank=args.rank,
                        show_progress=not args.no_progress, indent=args.indent)
    print(f"wrote {args.output}: {stats.host_nodes} host nodes ({stats.linked} timed by Kineto), "
          f"{stats.gpu_nodes} GPU nodes")
    return 0


def _comm_group_path(output: str) -> str:
    base = re.sub(r"(\.\d+)?\.et$", "", output)
    return f"{base}.comm_groups.json"


def _rank_files(folder: str, pattern: str) -> dict[int, str]:
    if not os.path.isdir(folder):
        raise InputError("--ranks needs a folder of per-rank traces", file=folder, field="input",
                         fix="pass the folder holding e.g. host_0.json, host_1.json ...")
    names = sorted(os.listdir(folder))
    if pattern != "auto":
        if "{rank}" not in pattern:
            raise InputError(f"pattern {pattern!r} has no {{rank}}", field="ranks",
                             fix='e.g. --ranks "host_{rank}.json"')
        regex = re.compile("^" + re.escape(pattern).replace(re.escape("{rank}"), r"(\d+)") + "$")
        found = {int(m.group(1)): os.path.join(folder, n) for n in names if (m := regex.match(n))}
    else:
        families: dict[str, dict[int, str]] = {}
        for n in names:
            m = _RANK_FILE.match(n)
            if m and not _is_kineto(os.path.join(folder, n)):
                families.setdefault(m.group("stem") + "{rank}.json", {})[int(m.group("rank"))] = \
                    os.path.join(folder, n)
        merged = [f for f in families if "merged" in f]
        choice = merged if merged else list(families)
        if len(choice) != 1:
            what = ", ".join(sorted(families)) or "no <name><rank>.json files"
            raise InputError(f"cannot tell which per-rank traces to convert ({what})", file=folder,
                             field="ranks", fix='name them: --ranks "host_{rank}.json"')
        found = families[choice[0]]
    if not found:
        raise InputError(f"no file matches {pattern!r}", file=folder, field="ranks",
                         fix='e.g. --ranks "host_{rank}.json"')
    missing = sorted(set(range(max(found) + 1)) - set(found))
    if missing:
        raise InputError(f"ranks {missing} have no trace (found {sorted(found)})", file=folder, field="ranks",
                         fix="every rank 0..N-1 needs its own trace")
    return dict(sorted(found.items()))


def _is_kineto(path: str) -> bool:
    from astrasim_py.chakra.pytorch.reader import open_binary

    with open_binary(path) as f:
        head = f.read(4096)
    return b'"traceEvents"' in head or b'"schemaVersion"' in head


def run_convert(args: argparse.Namespace) -> int:
    """`chakra convert --input-type pytorch`."""
    from astrasim_py.chakra.pytorch.converter import convert_pytorch
    from astrasim_py.config.comm_group import write_comm_groups

    if args.ranks is not None:
        jobs = [(path, f"{args.output}.{rank}.et") for rank, path in _rank_files(args.input, args.ranks).items()]
        group_path = args.comm_group_output or f"{args.output}.comm_groups.json"
    else:
        jobs = [(args.input, args.output)]
        group_path = args.comm_group_output or _comm_group_path(args.output)
    groups: dict[int, list[int]] = {}
    for source, target in jobs:
        make_parent_dir(target)
        result = convert_pytorch(source, target, compat=args.compat, show_progress=not args.no_progress)
        counts = ", ".join(f"{v} {k.replace('_NODE', '')}" for k, v in result.type_counts.items())
        print(f"wrote {target}: {result.num_nodes} nodes ({counts})")
        for comm in result.comms:
            print(f"  {comm.describe()}  [node {comm.node_id} {comm.name}]")
        for gid, ranks in result.groups.comm_groups().items():
            if groups.setdefault(gid, ranks) != ranks:
                raise InputError(f"process group {gid} has ranks {ranks} here but {groups[gid]} in another "
                                 "rank's trace", file=source, field="process_group:init",
                                 fix="convert traces of one job together")
    if groups and args.compat == "default":
        make_parent_dir(group_path)
        write_comm_groups(group_path, groups)
        print(f"wrote {group_path}: {len(groups)} communicator group(s) "
              "(pass it as --comm-group-configuration)")
    return 0


def run_collect(args: argparse.Namespace) -> int:
    """`chakra collect`."""
    from astrasim_py.chakra.pytorch.collect import collect

    paths = collect(args.output, ranks=args.ranks, steps=args.steps, port=args.port)
    for rank, (host, device) in enumerate(paths):
        print(f"rank {rank}: {host} {device}")
    return 0

