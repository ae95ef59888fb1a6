"""Local executor: persistent workers, failures recorded without stopping others, time limit, resume."""

from __future__ import annotations

from pathlib import Path

from astrasim_py.sweep.engine import SweepOptions, run_sweep
from astrasim_py.sweep.points import expand
from astrasim_py.sweep.spec import load_spec
from astrasim_py.sweep.store import ResultStore, read_table
from sweep_helpers import FAKE, write_spec
from fake_points import closed_form_point


def _options(workers: int = 2, fn: str = FAKE, **kw) -> SweepOptions:
    return SweepOptions(workers=workers, point_fn=fn, progress=False, **kw)


def test_every_point_runs_once_on_persistent_workers(tmp_path: Path) -> None:
    # grid_spec's points, but the seed-1 half sleeps 0.1 s: long enough for the second worker to
    # start under load before the first one has run them all (the two-worker check below)
    grid_spec = write_spec(tmp_path, [
        {"grid": {"system.size": [1024, 1 << 20, 1 << 22], "network.link_gbps": [100, 400]}},
        {"zip": {"seed": [0, 1], "system.sleep_s": [0.0, 0.1]}},
    ])
    out = tmp_path / "out"
    summary = run_sweep(load_spec(grid_spec), out, _options(workers=2))
    assert summary.all_ok and summary.ok == 12 and summary.reused == 0
    rows = read_table(out / "results.csv")
    points = expand(load_spec(grid_spec))
    assert sorted(r["point_id"] for r in rows) == sorted(p.point_id for p in points)
    store = ResultStore(out)
    pids = set()
    for p in points:
        rec = store.read_record(p.point_id)
        # the stored result is what the point function gives for this request, in a clean worker dir
        expected = closed_form_point(p.request)
        assert rec["result"]["finish_ns"] == expected["finish_ns"]
        assert Path(rec["result"]["cwd"]).parent == out / "work"
        pids.add(rec["result"]["pid"])
    assert len(pids) == 2  # two workers ran all twelve points
    row = next(r for r in rows if r["system.size"] == str(1 << 22) and r["network.link_gbps"] == "100")
    # ring all-reduce: 2(n-1)/n * S * 8 / B + 2(n-1) * 500 ns, n = 8
    assert int(row["max_finish_ns"]) == round(14 / 8 * (1 << 22) * 8 / 100 + 14 * 500)


def test_failures_are_recorded_and_do_not_stop_others(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, [
        {"zip": {"network.link_gbps": [100, 0, 100, 100, 200],
                 "system.crash": [False, False, True, False, False],
                 "system.hang": [False, False, False, True, False]}}]))
    out = tmp_path / "out"
    summary = run_sweep(spec, out, _options(fn="fake_points:hang_point", time_limit_s=3))
    by_index = {r["index"]: r for r in read_table(out / "results.csv")}
    assert len(by_index) == 5
    assert by_index["0"]["status"] == "ok" and by_index["4"]["status"] == "ok"
    assert by_index["1"]["status"] == "error" and by_index["1"]["error"].startswith("InputError:")
    assert "link_gbps" in by_index["1"]["error"]
    assert by_index["2"]["status"] == "crash" and "exited with code 17" in by_index["2"]["error"]
    crash_log = Path(by_index["2"]["error"].split("its output: ")[1].rstrip(")"))
    assert crash_log.is_file()  # kept: the replacement worker starts in a new folder
    assert by_index["3"]["status"] == "timeout" and "3 s" in by_index["3"]["error"]
    assert summary.ok == 2 and len(summary.failed) == 3 and not summary.all_ok
    assert "FAILED" in summary.text()


def test_rerun_runs_only_missing_or_failed_points(tmp_path: Path) -> None:
    spec_path = write_spec(tmp_path, {"network.link_gbps": [100, 0, 400]})
    out = tmp_path / "out"
    first = run_sweep(load_spec(spec_path), out, _options(workers=1))
    assert (first.ok, len(first.failed)) == (2, 1)
    ok_before = {r["point_id"]: r for r in read_table(out / "results.csv") if r["status"] == "ok"}
    store = ResultStore(out)
    victim = next(iter(ok_before))
    store.record_path(victim).unlink()  # a point lost before it finished
    second = run_sweep(load_spec(spec_path), out, _options(workers=1))
    assert (second.reused, second.ran) == (1, 2)  # the lost one and the failed one
    rows = read_table(out / "results.csv")
    assert len(rows) == 3 and len({r["point_id"] for r in rows}) == 3
    for pid, row in ok_before.items():
        again = next(r for r in rows if r["point_id"] == pid)
        assert again["max_finish_ns"] == row["max_finish_ns"]


def test_a_second_sweep_into_the_same_folder_is_refused(tmp_path: Path, grid_spec: Path) -> None:
    import fcntl

    import pytest

    from astrasim_py.errors import InputError

    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".sweep.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running sweep holds it
        with pytest.raises(InputError, match="another sweep") as err:
            run_sweep(load_spec(grid_spec), out, _options())
        assert err.value.field == "--out"
    assert run_sweep(load_spec(grid_spec), out, _options()).all_ok  # free again once released
