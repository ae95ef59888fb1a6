"""Generators reproduce the real tools' bytes and make valid workloads for every collective."""

from __future__ import annotations

import pytest

from astrasim_py.chakra import generators as gen
from astrasim_py.chakra.attrs import get_attr
from astrasim_py.chakra.feeder import DependencyFeeder
from astrasim_py.chakra.io import encode_et
from astrasim_py.chakra.schema import NodeType
from astrasim_py.chakra.units import parse_size
from astrasim_py.chakra.workload import load_workload
from astrasim_py.errors import InputError


def _same_bytes(graphs, folder, stem):
    return all(encode_et(g.metadata, g.nodes) == (folder / f"{stem}.{g.rank}.et").read_bytes()
               for g in graphs)


def test_all_reduce_matches_real_generator(chakra_fixtures):
    graphs = gen.generate_collective("all_reduce", 8, parse_size("1MiB"))
    assert _same_bytes(graphs, chakra_fixtures / "a_allreduce_1MiB", "ALL_REDUCE")


def test_version_and_name_reproduce_astrasim_examples(chakra_fixtures):
    graphs = gen.generate_collective("all_reduce", 8, 1 << 20, version="0.0.4", name="all_reduce_8npus_1MB")
    assert _same_bytes(graphs, chakra_fixtures / "astra-sim_shipped_examples", "all_reduce")


def test_send_recv_pairs_match_fixture(chakra_fixtures):
    graphs = gen.generate_send_recv(2, 1 << 20, tag=7)
    assert _same_bytes(graphs, chakra_fixtures / "d_sendrecv", "sendrecv")


def test_chain_matches_fixture(chakra_fixtures):
    steps = gen.parse_chain("comp:100:fwd, all_reduce:1MiB, comp:100:bwd")
    assert _same_bytes(gen.generate_chain(steps, 8), chakra_fixtures / "b_chain", "chain")


@pytest.mark.parametrize("collective", sorted(gen.COLLECTIVES))
def test_every_collective_is_a_valid_workload(tmp_path, collective):
    gen.write_workload(tmp_path / "w", gen.generate_collective(collective, 4, 4096))
    traces = load_workload(tmp_path / "w", 4)
    for rank, trace in enumerate(traces):
        (node,) = trace.nodes
        assert node.id == rank and node.type == NodeType.COMM_COLL_NODE
        assert get_attr(node, "comm_type") == gen.COLLECTIVES[collective]
        assert get_attr(node, "comm_size") == 4096


def test_ring_send_recv_is_consistent(tmp_path):
    gen.write_workload(tmp_path / "r", gen.generate_send_recv(4, 100, pattern="ring", tag=3))
    traces = load_workload(tmp_path / "r", 4)  # validation checks src/dst against each rank
    sends = {(get_attr(n, "comm_src"), get_attr(n, "comm_dst")) for t in traces for n in t.nodes
             if n.type == NodeType.COMM_SEND_NODE}
    recvs = {(get_attr(n, "comm_src"), get_attr(n, "comm_dst")) for t in traces for n in t.nodes
             if n.type == NodeType.COMM_RECV_NODE}
    assert sends == recvs == {(0, 1), (1, 2), (2, 3), (3, 0)}


def test_chain_dependencies_walk_in_order():
    (graph,) = gen.generate_chain(gen.parse_chain("comp:5,all_gather:64KiB,comp:7,reduce_scatter:1k"), 1)
    feeder = DependencyFeeder(graph.nodes)
    order = []
    while not feeder.all_done():
        nid = feeder.next_ready()
        order.append(nid)
        feeder.finish(nid)
    assert order == [0, 1, 2, 3]
    assert [n.duration_micros for n in graph.nodes] == [5, 0, 7, 0]
    assert get_attr(graph.nodes[3], "comm_size") == 1024


@pytest.mark.parametrize("text, expected", [("1MiB", 1 << 20), ("1MB", 10**6), ("64KiB", 65536),
                                            ("4096", 4096), ("1.5KiB", 1536), ("2g", 2 << 30)])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("call, message", [
    (lambda: gen.generate_collective("allreduce_x", 2, 1), "unknown collective"),
    (lambda: gen.generate_send_recv(3, 1), "even number of NPUs"),
    (lambda: gen.generate_collective("all_reduce", 0, 1), "npus is 0"),
    (lambda: gen.parse_chain("comp"), "cannot parse chain step"),
    (lambda: gen.parse_chain("comp:-5"), "not a non-negative integer"),
    (lambda: gen.generate_send_recv(2, 1, tag=2**31), "does not fit comm_tag"),
    (lambda: parse_size(str(2**63)), "does not fit comm_size"),
    (lambda: gen.generate_microbenchmarks(2, runtime=-1), "must be >= 0"),
    (lambda: parse_size("1.3B"), "not a whole number"),
])
def test_generator_input_errors(call, message):
    with pytest.raises(InputError, match=message):
        call()
