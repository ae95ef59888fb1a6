"""Expand a sweep spec into points, each identified by a hash of its resolved configuration."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import astrasim_py
from astrasim_py.errors import InputError
from astrasim_py.paths import data_dir
from astrasim_py.runner import RunRequest
from astrasim_py.sweep.spec import (PATH_FIELDS, PRESET_OVERRIDE_KEY, REQUIRED_FIELDS, SweepSpec,
                                    resolve_input_path, validate_workload)

POINT_ID_HEX = 20


@dataclass(frozen=True)
class SweepPoint:
    """One run of the sweep: its axis values, its full run request and its identity (+ ideal backend)."""

    index: int
    point_id: str
    axes: dict[str, Any]
    request: dict[str, Any]
    ideal: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain-data form (sent to workers and Slurm tasks)."""
        doc = {"index": self.index, "point_id": self.point_id, "axes": self.axes, "request": self.request}
        if self.ideal:
            doc["ideal_backend"] = self.ideal
        return doc

    @staticmethod
    def from_json(doc: dict[str, Any]) -> "SweepPoint":
        """Inverse of to_json."""
        return SweepPoint(doc["index"], doc["point_id"], doc["axes"], doc["request"], doc.get("ideal_backend"))


def expand(spec: SweepSpec) -> list[SweepPoint]:
    """All points of the sweep (grid/zip groups combined as a product), duplicates dropped."""
    combos: list[dict[str, Any]] = [{}]
    for group in spec.axes:
        combos = [{**c, **a} for c in combos for a in group.assignments()]
    points: list[SweepPoint] = []
    seen: set[str] = set()
    digests: dict[str, Any] = {}
    for axes in combos:
        request = apply_axes(spec.base, axes, spec.path)
        pid = point_identity(request, digests, ideal=spec.ideal)
        if pid in seen:
            continue
        seen.add(pid)
        points.append(SweepPoint(len(points), pid, axes, request, spec.ideal))
    return points


def apply_axes(base: dict[str, Any], axes: dict[str, Any], spec_path: Path) -> dict[str, Any]:
    """The run request of one point: the base with every axis value set."""
    run = {**run_defaults(), **copy.deepcopy(base)}
    for key, value in axes.items():
        head, _, rest = key.partition(".")
        if key == "preset":
            run["network_overrides"][PRESET_OVERRIDE_KEY] = value
        elif head in ("network", "network_overrides") and rest:
            run["network_overrides"][rest] = value
        elif head in ("system", "system_overrides") and rest:
            run["system_overrides"][rest] = value
        elif key == "workload" and isinstance(value, dict):
            run[key] = validate_workload(value, str(spec_path), "axes.workload")
        elif head == "workload" and rest:
            workload = run.get("workload")
            if not isinstance(workload, dict) or not isinstance(workload.get("generate"), dict):
                raise InputError(f"axis '{key}' needs a generated workload in the base", file=str(spec_path),
                                 field="base.workload", fix="write `workload: {generate: {collective, npus, size}}`")
            workload["generate"][rest.split(".", 1)[1]] = value
        elif head in PATH_FIELDS and isinstance(value, str):
            run[key] = resolve_input_path(value, spec_path.parent)
        else:
            run[key] = value
    for name in REQUIRED_FIELDS:
        if run.get(name) in (None, ""):
            raise InputError("missing", file=str(spec_path), field=f"base.{name}",
                             fix=f"give {name} in base or as an axis")
    return run


def run_defaults() -> dict[str, Any]:
    """RunRequest's defaults, so a point spelled with or without a default value is the same point."""
    defaults: dict[str, Any] = {}
    for f in dataclasses.fields(RunRequest):
        if f.default is not dataclasses.MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            defaults[f.name] = f.default_factory()
    return defaults


def point_identity(request: dict[str, Any], cache: dict[str, Any] | None = None, ideal: str | None = None) -> str:
    """Content hash of a point: run fields, the bytes of every input file, the project version (+ ideal backend)."""
    cache = {} if cache is None else cache
    resolved = dict(request)
    for name in PATH_FIELDS:
        value = request.get(name)
        if isinstance(value, str):
            if value not in cache:
                cache[value] = input_digest(value, name)
            resolved[name] = cache[value]
    doc = {"version": astrasim_py.__version__, "request": resolved, "presets": preset_digests(request, cache)}
    if ideal:
        # Only sweeps asking for an ideal hash it, so every other point keeps its identity.
        doc["ideal"] = ideal
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:POINT_ID_HEX]


def preset_digests(request: dict[str, Any], cache: dict[str, Any]) -> dict[str, str]:
    """sha256 of every shipped preset file (topology or congestion) the point names by bare name."""
    names: set[str] = set()
    for key, value in (request.get("network_overrides") or {}).items():
        if key.startswith("fabric.") and isinstance(value, str):
            names.add(value)
    network = request.get("network")
    if isinstance(network, str) and Path(network).is_file():
        key = "fabric-names:" + network
        if key not in cache:
            cache[key] = _fabric_names(Path(network))
        names |= cache[key]
    digests = {}
    for name in sorted(names):
        for kind in ("topologies", "congestion_presets"):
            try:
                folder = data_dir(kind)
            except FileNotFoundError:
                continue
            for suffix in (".yaml", ".yml"):
                path = folder / f"{name}{suffix}"
                if "/" not in name and path.is_file():
                    digests[f"{kind}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _fabric_names(network: Path) -> set[str]:
    """String values of the network file's `fabric` section (preset and topology names among them)."""
    try:
        doc = yaml.safe_load(network.read_text())
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return set()
    fabric = doc.get("fabric") if isinstance(doc, dict) else None
    return {v for v in fabric.values() if isinstance(v, str)} if isinstance(fabric, dict) else set()


def input_digest(value: str, field_name: str) -> dict[str, Any]:
    """What identifies an input: the name and the sha256 of every file it stands for (not its folder)."""
    files = input_files(value, field_name)
    root = Path(value)
    digests = {}
    for f in files:
        rel = str(f.relative_to(root)) if root.is_dir() else f.name
        digests[rel] = hashlib.sha256(f.read_bytes()).hexdigest()
    return {"name": root.name, "files": digests}


def input_files(value: str, field_name: str) -> list[Path]:
    """The files an input names: a file, every file in a folder, or a Chakra prefix's `<prefix>.*` files."""
    path = Path(value)
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    matches = sorted(p for p in path.parent.glob(path.name + ".*") if p.is_file())
    if matches:
        return matches
    if field_name == "network":
        # A bare name may be a shipped topology preset; its file contents identify it.
        try:
            presets = data_dir("topologies")
        except FileNotFoundError:
            return []
        for suffix in ("", ".yml", ".yaml", ".json"):
            candidate = presets / (value + suffix)
            if candidate.is_file():
                return [candidate]
    return []
