"""STG traces run as they are: element-count sizes, MAC counts, random tags, their group file."""

from __future__ import annotations

import json

import pytest

from astrasim_py.cli import main
from astrasim_py.workload.llm.accelerators import get_accelerator
from astrasim_py.workload.llm.stg import StgOptions, load_stg

from .helpers import switch_network
from .stg_writer import write_stg


def test_stg_group_file_shape(tmp_path):
    prefix = write_stg(tmp_path, "workload", 2, 2, 2)
    groups = json.loads((tmp_path / "workload.json").read_text())
    assert len(groups) == 16  # dp and tp pairs, sp singletons
    assert groups["1"] == [0, 1] and groups["5"] == [0, 2] and groups["9"] == [0]
    assert prefix.endswith("workload")


@pytest.mark.parametrize("legacy", [False, True])
def test_stg_dp2_tp2_pp2_runs_with_its_group_file(tmp_path, legacy):
    prefix = write_stg(tmp_path, "workload", 2, 2, 2, legacy_attr=legacy)
    net = switch_network(tmp_path, 8)
    out = tmp_path / "r.json"
    assert main(["workload", "run", "--format", "stg", "--workload", prefix, "--network", net, "--dp", "2",
                 "--tp", "2", "--pp", "2", "--element-bytes", "2", "--output-json", str(out)]) == 0
    doc = json.loads(out.read_text())
    hidden, tokens = 1024, 512
    act_bytes = tokens * hidden // 2 * 2
    sizes = {(c["collective"], c["size_bytes"]) for c in doc["collectives"]}
    assert sizes == {("ALL_REDUCE", act_bytes), ("ALL_REDUCE", 4 * hidden * hidden // 2 * 2)}
    dims = doc["iteration"]["by_dimension"]
    assert set(dims) == {"tp", "dp", "pp"}
    assert dims["pp"]["bytes"] == 4 * 2 * act_bytes  # 4 boundary pairs x (activation + gradient) sends
    assert doc["iteration"]["compute_model"]["kind"] == "roofline"
    assert all(f > 0 for f in doc["finish_ns"])


def test_stg_compute_scaled_to_flops_and_bytes(tmp_path):
    prefix = write_stg(tmp_path, "w", 2, 1, 1)
    traces, groups, _ = load_stg(prefix, None, StgOptions(element_bytes=4, dp=2))
    from astrasim_py.chakra.attrs import get_attr
    first = traces[0].nodes[0]
    hidden, tokens = 1024, 512
    assert get_attr(first, "num_ops") == 2 * (tokens // 2) * hidden * 3 * hidden  # MACs -> FLOPs
    assert get_attr(first, "tensor_size") == 4 * (tokens // 2) * 3 * hidden
    acc = get_accelerator("H100")
    assert acc.compute_ns(get_attr(first, "num_ops"), get_attr(first, "tensor_size")) > 0


def test_stg_wrong_degrees_is_one_line(tmp_path, capsys):
    prefix = write_stg(tmp_path, "w", 2, 2, 2)
    code = main(["workload", "run", "--format", "stg", "--workload", prefix, "--network",
                 switch_network(tmp_path, 8), "--dp", "4", "--tp", "4"])
    err = capsys.readouterr().err
    assert code == 2 and "--dp" in err and err.count("\n") == 1
