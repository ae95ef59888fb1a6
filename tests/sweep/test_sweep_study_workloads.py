"""Sweep features the studies use: `ideal:`, traffic-pattern and overlaid workloads, multi-job workloads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from astrasim_py.chakra.io import read_et
from astrasim_py.chakra.schema import NodeType
from astrasim_py.chakra.workload import rank_file
from astrasim_py.errors import InputError
from astrasim_py.sweep.points import expand
from astrasim_py.sweep.pointrun import attach_ideal
from astrasim_py.sweep.spec import load_spec
from astrasim_py.sweep.workloads import materialize_workload
from sweep_helpers import write_spec


def _nodes(prefix: str, rank: int):
    return read_et(rank_file(prefix, rank)).nodes


def test_overlay_keeps_every_part_with_unique_ids(tmp_path: Path) -> None:
    gen = [{"collective": "all_reduce", "npus": 4, "size": "64KiB"},
           {"pattern": "incast", "npus": 4, "size": 4096, "target": 0}]
    prefix = materialize_workload({"generate": gen}, tmp_path)
    for rank in range(4):
        nodes = _nodes(prefix, rank)
        ids = [n.id for n in nodes]
        assert len(ids) == len(set(ids))
        kinds = [n.type for n in nodes]
        assert kinds.count(NodeType.COMM_COLL_NODE) == 1
        # incast into rank 0: three RECVs there, one SEND on every other rank
        assert kinds.count(NodeType.COMM_RECV_NODE) == (3 if rank == 0 else 0)
        assert kinds.count(NodeType.COMM_SEND_NODE) == (0 if rank == 0 else 1)
        for n in nodes:
            assert all(d in ids for d in n.data_deps)


def test_jobs_workload_writes_a_jobs_file(tmp_path: Path) -> None:
    workload = {"jobs": [{"name": "train", "hosts": "0-1", "generate": {"collective": "all_reduce", "npus": 2,
                                                                      "size": 1024}},
                         {"name": "bg", "hosts": [2, 3], "generate": {"pattern": "permutation", "npus": 2,
                                                                      "size": 2048}}]}
    path = materialize_workload(workload, tmp_path)
    assert materialize_workload(workload, tmp_path) == path  # cached by content
    doc = yaml.safe_load(Path(path).read_text())
    assert [j["name"] for j in doc["jobs"]] == ["train", "bg"]
    assert doc["jobs"][1]["hosts"] == [2, 3]
    assert Path(doc["jobs"][0]["workload"] + ".0.et").is_file()


@pytest.mark.parametrize("part, field", [
    ({"pattern": "nope", "npus": 4, "size": 1}, "workload.generate"),
    ({"pattern": "incast", "npus": 4, "size": 1, "shift": 1}, "workload.generate.shift"),
    ({"pattern": "poisson", "npus": 4, "cdf_scale": 0}, "workload.generate.cdf_scale"),
])
def test_bad_pattern_parameters(tmp_path: Path, part, field) -> None:
    with pytest.raises(InputError) as err:
        materialize_workload({"generate": part}, tmp_path)
    assert err.value.field == field


def test_spec_ideal_and_jobs_validation(tmp_path: Path) -> None:
    spec_path = write_spec(tmp_path, {"seed": [0, 1]}, ideal="analytical")
    spec = load_spec(spec_path)
    points = expand(spec)
    assert spec.ideal == "analytical" and all(p.ideal == "analytical" for p in points)
    plain = expand(load_spec(write_spec(tmp_path, {"seed": [0, 1]}, name="plain")))
    # Asking for an ideal is part of a point's identity; not asking keeps the old identity.
    assert {p.point_id for p in points}.isdisjoint(p.point_id for p in plain)
    with pytest.raises(InputError) as err:
        load_spec(write_spec(tmp_path, {"seed": [0]}, name="bad", ideal="ns3"))
    assert err.value.field == "ideal"
    bad_jobs = write_spec(tmp_path, {"workload": [{"jobs": [{"generate": {"collective": "all_reduce"}}]}]},
                          name="badjobs")
    with pytest.raises(InputError) as err:
        expand(load_spec(bad_jobs))
    assert err.value.field == "axes.workload.jobs[0]"


def test_failed_ideal_becomes_a_warning() -> None:
    def point_fn(request):
        if request["backend"] == "analytical":
            raise InputError("needs dims", field="topology", fix="add them")
        return {"max_finish_ns": 5}

    result = {"max_finish_ns": 5}
    attach_ideal(result, {"backend": "ns3"}, "analytical", point_fn)
    assert "ideal" not in result
    assert result["warnings"] == ["ideal run (analytical) failed: topology: needs dims (fix: add them)"]
