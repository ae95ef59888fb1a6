"""Check every point of a sweep as `astrasim-py run` would, before any point runs.

A spec whose points must all fail (an axis over a key the network file lacks, an unknown
backend, a missing base file, a value out of range) is refused up front with one line naming
the spec, the point's axis values and the underlying problem, instead of queueing hundreds of
doomed runs. Only for the real point function: test doubles take other keys.
"""

from __future__ import annotations

import json
from typing import Any

from astrasim_py.errors import InputError
from astrasim_py.sweep.points import SweepPoint
from astrasim_py.sweep.spec import SweepSpec


def validate_points(spec: SweepSpec, points: list[SweepPoint]) -> None:
    """InputError (file = the spec) for the first point the runner would refuse; loads are cached."""
    cache: dict[str, Any] = {}
    for point in points:
        try:
            _check_request(point.request, cache)
        except InputError as exc:
            where = ", ".join(f"{k}={v!r}" for k, v in point.axes.items()) or "the base run"
            raise InputError(f"point {point.index} ({where}): {exc.one_line()}", file=str(spec.path),
                             field="axes" if point.axes else "base",
                             fix="change the base files or the axis values so every point can run") from None


def _cached(cache: dict[str, Any], key: tuple, load):
    text = json.dumps(key, sort_keys=True, default=str)
    if text not in cache:
        try:
            cache[text] = load()
        except InputError as exc:
            cache[text] = exc
    value = cache[text]
    if isinstance(value, InputError):
        raise value
    return value


def _check_request(request: dict[str, Any], cache: dict[str, Any]) -> None:
    from astrasim_py.chakra.workload import existing_ranks
    from astrasim_py.config import load_comm_groups, load_network, load_remote_memory, load_system
    from astrasim_py.runner import BACKENDS, RunRequest, _check_request

    backend = request.get("backend")
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}", field="backend", fix="use " + ", ".join(BACKENDS))
    try:
        run = RunRequest(**request)
    except TypeError as exc:
        raise InputError(f"not a run request: {exc}", field="base", fix="use the fields of `astrasim-py run`") from None
    _check_request(run)
    netcfg = _cached(cache, ("network", run.network, run.network_overrides),
                     lambda: load_network(run.network, run.network_overrides))
    _cached(cache, ("system", run.system, run.system_overrides), lambda: load_system(run.system, run.system_overrides))
    _cached(cache, ("memory", run.remote_memory), lambda: load_remote_memory(run.remote_memory))
    from astrasim_py.workload.jobs import is_jobs_file

    npus = None  # several jobs share the fabric: the runner places them on hosts itself
    if isinstance(run.workload, dict) and "jobs" in run.workload:
        for job in run.workload["jobs"]:
            _check_generate(job.get("generate") or {})
    elif isinstance(run.workload, dict):
        npus = _check_generate(run.workload.get("generate") or {})
    elif is_jobs_file(run.workload):
        from astrasim_py.workload.jobs import load_jobs

        _cached(cache, ("jobs", run.workload), lambda: load_jobs(run.workload))
    else:
        found = existing_ranks(run.workload)
        if not found:
            raise InputError("no rank files found", file=f"{run.workload}.0.et", field="workload",
                             fix="the workload prefix names files <prefix>.<rank>.et")
        npus = len(found)
    num_npus = netcfg.num_npus or npus or 1
    if netcfg.num_npus and npus is not None and npus != netcfg.num_npus:
        raise InputError(f"the workload has {npus} rank(s) but the network has {netcfg.num_npus} NPUs",
                         file=run.network, field="npus_count", fix="make npus_count match the workload's ranks")
    if run.comm_group:
        _cached(cache, ("groups", run.comm_group, num_npus), lambda: load_comm_groups(run.comm_group, num_npus))
    if run.backend == "ns3":
        from astrasim_py.network.ns3.config import parse_fabric_config

        _cached(cache, ("fabric", run.network, run.network_overrides, num_npus),
                lambda: parse_fabric_config(netcfg, num_npus, run.network))
    elif not netcfg.dims:
        raise InputError("the analytical backends need topology, npus_count, bandwidth and latency",
                         file=run.network, field="topology", fix="give the per-dimension lists, or use ns3")


def _check_generate(generate: dict[str, Any]) -> int | None:
    """The collective generator's checks, without writing the trace; returns its rank count.

    Other generated forms (traffic patterns) are left to their generator."""
    if "collective" not in generate:
        return None
    from astrasim_py.chakra.generators import COLLECTIVES
    from astrasim_py.chakra.units import parse_size
    from astrasim_py.config.checks import LIMITS, integer

    if str(generate.get("collective")) not in COLLECTIVES:
        raise InputError(f"unknown collective {generate.get('collective')!r}", field="workload.generate.collective",
                         fix=f"use one of: {', '.join(COLLECTIVES)}")
    npus = integer(generate.get("npus"), field="workload.generate.npus", minimum=1, maximum=LIMITS.max_npus,
                   fix="e.g. npus: 8")
    size = parse_size(generate.get("size"), field="workload.generate.size")
    if not 0 <= size <= LIMITS.max_bytes:
        raise InputError(f"size {size} bytes is outside 0..{LIMITS.max_bytes}", field="workload.generate.size",
                         fix="give a size a run can move")
    return npus
