"""Custom collectives run from the system JSON: exact times, precedence, groups, and errors before the run."""

from __future__ import annotations

import os

import pytest
import yaml

from astrasim_py.chakra.collective_builder import CollectiveBuilder
from astrasim_py.chakra.collective_examples import (double_binary_tree_allreduce, hierarchical_allreduce,
                                                    ring_allreduce)
from astrasim_py.chakra.generators import RankGraph, coll_node, write_workload
from astrasim_py.chakra.io import read_et
from astrasim_py.chakra.msccl import convert_msccl
from astrasim_py.chakra.schema import GlobalMetadata, NodeType
from astrasim_py.cli import main
from astrasim_py.errors import InputError
from astrasim_py.runner import RunRequest, run
from custom.helpers import (MiB, SHIPPED_PREFIX_IN_JSON, SHIPPED_RING, generate, ring_allreduce_xml,
                                  write_no_memory, write_ring_net, write_system)

BW = 50 * 2**30 / 1e9  # B/ns of 50 GB/s (GiB-based, as ASTRA-sim's network YAML)
RING_1MIB_NS = 14 * int(500 + 131072 / BW) + 7 * 7000  # 14 messages of 2941 ns + 7 reductions of 7 us
BACKENDS = ("analytical", "analytical-aware")


def _run(tmp_path, system, backend="analytical", network=None, workload=None, **kw):
    workload = workload or generate(tmp_path / "w" / "ar", "--collective", "all_reduce", "--npus", "8",
                                    "--size", "1MiB")
    return run(RunRequest(workload=workload, system=system, network=network or write_ring_net(tmp_path / "n.yml"),
                          remote_memory=write_no_memory(tmp_path / "mem.json"), backend=backend, **kw))


@pytest.mark.parametrize("backend", BACKENDS)
def test_own_converted_ring_gives_astrasims_90174(tmp_path, backend):
    assert RING_1MIB_NS == 90174
    xml = tmp_path / "ring.xml"
    xml.write_text(ring_allreduce_xml(8))
    convert_msccl(str(xml), str(tmp_path / "algo"), MiB)
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    doc = _run(tmp_path, system, backend)
    assert doc["finish_ns"] == [90174] * 8
    assert doc["collectives"][0]["collective"] == "ALL_REDUCE"
    assert doc["config"]["system"]["all-reduce-implementation-custom"] == [str(tmp_path / "algo")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_channel_bidirectional_ring(tmp_path, backend):
    xml = tmp_path / "ring2.xml"
    xml.write_text(ring_allreduce_xml(8, channels=2))
    convert_msccl(str(xml), str(tmp_path / "algo"), MiB)
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    # each direction all-reduces half the data on its own directed links: a 1-channel ring of 512 KiB
    half_ring = 14 * int(500 + 65536 / BW) + 7 * (3 * (65536 // 50) // 1000 * 1000)
    assert half_ring == 45080
    assert _run(tmp_path, system, backend)["finish_ns"] == [half_ring] * 8


@pytest.mark.parametrize("backend", BACKENDS)
def test_shipped_ets_and_system_json_as_they_are(shared_dir, tmp_path, monkeypatch, backend):
    # ASTRA-sim resolves the JSON's relative prefix from its checkout: lay the same path out here.
    folder = tmp_path / os.path.dirname(SHIPPED_PREFIX_IN_JSON)
    folder.mkdir(parents=True)
    for rank in range(8):
        (folder / f"custom_allreduce.{rank}.et").symlink_to(SHIPPED_RING / f"custom_allreduce.{rank}.et")
    monkeypatch.chdir(tmp_path)
    doc = _run(tmp_path, str(SHIPPED_RING / "custom_collective.json"), backend)
    assert doc["finish_ns"] == [90174] * 8
    assert doc["log"][0] == "[workload] [info] sys[0] finished, 90174 cycles, exposed communication 90174 cycles."


def test_cli_end_to_end(tmp_path, capsys):
    ring_allreduce(8, MiB).write(str(tmp_path / "algo"))
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    workload = generate(tmp_path / "w" / "ar", "--collective", "all_reduce", "--npus", "8", "--size", "1MiB")
    assert main(["run", f"--workload-configuration={workload}", f"--system-configuration={system}",
                 f"--network-configuration={write_ring_net(tmp_path / 'n.yml')}"]) == 0
    assert "sys[7] finished, 90174 cycles" in capsys.readouterr().out


def test_comm_size_and_splits_are_ignored(tmp_path):
    ring_allreduce(8, MiB).write(str(tmp_path / "algo"))
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")],
                          preferred_dataset_splits=16)
    workload = generate(tmp_path / "w" / "ar", "--collective", "all_reduce", "--npus", "8", "--size", "64MiB")
    assert _run(tmp_path, system, workload=workload)["finish_ns"] == [90174] * 8


@pytest.mark.parametrize("backend", BACKENDS)
def test_hierarchical_allreduce_closed_form(tmp_path, backend):
    g, s = 4, 2
    hierarchical_allreduce(s, g, MiB).write(str(tmp_path / "algo"))
    net = tmp_path / "n.yml"
    net.write_text("topology: [Ring, Ring]\nnpus_count: [4, 2]\nbandwidth: [50, 25]\nlatency: [500, 1000]\n")
    shard, piece = MiB // g, MiB // g // s
    t1 = int(500 + shard / BW)  # intra-server hop (dim 0)
    t2 = int(1000 + piece / (BW / 2))  # inter-server hop (dim 1)
    r1, r2 = 3 * (shard // 50) // 1000 * 1000, 3 * (piece // 50) // 1000 * 1000
    expected = 2 * (g - 1) * t1 + (g - 1) * r1 + 2 * (s - 1) * t2 + (s - 1) * r2
    assert expected == 96056
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    assert _run(tmp_path, system, backend, network=str(net))["finish_ns"] == [expected] * 8


def test_double_binary_tree_critical_path(tmp_path):
    double_binary_tree_allreduce(8, MiB).write(str(tmp_path / "algo"))
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    doc = _run(tmp_path, system, network=write_ring_net(tmp_path / "fc.yml", "FullyConnected"))
    t = int(500 + (MiB // 2) / BW)  # one hop, half the data per tree
    r = 3 * (MiB // 2 // 50) // 1000 * 1000
    # tree {4: [2, 6], 2: [1, 3], 1: [0], 6: [5, 7]} and its mirror: depth-3 leaves finish last
    deep, shallow = 6 * t + 3 * r, 5 * t + 3 * r
    assert doc["finish_ns"] == [deep, deep, shallow, shallow, shallow, shallow, deep, deep]


def _chain_workload(tmp_path):
    prefix = generate(tmp_path / "w" / "chain", "--chain", "all_reduce:1MiB,all_reduce:1MiB", "--npus", "8")
    ids = [n.id for n in read_et(f"{prefix}.0.et").nodes if n.type == NodeType.COMM_COLL_NODE]
    return prefix, ids


def test_per_node_beats_per_collective_beats_native(tmp_path):
    ring_allreduce(8, MiB).write(str(tmp_path / "ring1"))
    ring_allreduce(8, 2 * MiB).write(str(tmp_path / "ring2"))
    workload, ids = _chain_workload(tmp_path)
    per_node = tmp_path / "per_node.yaml"
    per_node.write_text(yaml.safe_dump({ids[1]: str(tmp_path / "ring2")}))
    ring_2mib = 14 * int(500 + 262144 / BW) + 7 * 15000
    both = write_system(tmp_path / "a.json", all_reduce_implementation_custom=[str(tmp_path / "ring1")],
                        per_node_custom_implementation=str(per_node))
    assert _run(tmp_path, both, workload=workload)["finish_ns"] == [90174 + ring_2mib] * 8
    # only the per-node entry: the other all-reduce falls back to the native ring (4 chunks: 117 780)
    only_node = write_system(tmp_path / "b.json", per_node_custom_implementation=str(per_node),
                             preferred_dataset_splits=4, all_reduce_implementation=["ring"])
    assert _run(tmp_path, only_node, workload=workload)["finish_ns"] == [117780 + ring_2mib] * 8


def _group_workload(tmp_path, groups):
    graphs = []
    for rank in range(8):
        gid = next(g for g, members in groups.items() if rank in members)
        node = coll_node(0, "AR", 0, MiB, pg_name=str(gid))
        graphs.append(RankGraph(rank, GlobalMetadata(version="0.0.4"), [node]))
    (tmp_path / "wg").mkdir()
    write_workload(tmp_path / "wg" / "g", graphs)
    group_file = tmp_path / "groups.json"
    group_file.write_text(str({str(k): v for k, v in groups.items()}).replace("'", '"'))
    return str(tmp_path / "wg" / "g"), str(group_file)


def test_ranks_translate_through_the_communicator_group(tmp_path):
    ring_allreduce(4, MiB).write(str(tmp_path / "ring4"))
    workload, groups = _group_workload(tmp_path, {1: [1, 3, 5, 7], 2: [0, 2, 4, 6]})
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "ring4")])
    doc = _run(tmp_path, system, network=write_ring_net(tmp_path / "fc.yml", "FullyConnected"),
               workload=workload, comm_group=groups)
    expected = 6 * int(500 + 262144 / BW) + 3 * 15000  # 4-rank ring: 2(n-1) hops of 256 KiB, n-1 reductions
    assert doc["finish_ns"] == [expected] * 8


def test_collective_optimization_only_where_it_matters(tmp_path):
    net = tmp_path / "2d.yml"
    net.write_text("topology: [Ring, Switch]\nnpus_count: [4, 2]\nbandwidth: [50, 25]\nlatency: [500, 1000]\n")
    system = write_system(tmp_path / "sys.json", all_reduce_implementation=["ring", "ring"])
    with pytest.raises(InputError, match="collective-optimization: missing: a native all-reduce over more than one"):
        _run(tmp_path, system, network=str(net))
    one_dim = write_system(tmp_path / "s1.json", preferred_dataset_splits=4)
    assert _run(tmp_path, one_dim)["finish_ns"] == [117780] * 8  # 1-D: either value gives the same


# -- errors before the run ------------------------------------------------------------------------
def _write_raw(prefix, builder):
    from astrasim_py.chakra.io import encode_et

    for rank, trace in enumerate(builder.traces()):
        with open(f"{prefix}.{rank}.et", "wb") as out:
            out.write(encode_et(trace.metadata, trace.nodes))


def _error(tmp_path, capsys, algo_prefix, comm_group=None, workload=None):
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(algo_prefix)])
    workload = workload or generate(tmp_path / "w" / "ar", "--collective", "all_reduce", "--npus", "8",
                                    "--size", "1MiB")
    args = ["run", f"--workload-configuration={workload}", f"--system-configuration={system}",
            f"--network-configuration={write_ring_net(tmp_path / 'n.yml')}", "--quiet"]
    if comm_group:
        args.append(f"--comm-group-configuration={comm_group}")
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_missing_rank_file(tmp_path, capsys):
    ring_allreduce(7, MiB).write(str(tmp_path / "ring7"))
    err = _error(tmp_path, capsys, tmp_path / "ring7")
    assert "ring7.7.et: all-reduce-implementation-custom: custom collective rank file missing" in err


def test_peer_outside_the_group(tmp_path, capsys):
    ring_allreduce(8, MiB).write(str(tmp_path / "ring8"))
    workload, groups = _group_workload(tmp_path, {1: [0, 1, 2, 3], 2: [4, 5, 6, 7]})
    err = _error(tmp_path, capsys, tmp_path / "ring8", comm_group=groups, workload=workload)
    assert ("ring8.0.et: comm_src: node 1 (COMM_RECV_NODE_tb0_step1): comm_src 7 is outside the communicator "
            "group (ranks 0..3, this file is rank 0)") in err


def test_recv_without_any_matching_send(tmp_path, capsys):
    b = CollectiveBuilder(8)
    for r in range(8):
        b.send(r, (r + 1) % 8, 1000)
        b.recv(r, (r - 1) % 8, 1000 if r else 999)
    _write_raw(tmp_path / "bad", b)
    err = _error(tmp_path, capsys, tmp_path / "bad")
    assert "rank 0 node 1 (COMM_RECV_NODE_1: RECV from rank 7, tag 0, 999 B) has no matching SEND anywhere" in err
    assert "size(s) [1000] B" in err
    with pytest.raises(InputError, match="has no matching SEND anywhere"):
        b.write(str(tmp_path / "never"))  # the builder checks before it writes
    assert not (tmp_path / "never.0.et").exists()


def test_dependency_cycle(tmp_path, capsys):
    b = ring_allreduce(8, MiB)
    node = b.nodes[2][0]
    node.data_deps.append(5)  # the first SEND now waits for a later step
    _write_raw(tmp_path / "cyc", b)
    err = _error(tmp_path, capsys, tmp_path / "cyc")
    assert "cyc.2.et: data_deps/ctrl_deps: dependency cycle: 0 -> 1 -> 2 -> 3 -> 4 -> 5 -> 0" in err


def test_deadlock_names_ranks_and_steps(tmp_path, capsys):
    b = CollectiveBuilder(8)
    for r in range(0, 8, 2):
        for me, peer in ((r, r + 1), (r + 1, r)):
            got = b.recv(me, peer, 4096, name="recv_first")  # both wait to receive first
            b.send(me, peer, 4096, after=got, name="then_send")
    with pytest.raises(InputError, match="deadlocks"):
        b.check()
    _write_raw(tmp_path / "dl", b)
    err = _error(tmp_path, capsys, tmp_path / "dl")
    assert ("custom collective deadlocks before the run: rank 0 waits at node 0 (recv_first: RECV from rank 1, "
            "tag 0, 4096 B) for rank 1's node 1 (then_send: SEND to rank 0, tag 0, 4096 B), which is never "
            "issued; rank 1 waits at node 0 (recv_first: RECV from rank 0") in err
    assert "(and 4 more rank(s))" in err


def test_rendezvous_deadlock_and_the_fix(tmp_path):
    from astrasim_py.chakra.collective_check import check_progress, compile_rank

    b = CollectiveBuilder(2)
    for me, peer in ((0, 1), (1, 0)):  # both send first, then receive: fine without rendezvous
        sent = b.send(me, peer, 4096)
        b.recv(me, peer, 4096, after=sent)
    ranks = [compile_rank(t, r, 2) for r, t in enumerate(b.traces())]
    check_progress(ranks)
    with pytest.raises(InputError, match="rank 0 waits at node 0 .*SEND to rank 1"):
        check_progress(ranks, rendezvous=True)  # each send waits for the peer's posted receive


def test_bad_system_keys(tmp_path):
    from astrasim_py.config.system import load_system

    bad = write_system(tmp_path / "a.json", all_reduce_implementation_custom=["a", "b"])
    with pytest.raises(InputError, match="all-reduce-implementation-custom: must be a list holding exactly one"):
        load_system(bad)
    missing = write_system(tmp_path / "b.json", per_node_custom_implementation="nope.yaml")
    with pytest.raises(InputError, match="per-node YAML 'nope.yaml' not found"):
        load_system(missing)
    (tmp_path / "pn.yaml").write_text("x: algo\n")
    wrong = write_system(tmp_path / "c.json", per_node_custom_implementation=str(tmp_path / "pn.yaml"))
    with pytest.raises(InputError, match="key 'x' is not a workload node id"):
        load_system(wrong)


def test_run_collective_driver_uses_the_custom_algorithm(tmp_path):
    from astrasim_py.system.driver import run_collective

    ring_allreduce(8, MiB).write(str(tmp_path / "algo"))
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    for backend in BACKENDS:
        assert run_collective(write_ring_net(tmp_path / "n.yml"), system, 0, 123, backend) == (90174, 90174)


@pytest.mark.parametrize("backend", BACKENDS)
def test_reduce_scatter_and_all_to_all_keys(tmp_path, backend):
    chunk = MiB // 8
    rs = CollectiveBuilder(8, "reduce_scatter")
    for r in range(8):  # ring reduce-scatter: send, 6 x (recv, reduce, send), recv, reduce
        last = rs.send(r, (r + 1) % 8, chunk)
        for k in range(7):
            red = rs.reduce(r, chunk, after=rs.recv(r, (r - 1) % 8, chunk, after=last))
            last = rs.send(r, (r + 1) % 8, chunk, after=red) if k < 6 else red
    rs.write(str(tmp_path / "rs"))
    a2a = CollectiveBuilder(8, "alltoall")
    for r in range(8):  # direct: everything at once
        for p in range(8):
            if p != r:
                a2a.transfer(r, p, chunk)
    a2a.write(str(tmp_path / "a2a"))
    system = write_system(tmp_path / "sys.json", reduce_scatter_implementation_custom=[str(tmp_path / "rs")],
                          all_to_all_implementation_custom=[str(tmp_path / "a2a")])
    hop = int(500 + chunk / BW)
    rs_doc = _run(tmp_path, system, backend, network=write_ring_net(tmp_path / "fc.yml", "FullyConnected"),
                  workload=generate(tmp_path / "w" / "rs", "--collective", "reduce_scatter", "--npus", "8"))
    assert rs_doc["finish_ns"] == [7 * hop + 7 * 7000] * 8
    a2a_doc = _run(tmp_path, system, backend, network=write_ring_net(tmp_path / "fc.yml", "FullyConnected"),
                   workload=generate(tmp_path / "w" / "a2a", "--collective", "all_to_all", "--npus", "8"))
    assert a2a_doc["finish_ns"] == [hop] * 8  # 56 one-hop messages on 56 directed links, in parallel


def test_resolved_system_round_trips(tmp_path):
    import json

    from astrasim_py.config.system import load_system, parse_system

    (tmp_path / "pn.yaml").write_text("3: algos/x\n")
    path = write_system(tmp_path / "s.json", all_gather_implementation_custom=["algos/ag"],
                        per_node_custom_implementation=str(tmp_path / "pn.yaml"))
    first = load_system(path)
    again = parse_system(json.loads(json.dumps(first.to_dict())), source=path)
    assert again.to_dict() == first.to_dict()
    assert again.custom_implementation == {"all-gather": "algos/ag"}
    assert again.per_node_custom_implementation == {3: "algos/x"} and again.collective_optimization is None
