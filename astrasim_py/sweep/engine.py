"""Run a sweep: expand points, skip the finished ones, execute the rest, record every result as it lands."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import astrasim_py
from astrasim_py.errors import InputError
from astrasim_py.sweep.pointrun import DEFAULT_POINT_FN, load_point_fn
from astrasim_py.sweep.points import SweepPoint, expand
from astrasim_py.sweep.spec import SlurmOptions, SweepSpec
from astrasim_py.sweep.store import STATUS_OK, ResultStore, write_json_atomic

MANIFEST_NAME = "sweep.json"
LOCK_NAME = ".sweep.lock"
EXECUTORS = ("local", "slurm")


@dataclass
class SweepSummary:
    """What a sweep invocation did."""

    name: str
    out_dir: Path
    total: int
    reused: int
    ran: int = 0
    ok: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0
    table_repaired: bool = False

    @property
    def all_ok(self) -> bool:
        """Every point of the sweep has a successful result."""
        return self.reused + self.ok == self.total

    def text(self) -> str:
        """Human-readable summary (a few lines)."""
        lines = [f"sweep {self.name}: {self.total} points: {self.reused + self.ok} ok "
                 f"({self.ok} run now, {self.reused} from earlier runs), {len(self.failed)} failed; "
                 f"{self.ran} run in {self.wall_s:.1f} s",
                 f"results: {self.out_dir / 'results.csv'} (per-point JSON in {self.out_dir / 'points'})"]
        if self.table_repaired:
            lines.append("note: the results table had a torn last line (interrupted run); rebuilt from point JSON")
        for rec in self.failed[:10]:
            lines.append(f"  FAILED #{rec['index']} {rec['point_id']} {rec['axes']}: [{rec['status']}] {rec['error']}")
        if len(self.failed) > 10:
            lines.append(f"  ... and {len(self.failed) - 10} more (see results.csv)")
        if self.failed:
            lines.append("rerun the same command to retry the failed points")
        return "\n".join(lines)


@dataclass
class SweepOptions:
    """How to execute a sweep (CLI flags; spec values fill what is not given)."""

    executor: str = "local"
    workers: int | None = None
    point_fn: str = DEFAULT_POINT_FN
    time_limit_s: float | None = None
    progress: bool = True
    # Write generated traces under DIR/traces even when they can stay in memory (spec: keep_traces).
    keep_traces: bool = False
    slurm: dict[str, Any] = field(default_factory=dict)


def run_sweep(spec: SweepSpec, out_dir: str | Path, options: SweepOptions | None = None) -> SweepSummary:
    """Run the missing or failed points of `spec` into `out_dir` and return a summary."""
    options = options or SweepOptions()
    out = Path(out_dir).resolve()
    load_point_fn(options.point_fn)  # a bad reference fails here, once, not in every worker
    with single_writer_lock(out):
        return _run_locked(spec, out, options)


@contextlib.contextmanager
def single_writer_lock(out: Path) -> Iterator[None]:
    """Hold DIR/.sweep.lock for the whole sweep: the table has one writer. The OS drops it on any exit, kill -9 too."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK_NAME, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError("another sweep is writing to this folder", field="--out", file=str(out),
                             fix="wait for it to finish or choose another --out") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_locked(spec: SweepSpec, out: Path, options: SweepOptions) -> SweepSummary:
    points = expand(spec)
    if options.point_fn == DEFAULT_POINT_FN:  # refuse a spec whose points the runner would refuse
        from astrasim_py.sweep.validate import validate_points

        validate_points(spec, points)
    store = ResultStore(out, spec.axis_keys)
    repaired = store.table_is_torn()
    previous = store.load_records(p.point_id for p in points)
    done = {pid: rec for pid, rec in previous.items() if rec.get("status") == STATUS_OK}
    pending = [p for p in points if p.point_id not in done]
    store.rebuild_table(done.values())
    write_manifest(out, spec, points)
    summary = SweepSummary(spec.name, out, len(points), len(done), table_repaired=repaired)
    token = uuid.uuid4().hex
    time_limit = options.time_limit_s or spec.time_limit_s
    from tqdm import tqdm  # here, not at import: every spawned worker imports this package

    keep_traces = options.keep_traces or spec.keep_traces
    bar = tqdm(total=len(points), initial=len(done), desc=spec.name, unit="pt", file=sys.stderr,
               disable=not options.progress, dynamic_ncols=True)

    def record_finished(record: dict[str, Any]) -> None:
        store.append_row(record)
        summary.ran += 1
        if record["status"] == STATUS_OK:
            summary.ok += 1
        else:
            summary.failed.append(record)
        bar.update(1)
        bar.set_postfix(failed=len(summary.failed), refresh=False)

    start = time.perf_counter()
    try:
        if pending:
            if options.executor == "local":
                from astrasim_py.sweep.local import LocalExecutor

                workers = options.workers or spec.workers or default_workers()
                # Records reach record_finished already stored: the JSON (source of truth) before the row.
                LocalExecutor(workers, options.point_fn, out / "work", out, token,
                              time_limit, keep_traces=keep_traces).run(pending, record_finished)
            elif options.executor == "slurm":
                from astrasim_py.sweep.slurm import SlurmArrayExecutor

                slurm = dataclasses.replace(spec.slurm, **{k: v for k, v in options.slurm.items()
                                                           if v is not None})
                SlurmArrayExecutor(slurm, options.point_fn, out, token, time_limit, keep_traces).run(
                    pending, store, record_finished)
            else:
                raise ValueError(f"unknown executor {options.executor!r}; use one of {EXECUTORS}")
    finally:
        summary.wall_s = time.perf_counter() - start
        bar.close()
        store.close()
    return summary


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return 1


def write_manifest(out: Path, spec: SweepSpec, points: list[SweepPoint]) -> None:
    """Record what the sweep is (spec, version, every point's identity and axes) beside its results."""
    write_json_atomic(out / MANIFEST_NAME, {
        "name": spec.name,
        "spec": str(spec.path.resolve()),
        "version": astrasim_py.__version__,
        "axis_keys": spec.axis_keys,
        "points": [{"index": p.index, "point_id": p.point_id, "axes": p.axes} for p in points],
    })


__all__ = ["SweepOptions", "SweepSummary", "run_sweep", "SlurmOptions", "EXECUTORS"]
