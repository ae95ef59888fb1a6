"""One simulation run: the Python API behind `astrasim-py run` and every sweep point."""

from __future__ import annotations

import gc
import os
import resource
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from astrasim_py.errors import InputError, Interrupted, SimulationError

BACKENDS = ("analytical", "analytical-aware", "ns3")


@dataclass
class RunRequest:
    """Inputs of one run, mirroring ASTRA-sim's flags (paths as given on the command line)."""

    workload: str
    system: str
    network: str
    remote_memory: str | None = None
    comm_group: str | None = None
    backend: str = "analytical"
    rendezvous: bool = False
    num_queues_per_dim: int = 1
    injection_scale: float = 1.0
    seed: int = 0
    # Dotted-key overrides applied on top of the loaded files, e.g. {"fabric.transport": "ib"}.
    network_overrides: dict[str, Any] = field(default_factory=dict)
    system_overrides: dict[str, Any] = field(default_factory=dict)
    # Folder for log.log (ASTRA-sim's --logging-folder); None writes no log file.
    logging_folder: str | None = None
    # Print ASTRA-sim's report lines to stdout as ranks finish.
    echo: bool = False
    # Accepted for ASTRA-sim compatibility; upstream parses them and never uses them.
    comm_scale: float = 1.0
    compute_scale: float = 1.0
    logging_configuration: str | None = None
    # ASTRA-sim ns-3's --logical-topology-configuration: NPUs per dimension (JSON logical-dims).
    logical_topology: str | None = None


def _make_backend(request: RunRequest, netcfg, num_npus: int):
    if request.backend in ("analytical", "analytical-aware"):
        from astrasim_py.network.analytical import create_backend
        return create_backend(request.backend, netcfg)
    if request.backend == "ns3":
        try:
            from astrasim_py.network.ns3 import create_backend as create_ns3
        except ImportError as exc:
            raise InputError(f"the ns-3 backend is not available ({exc})", field="--backend",
                             fix="use --backend analytical or analytical-aware, or build the ns-3 backend") from None
        return create_ns3(netcfg, num_npus, request.seed, request.network)
    raise InputError(f"unknown backend {request.backend!r}", field="--backend",
                     fix="use " + ", ".join(BACKENDS))


def _logical_dims(request: RunRequest, num_npus: int) -> list[int]:
    from astrasim_py.config.logical_topology import load_logical_dims

    dims = load_logical_dims(request.logical_topology)
    product = 1
    for d in dims:
        product *= d
    if product != num_npus:
        raise InputError(f"logical-dims {dims} multiply to {product} NPUs but the run has {num_npus}",
                         file=request.logical_topology, field="logical-dims",
                         fix="make the product equal the number of workload rank files")
    return dims


def _check_request(request: RunRequest) -> None:
    from astrasim_py.config.checks import LIMITS, integer, number

    if isinstance(request.num_queues_per_dim, int) and request.num_queues_per_dim < 1:
        raise InputError(f"must be >= 1, got {request.num_queues_per_dim}", field="--num-queues-per-dim",
                         fix="give a positive queue count")
    if isinstance(request.injection_scale, (int, float)) and request.injection_scale < 0:
        raise InputError(f"must be >= 0, got {request.injection_scale}", field="--injection-scale",
                         fix="give a non-negative scale")
    integer(request.num_queues_per_dim, field="--num-queues-per-dim", minimum=1, maximum=1024,
            fix="give a queue count of 1..1024")
    number(request.injection_scale, field="--injection-scale", minimum=0, maximum=1e6,
           fix="give a finite non-negative scale")
    for flag, value in (("--comm-scale", request.comm_scale), ("--compute-scale", request.compute_scale)):
        number(value, field=flag, minimum=0, maximum=1e6, fix="give a finite non-negative scale")
    integer(request.seed, field="--seed", minimum=0, maximum=LIMITS.max_seed,
            fix=f"give a seed of 0..{LIMITS.max_seed} (ns-3's generator)")


def _check_ranks(request: RunRequest, found: list[int], num_npus: int) -> None:
    """The rank files found must be numbered 0 .. num_npus-1."""
    missing = sorted(set(range(num_npus)) - set(found)) if found and len(found) == num_npus else []
    if missing:  # as many files as NPUs, but numbered with a gap
        extra = [r for r in found if r >= num_npus]
        raise InputError(f"rank file {request.workload}.{missing[0]}.et is missing (the workload has rank "
                         f"{extra[0]} instead)", file=f"{request.workload}.{missing[0]}.et",
                         fix=f"name the rank files <prefix>.0.et .. <prefix>.{num_npus - 1}.et")
    if found and (len(found) != num_npus or found[-1] != num_npus - 1):
        raise InputError(f"the workload has {len(found)} rank file(s) but the network has {num_npus} NPUs",
                         file=request.network, field="npus_count",
                         fix="make the product of npus_count equal the number of <prefix>.<rank>.et files")


def _partial(request: RunRequest, backend, workloads, num_npus: int) -> dict[str, Any]:
    """The result of an interrupted run: time reached, ranks finished, the fabric's counters."""
    partial: dict[str, Any] = {"interrupted": True, "backend": request.backend, "num_npus": num_npus,
                               "sim_time_ns": backend.now(),
                               "finish_ns": [w.finished_at for w in workloads]}
    try:
        partial["fabric"] = backend.telemetry()
    except Exception as exc:  # noqa: BLE001 - partial results must not fail on telemetry
        partial["fabric"] = {"error": str(exc)}
    return partial


@dataclass
class _Inputs:
    """Everything a run reads before the fabric exists: configs, NPU count, traces, groups."""

    netcfg: Any
    syscfg: Any
    memcfg: Any
    jobs: list | None
    num_npus: int
    dim_sizes: list[int]
    groups: dict[int, list[int]]
    traces: list


def _load_inputs(request: RunRequest, traces: list | None) -> _Inputs:
    """Read and check the network, system and remote-memory files, then the workload."""
    from astrasim_py.chakra.workload import existing_ranks
    from astrasim_py.config import load_comm_groups, load_network, load_remote_memory, load_system
    from astrasim_py.workload.jobs import is_jobs_file, load_jobs

    _check_request(request)
    netcfg = load_network(request.network, request.network_overrides)
    syscfg = load_system(request.system, request.system_overrides)
    memcfg = load_remote_memory(request.remote_memory)
    jobs = load_jobs(request.workload) if traces is None and is_jobs_file(request.workload) else None
    if traces is not None:
        found = list(range(len(traces)))
    elif jobs is None:
        found = existing_ranks(request.workload)
    else:  # a fabric-only network takes its size from the highest host the jobs use
        found = list(range(netcfg.num_npus or max(h for j in jobs for h in j.hosts) + 1))
    num_npus = netcfg.num_npus
    if num_npus == 0:  # fabric-only network file: the trace says how many NPUs there are
        if request.backend != "ns3":
            raise InputError("the analytical backends need topology, npus_count, bandwidth and latency",
                             file=request.network, field="topology",
                             fix="give the per-dimension lists, or use --backend ns3 with a fabric file")
        num_npus = len(found)
        dim_sizes = [num_npus]
    else:
        dim_sizes = [d.npus for d in netcfg.dims]
    if request.logical_topology:
        dim_sizes = _logical_dims(request, num_npus)
    _check_ranks(request, found, num_npus)
    groups = load_comm_groups(request.comm_group, num_npus)
    traces = _workload_traces(request, traces, jobs, num_npus, groups)
    return _Inputs(netcfg, syscfg, memcfg, jobs, num_npus, dim_sizes, groups, traces)


def _workload_traces(request: RunRequest, traces: list | None, jobs: list | None, num_npus: int,
                     groups: dict[int, list[int]]) -> list:
    """The rank traces: the caller's (already validated), the prefix's files, or a jobs file's."""
    if traces is not None:
        return traces
    if jobs is None:
        from astrasim_py.chakra.workload import load_workload

        return load_workload(request.workload, num_npus)  # zero-size comms warn on stderr
    from astrasim_py.workload.jobs import compose  # several jobs on one fabric: a communicator group per job

    return compose(jobs, num_npus, groups, request.workload)




class _RunLog:
    """ASTRA-sim's report lines: kept for the result, echoed (--echo), written to log.log."""

    def __init__(self, request: RunRequest) -> None:
        self.lines: list[str] = []
        self._echo = request.echo
        self._handle = None
        if request.logging_folder:
            os.makedirs(request.logging_folder, exist_ok=True)
            self._handle = open(os.path.join(request.logging_folder, "log.log"), "w", encoding="utf-8")

    def emit(self, line: str) -> None:
        """Record one report line."""
        self.lines.append(line)
        if self._echo:
            print(line, flush=True)
        if self._handle is not None:
            self._handle.write(line + "\n")

    def close(self) -> None:
        """Close log.log (if one is written)."""
        if self._handle is not None:
            self._handle.close()


def _workloads(request: RunRequest, inputs: _Inputs, backend, emit, record_nodes: bool):
    """Per-NPU system layers and workload feeders over one backend."""
    from astrasim_py.system.sys import Sys, SystemContext
    from astrasim_py.workload.remote_memory import RemoteMemory
    from astrasim_py.workload.workload import Workload, WorkloadShared

    syscfg, groups, num_npus = inputs.syscfg, inputs.groups, inputs.num_npus
    ctx = SystemContext(backend, syscfg, inputs.dim_sizes, num_npus, rendezvous=request.rendezvous,
                        num_queues_per_dim=request.num_queues_per_dim,
                        injection_scale=request.injection_scale, comm_groups=groups)
    if ctx.custom is not None:  # check every custom algorithm the workload selects, before the run
        ctx.custom.prepare(inputs.traces, groups)
    shared = WorkloadShared(
        replay_only=syscfg.replay_only, roofline=syscfg.roofline_enabled,
        peak_perf_flops=syscfg.peak_perf * 1e12, local_mem_bw_bps=syscfg.local_mem_bw * 1e9,
        scheduling_policy=syscfg.scheduling_policy, remote_memory=RemoteMemory(inputs.memcfg),
        comm_groups=groups, num_npus=num_npus, emit=emit, timeline=[] if record_nodes else None)
    return [Workload(r, inputs.traces[r], Sys(r, ctx), shared) for r in range(num_npus)], shared


def _event_loop(request: RunRequest, backend, workloads, num_npus: int) -> None:
    """Start every rank and run the backend to the end; Ctrl-C hands back the partial result."""
    for workload in workloads:
        workload.fire()
    # The hot path allocates many short-lived closures; the cyclic collector's full passes
    # over the long-lived simulation objects make long runs superlinear, so pause it.
    gc_was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        backend.run()
    except KeyboardInterrupt as exc:  # Ctrl-C / SIGTERM: hand back what was simulated so far
        raise Interrupted(str(exc) or "interrupted", _partial(request, backend, workloads, num_npus)) from None
    except OverflowError:  # the compiled event queue keeps times in signed 64-bit ns
        raise InputError("a simulated time passed 2^63-1 ns (64-bit nanoseconds, 292 years)",
                         field="bandwidth / sizes / durations",
                         fix="check the inputs for a tiny bandwidth or compute rate, or a huge size or duration") from None
    finally:
        if gc_was_enabled:
            gc.enable()
        gc.unfreeze()


def _check_finished(backend, workloads) -> None:
    """Every rank finished, at a finite time below 2^63 ns."""
    from astrasim_py.config.checks import check_time_ns

    stuck = [w.rank for w in workloads if w.finished_at is None]
    if stuck:
        pending = backend.unmatched()
        raise SimulationError(f"{len(stuck)} rank(s) never finished (first: {stuck[:8]}); "
                              f"unmatched receives/arrivals: {pending}. A SEND without its RECV, "
                              "a size mismatch, or ranks issuing different collectives?")
    for w in workloads:  # a silent 1e306 ns "result" is a bad input, not a result
        check_time_ns(w.finished_at, f"rank {w.rank}'s finish time")


def _extra_sections(request: RunRequest, inputs: _Inputs, finish: list, shared, telemetry) -> dict[str, Any]:
    """Jobs, point-to-point messages and fabric warnings, present only when the run has them."""
    extra: dict[str, Any] = {}
    if inputs.jobs is not None:
        from astrasim_py.workload.jobs import job_results

        extra["jobs"] = job_results(inputs.jobs, finish, shared.collectives)
    if shared.messages:  # point-to-point traffic: each message's completion time (absent for collectives only)
        extra["messages"] = sorted(shared.messages, key=lambda m: (m["src"], m["start_ns"], m["tag"]))
    # Physical-limit and plotting warnings at the top level, where sweeps and reports look.
    if request.backend == "ns3":
        extra["warnings"] = list(telemetry.get("config", {}).get("warnings", []))
    return extra


def _result(request: RunRequest, inputs: _Inputs, workloads, shared, telemetry, sim_time: int,
            times: tuple[float, float], lines: list[str], record_nodes: bool) -> dict[str, Any]:
    """The result document (--output-json), keys in their historical order."""
    wall, startup = times
    finish = [w.finished_at for w in workloads]
    result = {
        **_extra_sections(request, inputs, finish, shared, telemetry),
        "backend": request.backend,
        "num_npus": inputs.num_npus,
        "finish_ns": finish,
        "exposed_comm_ns": [w.exposed_comm for w in workloads],
        "sim_time_ns": sim_time,
        "max_finish_ns": max(finish),
        "min_finish_ns": min(finish),
        "wall_s": round(wall, 6),
        "startup_s": round(startup, 6),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "collectives": sorted(shared.collectives, key=lambda c: (c["rank"], c["start_ns"], c["node_id"])),
        "stats": [{"rank": w.rank, "wall_ns": w.stats.wall, **{f"{k.lower().replace(' ', '_')}_ns": v
                                                             for k, v in w.stats.times().items()}}
                  for w in workloads],
        "log": lines,
        "fabric": telemetry,
        "config": {
            "request": asdict(request),
            "network": inputs.netcfg.resolved(),
            "system": inputs.syscfg.to_dict(),
            "remote_memory": inputs.memcfg.to_dict(),
            "comm_groups": {str(k): v for k, v in sorted(inputs.groups.items())},
        },
    }
    if record_nodes:
        result["nodes"] = shared.timeline
    return result


def run(request: RunRequest, *, progress: bool = True, traces: list | None = None,
        record_nodes: bool = False) -> dict[str, Any]:
    """Run one simulation and return the result document written by --output-json.

    progress: a progress line on stderr for runs longer than a few seconds (`--quiet` turns it off).
    traces: already loaded rank traces (e.g. adapted STG files) instead of reading request.workload.
    record_nodes: add "nodes", every finished node as [rank, node id, start_ns, end_ns].
    """
    wall0 = time.perf_counter()
    inputs = _load_inputs(request, traces)
    backend = _make_backend(request, inputs.netcfg, inputs.num_npus)
    backend.set_progress(progress)
    log = None
    try:
        log = _RunLog(request)
        workloads, shared = _workloads(request, inputs, backend, log.emit, record_nodes)
        startup = time.perf_counter() - wall0
        _event_loop(request, backend, workloads, inputs.num_npus)
        _check_finished(backend, workloads)
        telemetry = backend.telemetry()
        sim_time = backend.now()
    finally:
        if log is not None:
            log.close()
        backend.close()
    times = (time.perf_counter() - wall0, startup)
    return _result(request, inputs, workloads, shared, telemetry, sim_time, times, log.lines, record_nodes)


__all__ = ["RunRequest", "run", "BACKENDS"]
