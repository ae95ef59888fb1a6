"""Local executor: a pool of persistent spawned worker processes, each running many points.

The parent hands one point at a time to each idle worker over its own pipe, enforces the per-point
time limit (killing and replacing a worker that overruns) and notices workers that die mid-point.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable

from astrasim_py.sweep.pointrun import failure_record, load_point_fn, run_point
from astrasim_py.sweep.points import SweepPoint
from astrasim_py.sweep.store import TRACES_DIR, ResultStore

RecordSink = Callable[[dict[str, Any]], None]
POLL_S = 0.2
WORKER_LOG = "worker.log"


def worker_main(conn: Connection, point_fn_ref: str, workdir: str, out_dir: str, token: str,
                keep_traces: bool = False) -> None:
    """Worker process body: start in a clean working directory, then run points until told to stop.

    The worker stores each point's JSON itself (atomic; fsynced on a background thread, see
    store.py), so workers write in parallel and the parent only appends table rows. The parent
    may send the next point while this one runs; it waits in the pipe.
    """
    path = Path(workdir)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.chdir(path)
    _redirect_output(path / WORKER_LOG)
    point_fn = load_point_fn(point_fn_ref)
    store = ResultStore(out_dir, background_sync=True)
    conn.send(("ready", os.getpid()))
    while True:
        task = conn.recv()
        if task is None:
            store.close()  # every record synced before the worker says goodbye
            return
        record = run_point(SweepPoint.from_json(task), point_fn, store.out_dir / TRACES_DIR, token, keep_traces)
        record["worker_dir"] = workdir
        conn.send(("done", store.write_record(record)))


def _redirect_output(log_path: Path) -> None:
    """Send the worker's stdout/stderr (Python and C++ alike) to its log, keeping the progress bar clean."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


@dataclass
class _Worker:
    slot: int
    process: Any
    conn: Connection
    point: SweepPoint | None = None  # the point the worker is running
    queued: SweepPoint | None = None  # sent ahead: the worker starts it as soon as `point` is done
    started: float = 0.0
    ready: bool = False
    workdir: Path = field(default_factory=Path)
    points_run: int = 0


class LocalExecutor:
    """Runs points on `workers` spawned processes on this machine."""

    def __init__(self, workers: int, point_fn: str, work_root: Path, out_dir: Path, token: str,
                 time_limit_s: float | None = None, *, keep_traces: bool = False) -> None:
        self.workers = max(1, int(workers))
        self.point_fn = point_fn
        self.work_root = Path(work_root)
        self.store = ResultStore(out_dir)
        self.token = token
        self.time_limit_s = time_limit_s
        self.keep_traces = keep_traces
        self._ctx = mp.get_context("spawn")
        self._starts: dict[int, int] = {}
        self._queue: list[SweepPoint] = []

    def _start(self, slot: int) -> _Worker:
        # A replacement worker gets its own folder so the crashed one's log survives.
        self._starts[slot] = self._starts.get(slot, -1) + 1
        name = f"worker-{slot}" + (f".{self._starts[slot]}" if self._starts[slot] else "")
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=worker_main, name=f"sweep-{name}", daemon=True,
            args=(child, self.point_fn, str(self.work_root / name), str(self.store.out_dir), self.token,
                  self.keep_traces))
        proc.start()
        child.close()
        return _Worker(slot, proc, parent, workdir=self.work_root / name)

    def run(self, points: list[SweepPoint], sink: RecordSink) -> None:
        """Run every point; each record is stored, then passed to `sink` (in the parent) as it finishes."""
        queue = self._queue = list(reversed(points))
        pool = [self._start(i) for i in range(min(self.workers, len(points)))]
        try:
            while queue or any(w.point is not None for w in pool):
                for w in pool:
                    self._dispatch(w)
                active = [w for w in pool if w.ready and w.point is None and not queue]
                for w in active:
                    self._stop(w)
                pool = [w for w in pool if w not in active]
                ready = wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout=POLL_S)
                for i, w in enumerate(list(pool)):
                    if w.conn in ready or w.process.sentinel in ready:
                        pool[i] = self._service(w, sink)
                    elif w.point is not None and self.time_limit_s is not None \
                            and time.monotonic() - w.started > self.time_limit_s:
                        pool[i] = self._replace(w, sink, "timeout",
                                                f"TimeLimit: point exceeded {self.time_limit_s:g} s; worker killed")
        finally:
            for w in pool:
                self._kill(w)

    def _dispatch(self, w: _Worker) -> None:
        if not w.ready:
            return
        if w.point is None and w.queued is not None:  # the worker went on to the point sent ahead
            w.point, w.queued = w.queued, None
            w.started = time.monotonic()
        if w.point is None and self._queue:
            if self._send(w, self._queue[-1]):
                w.point = self._queue.pop()
                w.started = time.monotonic()
        # One more point ahead, so a worker never waits for this process between points; not at
        # the tail of the queue, where it would keep a point from an idle worker.
        if w.point is not None and w.queued is None and len(self._queue) >= self.workers:
            if self._send(w, self._queue[-1]):
                w.queued = self._queue.pop()

    @staticmethod
    def _send(w: _Worker, point: SweepPoint) -> bool:
        """Hand a point to the worker; False if it has died (its point stays queued; _service
        notices the death and replaces the worker)."""
        try:
            w.conn.send(point.to_json())
            return True
        except OSError:
            return False

    def _service(self, w: _Worker, sink: RecordSink) -> _Worker:
        try:
            if w.conn.poll():
                kind, payload = w.conn.recv()
                if kind == "ready":
                    w.ready = True
                else:
                    w.point, w.points_run = None, w.points_run + 1
                    payload["worker_slot"] = w.slot
                    payload["worker_points_run"] = w.points_run
                    # Hand out the next point before the (fsyncing) sink, so the worker never waits on it.
                    self._dispatch(w)
                    sink(payload)
                return w
        except (EOFError, OSError):
            pass
        if w.process.is_alive():
            return w
        w.process.join()
        code = w.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
        if w.point is None and not w.ready:
            raise RuntimeError(f"sweep worker {w.slot} failed to start ({how})")
        log = w.workdir / WORKER_LOG
        return self._replace(w, sink, "crash", f"WorkerCrash: worker process {how} while running the point "
                                               f"(its output: {log})")

    def _replace(self, w: _Worker, sink: RecordSink, status: str, error: str) -> _Worker:
        point, wall = w.point, time.monotonic() - w.started
        self._kill(w)
        if w.queued is not None:  # sent ahead, never started: back to the front of the queue
            self._queue.append(w.queued)
            w.queued = None
        if point is not None:
            sink(self.store.write_record(failure_record(point, status, error, self.token, wall,
                                                        worker_slot=w.slot)))
        return self._start(w.slot)

    @staticmethod
    def _stop(w: _Worker) -> None:
        try:
            w.conn.send(None)
        except OSError:
            pass
        w.process.join(timeout=5)
        LocalExecutor._kill(w)

    @staticmethod
    def _kill(w: _Worker) -> None:
        if w.process.is_alive():
            w.process.kill()
        w.process.join()
        w.conn.close()
