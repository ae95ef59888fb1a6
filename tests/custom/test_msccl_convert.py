"""`chakra convert --input-type msccl`: the shipped ring's graph, every step type, costs and errors."""

from __future__ import annotations

import pytest

from astrasim_py.chakra.attrs import get_attr, get_int_attr
from astrasim_py.chakra.io import read_et
from astrasim_py.chakra.msccl import convert_msccl
from astrasim_py.chakra.schema import NodeType
from astrasim_py.cli import main
from astrasim_py.errors import InputError
from custom.helpers import MiB, SHIPPED, SHIPPED_RING, ring_allreduce_xml, step


def _nodes(prefix, rank):
    return list(read_et(f"{prefix}.{rank}.et").nodes)


def test_ring_xml_converts_to_one_chain_of_35_nodes(tmp_path, capsys):
    xml = tmp_path / "ring.xml"
    xml.write_text(ring_allreduce_xml(8))
    assert main(["chakra", "convert", "--input-type", "msccl", "--input", str(xml), "--output",
                 str(tmp_path / "out" / "ar"), "--size", "1MiB"]) == 0
    assert "wrote 8 rank files" in capsys.readouterr().out
    for rank in range(8):
        trace = read_et(tmp_path / "out" / f"ar.{rank}.et")
        assert get_attr(trace.metadata, "schema") == "1.0.2-chakra.0.0.4"
        assert get_attr(trace.metadata, "collective") == "allreduce"
        assert get_attr(trace.metadata, "input_file") == xml.read_text()
        nodes = list(trace.nodes)
        kinds = [n.type for n in nodes]
        assert len(nodes) == 35 and kinds.count(NodeType.COMM_SEND_NODE) == 14
        assert kinds.count(NodeType.COMM_RECV_NODE) == 14 and kinds.count(NodeType.COMP_NODE) == 7
        assert [n.id for n in nodes] == list(range(35))
        assert [list(n.data_deps) for n in nodes] == [[]] + [[i] for i in range(34)]  # one chain
        for n in nodes:
            if n.type == NodeType.COMP_NODE:
                assert n.duration_micros == 7  # int(3 * floor(131072 / 50) / 1000)
            else:
                assert get_int_attr(n, "comm_size") == 131072 and get_int_attr(n, "comm_tag") == 0
                assert get_int_attr(n, "comm_type") == n.type  # old converter: the node-type number
                peer = "comm_dst" if n.type == NodeType.COMM_SEND_NODE else "comm_src"
                assert get_int_attr(n, peer) == (rank + 1 if peer == "comm_dst" else rank - 1) % 8


def test_builder_ring_is_the_same_graph(tmp_path):
    from astrasim_py.chakra.collective_examples import ring_allreduce

    xml = tmp_path / "ring.xml"
    xml.write_text(ring_allreduce_xml(8))
    convert_msccl(str(xml), str(tmp_path / "conv"), MiB)
    ring_allreduce(8, MiB).write(str(tmp_path / "built"))
    for rank in range(8):
        assert _nodes(tmp_path / "conv", rank) == _nodes(tmp_path / "built", rank)


def test_shipped_xml_gives_the_shipped_ets_byte_for_byte(shared_dir, tmp_path):
    paths = convert_msccl(str(SHIPPED_RING / "custom_allreduce.xml"), str(tmp_path / "ar"), MiB)
    assert len(paths) == 8
    for rank in range(8):
        assert (tmp_path / f"ar.{rank}.et").read_bytes() == (SHIPPED_RING / f"custom_allreduce.{rank}.et").read_bytes()


ALL_TYPES_XML = """<algo name="t" proto="Simple" nchannels="2" nchunksperloop="4" ngpus="2" coll="allreduce" inplace="0">
  <gpu id="0" i_chunks="4" o_chunks="4" s_chunks="0">
    <tb id="0" send="1" recv="1" chan="0">
{g0tb0}
    </tb>
    <tb id="1" send="1" recv="-1" chan="1">
{g0tb1}
    </tb>
  </gpu>
  <gpu id="1" i_chunks="4" o_chunks="4" s_chunks="0">
    <tb id="0" send="0" recv="0" chan="0">
{g1tb0}
    </tb>
    <tb id="1" send="-1" recv="0" chan="1">
{g1tb1}
    </tb>
  </gpu>
</algo>
"""


def _all_types_xml() -> str:
    g0tb0 = [step(0, "s", 0), step(1, "rrs", 1), step(2, "rcs", 2, cnt=2), step(3, "rrcs", 3),
             step(4, "re", 0), step(5, "cpy", 1)]
    # tb1 waits for tb0 step 5 through two nops (each carries one cross-tb dependency)
    g0tb1 = [step(0, "nop", 0, depid=0, deps=4), step(1, "nop", 0, depid=0, deps=5), step(2, "s", 0, cnt=2)]
    # gpu 1 mirrors gpu 0's messages on channel 0 in an order that cannot deadlock
    g1tb0 = [step(0, "r", 0), step(1, "s", 1), step(2, "r", 1), step(3, "s", 2, cnt=2), step(4, "r", 2, cnt=2),
             step(5, "s", 3), step(6, "rrc", 3)]
    g1tb1 = [step(0, "r", 0, cnt=2, depid=0, deps=1)]
    return ALL_TYPES_XML.format(**{k: "\n".join(v) for k, v in
                                   dict(g0tb0=g0tb0, g0tb1=g0tb1, g1tb0=g1tb0, g1tb1=g1tb1).items()})


def test_every_step_type_threadblocks_channels_and_cross_tb_deps(tmp_path):
    xml = tmp_path / "t.xml"
    xml.write_text(_all_types_xml())
    convert_msccl(str(xml), str(tmp_path / "t"), 400_000, local_mem_bw_gbps=10)
    chunk = 100_000  # 400 kB over 4 input chunks
    g0 = {n.name: n for n in _nodes(tmp_path / "t", 0)}
    ids = {name: n.id for name, n in g0.items()}
    assert list(g0) == [
        "COMM_SEND_NODE_tb0_step0",
        "COMM_RECV_NODE_tb0_step1", "COMP_NODE_tb0_step1", "COMM_SEND_NODE_tb0_step1",  # rrs
        "COMM_RECV_NODE_tb0_step2", "COMM_SEND_NODE_tb0_step2",  # rcs
        "COMM_RECV_NODE_tb0_step3", "COMP_NODE_tb0_step3", "COMM_SEND_NODE_tb0_step3",  # rrcs
        "COMP_NODE_tb0_step4", "COMP_NODE_tb0_step5",  # re, cpy
        "COMM_SEND_NODE_tb1_step2"]  # the two nops make no node
    deps = {name: sorted(n.data_deps) for name, n in g0.items()}
    assert deps["COMP_NODE_tb0_step1"] == [ids["COMM_RECV_NODE_tb0_step1"]]  # chain inside a step
    assert deps["COMM_RECV_NODE_tb0_step2"] == [ids["COMM_SEND_NODE_tb0_step1"]]  # previous step's last node
    # through the nop chain: the nops' cross-tb dependencies (tb0 steps 4 and 5)
    assert deps["COMM_SEND_NODE_tb1_step2"] == [ids["COMP_NODE_tb0_step4"], ids["COMP_NODE_tb0_step5"]]
    assert g0["COMP_NODE_tb0_step1"].duration_micros == 3 * (chunk // 10) // 1000  # reduce: 30 us at 10 GB/s
    assert g0["COMP_NODE_tb0_step4"].duration_micros == 30
    assert g0["COMP_NODE_tb0_step5"].duration_micros == 2 * (chunk // 10) // 1000  # copy: 20 us
    assert get_int_attr(g0["COMM_SEND_NODE_tb0_step2"], "comm_size") == 2 * chunk  # cnt=2
    assert get_int_attr(g0["COMM_SEND_NODE_tb1_step2"], "comm_tag") == 1  # the tb's channel
    g1 = {n.name: n for n in _nodes(tmp_path / "t", 1)}
    # a dependency on an rrc-free step resolves to that step's node; on gpu1 tb1 waits for tb0 step 1
    assert sorted(g1["COMM_RECV_NODE_tb1_step0"].data_deps) == [g1["COMM_SEND_NODE_tb0_step1"].id]


def test_the_converted_all_types_algorithm_runs(tmp_path):
    from astrasim_py.chakra.collective_check import load_algorithm

    xml = tmp_path / "t.xml"
    xml.write_text(_all_types_xml())
    convert_msccl(str(xml), str(tmp_path / "t"), 400_000)
    algo = load_algorithm(str(tmp_path / "t"), 2)  # matching + untimed replay pass
    assert [len(a.kinds) for a in algo] == [12, 9]


def test_local_mem_bw_from_the_system_json(tmp_path, capsys):
    xml = tmp_path / "ring.xml"
    xml.write_text(ring_allreduce_xml(8))
    system = tmp_path / "sys.json"
    system.write_text('{"scheduling-policy": "FIFO", "preferred-dataset-splits": 1, "local-mem-bw": 10}')
    assert main(["chakra", "convert", "--input-type", "msccl", "--input", str(xml), "--output",
                 str(tmp_path / "a"), "--size", "1MiB", "--system", str(system)]) == 0
    comps = [n for n in _nodes(tmp_path / "a", 0) if n.type == NodeType.COMP_NODE]
    assert {n.duration_micros for n in comps} == {3 * 13107 // 1000}  # 39 us at 10 GB/s
    assert "at 10 GB/s" in capsys.readouterr().out


def test_hierarchical_allgather_chunk_is_the_per_rank_input(shared_dir, tmp_path):
    convert_msccl(str(SHIPPED / "collectiveapi" / "allgather_hierarchical.xml"), str(tmp_path / "ag"), 65536)
    sizes = sorted({get_int_attr(n, "comm_size") for n in _nodes(tmp_path / "ag", 0)
                    if n.type != NodeType.COMP_NODE})
    assert sizes == [65536, 131072]  # cnt 1 and cnt 2 of a 64 KiB chunk (o_chunks = ngpus)


@pytest.mark.parametrize("edit, message", [
    (lambda x: x.replace('type="rrc"', 'type="xyz"', 1), "unknown step type 'xyz'"),
    (lambda x: x.replace('send="1" recv="7"', 'send="-1" recv="7"'), "send peer is -1"),
    (lambda x: x.replace('send="1" recv="7"', 'send="9" recv="7"'), "send peer is 9"),
    (lambda x: x.replace('s="1" type="rrc" srcbuf="i" srcoff="7" dstbuf="i" dstoff="7" cnt="1" depid="-1" deps="-1"',
                         's="1" type="rrc" srcbuf="i" srcoff="7" dstbuf="i" dstoff="7" cnt="1" depid="3" deps="0"', 1),
     "depends on tb 3 step 0, which does not exist"),
    (lambda x: x.replace("</algo>", ""), "not well-formed XML"),
    (lambda x: x.replace('ngpus="8"', 'ngpus="9"'), "ngpus is 9 but the <gpu> ids are"),
])
def test_bad_xml_is_one_line_exit_2(tmp_path, capsys, edit, message):
    xml = tmp_path / "bad.xml"
    xml.write_text(edit(ring_allreduce_xml(8)))
    assert main(["chakra", "convert", "--input-type", "msccl", "--input", str(xml), "--output",
                 str(tmp_path / "o"), "--size", "1MiB"]) == 2
    err = capsys.readouterr().err
    assert message in err and str(xml) in err and err.count("\n") == 1


def test_cross_threadblock_cycle_is_refused(tmp_path):
    xml = tmp_path / "cyc.xml"
    text = _all_types_xml().replace(step(0, "r", 0, cnt=2, depid=0, deps=1), step(0, "r", 0, cnt=2))
    # gpu 1: tb0 step 0 waits for tb1 step 0, which waits for tb0 step 1 (after step 0)
    text = text.replace(step(0, "r", 0) + "\n", step(0, "r", 0, depid=1, deps=0) + "\n", 1)
    text = text.replace(step(0, "r", 0, cnt=2), step(0, "r", 0, cnt=2, depid=0, deps=1))
    xml.write_text(text)
    with pytest.raises(InputError, match="gpu 1: dependency cycle"):
        convert_msccl(str(xml), str(tmp_path / "c"), 400_000)


def test_missing_size_and_missing_file(tmp_path, capsys):
    assert main(["chakra", "convert", "--input-type", "msccl", "--input", str(tmp_path / "no.xml"),
                 "--output", str(tmp_path / "o"), "--size", "1MiB"]) == 2
    assert "file not found" in capsys.readouterr().err
    xml = tmp_path / "ring.xml"
    xml.write_text(ring_allreduce_xml(4))
    assert main(["chakra", "convert", "--input-type", "msccl", "--input", str(xml), "--output",
                 str(tmp_path / "o")]) == 2
    assert "needs --size" in capsys.readouterr().err


def test_conversion_is_deterministic_and_atomic(tmp_path):
    xml = tmp_path / "ring.xml"
    xml.write_text(ring_allreduce_xml(4, channels=2))
    first = [open(p, "rb").read() for p in convert_msccl(str(xml), str(tmp_path / "a"), MiB)]
    second = [open(p, "rb").read() for p in convert_msccl(str(xml), str(tmp_path / "a"), MiB)]
    assert first == second and not list(tmp_path.glob("*.tmp"))


def test_current_converter_output_without_comm_size_is_explained(tmp_path):
    from astrasim_py.chakra.attrs import int32_attr
    from astrasim_py.chakra.collective_check import load_algorithm
    from astrasim_py.chakra.io import write_et
    from astrasim_py.chakra.schema import GlobalMetadata, Node

    for rank in range(2):
        node = Node(id=0, name="COMM_SEND_NODE_tb0_step0", type=NodeType.COMM_SEND_NODE)
        node.attr.extend([int32_attr("comm_dst", 1 - rank), int32_attr("comm_tag", 0),
                          int32_attr("msg_chunk_cnt", 1)])  # what collectiveapi HEAD writes instead
        write_et(tmp_path / f"head.{rank}.et", GlobalMetadata(), [node])
    with pytest.raises(InputError, match="comm_size is missing \\(the current collectiveapi converter writes "
                                         "msg_chunk_cnt instead"):
        load_algorithm(str(tmp_path / "head"), 2)
