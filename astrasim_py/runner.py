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
        return create_ns3(netcfg.raw, num_npus, request.seed, request.network)
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


def run(request: RunRequest, *, progress: bool = True, traces: list | None = None,
        record_nodes: bool = False) -> dict[str, Any]:
    """Run one simulation and return the result document written by --output-json.

    progress: a progress line on stderr for runs longer than a few seconds (`--quiet` turns it off).
    traces: already loaded rank traces (e.g. adapted STG files) instead of reading request.workload.
    record_nodes: add "nodes", every finished node as [rank, node id, start_ns, end_ns].
    """
    from astrasim_py.chakra.workload import existing_ranks, load_workload
    from astrasim_py.config import load_comm_groups, load_network, load_remote_memory, load_system
    from astrasim_py.system.sys import Sys, SystemContext
    from astrasim_py.workload.remote_memory import RemoteMemory
    from astrasim_py.workload.workload import Workload, WorkloadShared

    wall0 = time.perf_counter()
    _check_request(request)
    netcfg = load_network(request.network, request.network_overrides)
    syscfg = load_system(request.system, request.system_overrides)
    memcfg = load_remote_memory(request.remote_memory)
    from astrasim_py.workload.jobs import is_jobs_file, load_jobs

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
    if traces is None and jobs is None:  # (traces given by the caller are already validated)
        traces = load_workload(request.workload, num_npus)  # zero-size comms warn on stderr
    elif traces is None:  # several jobs on one fabric: one trace per host, a communicator group per job
        from astrasim_py.workload.jobs import compose

        traces = compose(jobs, num_npus, groups, request.workload)
    backend = _make_backend(request, netcfg, num_npus)
    backend.set_progress(progress)
    lines: list[str] = []
    log_handle = None
    if request.logging_folder:
        os.makedirs(request.logging_folder, exist_ok=True)
        log_handle = open(os.path.join(request.logging_folder, "log.log"), "w", encoding="utf-8")

    def emit(line: str) -> None:
        lines.append(line)
        if request.echo:
            print(line, flush=True)
        if log_handle is not None:
            log_handle.write(line + "\n")

    try:
        ctx = SystemContext(backend, syscfg, dim_sizes, num_npus, rendezvous=request.rendezvous,
                            num_queues_per_dim=request.num_queues_per_dim,
                            injection_scale=request.injection_scale, comm_groups=groups)
        if ctx.custom is not None:  # check every custom algorithm the workload selects, before the run
            ctx.custom.prepare(traces, groups)
        shared = WorkloadShared(
            replay_only=syscfg.replay_only, roofline=syscfg.roofline_enabled,
            peak_perf_flops=syscfg.peak_perf * 1e12, local_mem_bw_bps=syscfg.local_mem_bw * 1e9,
            scheduling_policy=syscfg.scheduling_policy, remote_memory=RemoteMemory(memcfg),
            comm_groups=groups, num_npus=num_npus, emit=emit, timeline=[] if record_nodes else None)
        workloads = [Workload(r, traces[r], Sys(r, ctx), shared) for r in range(num_npus)]
        startup = time.perf_counter() - wall0
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
        stuck = [w.rank for w in workloads if w.finished_at is None]
        if stuck:
            pending = backend.unmatched()
            raise SimulationError(f"{len(stuck)} rank(s) never finished (first: {stuck[:8]}); "
                                  f"unmatched receives/arrivals: {pending}. A SEND without its RECV, "
                                  "a size mismatch, or ranks issuing different collectives?")
        from astrasim_py.config.checks import check_time_ns

        for w in workloads:  # a silent 1e306 ns "result" is a bad input, not a result
            check_time_ns(w.finished_at, f"rank {w.rank}'s finish time")
        telemetry = backend.telemetry()
        sim_time = backend.now()
    finally:
        if log_handle is not None:
            log_handle.close()
        backend.close()
    wall = time.perf_counter() - wall0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    finish = [w.finished_at for w in workloads]
    extra: dict[str, Any] = {}
    if jobs is not None:
        from astrasim_py.workload.jobs import job_results

        extra["jobs"] = job_results(jobs, finish, shared.collectives)
    if shared.messages:  # point-to-point traffic: each message's completion time (absent for collectives only)
        extra["messages"] = sorted(shared.messages, key=lambda m: (m["src"], m["start_ns"], m["tag"]))
    # Physical-limit and plotting warnings at the top level, where sweeps and reports look.
    if request.backend == "ns3":
        extra["warnings"] = list(telemetry.get("config", {}).get("warnings", []))
    result = {
        **extra,
        "backend": request.backend,
        "num_npus": num_npus,
        "finish_ns": finish,
        "exposed_comm_ns": [w.exposed_comm for w in workloads],
        "sim_time_ns": sim_time,
        "max_finish_ns": max(finish),
        "min_finish_ns": min(finish),
        "wall_s": round(wall, 6),
        "startup_s": round(startup, 6),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "collectives": sorted(shared.collectives, key=lambda c: (c["rank"], c["start_ns"], c["node_id"])),
        "stats": [{"rank": w.rank, "wall_ns": w.stats.wall, **{f"{k.lower().replace(' ', '_')}_ns": v
                                                             for k, v in w.stats.times().items()}}
                  for w in workloads],
        "log": lines,
        "fabric": telemetry,
        "config": {
            "request": asdict(request),
            "network": netcfg.resolved(),
            "system": syscfg.to_dict(),
            "remote_memory": memcfg.to_dict(),
            "comm_groups": {str(k): v for k, v in sorted(groups.items())},
        },
    }
    if record_nodes:
        result["nodes"] = shared.timeline
    return result


__all__ = ["RunRequest", "run", "BACKENDS"]
