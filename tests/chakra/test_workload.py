"""Loading all rank files of a workload prefix."""

from __future__ import annotations

import shutil

import pytest

from astrasim_py.chakra.schema import Node, NodeType
from astrasim_py.chakra.workload import existing_ranks, load_workload
from astrasim_py.errors import InputError


def _allreduce(folder) -> str:
    """The 8-rank 1 MiB all-reduce (a_allreduce_1MiB), by the project's byte-identical generator."""
    from astrasim_inputs import write_allreduce_1MiB

    return str(write_allreduce_1MiB(folder))


def test_load_fixture_workload(tmp_path):
    traces = load_workload(_allreduce(tmp_path), 8)
    assert [t.nodes[0].id for t in traces] == list(range(8))


def test_load_converted_text_workload(chakra_fixtures):
    assert len(load_workload(chakra_fixtures / "text" / "data6" / "data6")) == 8


def test_npus_mismatch_says_counts(tmp_path):
    prefix = _allreduce(tmp_path / "ar")
    for r in range(3):
        shutil.copy(f"{prefix}.{r}.et", tmp_path / f"w.{r}.et")
    assert existing_ranks(tmp_path / "w") == [0, 1, 2]
    with pytest.raises(InputError) as info:
        load_workload(tmp_path / "w", 8)
    text = str(info.value)
    assert "3 rank file(s) exist but npus_count is 8; missing rank(s) 3, 4, 5, 6, 7" in text
    assert "w.3.et" in text


def test_send_recv_rank_consistency(tmp_path):
    from astrasim_py.chakra.generators import generate_send_recv, write_workload

    write_workload(tmp_path / "sendrecv", generate_send_recv(2, 1 << 20, tag=7))  # d_sendrecv, byte for byte
    traces = load_workload(tmp_path / "sendrecv", 2)
    assert [t.nodes[0].type for t in traces] == [5, 6]
    # swapping the ranks makes comm_src/comm_dst disagree with the file's rank
    shutil.copy(tmp_path / "sendrecv.1.et", tmp_path / "s.0.et")
    shutil.copy(tmp_path / "sendrecv.0.et", tmp_path / "s.1.et")
    with pytest.raises(InputError, match="comm_dst is 1 but this file is rank 0"):
        load_workload(tmp_path / "s", 2)


def test_no_files(tmp_path):
    with pytest.raises(InputError, match="no rank files found"):
        load_workload(tmp_path / "none")


def _write(prefix, per_rank):
    from astrasim_py.chakra.generators import RankGraph, write_workload
    from astrasim_py.chakra.schema import GlobalMetadata

    write_workload(prefix, [RankGraph(r, GlobalMetadata(version="0.0.4"), nodes) for r, nodes in enumerate(per_rank)])


def test_unmatched_send_is_an_error(tmp_path):
    from astrasim_py.chakra.generators import p2p_node

    _write(tmp_path / "p", [[p2p_node(0, "s", True, 0, 1, 64, 3)],
                            [p2p_node(0, "r", False, 0, 1, 64, 4)]])  # wrong tag
    with pytest.raises(InputError) as info:
        load_workload(tmp_path / "p", 2)
    assert "rank 0 sends 1 message(s) to rank 1 (tag 3, 64 B) but rank 1 posts 0 matching receive(s)" \
        in str(info.value)
    assert info.value.file.endswith("p.1.et")


def test_collective_mismatch_and_order(tmp_path, capsys):
    from astrasim_py.chakra.generators import coll_node

    def colls(*spec):
        return [coll_node(i, f"c{i}", t, s) for i, (t, s) in enumerate(spec)]

    _write(tmp_path / "m", [colls((0, 64), (2, 128)), colls((0, 64), (2, 256))])
    with pytest.raises(InputError, match="first difference at collective #1: ALL_GATHER 256 B vs ALL_GATHER 128 B"):
        load_workload(tmp_path / "m", 2)
    _write(tmp_path / "o", [colls((0, 64), (2, 128)), colls((2, 128), (0, 64))])
    capsys.readouterr()
    assert len(load_workload(tmp_path / "o", 2)) == 2
    assert "in a different order" in capsys.readouterr().err
    _write(tmp_path / "n", [colls((0, 64)), [Node(id=0, name="x", type=NodeType.COMP_NODE)]])
    with pytest.raises(InputError, match="rank 1 issues none"):
        load_workload(tmp_path / "n", 2)


def test_text_conversions_pass_cross_rank_checks(chakra_fixtures):
    for name in ("dlrm5", "hybrid_data_model6", "model6"):
        assert len(load_workload(chakra_fixtures / "text" / name / name, 8)) == 8
