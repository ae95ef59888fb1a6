"""`astrasim-py run`: ASTRA-sim's analytical command line (same --flag=value options)."""

from __future__ import annotations

import argparse
import sys

from astrasim_py.errors import InputError
from astrasim_py.runner import BACKENDS, RunRequest, run


def _bool(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def add_parser(sub) -> None:
    """Register `run` with ASTRA-sim's flags plus --backend, --output-json and --seed."""
    p = sub.add_parser("run", help="simulate a Chakra workload (ASTRA-sim-compatible flags)",
                       description="Simulate a Chakra workload; flags as ASTRA-sim's analytical binaries.")
    p.add_argument("--workload-configuration", required=True, metavar="PREFIX",
                   help="ET prefix: rank r reads PREFIX.r.et")
    p.add_argument("--system-configuration", required=True, metavar="FILE.json")
    p.add_argument("--network-configuration", required=True, metavar="FILE.yml")
    p.add_argument("--remote-memory-configuration", default=None, metavar="FILE.json")
    p.add_argument("--comm-group-configuration", default="empty", metavar="FILE.json")
    p.add_argument("--logging-configuration", default="empty", metavar="FILE")
    p.add_argument("--logical-topology-configuration", default=None, metavar="FILE.json",
                   help='ASTRA-sim ns-3: {"logical-dims": ["8","2"]}; NPUs per dimension')
    p.add_argument("--logging-folder", default=None, metavar="DIR", help="write log.log here")
    p.add_argument("--num-queues-per-dim", type=int, default=1)
    p.add_argument("--injection-scale", type=float, default=1.0, help="multiplies endpoint-delay")
    p.add_argument("--comm-scale", type=float, default=1.0, help="accepted, unused (as upstream)")
    p.add_argument("--compute-scale", type=float, default=1.0, help="accepted, unused (as upstream)")
    p.add_argument("--rendezvous-protocol", type=_bool, default=False, metavar="BOOL")
    p.add_argument("--backend", choices=BACKENDS, default="analytical",
                   help="analytical (congestion-unaware), analytical-aware, or ns3")
    p.add_argument("--output-json", default=None, metavar="FILE", help="write the result document here")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="do not print the per-rank report lines nor the progress line")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Build the RunRequest, run it, print ASTRA-sim's lines and write the JSON."""
    request = RunRequest(
        workload=args.workload_configuration, system=args.system_configuration,
        network=args.network_configuration, remote_memory=args.remote_memory_configuration,
        comm_group=None if args.comm_group_configuration in (None, "", "empty") else args.comm_group_configuration,
        backend=args.backend, rendezvous=args.rendezvous_protocol, num_queues_per_dim=args.num_queues_per_dim,
        injection_scale=args.injection_scale, seed=args.seed, logging_folder=args.logging_folder,
        echo=not args.quiet, comm_scale=args.comm_scale, compute_scale=args.compute_scale,
        logging_configuration=None if args.logging_configuration == "empty" else args.logging_configuration,
        logical_topology=args.logical_topology_configuration)
    from astrasim_py.errors import Interrupted
    from astrasim_py.results import write_json
    from astrasim_py.safe_io import check_output_file

    if args.output_json:  # before the run: a read-only or full disk must not lose the result
        check_output_file(args.output_json, "--output-json")
    if args.logging_folder:
        check_output_file(f"{args.logging_folder}/log.log", "--logging-folder")
    try:
        result = run(request, progress=not args.quiet)
    except Interrupted as exc:
        if args.output_json:
            write_json(exc.partial, args.output_json)
            print(f"astrasim-py: partial results of the interrupted run written to {args.output_json}",
                  file=sys.stderr)
        raise
    if args.output_json:
        try:
            write_json(result, args.output_json)
        except InputError:
            print(f"max_finish_ns {result['max_finish_ns']} on {result['num_npus']} NPUs "
                  f"({result['backend']}); the result JSON could not be written:", flush=True)
            raise
    return 0
