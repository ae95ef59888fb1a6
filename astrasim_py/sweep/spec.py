"""Sweep specification: a base run plus axes to vary, read from YAML and validated."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astrasim_py.errors import InputError
from astrasim_py.safe_io import load_structured
from astrasim_py.runner import RunRequest

RUN_FIELDS = tuple(f.name for f in dataclasses.fields(RunRequest))
PATH_FIELDS = ("workload", "system", "network", "remote_memory", "comm_group")
REQUIRED_FIELDS = ("workload", "system", "network")
GENERATE_KEYS = ("collective", "npus", "size")
# Axis `preset` names a congestion-control preset; it lands in this network override.
PRESET_OVERRIDE_KEY = "fabric.preset"
TOP_LEVEL_KEYS = ("name", "base", "axes", "time_limit_s", "workers", "slurm", "ideal", "keep_traces")
# `ideal:` names the backend whose run of the same request is each point's ideal (slowdown = finish / ideal).
IDEAL_BACKENDS = ("analytical", "analytical-aware")


@dataclass(frozen=True)
class AxisGroup:
    """One group of axes: `grid` takes every combination, `zip` pairs the i-th values."""

    mode: str
    values: dict[str, list[Any]]

    def assignments(self) -> list[dict[str, Any]]:
        """Every assignment {axis key: value} this group produces, in spec order."""
        keys = list(self.values)
        if self.mode == "zip":
            length = len(self.values[keys[0]])
            return [{k: self.values[k][i] for k in keys} for i in range(length)]
        combos: list[dict[str, Any]] = [{}]
        for key in keys:
            combos = [{**c, key: v} for c in combos for v in self.values[key]]
        return combos


@dataclass(frozen=True)
class SlurmOptions:
    """How the slurm executor submits job arrays (each also settable by a CLI flag)."""

    partition: str | None = None
    time_min: int = 60
    mem_gb: float | None = None
    array_parallelism: int = 16
    cpus_per_task: int = 1
    points_per_task: int | None = None


@dataclass
class SweepSpec:
    """A validated sweep: the base run fields, the axis groups and execution options."""

    name: str
    path: Path
    base: dict[str, Any]
    axes: list[AxisGroup]
    time_limit_s: float | None = None
    workers: int | None = None
    slurm: SlurmOptions = field(default_factory=SlurmOptions)
    ideal: str | None = None
    # Write generated workloads as Chakra files under traces/ (else they stay in memory).
    keep_traces: bool = False

    @property
    def axis_keys(self) -> list[str]:
        """All axis keys in spec order (the varying columns of the results table)."""
        return [k for g in self.axes for k in g.values]


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec YAML file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("sweep spec not found", file=str(path), fix="pass the path of a sweep YAML file")
    doc = load_structured(path, "sweep spec")  # regular file, UTF-8, bounded YAML (safe_io)
    return parse_spec(doc, path)


def parse_spec(doc: Any, path: Path) -> SweepSpec:
    """Validate a parsed spec document; `path` names the file in errors and anchors relative paths."""
    where = str(path)
    if not isinstance(doc, dict):
        raise InputError("a sweep spec must be a mapping", file=where, fix="start with `base:` and `axes:`")
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            raise InputError(f"unknown key '{key}'", file=where, field=str(key),
                             fix=f"use one of: {', '.join(TOP_LEVEL_KEYS)}")
    base = doc.get("base")
    if not isinstance(base, dict):
        raise InputError("missing or not a mapping", file=where, field="base",
                         fix="give the base run: workload, system, network, ...")
    for key in base:
        if key not in RUN_FIELDS:
            raise InputError(f"unknown run field '{key}'", file=where, field=f"base.{key}",
                             fix=f"use the fields of `astrasim-py run`: {', '.join(RUN_FIELDS)}")
    base = resolve_paths(dict(base), path.parent, where)
    axes = _parse_axes(doc.get("axes"), where)
    spec = SweepSpec(
        name=str(doc.get("name") or path.stem),
        path=path,
        base=base,
        axes=axes,
        time_limit_s=_positive(doc.get("time_limit_s"), "time_limit_s", where, float),
        workers=_positive(doc.get("workers"), "workers", where, int),
        slurm=_parse_slurm(doc.get("slurm"), where),
        ideal=_parse_ideal(doc.get("ideal"), where),
        keep_traces=_parse_bool(doc.get("keep_traces", False), "keep_traces", where),
    )
    return spec


def _parse_bool(raw: Any, name: str, where: str) -> bool:
    if not isinstance(raw, bool):
        raise InputError(f"must be true or false, got {raw!r}", file=where, field=name,
                         fix=f"write `{name}: true` or leave it out")
    return raw


def _parse_ideal(raw: Any, where: str) -> str | None:
    if raw is None:
        return None
    if raw not in IDEAL_BACKENDS:
        raise InputError(f"unknown ideal backend {raw!r}", file=where, field="ideal",
                         fix=f"use one of: {', '.join(IDEAL_BACKENDS)} (the network file needs analytical dims)")
    return str(raw)


def resolve_paths(run: dict[str, Any], spec_dir: Path, where: str) -> dict[str, Any]:
    """Make input paths absolute (relative to the spec file, then to the cwd); keep preset names as given."""
    for key in PATH_FIELDS:
        value = run.get(key)
        if isinstance(value, str):
            run[key] = resolve_input_path(value, spec_dir)
        elif key == "workload" and isinstance(value, dict):
            run[key] = validate_workload(value, where, f"base.{key}")
    return run


def resolve_input_path(value: str, spec_dir: Path) -> str:
    """An absolute path if `value` names files (a file, a folder or a Chakra prefix), else `value` unchanged."""
    candidate = Path(value)
    bases = [Path()] if candidate.is_absolute() else [spec_dir, Path.cwd()]
    for base in bases:
        full = (base / candidate)
        if full.exists() or any(full.parent.glob(full.name + ".*")):
            return str(full.resolve())
    return value


def validate_workload(value: dict[str, Any], where: str, field_name: str) -> dict[str, Any]:
    """Check a generated workload mapping: `{generate: ...}` or `{jobs: [{name, hosts, generate}, ...]}`."""
    if isinstance(value, dict) and "jobs" in value:
        jobs = value["jobs"]
        if not set(value) <= {"jobs", "name"} or not isinstance(jobs, list) or not jobs:
            raise InputError("jobs are written `{jobs: [{name, hosts, generate}, ...]}` (optionally with name:)",
                             file=where, field=field_name, fix="give a non-empty list of jobs")
        checked = []
        for i, job in enumerate(jobs):
            job_field = f"{field_name}.jobs[{i}]"
            if not isinstance(job, dict) or "hosts" not in job or not set(job) <= {"name", "hosts", "generate"}:
                raise InputError("a job is `{name, hosts, generate}`", file=where, field=job_field,
                                 fix='e.g. {name: train, hosts: "0-7", generate: {collective: all_reduce, ...}}')
            gen = validate_generate({"generate": job.get("generate")}, where, job_field)
            checked.append({**job, "generate": gen})
        return {**value, "jobs": checked}
    return {**value, "generate": validate_generate(value, where, field_name)}


def validate_generate(value: Any, where: str, field_name: str) -> dict[str, Any] | list[dict[str, Any]]:
    """Check `{generate: ..., name: optional label}` and return the generate part.

    `generate` is one mapping or a list of them run together on the same ranks (an overlay, e.g. a
    collective plus background traffic). A mapping is a collective `{collective, npus, size}` or a
    traffic pattern `{pattern, npus, size, ...pattern parameters}` (`astrasim_py.chakra.traffic`).
    """
    gen = value.get("generate") if isinstance(value, dict) else None
    if not isinstance(gen, (dict, list)) or not set(value) <= {"generate", "name"} or not gen:
        raise InputError("a generated workload is written `{generate: {collective, npus, size}}` "
                         "(or a list of such mappings, optionally with `name:`)",
                         file=where, field=field_name, fix="give a trace path or a generate mapping")
    parts = gen if isinstance(gen, list) else [gen]
    for i, part in enumerate(parts):
        part_field = f"{field_name}.generate" + (f"[{i}]" if isinstance(gen, list) else "")
        if not isinstance(part, dict):
            raise InputError("each generated part is a mapping", file=where, field=part_field,
                             fix="e.g. {collective: all_reduce, npus: 8, size: 1MiB}")
        if "pattern" in part:
            need = ["npus"]  # a traffic pattern (astrasim_py.chakra.traffic): size defaults to 0
        else:
            need = list(GENERATE_KEYS)
        missing = [k for k in need if k not in part]
        if missing:
            raise InputError(f"generate is missing {', '.join(missing)}", file=where, field=part_field,
                             fix="give collective (e.g. all_reduce), npus (e.g. 8) and size in bytes, "
                                 "or pattern (incast, poisson, ...), npus and size")
    return [dict(p) for p in gen] if isinstance(gen, list) else dict(gen)


def _parse_axes(raw: Any, where: str) -> list[AxisGroup]:
    if raw is None:
        return []
    groups_raw = [{"grid": raw}] if isinstance(raw, dict) and not ({"grid", "zip"} & set(raw)) else raw
    if isinstance(groups_raw, dict):
        groups_raw = [{k: v} for k, v in groups_raw.items()]
    if not isinstance(groups_raw, list):
        raise InputError("axes must be a mapping (one grid) or a list of {grid: ...} / {zip: ...}",
                         file=where, field="axes", fix="e.g. `axes: {backend: [analytical, ns3]}`")
    groups = []
    for i, item in enumerate(groups_raw):
        if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in ("grid", "zip"):
            raise InputError("each axis group is one of {grid: {...}} or {zip: {...}}", file=where,
                             field=f"axes[{i}]", fix="wrap the axes in `grid:` or `zip:`")
        mode, values = next(iter(item.items()))
        if not isinstance(values, dict) or not values:
            raise InputError("an axis group maps axis keys to lists of values", file=where,
                             field=f"axes[{i}].{mode}", fix="e.g. `seed: [0, 1, 2]`")
        for key, vals in values.items():
            check_axis_key(str(key), where, f"axes[{i}].{mode}.{key}")
            if not isinstance(vals, list) or not vals:
                raise InputError("axis values must be a non-empty list", file=where,
                                 field=f"axes[{i}].{mode}.{key}", fix="write the values as [a, b, ...]")
        if mode == "zip" and len({len(v) for v in values.values()}) != 1:
            raise InputError("zip axes must all have the same number of values", file=where,
                             field=f"axes[{i}].zip", fix="give every zipped axis equally many values")
        groups.append(AxisGroup(mode, {str(k): list(v) for k, v in values.items()}))
    seen: set[str] = set()
    for g in groups:
        for key in g.values:
            if key in seen:
                raise InputError(f"axis '{key}' appears twice", file=where, field="axes",
                                 fix="vary each key in one group only")
            seen.add(key)
    return groups


def _traffic_keys() -> set[str]:
    """Parameters a generated traffic pattern takes (pattern and its options)."""
    from astrasim_py.chakra.traffic import PATTERN_OPTIONS

    return {"pattern"} | {k for opts in PATTERN_OPTIONS.values() for k in opts}


def check_axis_key(key: str, where: str, field_name: str) -> None:
    """Reject an axis key that does not name a run field, an override or a generate parameter."""
    head, _, rest = key.partition(".")
    if key == "preset" or (head in RUN_FIELDS and not rest):
        return
    if head in ("network_overrides", "system_overrides", "network", "system") and rest:
        return
    if head == "workload" and rest.startswith("generate."):
        param = rest.split(".", 1)[1]
        if param in GENERATE_KEYS or param in _traffic_keys():
            return
    raise InputError(f"unknown axis '{key}'", file=where, field=field_name,
                     fix="use a run field (backend, seed, ...), preset, network.<key> / system.<key> "
                         "overrides, or workload.generate.<collective|npus|size>")


def _parse_slurm(raw: Any, where: str) -> SlurmOptions:
    if raw is None:
        return SlurmOptions()
    if not isinstance(raw, dict):
        raise InputError("must be a mapping", file=where, field="slurm",
                         fix="e.g. `slurm: {partition: debug, time_min: 30}`")
    known = {f.name for f in dataclasses.fields(SlurmOptions)}
    for key in raw:
        if key not in known:
            raise InputError(f"unknown key '{key}'", file=where, field=f"slurm.{key}",
                             fix=f"use one of: {', '.join(sorted(known))}")
    opts = SlurmOptions(
        partition=None if raw.get("partition") is None else str(raw["partition"]),
        time_min=_positive(raw.get("time_min"), "slurm.time_min", where, int) or 60,
        mem_gb=_positive(raw.get("mem_gb"), "slurm.mem_gb", where, float),
        array_parallelism=_positive(raw.get("array_parallelism"), "slurm.array_parallelism", where, int) or 16,
        cpus_per_task=_positive(raw.get("cpus_per_task"), "slurm.cpus_per_task", where, int) or 1,
        points_per_task=_positive(raw.get("points_per_task"), "slurm.points_per_task", where, int),
    )
    return opts


def _positive(value: Any, name: str, where: str, kind: type) -> Any:
    if value is None:
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number <= 0 or isinstance(value, bool):
        raise InputError(f"must be a positive number, got {value!r}", file=where, field=name,
                         fix="give a number greater than zero")
    return number

