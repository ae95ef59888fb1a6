"""Generated workloads (Chakra traces made once per sweep) and the CLI's handling of bad specs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from astrasim_py.chakra.workload import load_workload
from astrasim_py.errors import InputError
from astrasim_py.sweep.engine import SweepOptions, run_sweep
from astrasim_py.sweep.spec import load_spec
from astrasim_py.sweep.store import read_table
from astrasim_py.sweep.workloads import materialize_trace
from sweep_helpers import REPO, sweep_env, write_spec


def test_trace_is_generated_once_and_readable(tmp_path: Path) -> None:
    gen = {"collective": "all_reduce", "npus": 4, "size": "64KiB"}
    prefix = materialize_trace(gen, tmp_path)
    traces = load_workload(prefix, 4)
    assert len(traces) == 4
    stamp = Path(prefix + ".0.et").stat().st_mtime_ns
    assert materialize_trace(dict(gen), tmp_path) == prefix
    assert Path(prefix + ".0.et").stat().st_mtime_ns == stamp  # reused, not rewritten
    assert materialize_trace({**gen, "size": "128KiB"}, tmp_path) != prefix
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-made folders


@pytest.mark.parametrize("gen, field", [
    ({"collective": "allreduce", "npus": 4, "size": 1024}, "workload.generate.collective"),
    ({"collective": "all_reduce", "npus": 0, "size": 1024}, "workload.generate.npus"),
    ({"collective": "all_reduce", "npus": 4, "size": "lots"}, "workload.generate.size"),
])
def test_bad_generate_parameters_are_input_errors(tmp_path: Path, gen, field) -> None:
    with pytest.raises(InputError) as err:
        materialize_trace(gen, tmp_path)
    assert err.value.field == field


def test_points_see_the_generated_prefix(tmp_path: Path) -> None:
    spec_path = write_spec(tmp_path, {"workload.generate.size": [1024, 4096, "bad"]})
    text = spec_path.read_text().replace(
        "workload: " + str(REPO / "tests/sweep/inputs/system.json"),
        "workload: {generate: {collective: all_gather, npus: 4, size: 1}}")
    spec_path.write_text(text)
    out = tmp_path / "out"
    summary = run_sweep(load_spec(spec_path), out,
                        SweepOptions(workers=1, point_fn="fake_points:closed_form_point", progress=False))
    rows = {r["workload.generate.size"]: r for r in read_table(out / "results.csv")}
    assert rows["1024"]["status"] == "ok" and rows["4096"]["status"] == "ok"
    assert rows["bad"]["status"] == "error" and "workload.generate.size" in rows["bad"]["error"]
    assert summary.ok == 2
    assert len(list((out / "traces").iterdir())) == 2


def test_cli_bad_spec_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: {workload: a, system: b, network: c}\naxes: {sed: [1, 2]}\n")
    proc = subprocess.run([sys.executable, "-m", "astrasim_py", "sweep", str(bad), "--out", str(tmp_path / "o")],
                          cwd=REPO, env=sweep_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "axes[0].grid.sed" in lines[0] and "fix:" in lines[0]
