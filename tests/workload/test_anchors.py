"""The §8 workload-layer anchors (Ring-8, 50 GB/s, 500 ns, sys_ring_c4, 1 MiB all-reduces)."""

from __future__ import annotations

import json

import pytest

from trace_builders import (AR, CONFIGS, MiB, Node, NodeType, coll_node, comp_node, make_attr,
                                   p2p_node, run_trace)


def lines_of(result, rank):
    return [line for line in result["log"] if f"sys[{rank}]" in line]


def test_comp_then_allreduce(tmp_path):
    res = run_trace(tmp_path, 8, lambda r: [comp_node(1, "c", 10), coll_node(2, "ar", AR, MiB, data_deps=[1])])
    assert res["finish_ns"] == [127780] * 8
    assert res["exposed_comm_ns"] == [117780] * 8
    text = "\n".join(lines_of(res, 0))
    assert "GPU time: 10000" in text and "Comm time: 117780" in text


def test_comp_parallel_to_allreduce(tmp_path):
    res = run_trace(tmp_path, 8, lambda r: [comp_node(1, "c", 10), coll_node(2, "ar", AR, MiB)])
    assert res["finish_ns"] == [117780] * 8
    assert res["exposed_comm_ns"] == [107780] * 8
    assert any("overlap: 10000" in line for line in lines_of(res, 3))


def test_allreduce_chain_and_parallel_serialize(tmp_path):
    (tmp_path / "a").mkdir()
    chain = run_trace(tmp_path / "a", 8, lambda r: [coll_node(1, "a", AR, MiB), coll_node(2, "b", AR, MiB, data_deps=[1])])
    assert chain["finish_ns"] == [235560] * 8
    (tmp_path / "b").mkdir()
    par = run_trace(tmp_path / "b", 8, lambda r: [coll_node(1, "a", AR, MiB), coll_node(2, "b", AR, MiB)])
    assert par["finish_ns"] == [235560] * 8


def test_ctrl_dep_gates_issue(tmp_path):
    def nodes(rank):
        second = coll_node(2, "b", AR, MiB)
        second.ctrl_deps.append(1)
        return [coll_node(1, "a", AR, MiB), second]
    assert run_trace(tmp_path, 8, nodes)["finish_ns"] == [235560] * 8


def test_allreduce_comp_allreduce(tmp_path):
    res = run_trace(tmp_path, 8, lambda r: [coll_node(1, "a", AR, MiB), comp_node(2, "c", 10, data_deps=[1]),
                                            coll_node(3, "b", AR, MiB, data_deps=[2])])
    assert res["finish_ns"] == [245560] * 8


def test_zero_duration_comp_takes_one_ns(tmp_path):
    assert run_trace(tmp_path, 8, lambda r: [comp_node(1, "c", 0)])["finish_ns"] == [1] * 8


def _sendrecv(dst):
    def nodes(rank):
        if rank == 0:
            return [p2p_node(1, "s", True, 0, dst, MiB, 7)]
        if rank == dst:
            return [p2p_node(1, "r", False, 0, dst, MiB, 7)]
        return [comp_node(1, "idle", 0)]
    return nodes


@pytest.mark.parametrize("dst,backend,expected", [(1, "analytical", 20031), (1, "analytical-aware", 20031),
                                                  (4, "analytical", 21531), (4, "analytical-aware", 80124)])
def test_send_recv(tmp_path, dst, backend, expected):
    res = run_trace(tmp_path, 8, _sendrecv(dst), backend=backend)
    assert res["finish_ns"][0] == expected and res["finish_ns"][dst] == expected


def test_roofline(tmp_path):
    def nodes(tensor):
        return lambda r: [comp_node(1, "c", 999, num_ops=10**9, tensor_size=tensor)]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert run_trace(tmp_path / "a", 8, nodes(10**6), system="sys_ring_c4_roofline.json")["finish_ns"][0] == 20000
    assert run_trace(tmp_path / "b", 8, nodes(10**9), system="sys_ring_c4_roofline.json")["finish_ns"][0] == 20_000_000


def test_cpu_and_gpu_slots_overlap(tmp_path):
    res = run_trace(tmp_path, 8, lambda r: [comp_node(1, "cpu", 5, is_cpu_op=True), comp_node(2, "gpu", 7)])
    assert res["finish_ns"] == [7000] * 8
    assert not any("Wall time" in line for line in res["log"])  # upstream's statistics bug


def test_rendezvous(tmp_path):
    res = run_trace(tmp_path, 8, lambda r: [coll_node(1, "ar", AR, MiB)], rendezvous=True)
    assert res["finish_ns"] == [154292] * 8


@pytest.mark.parametrize("flags,expected", [([True, False], 88720), ([False, True], 86628), (None, 88760)])
def test_involved_dim(tmp_path, flags, expected):
    def nodes(rank):
        node = coll_node(1, "ar", AR, MiB)
        if flags is not None:
            node.attr.append(make_attr("involved_dim", "bool_list", flags))
        return [node]
    res = run_trace(tmp_path, 8, nodes, net="net_Ring_Switch_4x2.yml", system="sys_2d_ring_ring_c4.json")
    assert max(res["finish_ns"]) == expected


@pytest.mark.parametrize("backend,expected", [("analytical", 94720), ("analytical-aware", 109360)])
def test_comm_groups(tmp_path, backend, expected):
    res = run_trace(tmp_path, 8, lambda r: [coll_node(1, "ar", AR, MiB, pg_name="1" if r < 4 else "2")],
                    comm_group=str(CONFIGS / "comm_groups_2x4.json"), backend=backend)
    assert max(res["finish_ns"]) == expected


def test_metadata_process_groups(tmp_path):
    groups = [{"pg_name": "1", "ranks": [0, 1, 2, 3]}, {"pg_name": "2", "ranks": [4, 5, 6, 7]}]

    def nodes(rank):
        meta = Node(id=1, name="pg", type=NodeType.METADATA_NODE)
        meta.inputs.values = repr([json.dumps(groups)])
        return [meta, coll_node(2, "ar", AR, MiB, data_deps=[1], pg_name="1" if rank < 4 else "2")]
    assert max(run_trace(tmp_path, 8, nodes)["finish_ns"]) == 94720


def test_same_inputs_give_identical_results(tmp_path):
    from astrasim_py.results import deterministic_view
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    make = lambda r: [comp_node(1, "c", 3), coll_node(2, "ar", AR, MiB, data_deps=[1])]  # noqa: E731
    a = deterministic_view(run_trace(tmp_path / "a", 8, make, backend="analytical-aware"))
    b = deterministic_view(run_trace(tmp_path / "b", 8, make, backend="analytical-aware"))
    a["config"]["request"]["workload"] = b["config"]["request"]["workload"] = ""
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_rendezvous_point_to_point(tmp_path):
    res = run_trace(tmp_path, 8, _sendrecv(1), rendezvous=True)
    assert res["finish_ns"][0] == res["finish_ns"][1] == 652 + 20031


def test_remote_memory_pool_serializes(tmp_path):
    mem = tmp_path / "mem.json"
    mem.write_text(json.dumps({"memory-type": "MEMORY_POOL", "remote-mem-latency": 100, "remote-mem-bw": 10}))

    def nodes(rank):
        load = Node(id=1, name="ld", type=NodeType.MEM_LOAD_NODE)
        load.attr.append(make_attr("tensor_size", "uint64_val", 1000))
        return [load]
    (tmp_path / "w").mkdir()
    res = run_trace(tmp_path / "w", 8, nodes, remote_memory=str(mem))
    assert sorted(res["finish_ns"]) == [200 * (k + 1) for k in range(8)]
