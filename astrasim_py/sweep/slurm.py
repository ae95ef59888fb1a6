"""Slurm executor: job arrays through submitit, each array task running a shard of points.

Each task runs its shard on one persistent worker process (start-up paid once per task) through the
local executor, so per-point time limits and crash isolation hold on the cluster too. Tasks write the
per-point JSON records into the shared output folder; the submitting process is the only table writer:
it watches for new records and appends their rows.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

from astrasim_py.errors import InputError
from astrasim_py.sweep.pointrun import failure_record, slurm_task_label
from astrasim_py.sweep.points import SweepPoint
from astrasim_py.sweep.spec import SlurmOptions
from astrasim_py.sweep.store import ResultStore

POLL_S = 1.0
QUEUE_POLL_S = 3.0


def run_shard(points: list[dict[str, Any]], out_dir: str, point_fn: str, token: str,
              time_limit_s: float | None, workers: int, keep_traces: bool = False) -> dict[str, Any]:
    """Body of one array task: run a shard of points, writing each point's JSON record as it finishes."""
    from astrasim_py.sweep.local import LocalExecutor

    out = Path(out_dir)
    task = slurm_task_label() or "local"
    counts = {"ok": 0, "failed": 0}

    def sink(record: dict[str, Any]) -> None:
        counts["ok" if record["status"] == "ok" else "failed"] += 1

    # The workers store each record in the shared folder; the submitting process appends the rows.
    LocalExecutor(workers, point_fn, out / "work" / f"slurm-{task}", out, token,
                  time_limit_s, keep_traces=keep_traces).run([SweepPoint.from_json(p) for p in points], sink)
    return counts


def shard(points: list[SweepPoint], options: SlurmOptions) -> list[list[SweepPoint]]:
    """Split points into contiguous shards: `points_per_task` each, or one shard per parallel array slot."""
    per_task = options.points_per_task or math.ceil(len(points) / max(1, options.array_parallelism))
    return [points[i:i + per_task] for i in range(0, len(points), per_task)]


TERMINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED",
                   "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT"}


def _jobs_finished(job_ids: set[str]) -> bool | None:
    """True once every task of the given jobs is in a final state (None if Slurm could not answer)."""
    for job_id in sorted(job_ids):
        try:
            proc = subprocess.run(["scontrol", "-o", "show", "job", job_id], capture_output=True, text=True,
                                  timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if proc.returncode != 0:
            if "Invalid job id" in proc.stderr:
                continue  # already purged from the controller: long finished
            return None
        states = [field.split("=", 1)[1] for line in proc.stdout.splitlines() for field in line.split()
                  if field.startswith("JobState=")]
        if not states or any(state not in TERMINAL_STATES for state in states):
            return False
    return True


class SlurmArrayExecutor:
    """Submits pending points as a Slurm job array and gathers their records."""

    def __init__(self, options: SlurmOptions, point_fn: str, out_dir: Path, token: str,
                 time_limit_s: float | None, keep_traces: bool = False) -> None:
        self.options = options
        self.keep_traces = keep_traces
        self.point_fn = point_fn
        self.out_dir = Path(out_dir)
        self.token = token
        self.time_limit_s = time_limit_s

    def _executor(self):
        try:
            import submitit
        except ImportError:
            raise InputError("the slurm executor needs submitit", field="--executor",
                             fix="pip install 'astrasim-py[slurm]' or use --executor local") from None
        if shutil.which("sbatch") is None:
            raise InputError("sbatch not found: this machine is not a Slurm submit host", field="--executor",
                             fix="run on a Slurm login node, start a local cluster with scripts/setup_slurm.sh, "
                                 "or use --executor local")
        opts = self.options
        executor = submitit.AutoExecutor(folder=self.out_dir / "slurm" / "%j", cluster="slurm")
        params: dict[str, Any] = {"timeout_min": opts.time_min, "slurm_array_parallelism": opts.array_parallelism,
                                  "cpus_per_task": opts.cpus_per_task, "name": "astrasim-sweep"}
        if opts.partition:
            params["slurm_partition"] = opts.partition
        if opts.mem_gb:
            params["mem_gb"] = opts.mem_gb
        executor.update_parameters(**params)
        return executor

    def run(self, points: list[SweepPoint], store: ResultStore,
            on_record: Callable[[dict[str, Any]], None]) -> None:
        """Submit one array for `points`, then hand each record to `on_record` as it appears."""
        _export_package_path()
        shards = shard(points, self.options)
        executor = self._executor()
        n = len(shards)
        try:
            jobs = executor.map_array(run_shard, [[p.to_json() for p in s] for s in shards],
                                      [str(self.out_dir)] * n, [self.point_fn] * n, [self.token] * n,
                                      [self.time_limit_s] * n, [self.options.cpus_per_task] * n,
                                      [self.keep_traces] * n)
        except Exception as exc:  # noqa: BLE001 - submitit wraps sbatch's refusal in several types
            lines = [line for line in str(exc).splitlines() if line.strip()]
            reason = next((line for line in lines if "error" in line.lower()), lines[-1] if lines else repr(exc))
            raise InputError(f"sbatch refused the job array: {reason.strip()}", field="slurm",
                             fix="check partition, time_min, mem_gb and cpus_per_task against `sinfo`") from None
        shard_of = {p.point_id: i for i, s in enumerate(shards) for p in s}
        waiting = {p.point_id: p for p in points}
        array_ids = {str(j.job_id).split("_")[0] for j in jobs}
        next_queue_check = 0.0
        finished = False
        while waiting:
            self._collect(waiting, store, on_record)
            if finished or not waiting:
                break
            if time.monotonic() >= next_queue_check:
                # One more collection after the jobs end picks up records written at the very end.
                finished = _jobs_finished(array_ids) is True
                next_queue_check = time.monotonic() + QUEUE_POLL_S
            if not finished:
                time.sleep(POLL_S)
        for pid, point in sorted(waiting.items(), key=lambda kv: kv[1].index):
            earlier = store.read_record(pid)
            if earlier is not None and earlier.get("status") == "ok":
                # A task of an interrupted earlier invocation finished this point meanwhile: keep its result.
                on_record(earlier)
                continue
            job = jobs[shard_of[pid]]
            record = failure_record(point, "crash", f"SlurmTask: array task {job.job_id} ended without a "
                                    f"result for this point ({_task_error(job)})", self.token, 0.0,
                                    slurm_task=str(job.job_id))
            on_record(store.write_record(record))

    def _collect(self, waiting: dict[str, SweepPoint], store: ResultStore,
                 on_record: Callable[[dict[str, Any]], None]) -> None:
        try:
            names = {e.name for e in os.scandir(store.points_dir)}
        except FileNotFoundError:
            return
        for pid in [pid for pid in waiting if f"{pid}.json" in names]:
            record = store.read_record(pid)
            # A record from an earlier invocation (an old failure) is not this run's answer.
            if record is not None and record.get("run_token") == self.token:
                del waiting[pid]
                on_record(record)


def _task_error(job: Any) -> str:
    """The last line of a task's stderr (time limit, out of memory, ...), for the failure record."""
    try:
        text = job.stderr() or ""
    except Exception:  # noqa: BLE001 - best effort: the log may not exist if the task never started
        text = ""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no log; see the slurm/ folder"


def _export_package_path() -> None:
    """Make this checkout importable in the tasks (sbatch passes the environment on)."""
    import astrasim_py

    root = str(Path(astrasim_py.__file__).resolve().parent.parent)
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *parts])
