"""Dependency feeder semantics (ASTRA-sim feeder_v3 and mlcommons v1 walks)."""

from __future__ import annotations

import pytest

from astrasim_py.chakra.feeder import DependencyFeeder
from astrasim_py.chakra.io import read_et, write_et
from astrasim_py.chakra.schema import GlobalMetadata, Node, NodeType
from astrasim_py.errors import InputError


def walk(feeder):
    """Issue order when every node completes immediately (what the walk logs record)."""
    order = []
    while not feeder.all_done():
        nid = feeder.next_ready()
        assert nid is not None, "stalled"
        order.append(nid)
        feeder.finish(nid)
    return order


def _written(tmp_path, nodes) -> list:
    """Nodes after a round trip through a rank file (as the edge-case fixtures are read)."""
    path = tmp_path / "t.0.et"
    write_et(path, GlobalMetadata(version="1.0.0"), nodes)
    return read_et(path).nodes


def _comp(node_id: int, name: str, data=(), ctrl=()) -> Node:
    return Node(id=node_id, name=name, type=NodeType.COMP_NODE, data_deps=list(data), ctrl_deps=list(ctrl))


def test_ctrl_deps_gate_only_when_asked(tmp_path):
    # the edge-case fixture ctrlorder.0.et: node 1 waits on node 2 through a ctrl dependency
    nodes = _written(tmp_path, [_comp(1, "waits_on_2_via_ctrl", ctrl=[2]), _comp(2, "free")])
    assert walk(DependencyFeeder(nodes, use_ctrl_deps=True)) == [2, 1]   # feeder_v3
    assert walk(DependencyFeeder(nodes, use_ctrl_deps=False)) == [1, 2]  # feeder v1


def test_forward_references(tmp_path):
    # forward.0.et: the child comes first in the file
    nodes = _written(tmp_path, [_comp(2, "child", data=[1]), _comp(1, "parent")])
    assert walk(DependencyFeeder(nodes)) == [1, 2]


def test_text_order_matches_feeder_walks(chakra_fixtures):
    nodes = read_et(chakra_fixtures / "text" / "data6" / "data6.0.et").nodes
    assert walk(DependencyFeeder(nodes)) == list(range(23))  # matches feeder_walks.txt


def test_dangling_dependency_raises(tmp_path):
    with pytest.raises(InputError, match="depends on node 99"):
        DependencyFeeder(_written(tmp_path, [_comp(1, "a", data=[99])]))


def test_duplicate_ids_keep_last(tmp_path):
    feeder = DependencyFeeder(_written(tmp_path, [_comp(1, "first"), _comp(1, "second")]))
    assert len(feeder) == 1 and feeder.node(1).name == "second"


def test_ready_queue_take_finish():
    nodes = [Node(id=5, name="a", type=NodeType.COMP_NODE),
             Node(id=3, name="b", type=NodeType.COMP_NODE),
             Node(id=9, name="c", type=NodeType.COMP_NODE, data_deps=[5, 3]),
             Node(id=7, name="d", type=NodeType.COMP_NODE, data_deps=[3])]
    f = DependencyFeeder(nodes)
    assert f.ready_ids() == [3, 5]
    f.take(5)
    assert f.ready_ids() == [3] and f.in_flight() == 1
    with pytest.raises(KeyError):
        f.take(9)
    assert f.finish(5) == []
    assert f.pop_ready() == [3]
    assert f.finish(3) == [7, 9]
    assert f.pop_ready() == [7, 9]
    assert not f.all_done()
    f.finish(9)
    f.finish(7)
    assert f.all_done() and not f.is_stalled()


def test_cycle_stalls():
    nodes = [Node(id=1, name="a", type=4, data_deps=[2]), Node(id=2, name="b", type=4, data_deps=[1])]
    f = DependencyFeeder(nodes)
    assert f.is_stalled() and f.next_ready() is None


def test_ready_ids_stay_sorted_under_random_take_finish():
    import random

    rng = random.Random(7)
    nodes = []
    for nid in range(300):
        parents = rng.sample(range(nid), k=min(nid, rng.randint(0, 3)))
        nodes.append(Node(id=nid * 3 + 1, name=f"n{nid}", type=NodeType.COMP_NODE,
                          data_deps=[p * 3 + 1 for p in parents]))
    rng.shuffle(nodes)
    feeder = DependencyFeeder(nodes)
    in_flight, finished = [], set()
    while not feeder.all_done():
        ready = feeder.ready_ids()
        assert ready == sorted(set(ready))
        for nid in ready:
            assert set(feeder.node(nid).data_deps) <= finished
            if rng.random() < 0.5:
                feeder.take(nid)
                in_flight.append(nid)
        if in_flight:
            done = in_flight.pop(rng.randrange(len(in_flight)))
            finished.add(done)
            feeder.finish(done)
    assert len(finished) == 300


def test_node_sequence_source_caches_issued_nodes(tmp_path):
    from astrasim_py.chakra.generators import generate_chain, parse_chain, write_workload

    # b_chain's rank 0: compute, all-reduce, compute, written by the project's generator
    write_workload(tmp_path / "chain", generate_chain(parse_chain("comp:100:fwd,all_reduce:1MiB,comp:100:bwd"), 8))
    feeder = DependencyFeeder(read_et(tmp_path / "chain.0.et").nodes)
    (nid,) = feeder.ready_ids()
    first = feeder.node(nid)
    assert feeder.node(nid) is first  # ready: cached
    feeder.take(nid)
    assert feeder.node(nid) is first  # in flight: cached
    feeder.finish(nid)
    assert feeder.node(nid) is not first and feeder.node(nid) == first
