"""`chakra collect` records a real 2-rank gloo job that links, converts and simulates (needs torch)."""

from __future__ import annotations

import json

import pytest

from astrasim_py.chakra.pytorch import collect as collect_mod
from astrasim_py.cli import main
from astrasim_py.errors import InputError


def test_without_torch_the_error_names_the_extra(monkeypatch):
    monkeypatch.setattr(collect_mod, "torch_available", lambda: False)
    with pytest.raises(InputError, match=r"torch is not installed.*pytorch"):
        collect_mod.collect("unused")


@pytest.mark.slow
def test_collect_link_convert_run(tmp_path):
    pytest.importorskip("torch", reason="torch is an optional extra (pip install '.[pytorch]')")
    out = tmp_path / "pt"
    assert main(["chakra", "collect", "--ranks", "2", "--output", str(out), "--port", "29561"]) == 0
    for rank in (0, 1):
        assert main(["chakra", "link", "--rank", str(rank), "--host", str(out / f"host_{rank}.json"),
                     "--device", str(out / f"device_{rank}.json"), "--output", str(out / f"merged_{rank}.json"),
                     "--no-progress"]) == 0
    assert main(["chakra", "convert", "--input-type", "pytorch", "--input", str(out), "--ranks",
                 "--output", str(tmp_path / "job"), "--no-progress"]) == 0
    (tmp_path / "sys.json").write_text(json.dumps({"scheduling-policy": "LIFO", "endpoint-delay": 10,
                                                   "all-reduce-implementation": ["ring"],
                                                   "all-gather-implementation": ["ring"],
                                                   "reduce-scatter-implementation": ["ring"],
                                                   "all-to-all-implementation": ["ring"]}))
    (tmp_path / "net.yml").write_text("topology: [ FullyConnected ]\nnpus_count: [ 2 ]\nbandwidth: [ 50.0 ]\n"
                                      "latency: [ 500.0 ]\n")
    result = tmp_path / "r.json"
    assert main(["run", "--workload-configuration", str(tmp_path / "job"), "--system-configuration",
                 str(tmp_path / "sys.json"), "--network-configuration", str(tmp_path / "net.yml"),
                 "--output-json", str(result), "--quiet"]) == 0
    kinds = [(c["collective"], c["size_bytes"]) for c in json.loads(result.read_text())["collectives"]
             if c["rank"] == 0]
    # The explicit all_reduce and broadcast of 1000 floats are there, after DDP's bucket all-reduce.
    assert ("ALL_REDUCE", 4000) in kinds and ("BROADCAST", 4000) in kinds
