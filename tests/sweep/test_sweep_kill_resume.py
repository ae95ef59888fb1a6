"""Kill -9 a running sweep (CLI in a subprocess), rerun it, and compare with an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from astrasim_py.sweep.points import expand
from astrasim_py.sweep.spec import load_spec
from astrasim_py.sweep.store import ResultStore, read_table
from sweep_helpers import FAKE, REPO, sweep_env, write_spec

PHYSICS = ("finish_ns", "exposed_comm_ns", "sim_time_ns", "inputs", "seed", "backend")


def _cli(spec: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "astrasim_py", "sweep", str(spec), "--out", str(out), "--workers", "2",
            "--point-fn", FAKE, *extra]


def _results(out: Path, spec: Path) -> dict[str, dict]:
    store = ResultStore(out)
    results = {}
    for p in expand(load_spec(spec)):
        rec = store.read_record(p.point_id)
        assert rec is not None and rec["status"] == "ok", p.point_id
        results[p.point_id] = {k: rec["result"][k] for k in PHYSICS}
    return results


def test_sigkill_then_rerun_matches_uninterrupted_run(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, [{"grid": {"system.size": [1 << 10, 1 << 16, 1 << 20, 1 << 24],
                                           "network.link_gbps": [100, 200, 400, 800]}},
                                 {"zip": {"system.sleep_s": [0.15]}}])
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_cli(spec, killed), cwd=REPO, env=sweep_env(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    table = killed / "results.csv"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if table.exists() and len(read_table(table)) >= 4:
            break
        time.sleep(0.02)
    # kill -9 the sweep and its workers at once, mid-run
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = {r["point_id"] for r in read_table(table)}
    assert 4 <= len(done_at_kill) < 16, "the kill should land part way through"
    with open(table, "a") as f:
        f.write(f"{'f' * 20},99,ok,10")  # what a kill during a row write leaves behind

    rerun = subprocess.run(_cli(spec, killed, "--no-progress"), cwd=REPO, env=sweep_env(),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "torn last line" in rerun.stdout
    reused = int(rerun.stdout.split("run now, ")[1].split(" from earlier")[0])
    assert reused >= len(done_at_kill)  # nothing that finished before the kill was run again

    clean = tmp_path / "clean"
    full = subprocess.run(_cli(spec, clean, "--no-progress"), cwd=REPO, env=sweep_env(),
                          capture_output=True, text=True, timeout=120)
    assert full.returncode == 0, full.stderr

    rows = read_table(table)
    ids = [r["point_id"] for r in rows]
    assert len(ids) == 16 and len(set(ids)) == 16  # every point exactly once
    assert _results(killed, spec) == _results(clean, spec)
    by_id = {r["point_id"]: r for r in read_table(clean / "results.csv")}
    for r in rows:
        assert r["max_finish_ns"] == by_id[r["point_id"]]["max_finish_ns"]
