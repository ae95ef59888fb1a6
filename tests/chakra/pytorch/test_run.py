"""Converted PyTorch traces run end to end on every backend (`astrasim-py run`)."""

from __future__ import annotations

import json
import shutil

import pytest

from astrasim_py.chakra.pytorch.converter import convert_pytorch
from astrasim_py.cli import main
from chakra.pytorch.builders import host_only_ddp, write

RESNET = "fixtures/pytorch/tutorial_resnet50_2gpu"
SYSTEM = {"scheduling-policy": "LIFO", "endpoint-delay": 10, "active-chunks-per-dimension": 1,
          "preferred-dataset-splits": 4, "all-reduce-implementation": ["ring"],
          "all-gather-implementation": ["ring"], "reduce-scatter-implementation": ["ring"],
          "all-to-all-implementation": ["ring"], "collective-optimization": "localBWAware",
          "local-mem-bw": 50, "boost-mode": 0}


def _inputs(tmp_path, npus: int):
    system = tmp_path / "sys.json"
    system.write_text(json.dumps(SYSTEM))
    network = tmp_path / "net.yml"
    network.write_text(f"topology: [ FullyConnected ]\nnpus_count: [ {npus} ]\nbandwidth: [ 50.0 ]\n"
                       "latency: [ 500.0 ]\n")
    return system, network


def _run(tmp_path, prefix, system, network, backend, *extra):
    out = tmp_path / f"result_{backend}.json"
    rc = main(["run", "--backend", backend, "--workload-configuration", str(prefix), "--system-configuration",
               str(system), "--network-configuration", str(network), "--output-json", str(out), "--quiet",
               *extra])
    assert rc == 0
    return json.loads(out.read_text())


def _per_rank(result):
    rows = {}
    for c in result["collectives"]:
        rows.setdefault(c["rank"], []).append((c["collective"], c["size_bytes"], c["group"]))
    return rows


@pytest.mark.parametrize("backend", ["analytical", pytest.param("ns3", marks=pytest.mark.ns3)])
def test_resnet50_tutorial_runs(shared_dir, tmp_path, backend, request):
    if backend == "ns3":
        request.getfixturevalue("fabric_available")
    for rank in (0, 1):
        convert_pytorch(str(shared_dir / RESNET / f"pytorch_et_{rank}.json"), str(tmp_path / f"resnet.{rank}.et"))
    inputs = shared_dir / RESNET / "inputs"
    result = _run(tmp_path, tmp_path / "resnet", inputs / "Ring_sys.json", inputs / "FullyConnected_2.yml",
                  backend, "--remote-memory-configuration", str(inputs / "RemoteMemory.json"))
    expected = [("BROADCAST", 212_480, 0), ("BROADCAST", 424, 0)] + [
        ("ALL_REDUCE", size, 0) for size in (8_196_000, 31_502_336, 26_255_360, 26_550_272, 9_724_160)]
    assert _per_rank(result) == {0: expected, 1: expected}
    # Host-only: no measured compute, so the ranks finish when their last all-reduce does.
    last = max(c["end_ns"] for c in result["collectives"] if c["collective"] == "ALL_REDUCE")
    assert result["max_finish_ns"] >= last


@pytest.mark.parametrize("backend", ["analytical", pytest.param("ns3", marks=pytest.mark.ns3)])
def test_host_only_subgroups_run(tmp_path, backend, request):
    if backend == "ns3":
        request.getfixturevalue("fabric_available")
    folder = tmp_path / "traces"
    folder.mkdir()
    for rank in range(4):
        write(folder / f"host_{rank}.json", host_only_ddp(rank))
    prefix = tmp_path / "job"
    assert main(["chakra", "convert", "--input-type", "pytorch", "--input", str(folder), "--ranks",
                 "--output", str(prefix), "--no-progress"]) == 0
    system, network = _inputs(tmp_path, 4)
    result = _run(tmp_path, prefix, system, network, backend,
                  "--comm-group-configuration", f"{prefix}.comm_groups.json")
    rows = _per_rank(result)
    for rank in range(4):
        group = 1 if rank % 2 == 0 else 2
        assert rows[rank] == [("BROADCAST", 4000, 0), ("ALL_REDUCE", 4096, 0), ("ALL_REDUCE", 2048, group)]
    # The sub-group all-reduce of ranks {0, 2} and of {1, 3} are two separate collectives.
    sub = {c["rank"]: c for c in result["collectives"] if c["group"]}
    assert sub[0]["size_bytes"] == sub[2]["size_bytes"] == 2048
    assert len(result["finish_ns"]) == 4


def test_gloo_pair_runs_with_send_recv(shared_dir, tmp_path):
    folder = shared_dir / "fixtures/pytorch/cpu_gloo_2ranks_torch2.14"
    for rank in (0, 1):
        shutil.copy(folder / f"merged_{rank}.json", tmp_path / f"merged_{rank}.json")
    assert main(["chakra", "convert", "--input-type", "pytorch", "--input", str(tmp_path), "--ranks",
                 "--output", str(tmp_path / "gloo"), "--no-progress"]) == 0
    system, network = _inputs(tmp_path, 2)
    result = _run(tmp_path, tmp_path / "gloo", system, network, "analytical")
    assert [c[:2] for c in _per_rank(result)[0]] == [("BROADCAST", 20), ("BROADCAST", 4), ("ALL_REDUCE", 38440),
                                                     ("ALL_REDUCE", 4000), ("BROADCAST", 4000)]
    # Measured CPU time is replayed: the rank takes at least its compute (µs -> ns).
    assert result["max_finish_ns"] > 100_000_000
