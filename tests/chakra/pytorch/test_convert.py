"""`chakra convert --input-type pytorch`: byte equality with the real converter, COMM nodes where it has none."""

from __future__ import annotations

import json
import tarfile

import pytest

from astrasim_py.chakra.attrs import get_attr
from astrasim_py.chakra.io import read_et
from astrasim_py.chakra.pytorch.converter import convert_pytorch
from astrasim_py.chakra.schema import CollectiveCommType as C
from astrasim_py.chakra.schema import NodeType as T
from astrasim_py.chakra.validate import validate_trace
from astrasim_py.chakra.workload import load_workload
from astrasim_py.cli import main
from astrasim_py.errors import InputError
from chakra.pytorch.builders import THREAD, et, host_only_ddp, op, tensor, write

GLOO = "fixtures/pytorch/cpu_gloo_2ranks_torch2.14"
RESNET = "fixtures/pytorch/tutorial_resnet50_2gpu"
OTHER = "fixtures/pytorch/other_pairs"


def _comms(path):
    out = []
    for n in read_et(path).nodes:
        if n.type in (T.COMM_COLL_NODE, T.COMM_SEND_NODE, T.COMM_RECV_NODE):
            attrs = {a.name: getattr(a, a.WhichOneof("value")) for a in n.attr}
            out.append((n.name, n.type, attrs.get("comm_type"), attrs["comm_size"], attrs.get("pg_name", ""),
                        attrs.get("comm_dst", attrs.get("comm_src")), attrs["is_cpu_op"]))
    return out


@pytest.mark.parametrize("rank", [0, 1])
def test_compat_upstream_is_byte_identical(shared_dir, tmp_path, rank):
    folder = shared_dir / GLOO
    out = tmp_path / f"cpu_gloo.{rank}.et"
    assert main(["chakra", "convert", "--input-type", "pytorch", "--input", str(folder / f"merged_{rank}.json"),
                 "--output", str(out), "--compat", "upstream", "--no-progress"]) == 0
    assert out.read_bytes() == (folder / f"cpu_gloo.{rank}.et").read_bytes()


@pytest.mark.parametrize("rank", [0, 1])
def test_link_then_convert_upstream_equals_real_chain(shared_dir, tmp_path, rank):
    folder = shared_dir / GLOO
    merged = tmp_path / "m.json"
    main(["chakra", "link", "--rank", str(rank), "--host", str(folder / f"host_{rank}.json"), "--device",
          str(folder / f"device_{rank}.json"), "--output", str(merged), "--no-progress"])
    convert_pytorch(str(merged), str(tmp_path / "x.et"), compat="upstream")
    assert (tmp_path / "x.et").read_bytes() == (folder / f"cpu_gloo.{rank}.et").read_bytes()


def test_default_gloo_comm_nodes(shared_dir, tmp_path):
    folder = shared_dir / GLOO
    for rank in (0, 1):
        convert_pytorch(str(folder / f"merged_{rank}.json"), str(tmp_path / f"gl.{rank}.et"))
    send = ("gloo:send", T.COMM_SEND_NODE, None, 40, "", 1, False)
    recv = ("gloo:recv", T.COMM_RECV_NODE, None, 40, "", 0, False)
    common = [("gloo:broadcast", T.COMM_COLL_NODE, C.BROADCAST, 20, "", None, False),  # DDP init syncs
              ("gloo:broadcast", T.COMM_COLL_NODE, C.BROADCAST, 4, "", None, False),
              ("gloo:all_reduce", T.COMM_COLL_NODE, C.ALL_REDUCE, 9610 * 4, "", None, False),  # DDP bucket
              ("gloo:all_reduce", T.COMM_COLL_NODE, C.ALL_REDUCE, 1000 * 4, "", None, False),
              ("gloo:broadcast", T.COMM_COLL_NODE, C.BROADCAST, 1000 * 4, "", None, False)]
    assert _comms(tmp_path / "gl.0.et") == common + [send]
    assert _comms(tmp_path / "gl.1.et") == common + [recv]
    traces = load_workload(str(tmp_path / "gl"), 2)  # validates: deps resolve, attrs ASTRA-sim needs
    tags = [get_attr(n, "comm_tag") for t in traces for n in t.nodes if n.type in (5, 6)]
    assert tags == [0, 0]
    # The thread root no longer points at the dropped process root (feeder_v3 rejects that).
    root = next(n for n in traces[0].nodes if n.name == THREAD)
    assert list(root.ctrl_deps) == [] and list(root.data_deps) == []


def test_default_equals_upstream_apart_from_comm_and_dangling_ctrl(shared_dir, tmp_path):
    folder = shared_dir / GLOO
    convert_pytorch(str(folder / "merged_0.json"), str(tmp_path / "d.et"))
    ours = {n.id: n for n in read_et(tmp_path / "d.et").nodes}
    real = {n.id: n for n in read_et(folder / "cpu_gloo.0.et").nodes}
    assert ours.keys() == real.keys()
    comm_ids = {i for i, n in ours.items() if n.type in (5, 6, 7)}
    same = [i for i in ours if i not in comm_ids and ours[i] == real[i]]
    assert len(comm_ids) == 6 and len(same) >= len(ours) - 6 - 8


@pytest.mark.parametrize("rank", [0, 1])
def test_resnet50_host_only_sizes(shared_dir, tmp_path, rank):
    result = convert_pytorch(str(shared_dir / RESNET / f"pytorch_et_{rank}.json"), str(tmp_path / f"r.{rank}.et"))
    got = [(c.comm_type, c.size_bytes) for c in result.comms]
    assert got == [(C.BROADCAST, 212_480), (C.BROADCAST, 424), (C.ALL_REDUCE, 8_196_000),
                   (C.ALL_REDUCE, 31_502_336), (C.ALL_REDUCE, 26_255_360), (C.ALL_REDUCE, 26_550_272),
                   (C.ALL_REDUCE, 9_724_160)]
    assert sum(s for t, s in got if t == C.ALL_REDUCE) == 102_228_128 == 25_557_032 * 4
    validate_trace(read_et(tmp_path / f"r.{rank}.et"), rank=rank, num_npus=2)


def _other_files(shared_dir, tmp_path):
    files = []
    for path in sorted((shared_dir / OTHER).rglob("*")):
        if path.name.endswith((".tar.gz", ".tgz")):
            target = tmp_path / path.name.split(".")[0]
            with tarfile.open(path) as tar:
                tar.extractall(target, filter="data")
            files += sorted(p for p in target.rglob("*") if p.is_file())
        elif path.is_file():
            files.append(path)
    return files


def test_every_other_pair_file_converts_or_fails_in_one_line(shared_dir, tmp_path, capsys):
    outcomes = {}
    for index, path in enumerate(_other_files(shared_dir, tmp_path)):
        rc = main(["chakra", "convert", "--input-type", "pytorch", "--input", str(path),
                   "--output", str(tmp_path / f"o{index}.et"), "--no-progress"])
        captured = capsys.readouterr()
        if rc == 0:
            validate_trace(read_et(tmp_path / f"o{index}.et"))
            outcomes[path.name] = "ok"
        else:
            lines = captured.err.strip().splitlines()
            assert rc == 2 and len(lines) == 1 and str(path) in lines[0], (path, captured.err)
            outcomes[path.name] = lines[0]
    assert outcomes["1.0.2-chakra.0.0.4.json"] == "ok"
    assert outcomes["resnet_et.json.gz"] == outcomes["resnet_1gpu_et.json.gz"] == "ok"
    assert "schema 1.0.1" in outcomes["dlrm_eg_0.json"] and "schema 1.0.1" in outcomes["linear_et.json.gz"]
    assert "no 'nodes' list" in outcomes["resnet_kineto.json.gz"]
    assert "not valid JSON" in outcomes["chakra.0.et"]
    assert len(outcomes) >= 25


def test_other_pairs_link_errors(shared_dir, tmp_path, capsys):
    param = shared_dir / OTHER / "param_et_replay_tests"
    # A 1.1.0 ET with a Kineto file that has no record-function ids at all.
    rc = main(["chakra", "link", "--rank", "0", "--host", str(param / "resnet_et.json.gz"),
               "--device", str(param / "resnet_kineto.json.gz"), "--output", str(tmp_path / "m.json")])
    assert rc == 2 and "no Kineto event has a 'Record function id'" in capsys.readouterr().err
    rc = main(["chakra", "link", "--rank", "0", "--host", str(param / "linear_et.json.gz"),
               "--device", str(param / "linear_kineto.json.gz"), "--output", str(tmp_path / "m.json")])
    assert rc == 2 and "schema 1.0.1" in capsys.readouterr().err


def test_host_only_subgroups_p2p_and_comm_group_file(tmp_path, capsys):
    folder = tmp_path / "traces"
    folder.mkdir()
    for rank in range(4):
        write(folder / f"host_{rank}.json", host_only_ddp(rank), gz=rank == 3)
    folder.joinpath("host_3.json").rename(folder / "host_3.json.gz")
    prefix = tmp_path / "out" / "job"
    assert main(["chakra", "convert", "--input-type", "pytorch", "--input", str(folder), "--ranks",
                 "--output", str(prefix), "--no-progress"]) == 0
    groups = json.loads((tmp_path / "out" / "job.comm_groups.json").read_text())
    assert groups == {"1": [0, 2], "2": [1, 3]}
    for rank in range(4):
        comms = _comms(f"{prefix}.{rank}.et")
        peer_type = T.COMM_SEND_NODE if rank % 2 == 0 else T.COMM_RECV_NODE
        assert comms == [
            ("nccl:broadcast", T.COMM_COLL_NODE, C.BROADCAST, 4000, "", None, False),
            ("nccl:all_reduce", T.COMM_COLL_NODE, C.ALL_REDUCE, 4096, "", None, False),
            ("record_param_comms", T.COMM_COLL_NODE, C.ALL_REDUCE, 2048, "1" if rank % 2 == 0 else "2", None,
             False),
            ("nccl:send" if rank % 2 == 0 else "nccl:recv", peer_type, None, 40, "", rank ^ 1, False),
        ]
    # Collectives are chained per group in issue order; compute keeps its CPU chain.
    nodes = {n.name: n for n in read_et(f"{prefix}.0.et").nodes}
    assert list(nodes["nccl:all_reduce"].data_deps) == [nodes["nccl:broadcast"].id, 9]
    assert nodes["aten::add_"].data_deps[-1] == nodes["nccl:send"].id - 1  # c10d::send, not the comm
    load_workload(str(prefix), 4)


def test_schema_errors_name_the_schema(tmp_path):
    for schema, words in (("1.0.1", "schema 1.0.1"), ("2.0.0-chakra.9", "unknown execution-trace schema '2.0.0")):
        path = write(tmp_path / "x.json", et([op(2, THREAD, 1, 0)], schema=schema))
        with pytest.raises(InputError, match=words):
            convert_pytorch(str(path), str(tmp_path / "x.et"))
    path = write(tmp_path / "y.json", et([op(2, THREAD, 1, 0)], schema="1.0.4-chakra.0.0.4"))
    convert_pytorch(str(path), str(tmp_path / "y.et"))  # read in the default mode
    with pytest.raises(InputError, match="real converter does not parse schema"):
        convert_pytorch(str(path), str(tmp_path / "y.et"), compat="upstream")


def test_merged_nccl_kernels_like_the_real_converter(tmp_path):
    """GPU kernels: COMM_COLL from the kernel name, size from the launcher, data dep on the CPU op."""
    args = dict(values=[[tensor(9, 1024)], 1, ["0", "default_pg"], 0, "allreduce"],
                types=["GenericList[Tensor(float)]", "Int", "Tuple[String,String]", "Int", "String"])
    nodes = [op(2, THREAD, 1, 0, extra={"exclusive_dur": 3.9}),
             op(3, "c10d::allreduce_", 2, 1, extra={"exclusive_dur": 5.5}, **args),
             op(4, "record_param_comms", 3, 2, extra={"exclusive_dur": 1.0}, **args),
             op(5, "ncclDevKernel_AllReduce_Sum_f32_RING_LL", 4, 2,
                extra={"cat": "kernel", "exclusive_dur": 80.0, "stream": 7}, **args),
             op(6, "ncclDevKernel_SendRecv", 4, 2, extra={"cat": "kernel", "exclusive_dur": 2.0}, **args),
             op(7, "aten::add_", 2, 3, extra={"exclusive_dur": 12.7, "stream": None}),
             op(8, "Optimizer.step#SGD.step", 2, 4, extra={"exclusive_dur": 99.0})]
    merged = et(nodes)
    merged["nodes"].sort(key=lambda n: n["id"])  # as chakra_trace_link writes them
    path = write(tmp_path / "m.json", merged)
    for compat in ("upstream", "default"):
        convert_pytorch(str(path), str(tmp_path / f"{compat}.et"), compat=compat)
        got = {n.id: n for n in read_et(tmp_path / f"{compat}.et").nodes}
        assert got[5].type == T.COMM_COLL_NODE and got[5].duration_micros == 80
        assert get_attr(got[5], "comm_type") == C.ALL_REDUCE and get_attr(got[5], "comm_size") == 4096
        assert get_attr(got[5], "is_cpu_op") is False and get_attr(got[5], "stream") == 7
        assert list(got[5].data_deps) == [4] and list(got[5].ctrl_deps) == [4]
        # SendRecv under record_param_comms takes its keyword from c10d::allreduce_: a collective.
        assert got[6].type == T.COMM_COLL_NODE and get_attr(got[6], "comm_type") == C.ALL_TO_ALL
        assert list(got[6].data_deps) == [5, 4]  # the previous collective of pg "", then the CPU op
        assert list(got[7].data_deps) == [4] and got[7].duration_micros == 12
        assert got[8].duration_micros == 0  # Optimizer.step is zeroed
        assert [a.name for a in got[7].attr] == ["rf_id", "fw_parent", "seq_id", "scope", "tid", "fw_tid",
                                                  "op_schema", "is_cpu_op"]  # stream null -> absent
        assert 1 not in got  # the process root is dangling and dropped
        assert list(got[2].ctrl_deps) == ([1] if compat == "upstream" else [])
    # Only the dangling ctrl dep differs on a trace the real converter handles.
    up, de = read_et(tmp_path / "upstream.et"), read_et(tmp_path / "default.et")
    assert [n for n in up.nodes if n.id != 2] == [n for n in de.nodes if n.id != 2]


def test_bad_inputs_fail_in_one_line(tmp_path, capsys):
    (tmp_path / "cut.json").write_text('{"schema": "1.0.3-chakra.0.0.4", "nodes": [{"id": 2, "na')
    (tmp_path / "list.json").write_text("[1, 2]")
    cases = {"missing.json": "file not found", "cut.json": "not valid JSON", "list.json": "no 'nodes' list"}
    for name, words in cases.items():
        rc = main(["chakra", "convert", "--input-type", "pytorch", "--input", str(tmp_path / name),
                   "--output", str(tmp_path / "o.et")])
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and len(err) == 1 and words in err[0] and name in err[0], err
    rc = main(["chakra", "convert", "--input-type", "pytorch", "--input", str(tmp_path), "--ranks",
               "--output", str(tmp_path / "o")])
    assert rc == 2 and "cannot tell which per-rank traces" in capsys.readouterr().err


def test_comm_group_file_round_trips(tmp_path):
    from astrasim_py.config.comm_group import load_comm_groups, write_comm_groups

    path = tmp_path / "groups.json"
    write_comm_groups(str(path), {2: [3, 1], 1: [0, 2]})
    assert path.read_text() == '{"1": [0, 2], "2": [1, 3]}\n'
    assert load_comm_groups(str(path), 4) == {1: [0, 2], 2: [1, 3]}


def test_streaming_reader_reports_every_byte(tmp_path):
    from astrasim_py.chakra.pytorch.reader import iter_et_nodes, read_header

    path = write(tmp_path / "h.json", host_only_ddp(0))
    seen = []
    ids = [n["id"] for n in iter_et_nodes(str(path), seen.append)]
    assert ids == [*range(2, 15), 1] and sum(seen) == path.stat().st_size
    header = read_header(str(path))
    assert header.order == ["schema", "pid", "time", "start_ts", "nodes", "finish_ts"]
    assert header.values["finish_ts"] == 200


def test_ranks_folder_needs_every_rank(tmp_path):
    for rank in (0, 2):
        write(tmp_path / f"host_{rank}.json", host_only_ddp(rank))
    with pytest.raises(InputError, match=r"ranks \[1\] have no trace"):
        from astrasim_py.chakra.pytorch.cli import _rank_files

        _rank_files(str(tmp_path), "host_{rank}.json")


def test_nccl_sendrecv_kernel_gets_its_peer_in_default_mode(tmp_path):
    send = dict(values=[[tensor(9, 10)], "<Object>", 1, 3], types=["GenericList[Tensor(float)]", "Object", "Int", "Int"])
    nodes = [op(2, THREAD, 1, 0),
             op(3, "c10d::send", 2, 1, **send),
             op(4, "record_param_comms", 3, 2, values=[[tensor(9, 10)], 1, ["0", "default_pg"], 0, "send"],
                types=["GenericList[Tensor(float)]", "Int", "Tuple[String,String]", "Int", "String"]),
             op(5, "ncclDevKernel_SendRecv(ncclDevComm*, unsigned long, ncclWork*)", 4, 2,
                extra={"cat": "kernel", "exclusive_dur": 4.0}, values=[[tensor(9, 10)]],
                types=["GenericList[Tensor(float)]"])]
    nodes[2]["attrs"].append({"name": "pg_name", "type": "string", "value": "0"})  # schema >= 1.1.0
    merged = et(nodes)
    merged["nodes"].sort(key=lambda n: n["id"])
    path = write(tmp_path / "m.json", merged)
    convert_pytorch(str(path), str(tmp_path / "u.et"), compat="upstream")
    convert_pytorch(str(path), str(tmp_path / "d.et"))
    up = {n.id: n for n in read_et(tmp_path / "u.et").nodes}[5]
    de = {n.id: n for n in read_et(tmp_path / "d.et").nodes}[5]
    assert up.type == de.type == T.COMM_SEND_NODE
    assert [a.name for a in up.attr][-2:] == ["comm_size", "pg_name"] and get_attr(up, "pg_name") == "0"
    assert get_attr(de, "comm_dst") == 1 and get_attr(de, "comm_tag") == 3 and get_attr(de, "comm_size") == 40
    assert get_attr(de, "pg_name", None) is None  # the world group needs no name
