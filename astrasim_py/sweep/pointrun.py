"""Run one sweep point inside a worker and turn whatever happens into a record."""

from __future__ import annotations

import functools
import gc
import importlib
import os
import socket
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import astrasim_py
from astrasim_py.errors import InputError, SimulationError
from astrasim_py.sweep.points import SweepPoint
from astrasim_py.sweep.store import STATUS_OK

DEFAULT_POINT_FN = "astrasim_py.sweep.pointrun:run_request"
PointFn = Callable[[dict[str, Any]], dict[str, Any]]


def run_request(request: dict[str, Any], traces: list | None = None) -> dict[str, Any]:
    """The real point function: build a RunRequest and run it with astrasim_py.runner.

    traces: the rank traces already in memory (a generated workload), instead of reading files.
    """
    from astrasim_py.runner import RunRequest, run

    return run(RunRequest(**request), traces=traces)


def load_point_fn(ref: str) -> PointFn:
    """Import `module:function` (a module-level function, so spawned workers can import it too)."""
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise InputError(f"point function {ref!r} is not `module:function`", field="point_fn",
                         fix="name a module-level function, e.g. astrasim_py.sweep.pointrun:run_request")
    return getattr(importlib.import_module(module_name), attr)


def slurm_task_label() -> str | None:
    """`<array job>_<task>` (or the job id) when running under Slurm, else None."""
    array_job = os.environ.get("SLURM_ARRAY_JOB_ID")
    if array_job:
        return f"{array_job}_{os.environ.get('SLURM_ARRAY_TASK_ID')}"
    return os.environ.get("SLURM_JOB_ID")


def release_simulator(request: dict[str, Any], ideal: str | None = None) -> None:
    """Free simulator state between points so one worker can run many (ns-3 is a process singleton).

    Only ns-3 runs need a full collection: their Python side (the cppyy bridge, the callables kept
    alive for C++, the Sys objects those reach) sits in reference cycles that hold the whole C++
    fabric, which must be gone before the next point builds one in the same process. An analytical
    run leaves plain Python objects that the cyclic collector frees on its own schedule; a full
    pass over the worker's heap after each of them was a fifth of a small point's time.
    """
    if "ns3" in (request.get("backend", "analytical"), ideal):
        gc.collect()


def failure_record(point: SweepPoint, status: str, error: str, token: str, wall_s: float,
                   **extra: Any) -> dict[str, Any]:
    """A record for a point that produced no result (error, crash or time limit)."""
    return _record(point, status, None, error, token, wall_s, **extra)


def _record(point: SweepPoint, status: str, result: dict[str, Any] | None, error: str | None,
            token: str, wall_s: float, **extra: Any) -> dict[str, Any]:
    return {
        **point.to_json(),
        "status": status,
        "result": result,
        "error": error,
        "wall_s": round(wall_s, 6),
        "run_token": token,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "version": astrasim_py.__version__,
        "slurm_task": slurm_task_label(),
        **extra,
    }


def ideal_summary(result: dict[str, Any], backend: str) -> dict[str, Any]:
    """What the report needs from the ideal run: finish time, per-collective and per-message times."""
    keep = ("rank", "node_id", "name", "collective", "size_bytes", "start_ns", "end_ns", "duration_ns")
    return {"backend": backend, "max_finish_ns": result.get("max_finish_ns"),
            "collectives": [{k: c.get(k) for k in keep} for c in result.get("collectives") or []],
            "jobs": [{k: j.get(k) for k in ("name", "hosts", "finish_ns")} for j in result.get("jobs") or []],
            "messages": [{k: m.get(k) for k in ("src", "dst", "tag", "start_ns", "end_ns")}
                         for m in result.get("messages") or []]}


def attach_ideal(result: dict[str, Any], request: dict[str, Any], backend: str, point_fn: PointFn) -> None:
    """Run the same request on the ideal backend and store it as result["ideal"]; a failure becomes a warning."""
    try:
        ideal = point_fn({**request, "backend": backend})
        result["ideal"] = ideal_summary(ideal, backend)
    except InputError as exc:
        result.setdefault("warnings", []).append(f"ideal run ({backend}) failed: {exc.one_line()}")
    except Exception as exc:  # noqa: BLE001 - the point's own result is kept; only the ideal is missing
        result.setdefault("warnings", []).append(
            f"ideal run ({backend}) failed: {type(exc).__name__}: {' '.join(str(exc).split())}")


def _prepare_workload(request: dict[str, Any], point_fn: PointFn, traces_dir: Path,
                      keep_traces: bool) -> PointFn:
    """Turn a generated workload into a trace prefix in `request`; return the function that runs it.

    The default point function gets a single generated trace in memory (writing and reading back
    one file per rank was most of a small point's time); the files are written only when asked
    (`keep_traces`), and for jobs workloads and custom point functions, which take a prefix.
    `request["workload"]` is the trace's content-keyed prefix either way, so records are the same.
    """
    from astrasim_py.sweep import workloads

    workload = request["workload"]
    if point_fn is run_request and not keep_traces and "jobs" not in workload:
        request["workload"] = workloads.trace_prefix(workload["generate"], traces_dir)
        return functools.partial(run_request, traces=workloads.generated_traces(workload["generate"],
                                                                                request["workload"]))
    request["workload"] = workloads.materialize_workload(workload, traces_dir)
    return point_fn


def run_point(point: SweepPoint, point_fn: PointFn, traces_dir: Path, token: str,
              keep_traces: bool = False) -> dict[str, Any]:
    """Run one point and return its record; never raises for a failing point.

    keep_traces: write generated workloads under `traces_dir` even when they can stay in memory.
    """
    start = time.perf_counter()
    request = dict(point.request)
    extra: dict[str, Any] = {}
    try:
        run_fn = point_fn
        if isinstance(request.get("workload"), dict):
            run_fn = _prepare_workload(request, point_fn, traces_dir, keep_traces)
            extra["workload_trace"] = request["workload"]
        result = run_fn(request)
        if not isinstance(result, dict):
            raise SimulationError(f"point function returned {type(result).__name__}, not a result dict")
        if point.ideal and request.get("backend") != point.ideal:
            release_simulator(request)
            attach_ideal(result, request, point.ideal, run_fn)
        return _record(point, STATUS_OK, result, None, token, time.perf_counter() - start, **extra)
    except InputError as exc:
        error = f"InputError: {exc.one_line()}"
        tb = None
    except Exception as exc:  # noqa: BLE001 - any failure of one point is recorded, never fatal
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        tb = traceback.format_exc()
    finally:
        release_simulator(request, point.ideal)
    return failure_record(point, "error", error, token, time.perf_counter() - start, traceback=tb, **extra)
