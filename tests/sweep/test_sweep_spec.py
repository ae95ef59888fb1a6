"""Spec parsing, axis expansion (grid x zip) and point identity."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from astrasim_py.errors import InputError
from astrasim_py.sweep.points import expand, point_identity
from astrasim_py.sweep.spec import PRESET_OVERRIDE_KEY, load_spec
from sweep_helpers import write_spec


def test_grid_times_zip_gives_every_combination_once(grid_spec: Path) -> None:
    points = expand(load_spec(grid_spec))
    assert len(points) == 3 * 2 * 2
    combos = {(p.axes["system.size"], p.axes["network.link_gbps"], p.axes["seed"], p.axes["system.sleep_s"])
              for p in points}
    assert len(combos) == 12
    # zip pairs values index by index, never crosses them
    assert all((seed, sleep) in {(0, 0.0), (1, 0.01)} for _, _, seed, sleep in combos)
    assert [p.index for p in points] == list(range(12))
    assert len({p.point_id for p in points}) == 12


def test_axes_land_in_the_run_request(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, {"backend": ["ns3"], "preset": ["mlnx_fw"],
                                           "network_overrides.fabric.transport": ["ib"], "seed": [7]}))
    (point,) = expand(spec)
    assert point.request["backend"] == "ns3"
    assert point.request["seed"] == 7
    assert point.request["network_overrides"] == {PRESET_OVERRIDE_KEY: "mlnx_fw", "fabric.transport": "ib"}
    assert point.request["injection_scale"] == 1.0  # RunRequest defaults filled in


def test_generated_workload_axis(tmp_path: Path) -> None:
    path = write_spec(tmp_path, {"workload.generate.size": [1024, 2048]})
    doc = yaml.safe_load(path.read_text())
    doc["base"]["workload"] = {"generate": {"collective": "all_reduce", "npus": 8, "size": 1}}
    path.write_text(yaml.safe_dump(doc))
    sizes = [p.request["workload"]["generate"]["size"] for p in expand(load_spec(path))]
    assert sizes == [1024, 2048]


def test_relative_paths_resolve_against_the_spec_folder(tmp_path: Path) -> None:
    (tmp_path / "sys.json").write_text("{}")
    (tmp_path / "net.yml").write_text("topology: [Ring]\n")
    (tmp_path / "wl.0.et").write_bytes(b"x")
    (tmp_path / "s.yaml").write_text("base: {workload: wl, system: sys.json, network: net.yml}\n")
    (point,) = expand(load_spec(tmp_path / "s.yaml"))
    assert point.request["system"] == str(tmp_path / "sys.json")
    assert point.request["workload"] == str(tmp_path / "wl")


def test_identity_covers_file_contents_not_just_paths(tmp_path: Path) -> None:
    (tmp_path / "sys.json").write_text('{"a": 1}')
    (tmp_path / "net.yml").write_text("x: 1\n")
    (tmp_path / "wl.0.et").write_bytes(b"trace-0")
    request = {"workload": str(tmp_path / "wl"), "system": str(tmp_path / "sys.json"),
               "network": str(tmp_path / "net.yml")}
    first = point_identity(request)
    assert point_identity(dict(request)) == first
    (tmp_path / "wl.0.et").write_bytes(b"trace-0 changed")
    assert point_identity(request) != first
    (tmp_path / "wl.0.et").write_bytes(b"trace-0")
    assert point_identity(request) == first
    assert point_identity({**request, "seed": 1}) != first


def test_identity_does_not_depend_on_the_folder(tmp_path: Path) -> None:
    ids = []
    for sub in ("a", "b"):
        d = tmp_path / sub
        d.mkdir()
        (d / "sys.json").write_text("{}")
        ids.append(point_identity({"system": str(d / "sys.json")}))
    assert ids[0] == ids[1]


def test_defaults_spelled_out_are_the_same_point(tmp_path: Path) -> None:
    # seed 0 and backend analytical are RunRequest's defaults: all three spell the same run
    a = expand(load_spec(write_spec(tmp_path, {"seed": [0]}, name="a")))
    b = expand(load_spec(write_spec(tmp_path, {"backend": ["analytical"]}, name="b")))
    c = expand(load_spec(write_spec(tmp_path, {"seed": [0, 0, 1]}, name="c")))
    assert a[0].point_id == b[0].point_id == c[0].point_id
    assert len(c) == 2  # the duplicate is run once


@pytest.mark.parametrize("axes, field", [
    ({"grid": {"bogus": [1]}}, "axes[0].grid.bogus"),
    ([{"zip": {"seed": [1, 2], "backend": ["ns3"]}}], "axes[0].zip"),
    ({"seed": 3}, "axes[0].grid.seed"),
    ([{"grid": {"seed": [1]}}, {"grid": {"seed": [2]}}], "axes"),
])
def test_bad_axes_name_the_field(tmp_path: Path, axes, field) -> None:
    path = write_spec(tmp_path, axes)
    with pytest.raises(InputError) as err:
        load_spec(path)
    assert err.value.field == field
    assert err.value.file == str(path)
    assert err.value.fix


def test_bad_base_field_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("base: {workload: a, system: b, network: c, backnd: ns3}\n")
    with pytest.raises(InputError, match="backnd") as err:
        load_spec(tmp_path / "s.yaml")
    assert err.value.field == "base.backnd"
    with pytest.raises(InputError, match="not found"):
        load_spec(tmp_path / "missing.yaml")


def test_identity_covers_named_preset_files(tmp_path: Path, monkeypatch) -> None:
    import astrasim_py.sweep.points as points

    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "mine.yaml").write_text("flow_control: pfc\n")
    monkeypatch.setattr(points, "data_dir", lambda kind: presets)
    request = {"network_overrides": {"fabric.preset": "mine"}}
    first = point_identity(request)
    (presets / "mine.yaml").write_text("flow_control: none\n")
    assert point_identity(request) != first
    # the same name inside the network file counts too
    (tmp_path / "net.yml").write_text("fabric: {preset: mine}\n")
    with_file = point_identity({"network": str(tmp_path / "net.yml")})
    (presets / "mine.yaml").write_text("flow_control: pfc\n")
    assert point_identity({"network": str(tmp_path / "net.yml")}) != with_file


from hypothesis import given, settings, strategies as st  # noqa: E402

from astrasim_py.sweep.spec import AxisGroup  # noqa: E402

_values = st.lists(st.integers(0, 1000), min_size=1, max_size=4, unique=True)


@settings(max_examples=50, deadline=None)
@given(grid=st.dictionaries(st.sampled_from(["a", "b", "c"]), _values, min_size=1),
       zip_len=st.integers(1, 4))
def test_group_sizes_are_products_and_zip_lengths(grid, zip_len) -> None:
    import math

    g = AxisGroup("grid", grid).assignments()
    assert len(g) == math.prod(len(v) for v in grid.values())
    assert len({tuple(sorted(a.items())) for a in g}) == len(g)  # all distinct
    z = AxisGroup("zip", {"x": list(range(zip_len)), "y": list(range(zip_len, 2 * zip_len))}).assignments()
    assert [(a["x"], a["y"]) for a in z] == [(i, zip_len + i) for i in range(zip_len)]
