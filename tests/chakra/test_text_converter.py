"""The text converter's output is byte-identical to the real chakra_converter Text."""

from __future__ import annotations

import pytest

from astrasim_py.chakra.io import encode_et
from astrasim_py.chakra.text_converter import (SCHEMA_FORK, convert_rank_graphs, convert_text,
                                               parse_text_workload, text_metadata)
from astrasim_py.errors import InputError

SMALL = [("data6", "data6", 8, 1, 23), ("dlrm5", "dlrm5", 8, 1, 20),
         ("hybrid_data_model6", "hybrid_data_model6", 8, 1, 35),
         ("hybrid_model_data6", "hybrid_model_data6", 8, 1, 35), ("micro1", "micro1", 8, 1, 1),
         ("model6", "model6", 8, 1, 29), ("data6", "data6_2passes", 2, 2, 46)]
ASTRA1 = ["DLRM_HybridParallel", "MLP_HybridParallel_Data_Model", "MLP_HybridParallel_Model_Data",
          "MLP_ModelParallel", "Resnet50_DataParallel", "microAllReduce"]


@pytest.mark.parametrize("source, folder, npus, passes, per_rank", SMALL)
def test_small_inputs_byte_identical(chakra_fixtures, tmp_path, source, folder, npus, passes, per_rank):
    text = chakra_fixtures / "text"
    paths = convert_text(text / f"{source}.txt", tmp_path / folder, npus, passes)
    assert len(paths) == npus
    for rank in range(npus):
        mine = (tmp_path / f"{folder}.{rank}.et").read_bytes()
        assert mine == (text / folder / f"{folder}.{rank}.et").read_bytes(), rank


@pytest.mark.parametrize("name", ASTRA1)
def test_astrasim1_workloads_byte_identical(chakra_fixtures, name):
    text = chakra_fixtures / "text"
    workload = parse_text_workload(text / "astra-sim-1.0" / f"{name}.txt")  # CRLF + tabs
    meta = text_metadata(workload)
    for rank, nodes in enumerate(convert_rank_graphs(workload, 8, 1)):
        expected = (text / f"astra1_{name}" / f"{name}.{rank}.et").read_bytes()
        assert encode_et(meta, nodes) == expected


def test_id_counter_runs_across_ranks_and_passes(chakra_fixtures):
    workload = parse_text_workload(chakra_fixtures / "text" / "data6.txt")
    ranks = convert_rank_graphs(workload, 3, 2)
    assert [r[0].id for r in ranks] == [0, 46, 92]
    # pass 2's first forward depends on pass 1's weight-gradient all-reduce of layer 0
    second_pass_fwd0 = ranks[0][23]
    assert second_pass_fwd0.name == "COMP_NODE_conv1_FWD"
    assert list(second_pass_fwd0.data_deps) == [22]


def test_fork_schema_string(chakra_fixtures):
    meta = text_metadata(parse_text_workload(chakra_fixtures / "text" / "micro1.txt"), SCHEMA_FORK)
    assert meta.attr[0].string_val == "1.0.2-chakra.0.0.4"


@pytest.mark.parametrize("content, message", [
    ("HYBRID_TRANSFORMER\n1\nl -1 1 NONE 0 1 NONE 0 1 ALLREDUCE 8 1\n", "unsupported parallelism type"),
    ("DATA\nx\n", "layer count 'x' is not an integer"),
    ("DATA\n1\nl -1 1 NONE 0 1 NONE 0 1 ALLREDUCE 8 1\n\n", "line 4: cannot parse layer"),
    ("DATA\n1\nl -1 1 NONE 0 1 NONE 0 1 ALLREDUCE eight 1\n", "not an integer"),
    ("HYBRID_DLRM 0\n1\nl -1 1 NONE 0 1 NONE 0 1 ALLREDUCE 8 1\n", "must be ALLTOALL"),
    ("HYBRID_DLRM\n1\nl -1 1 ALLTOALL 0 1 NONE 0 1 ALLREDUCE 8 1\n", "last bottom-MLP layer"),
])
def test_bad_text_inputs(tmp_path, content, message):
    path = tmp_path / "w.txt"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        parse_text_workload(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_missing_output_directory(chakra_fixtures, tmp_path):
    with pytest.raises(InputError, match="output directory does not exist"):
        convert_text(chakra_fixtures / "text" / "micro1.txt", tmp_path / "nope" / "x", 2, 1)


def test_layer_count_mismatch_warns_and_converts_every_line(tmp_path, capsys):
    path = tmp_path / "w.txt"
    path.write_text("DATA\n1\n" + "".join(f"l{i} -1 1 NONE 0 1 NONE 0 1 ALLREDUCE 8 1\n" for i in range(3)))
    workload = parse_text_workload(path)
    assert "line 2 says 1 layers but there are 3 layer lines" in capsys.readouterr().err
    (nodes,) = convert_rank_graphs(workload, 1, 1)
    assert len(nodes) == 4 * 3 - 1
