"""`chakra link`: the real linker's merged file on the gloo pair; closed-form timing on self-made traces."""

from __future__ import annotations

import json

import pytest

from astrasim_py.chakra.pytorch.linker import link_traces
from astrasim_py.cli import main
from astrasim_py.errors import InputError
from chakra.pytorch.builders import PROCESS, THREAD, et, op, tensor, write

GLOO = "fixtures/pytorch/cpu_gloo_2ranks_torch2.14"


@pytest.mark.parametrize("rank", [0, 1])
def test_gloo_pair_matches_real_linker(shared_dir, tmp_path, rank):
    folder = shared_dir / GLOO
    out = tmp_path / f"merged_{rank}.json"
    assert main(["chakra", "link", "--rank", str(rank), "--host", str(folder / f"host_{rank}.json"),
                 "--device", str(folder / f"device_{rank}.json"), "--output", str(out), "--no-progress",
                 "--indent", "4"]) == 0
    ours = json.loads(out.read_text())
    real = json.loads((folder / f"merged_{rank}.json").read_text())
    assert {k: v for k, v in ours.items() if k != "nodes"} == {k: v for k, v in real.items() if k != "nodes"}
    assert len(ours["nodes"]) == len(real["nodes"]) == 183
    for mine, theirs in zip(ours["nodes"], real["nodes"]):
        for key in ("id", "name", "ctrl_deps", "ts", "inclusive_dur", "exclusive_dur", "inter_thread_dep"):
            assert mine.get(key) == theirs.get(key), (mine["id"], key)
        assert mine == theirs
    # With --indent 4 even the bytes agree (the same key order); the default is one node per line.
    assert out.read_bytes() == (folder / f"merged_{rank}.json").read_bytes()
    compact = tmp_path / "compact.json"
    link_traces(str(folder / f"host_{rank}.json"), str(folder / f"device_{rank}.json"), str(compact))
    assert json.loads(compact.read_text()) == real
    assert len(compact.read_text().splitlines()) == 183 + 9


def _pair(tmp_path, *, kineto_rf_offset: int = 0, with_rf: bool = True, gz: bool = False):
    """Host ops A{B, C, kernel} and E on thread 1, D on thread 2; Kineto with known times."""
    host = et([
        op(2, THREAD, 1, 0),
        op(3, "A", 2, 1),
        op(4, "B", 3, 2, values=[[tensor(50, 256)]], types=["GenericList[Tensor(float)]"]),
        op(5, "C", 3, 3),
        op(19, THREAD, 1, 0, tid=2),
        op(20, "D", 19, 4, tid=2),
        op(21, "E", 2, 5),
    ])
    del host["nodes"][-1]  # no process root in this one: node 1 is referenced but absent

    def cpu(name, rf, ts, dur, tid, ext):
        args = {"External id": ext}
        if with_rf:
            args["Record function id"] = rf + kineto_rf_offset
        return {"ph": "X", "cat": "cpu_op", "name": name, "pid": 1, "tid": tid, "ts": ts, "dur": dur, "args": args}

    events = [
        cpu("A", 1, 5.0, 100.0, 1, 1), cpu("B", 2, 10.0, 20.0, 1, 2), cpu("C", 3, 55.0, 30.0, 1, 3),
        cpu("D", 4, 2000.0, 10.0, 2, 4), cpu("E", 5, 3000.0, 7.5, 1, 5),
        {"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#3", "pid": 1, "tid": 1, "ts": 1.0,
         "dur": 5000.0, "args": {"Record function id": 99 + kineto_rf_offset} if with_rf else {}},
        {"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 1, "tid": 1, "ts": 15.0,
         "dur": 3.0, "args": {"correlation": 77, "External id": 2}},
        {"ph": "X", "cat": "kernel", "name": "ncclDevKernel_AllReduce_Sum_f32_RING_LL", "pid": 0, "tid": 7,
         "ts": 40.0, "dur": 12.0, "args": {"correlation": 77, "External id": 2, "stream": 7,
                                           "Process Group Name": "0"}},
    ]
    kineto = {"schemaVersion": 1, "distributedInfo": {"rank": 0, "world_size": 2}, "traceEvents": events}
    suffix = ".json.gz" if gz else ".json"
    return (write(tmp_path / f"host{suffix}", host, gz), write(tmp_path / f"device{suffix}", kineto, gz))


def test_exclusive_inclusive_inter_thread_and_gpu_nodes(tmp_path):
    host, device = _pair(tmp_path)
    out = tmp_path / "merged.json"
    stats = link_traces(str(host), str(device), str(out), rank=0)
    assert (stats.host_nodes, stats.linked, stats.gpu_nodes) == (7, 5, 1)
    merged = json.loads(out.read_text())["nodes"]
    nodes = {n["name"]: n for n in merged}
    # Dense ids in original order, the kernel right after its launcher B.
    assert [n["id"] for n in merged] == list(range(8))
    assert [n["name"] for n in merged][:3] == [THREAD, "A", "B"] and merged[5]["name"] == THREAD
    kernel = nodes["ncclDevKernel_AllReduce_Sum_f32_RING_LL"]
    assert kernel["id"] == 3 and nodes["C"]["id"] == 4
    assert (kernel["ctrl_deps"], kernel["cat"], kernel["stream"], kernel["pg_name"]) == (2, "kernel", 7, "0")
    assert (kernel["ts"], kernel["inclusive_dur"], kernel["exclusive_dur"]) == (40.0, 12.0, 12.0)
    assert kernel["inputs"] == nodes["B"]["inputs"]
    # A lasts 100 µs and contains B (20) and C (30): 50 µs exclusive.
    assert (nodes["A"]["inclusive_dur"], nodes["A"]["exclusive_dur"]) == (100.0, 50.0)
    assert nodes["B"]["exclusive_dur"] == 20.0
    # D starts thread 2 (latest op begun elsewhere: C); E follows a 2915 µs gap (latest elsewhere: D).
    assert nodes["D"]["inter_thread_dep"] == nodes["C"]["id"]
    assert nodes["E"]["inter_thread_dep"] == nodes["D"]["id"]
    assert nodes["B"]["inter_thread_dep"] is None
    # The referenced-but-absent process root (old id 1) gets a fresh id after every node.
    assert merged[0]["ctrl_deps"] == merged[5]["ctrl_deps"] == 8


def test_reads_gzip(tmp_path):
    host, device = _pair(tmp_path, gz=True)
    out = tmp_path / "m.json"
    link_traces(str(host), str(device), str(out))
    assert json.loads(out.read_text())["nodes"][1]["exclusive_dur"] == 50.0


def test_kineto_from_another_run_is_a_clear_error(tmp_path, capsys):
    host, device = _pair(tmp_path, kineto_rf_offset=1000)
    rc = main(["chakra", "link", "--rank", "0", "--host", str(host), "--device", str(device),
               "--output", str(tmp_path / "m.json")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "shares no record-function id" in err and "another run" in err and str(device) in err
    assert not (tmp_path / "m.json").exists()


def test_kineto_without_record_function_ids_is_a_clear_error(tmp_path):
    host, device = _pair(tmp_path, with_rf=False)
    with pytest.raises(InputError, match="no Kineto event has a 'Record function id'"):
        link_traces(str(host), str(device), str(tmp_path / "m.json"))


def test_rank_mismatch_and_missing_file(tmp_path):
    host, device = _pair(tmp_path)
    with pytest.raises(InputError, match="rank 0, not 3"):
        link_traces(str(host), str(device), str(tmp_path / "m.json"), rank=3)
    with pytest.raises(InputError, match="file not found"):
        link_traces(str(tmp_path / "nope.json"), str(device), str(tmp_path / "m.json"))


def test_process_root_kept_without_kineto_twin(tmp_path):
    host, device = _pair(tmp_path)
    data = json.loads(host.read_text())
    data["nodes"].append(op(1, PROCESS, 1, 0, tid=0))
    host.write_text(json.dumps(data))
    out = tmp_path / "m.json"
    link_traces(str(host), str(device), str(out))
    root = json.loads(out.read_text())["nodes"][0]
    assert (root["name"], root["id"], root["ctrl_deps"]) == (PROCESS, 0, 0) and "ts" not in root
