"""The sweep's fast path: generated traces handed to the runner in memory give the same records as
trace files on disk, files are written only when asked, and only ns-3 points pay a full gc."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from astrasim_py.errors import InputError
from astrasim_py.safe_io import load_structured
from astrasim_py.sweep import pointrun
from astrasim_py.sweep.engine import SweepOptions, run_sweep
from astrasim_py.sweep.points import expand
from astrasim_py.sweep.spec import load_spec
from astrasim_py.sweep.store import ResultStore, read_table
from sweep_helpers import REPO, write_spec

INPUTS = REPO / "scripts" / "sweep_inputs"
VOLATILE = {"wall_s", "startup_s", "peak_rss_mb", "run_token", "pid", "host", "worker_dir", "worker_slot",
            "worker_points_run"}


def _spec(folder: Path, **top) -> Path:
    doc = {"name": "fast", "base": {"workload": {"generate": {"collective": "all_reduce", "npus": 8, "size": 4096}},
                                    "system": str(INPUTS / "system_ring.json"),
                                    "network": str(INPUTS / "network_ring8.yml")},
           "axes": {"workload.generate.size": [65536, 1 << 20], "backend": ["analytical", "analytical-aware"]},
           **top}
    path = folder / "fast.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _stable(doc, out: Path):
    """A record without wall-clock and process fields, its output folder written as OUT."""
    doc = json.loads(json.dumps(doc).replace(str(out), "OUT"))

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in VOLATILE}
        return [strip(v) for v in x] if isinstance(x, list) else x
    return strip(doc)


def test_in_memory_traces_give_the_records_of_trace_files(tmp_path: Path) -> None:
    spec = load_spec(_spec(tmp_path))
    memory, files = tmp_path / "memory", tmp_path / "files"
    assert run_sweep(spec, memory, SweepOptions(workers=1, progress=False)).all_ok
    assert run_sweep(spec, files, SweepOptions(workers=1, progress=False, keep_traces=True)).all_ok
    assert not (memory / "traces").exists()  # nothing written unless asked
    written = sorted(p.name for p in (files / "traces").iterdir())
    assert len(written) == 2 and all(len(list((files / "traces" / n).glob("trace.*.et"))) == 8 for n in written)
    for point in expand(spec):
        a = ResultStore(memory).read_record(point.point_id)
        b = ResultStore(files).read_record(point.point_id)
        assert _stable(a, memory) == _stable(b, files)
        # the record names the trace by its content-keyed prefix either way
        assert Path(b["workload_trace"] + ".0.et").is_file()
        assert a["result"]["max_finish_ns"] > 0
    rows = [{k: v for k, v in r.items() if k != "wall_s"} for r in read_table(memory / "results.csv")]
    assert rows == [{k: v for k, v in r.items() if k != "wall_s"} for r in read_table(files / "results.csv")]


def test_keep_traces_spec_key_writes_the_files_and_must_be_a_bool(tmp_path: Path) -> None:
    spec = load_spec(_spec(tmp_path, keep_traces=True))
    assert spec.keep_traces is True
    assert run_sweep(spec, tmp_path / "out", SweepOptions(workers=1, progress=False)).all_ok
    assert len(list((tmp_path / "out" / "traces").iterdir())) == 2
    with pytest.raises(InputError) as err:
        load_spec(_spec(tmp_path, keep_traces="yes"))
    assert err.value.field == "keep_traces"


def test_only_ns3_points_pay_a_full_collection(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(pointrun.gc, "collect", lambda: calls.append(1))
    pointrun.release_simulator({"backend": "analytical"})
    pointrun.release_simulator({"backend": "analytical-aware"}, "analytical")
    pointrun.release_simulator({})  # the run default: analytical
    assert calls == []
    pointrun.release_simulator({"backend": "ns3"})
    pointrun.release_simulator({"backend": "analytical"}, "ns3")
    assert calls == [1, 1]


def test_parsed_config_memo_returns_independent_copies(tmp_path: Path) -> None:
    path = tmp_path / "net.yml"
    path.write_text("topology: [ Ring ]\nnpus_count: [ 8 ]\n")
    first = load_structured(path, "network configuration")
    first["npus_count"].append(99)  # a caller editing its document must not change the next one
    assert load_structured(path, "network configuration") == {"topology": ["Ring"], "npus_count": [8]}
    path.write_text("topology: [ Switch ]\nnpus_count: [ 4 ]\n")  # the file is read every time
    assert load_structured(path, "network configuration") == {"topology": ["Switch"], "npus_count": [4]}


def test_point_sent_ahead_of_a_crash_still_runs(tmp_path: Path) -> None:
    # one worker gets a point ahead while it runs the crashing one: that point must run on the
    # replacement worker, and every finished point keeps its row
    spec = load_spec(write_spec(tmp_path, [{"zip": {"network.link_gbps": [100, 200, 300, 400, 500],
                                                    "system.crash": [False, True, False, False, False]}}]))
    summary = run_sweep(spec, tmp_path / "out", SweepOptions(workers=1, point_fn="fake_points:closed_form_point",
                                                             progress=False))
    status = {r["index"]: r["status"] for r in read_table(tmp_path / "out" / "results.csv")}
    assert status == {"0": "ok", "1": "crash", "2": "ok", "3": "ok", "4": "ok"}
    assert summary.ok == 4 and len(summary.failed) == 1
