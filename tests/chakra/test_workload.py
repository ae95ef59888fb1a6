"""Loading all rank files of a workload prefix."""

from __future__ import annotations

import shutil

import pytest

from astrasim_py.chakra.workload import existing_ranks, load_workload
from astrasim_py.errors import InputError


def test_load_fixture_workload(chakra_fixtures):
    traces = load_workload(chakra_fixtures / "a_allreduce_1MiB" / "ALL_REDUCE", 8)
    assert [t.nodes[0].id for t in traces] == list(range(8))
    assert len(load_workload(chakra_fixtures / "text" / "data6" / "data6")) == 8


def test_npus_mismatch_says_counts(chakra_fixtures, tmp_path):
    for r in range(3):
        shutil.copy(chakra_fixtures / "a_allreduce_1MiB" / f"ALL_REDUCE.{r}.et", tmp_path / f"w.{r}.et")
    assert existing_ranks(tmp_path / "w") == [0, 1, 2]
    with pytest.raises(InputError) as info:
        load_workload(tmp_path / "w", 8)
    text = str(info.value)
    assert "3 rank file(s) exist but npus_count is 8; missing rank(s) 3, 4, 5, 6, 7" in text
    assert "w.3.et" in text


def test_send_recv_rank_consistency(chakra_fixtures, tmp_path):
    traces = load_workload(chakra_fixtures / "d_sendrecv" / "sendrecv", 2)
    assert [t.nodes[0].type for t in traces] == [5, 6]
    # swapping the ranks makes comm_src/comm_dst disagree with the file's rank
    shutil.copy(chakra_fixtures / "d_sendrecv" / "sendrecv.1.et", tmp_path / "s.0.et")
    shutil.copy(chakra_fixtures / "d_sendrecv" / "sendrecv.0.et", tmp_path / "s.1.et")
    with pytest.raises(InputError, match="comm_dst is 1 but this file is rank 0"):
        load_workload(tmp_path / "s", 2)


def test_no_files(tmp_path):
    with pytest.raises(InputError, match="no rank files found"):
        load_workload(tmp_path / "none")
