"""A sweep whose points `run` would refuse is refused before any point runs, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from astrasim_inputs import CONFIGS
from astrasim_py.errors import InputError
from astrasim_py.sweep import SweepOptions, run_sweep
from astrasim_py.sweep.points import expand
from astrasim_py.sweep.spec import load_spec
from astrasim_py.sweep.validate import validate_points


def _spec(tmp_path: Path, axes: dict, **base) -> Path:
    doc = {"name": "v", "base": {"workload": {"generate": {"collective": "all_reduce", "npus": 8, "size": 4096}},
                                 "system": str(CONFIGS / "sys_ring_c4.json"),
                                 "network": str(CONFIGS / "net_Ring_8.yml"), **base},
           "axes": axes}
    path = tmp_path / "v.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize("axes,base,words", [
    ({"network.bandwith": [50, 100]}, {}, ["unknown key 'bandwith'", "network.bandwith=50"]),
    ({"backend": ["analytical", "analytic"]}, {}, ["unknown backend 'analytic'", "point 1"]),
    ({"seed": [0, 1]}, {"system": "/nonexistent/sys.json"}, ["/nonexistent/sys.json", "not found"]),
    ({"system.preferred-dataset-splits": [4, 10**9]}, {}, ["preferred-dataset-splits", "1024"]),
    ({"network.bandwidth": [[50], [float("nan")]]}, {}, ["bandwidth[0]", "finite"]),
    ({"workload.generate.npus": [8, 16]}, {}, ["16 rank(s)", "8 NPUs"]),
    ({"workload.generate.size": [1024, "lots"]}, {}, ["workload.generate.size"]),
    ({"seed": [0, -1]}, {}, ["--seed"]),
])
def test_doomed_points_are_refused_up_front(tmp_path, axes, base, words):
    path = _spec(tmp_path, axes, **base)
    out = tmp_path / "out"
    with pytest.raises(InputError) as err:
        run_sweep(load_spec(path), out, SweepOptions(workers=1, progress=False))
    line = err.value.one_line()
    assert err.value.file == str(path) and all(w in line for w in words), line
    assert not (out / "results.csv").exists() and not (out / "points").exists()


def test_fabric_axis_values_are_checked_for_ns3_points(tmp_path):
    path = _spec(tmp_path, {"network.fabric.link_gbps": [400, -1]}, backend="ns3")
    with pytest.raises(InputError, match="fabric.link_gbps"):
        validate_points(load_spec(path), expand(load_spec(path)))


def test_valid_spec_passes(tmp_path):
    path = _spec(tmp_path, {"workload.generate.size": [1024, 4096], "network.bandwidth": [[25], [50]],
                            "backend": ["analytical", "analytical-aware"]})
    spec = load_spec(path)
    validate_points(spec, expand(spec))  # no error: 8 points the runner accepts
    assert len(expand(spec)) == 8
