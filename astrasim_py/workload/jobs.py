"""Several jobs on one fabric: each job its own Chakra trace prefix and its own hosts.

A jobs file (YAML) is given where a trace prefix goes (`--workload-configuration=jobs.yaml`):

    jobs:
      - name: train                 # optional; default job<i>
        workload: traces/ar         # the job's own prefix (relative to this file), ranks 0..n-1
        hosts: "0-7"                # where its ranks run: a list, or ranges "0-3,8-11"
      - name: incast
        workload: traces/incast
        hosts: [8, 9, 10, 11, 12, 13, 14, 15]

Job rank r runs on host hosts[r]. The runner sees one workload over all hosts: SEND/RECV peers
are moved to the hosts, every collective runs on a communicator group of the job's hosts, and a
host no job uses idles. Results report each job's finish time and collectives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from astrasim_py.chakra.attrs import find_attr, get_attr, set_attr
from astrasim_py.chakra.io import EtTrace
from astrasim_py.chakra.schema import GlobalMetadata, NodeType
from astrasim_py.errors import InputError

JOB_KEYS = {"name", "workload", "hosts"}


@dataclass
class Job:
    """One job: its name, trace prefix and the host of each of its ranks."""

    name: str
    workload: str
    hosts: list[int]
    group_id: int = 0


def is_jobs_file(path: str) -> bool:
    """Whether a --workload-configuration names a jobs YAML instead of a trace prefix."""
    return str(path).endswith((".yaml", ".yml")) and os.path.isfile(path)


def _hosts(value: Any, source: str, where: str) -> list[int]:
    fix = 'give a list of host ids or ranges, e.g. [0, 1, 2, 3] or "0-3,8-11"'
    if isinstance(value, str):
        out = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            lo, _, hi = part.partition("-")
            try:
                a, b = int(lo), int(hi or lo)
            except ValueError:
                raise InputError(f"cannot parse host range {part!r}", file=source, field=where, fix=fix) from None
            if b < a:
                raise InputError(f"host range {part!r} runs backwards", file=source, field=where, fix=fix)
            out.extend(range(a, b + 1))
        value = out
    if not isinstance(value, list) or not value or not all(
            isinstance(h, int) and not isinstance(h, bool) and h >= 0 for h in value):
        raise InputError(f"{value!r} is not a non-empty list of host ids", file=source, field=where, fix=fix)
    if len(set(value)) != len(value):
        raise InputError("a host appears twice", file=source, field=where, fix="give each rank its own host")
    return list(value)


def load_jobs(path: str) -> list[Job]:
    """Parse and check a jobs file (names, prefixes, disjoint host placements)."""
    from astrasim_py.safe_io import load_structured

    doc = load_structured(path, "jobs file")  # regular file, UTF-8, bounded YAML
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), list) or not doc["jobs"]:
        raise InputError("expected a mapping with a non-empty `jobs:` list", file=path, field="jobs",
                         fix="write jobs: [{workload: PREFIX, hosts: [...]}, ...]")
    base = Path(path).resolve().parent
    jobs, owner = [], {}
    for i, entry in enumerate(doc["jobs"]):
        where = f"jobs[{i}]"
        if not isinstance(entry, dict):
            raise InputError("a job is not a mapping", file=path, field=where, fix="give workload and hosts")
        unknown = set(entry) - JOB_KEYS
        if unknown:
            raise InputError(f"unknown key {sorted(unknown)[0]!r}", file=path, field=f"{where}.{sorted(unknown)[0]}",
                             fix=f"use {', '.join(sorted(JOB_KEYS))}")
        if not isinstance(entry.get("workload"), str):
            raise InputError("missing the job's trace prefix", file=path, field=f"{where}.workload",
                             fix="give workload: PREFIX (files PREFIX.<rank>.et)")
        prefix = entry["workload"]
        prefix = prefix if os.path.isabs(prefix) else str(base / prefix)
        hosts = _hosts(entry.get("hosts"), path, f"{where}.hosts")
        name = str(entry.get("name") or f"job{i}")
        if any(j.name == name for j in jobs):
            raise InputError(f"job name {name!r} is used twice", file=path, field=f"{where}.name",
                             fix="give every job its own name")
        for h in hosts:
            if h in owner:
                raise InputError(f"host {h} is already used by job {owner[h]!r}", file=path,
                                 field=f"{where}.hosts", fix="place the jobs on disjoint hosts")
            owner[h] = name
        jobs.append(Job(name, prefix, hosts))
    return jobs


def compose(jobs: list[Job], num_npus: int, groups: dict[int, list[int]], source: str) -> list[EtTrace]:
    """One trace per host: each job's ranks moved onto its hosts, idle hosts given one 0 µs node.

    Adds one communicator group per job to `groups` (ids after the existing ones)."""
    from astrasim_py.chakra.generators import comp_node
    from astrasim_py.chakra.workload import existing_ranks, load_workload

    traces: list[EtTrace | None] = [None] * num_npus
    next_gid = max(groups, default=0) + 1
    for i, job in enumerate(jobs):
        if max(job.hosts) >= num_npus:
            raise InputError(f"job {job.name!r} uses host {max(job.hosts)} but the network has {num_npus} NPUs",
                             file=source, field=f"jobs[{i}].hosts", fix=f"use hosts 0..{num_npus - 1}")
        found = existing_ranks(job.workload)
        if len(found) != len(job.hosts):
            raise InputError(f"job {job.name!r} has {len(found)} rank file(s) but {len(job.hosts)} host(s)",
                             file=source, field=f"jobs[{i}].hosts",
                             fix=f"give one host per {job.workload}.<rank>.et file")
        job_traces = load_workload(job.workload, len(job.hosts))
        job.group_id = next_gid
        groups[next_gid] = sorted(job.hosts)
        next_gid += 1
        for rank, trace in enumerate(job_traces):
            traces[job.hosts[rank]] = _moved(trace, job, source)
    for host in range(num_npus):
        if traces[host] is None:
            traces[host] = EtTrace(f"<idle host {host}>", GlobalMetadata(version="0.0.4"), [comp_node(0, "IDLE", 0)])
    return traces  # type: ignore[return-value]


def _moved(trace: EtTrace, job: Job, source: str) -> EtTrace:
    """A copy of one rank's trace with peers as hosts and collectives on the job's group."""
    nodes = []
    for original in trace.nodes:
        node = type(original)()
        node.CopyFrom(original)
        if node.type in (NodeType.COMM_SEND_NODE, NodeType.COMM_RECV_NODE):
            for name in ("comm_src", "comm_dst"):
                attr = find_attr(node, name)
                if attr is not None:
                    peer = int(get_attr(node, name))
                    if not 0 <= peer < len(job.hosts):
                        raise InputError(f"node {node.id}: {name} {peer} is not a rank of job {job.name!r}",
                                         file=trace.path, field=name, fix=f"use ranks 0..{len(job.hosts) - 1}")
                    set_attr(node, name, attr.WhichOneof("value"), job.hosts[peer])
        elif node.type == NodeType.COMM_COLL_NODE:
            pg = get_attr(node, "pg_name", "", file=trace.path)
            if pg not in ("", "0"):
                raise InputError(f"node {node.id}: communicator group {pg!r} inside a multi-job run",
                                 file=trace.path, field="pg_name",
                                 fix=f"jobs of {source} run their collectives on the whole job (leave pg_name empty)")
            set_attr(node, "pg_name", "string_val", str(job.group_id))
        nodes.append(node)
    return EtTrace(trace.path, trace.metadata, nodes)


def job_results(jobs: list[Job], finish_ns: list[int], collectives: list[dict]) -> list[dict[str, Any]]:
    """Per job: its hosts, finish time (its last rank) and its first rank's collectives."""
    out = []
    for job in jobs:
        first = job.hosts[0]
        out.append({
            "name": job.name, "workload": job.workload, "hosts": job.hosts,
            "finish_ns": max(finish_ns[h] for h in job.hosts),
            "min_finish_ns": min(finish_ns[h] for h in job.hosts),
            "collectives": [{k: c.get(k) for k in ("name", "collective", "size_bytes", "start_ns", "end_ns",
                                                   "duration_ns")}
                            for c in collectives if c["rank"] == first],
        })
    return out
