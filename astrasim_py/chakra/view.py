"""Draw a rank file's dependency graph (PNG/SVG/PDF with matplotlib, or GraphML), coloured by type."""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx

from astrasim_py.chakra.io import EtTrace
from astrasim_py.chakra.schema import NodeType, node_type_name
from astrasim_py.errors import InputError

TYPE_COLOURS = {
    NodeType.INVALID_NODE: "#bbbbbb",
    NodeType.METADATA_NODE: "#dddddd",
    NodeType.MEM_LOAD_NODE: "#8dd3c7",
    NodeType.MEM_STORE_NODE: "#80b1d3",
    NodeType.COMP_NODE: "#fdb462",
    NodeType.COMM_SEND_NODE: "#b3de69",
    NodeType.COMM_RECV_NODE: "#bc80bd",
    NodeType.COMM_COLL_NODE: "#fb8072",
}
MISSING = "MISSING"  # type shown for ids that are depended on but absent from the file
IMAGE_FORMATS = (".png", ".svg", ".pdf")
MAX_DRAWN_NODES = 5000  # beyond this a drawing is unreadable and slow; use GraphML instead


def trace_graph(trace: EtTrace) -> nx.DiGraph:
    """Parent->child DiGraph; node data: label (name), type; edge data: dependency (data/control)."""
    graph = nx.DiGraph()
    for node in trace.nodes:
        graph.add_node(node.id, label=node.name, type=node_type_name(node.type))
    for node in trace.nodes:
        for dep in node.data_deps:
            graph.add_edge(dep, node.id, dependency="data")
        for dep in node.ctrl_deps:
            if not graph.has_edge(dep, node.id):
                graph.add_edge(dep, node.id, dependency="control")
    for nid, data in graph.nodes(data=True):
        if "type" not in data:  # a dependency on a node that is not in the file: show it
            data.update(label="(missing node)", type=MISSING)
    return graph


def _layered_positions(graph: nx.DiGraph) -> dict:
    """Top-to-bottom layers by longest path from a root (falls back to spring layout on cycles)."""
    if not nx.is_directed_acyclic_graph(graph):
        return nx.spring_layout(graph, seed=1)
    pos = {}
    for depth, generation in enumerate(nx.topological_generations(graph)):
        ordered = sorted(generation)
        for index, nid in enumerate(ordered):
            pos[nid] = (index - (len(ordered) - 1) / 2, -depth)
    return pos


def render_graph(trace: EtTrace, output: str | os.PathLike, *, labels: bool | None = None) -> str:
    """Write the graph to output (.png/.svg/.pdf drawing, or .graphml); returns the path."""
    out = Path(output)
    suffix = out.suffix.lower()
    if out.parent and not out.parent.is_dir():
        raise InputError("output directory does not exist", file=str(out.parent), field="output",
                         fix="create it first")
    graph = trace_graph(trace)
    if suffix == ".graphml":
        nx.write_graphml(graph, out)
        return str(out)
    if suffix not in IMAGE_FORMATS:
        raise InputError(f"unsupported output format {suffix or '(none)'}", file=str(out), field="output",
                         fix="use a .png, .svg, .pdf or .graphml file name")
    if graph.number_of_nodes() > MAX_DRAWN_NODES:
        raise InputError(f"{graph.number_of_nodes()} nodes are too many to draw (limit {MAX_DRAWN_NODES})",
                         file=trace.path, field="nodes", fix="write .graphml and open it in a graph tool")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    pos = _layered_positions(graph)
    width = max(6.0, min(40.0, 1.6 * max((abs(x) for x, _ in pos.values()), default=1) * 2 + 2))
    height = max(4.0, min(60.0, 0.9 * (1 + max((-y for _, y in pos.values()), default=0))))
    fig, ax = plt.subplots(figsize=(width, height))
    ids = list(graph.nodes)
    by_name = {node_type_name(t): c for t, c in TYPE_COLOURS.items()}
    by_name[MISSING] = "#ffffff"
    colours = [by_name.get(graph.nodes[n]["type"], "#ffffff") for n in ids]
    data_edges = [e for e in graph.edges if graph.edges[e]["dependency"] == "data"]
    ctrl_edges = [e for e in graph.edges if graph.edges[e]["dependency"] == "control"]
    nx.draw_networkx_nodes(graph, pos, nodelist=ids, node_color=colours, node_size=500,
                           edgecolors="#333333", ax=ax)
    nx.draw_networkx_edges(graph, pos, edgelist=data_edges, ax=ax, arrows=True, node_size=500)
    nx.draw_networkx_edges(graph, pos, edgelist=ctrl_edges, ax=ax, arrows=True, node_size=500,
                           style="dashed", edge_color="#777777")
    show_labels = labels if labels is not None else len(ids) <= 80
    if show_labels:
        nx.draw_networkx_labels(graph, pos, {n: f"{n}\n{graph.nodes[n]['label'][:28]}" for n in ids},
                                font_size=6, ax=ax)
    present = sorted({graph.nodes[n]["type"] for n in ids})
    handles = [Patch(facecolor=by_name.get(t, "#ffffff"), edgecolor="#333333", label=t) for t in present]
    if ctrl_edges:
        handles.append(Patch(facecolor="none", edgecolor="#777777", linestyle="--", label="ctrl dep"))
    ax.legend(handles=handles, loc="upper right", fontsize=7)
    ax.set_title(f"{Path(trace.path).name}: {len(ids)} nodes, {graph.number_of_edges()} deps", fontsize=9)
    ax.margins(x=0.25, y=0.05)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return str(out)
