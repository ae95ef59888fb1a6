"""jsonizer-format dump and the graph viewer."""

from __future__ import annotations

import pytest

from astrasim_py.chakra.dump import dump_json
from astrasim_py.chakra.io import read_et, write_et
from astrasim_py.chakra.schema import GlobalMetadata, Node, NodeType
from astrasim_py.chakra.view import render_graph, trace_graph
from astrasim_py.errors import InputError


def test_dump_matches_every_jsonizer_fixture(chakra_fixtures):
    dumps = sorted((chakra_fixtures / "json").rglob("*.json"))
    assert len(dumps) >= 30
    for expected in dumps:
        relative = expected.relative_to(chakra_fixtures / "json").with_suffix(".et")
        assert dump_json(chakra_fixtures / relative) == expected.read_text(), relative


def _chain0(tmp_path) -> str:
    """Rank 0 of b_chain (compute, all-reduce, compute), by the project's byte-identical generator."""
    from astrasim_py.chakra.generators import generate_chain, parse_chain, write_workload

    write_workload(tmp_path / "chain", generate_chain(parse_chain("comp:100:fwd,all_reduce:1MiB,comp:100:bwd"), 8))
    return str(tmp_path / "chain.0.et")


def _written(tmp_path, nodes) -> str:
    path = tmp_path / "t.0.et"
    write_et(path, GlobalMetadata(version="1.0.0"), nodes)
    return str(path)


def test_graph_edges_and_types(tmp_path):
    # ctrlorder.0.et: node 1 waits on node 2 through a ctrl dependency
    graph = trace_graph(read_et(_written(tmp_path, [
        Node(id=1, name="waits_on_2_via_ctrl", type=NodeType.COMP_NODE, ctrl_deps=[2]),
        Node(id=2, name="free", type=NodeType.COMP_NODE)])))
    assert graph.edges[2, 1]["dependency"] == "control"
    graph = trace_graph(read_et(_chain0(tmp_path)))
    assert sorted(graph.edges) == [(0, 1), (1, 2)]
    assert graph.nodes[1]["type"] == "COMM_COLL_NODE"


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF"),
                                           (".graphml", b"<?xml")])
def test_render_formats(chakra_fixtures, tmp_path, suffix, magic):
    out = tmp_path / f"g{suffix}"
    render_graph(read_et(chakra_fixtures / "text" / "dlrm5" / "dlrm5.0.et"), out)
    assert out.read_bytes().startswith(magic)


def test_render_rejects_unknown_format(tmp_path):
    with pytest.raises(InputError, match="unsupported output format"):
        render_graph(read_et(_chain0(tmp_path)), tmp_path / "g.jpg2")


def test_dump_of_empty_metadata_matches_jsonizer(chakra_fixtures):
    edge = chakra_fixtures / "edge_cases"
    assert dump_json(edge / "emptymeta.0.et") == (edge / "emptymeta.json").read_text()


def test_dump_does_not_truncate_at_all_default_node(chakra_fixtures):
    # The Python jsonizer stops at the `00` node record (zeronode.json has only the metadata);
    # we print every record, so a bad trace is visible instead of silently shortened.
    edge = chakra_fixtures / "edge_cases"
    ours = dump_json(edge / "zeronode.0.et")
    assert ours.startswith((edge / "zeronode.json").read_text().rstrip("\n"))
    assert ours.count("}{") == 2 and '"name": "after"' in ours


def test_missing_dependency_is_drawn(tmp_path):
    # dangling.0.et: node 1 depends on a node 99 that is not in the file
    trace = read_et(_written(tmp_path, [Node(id=1, name="a", type=NodeType.COMP_NODE, data_deps=[99])]))
    graph = trace_graph(trace)
    assert graph.nodes[99]["type"] == "MISSING" and graph.has_edge(99, 1)
    render_graph(trace, tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 1000
