"""`astrasim-py topology show|list`: summarise, draw and map physical topologies."""

from __future__ import annotations

import json

from astrasim_py.errors import InputError


def _parse_dims(text: str) -> list[int]:
    """'4x2' or '4,2' -> [4, 2]."""
    try:
        dims = [int(x) for x in text.replace("x", ",").split(",") if x.strip()]
    except ValueError:
        raise InputError(f"logical dims '{text}' are not integers", field="--mapping",
                         fix="write e.g. --mapping 4x2") from None
    if not dims:
        raise InputError("no logical dims given", field="--mapping", fix="write e.g. --mapping 4x2")
    return dims


def _format_summary(summary: dict) -> str:
    """Human-readable summary lines."""
    lines = [f"topology {summary['name']}: {summary['hosts']} hosts, {summary['switches']} "
             f"switches, {summary['links']} links"
             + (" (hosts relay transit traffic)" if summary["hosts_forward"] else "")]
    if summary.get("description"):
        lines.append("  " + " ".join(str(summary["description"]).split()))
    lines.append("  link rates (Gbps: count): " +
                 ", ".join(f"{k}: {v}" for k, v in summary["link_gbps"].items()))
    lines.append("  link latencies (ns: count): " +
                 ", ".join(f"{k}: {v}" for k, v in summary["link_latency_ns"].items()))
    bis = summary["bisection_gbps"]
    lines.append(f"  bisection bandwidth: {bis:g} Gbps (hosts 0..H/2-1 vs the rest)"
                 if bis is not None else "  bisection bandwidth: not computed (too large)")
    lines.append(f"  diameter: {summary['diameter_hops']} hops between hosts")
    for row in summary.get("host_pairs_by_hops_and_paths", []):
        lines.append(f"  {row['ordered_pairs']:>9} host pairs at {row['hops']} hops with "
                     f"{row['equal_cost_paths']} equal-cost paths")
    facts = {k: v for k, v in summary.get("facts", {}).items() if k != "dims"}
    if facts:
        lines.append("  facts: " + ", ".join(f"{k}={v}" for k, v in facts.items()))
    return "\n".join(lines)


def _show(args) -> int:
    """Print the summary (text or JSON), optionally draw and print the logical mapping."""
    from astrasim_py.topology.analysis import summarize
    from astrasim_py.topology.draw import draw_topology
    from astrasim_py.topology.loader import load_topology
    from astrasim_py.topology.routing import compute_routes

    if args.output:  # before the work: a bad suffix or folder is one line, not a matplotlib traceback
        from astrasim_py.safe_io import check_image_output

        check_image_output(args.output, "--output")
    topo = load_topology(args.topology)
    routes = compute_routes(topo)
    summary = summarize(topo, routes)
    dims = _parse_dims(args.mapping) if args.mapping else None
    if args.output:
        summary["drawing"] = str(draw_topology(topo, args.output))
    if args.json:
        if dims:
            summary["logical_mapping"] = topo.logical_mapping(dims)
        print(json.dumps(summary, indent=2, sort_keys=True, default=str))
        return 0
    print(_format_summary(summary))
    if args.output:
        print(f"  drawing: {summary['drawing']}")
    if dims:
        print(topo.describe_mapping(dims))
    return 0


def _list(args) -> int:
    """Print every shipped preset with its size and first description line."""
    from astrasim_py.topology.loader import list_presets, load_topology

    for name in list_presets():
        topo = load_topology(name)
        desc = " ".join(topo.description.split())
        print(f"{name:<26} {topo.num_hosts:>5} hosts {topo.num_switches:>4} switches  {desc[:70]}")
    return 0


def add_parser(sub) -> None:
    """Register `topology show` and `topology list`."""
    p = sub.add_parser("topology", help="show, draw and list physical topologies")
    tsub = p.add_subparsers(dest="topology_command", required=True)
    show = tsub.add_parser("show", help="summary (hosts, links, bisection, diameter, paths) and drawing")
    show.add_argument("topology", help="preset name, YAML file, or ns-3 topology .txt")
    show.add_argument("--output", "-o", help="write a drawing (png/svg/pdf)")
    show.add_argument("--json", action="store_true", help="print the summary as JSON")
    show.add_argument("--mapping", metavar="DIMS",
                      help="also print how logical dims (e.g. 4x2) map to hosts")
    show.set_defaults(func=_show)
    lst = tsub.add_parser("list", help="list shipped presets")
    lst.set_defaults(func=_list)
