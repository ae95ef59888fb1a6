"""Load topologies from preset names, YAML files or dicts.

A preset/YAML document is a mapping with a `builder` and that builder's parameters, e.g.
```yaml
name: fattree_k4
description: what it models
builder: fattree          # astrasim_dims | star | leaf_spine | clos_2tier | fattree |
k: 4                      # rail_optimized | graph | ns3_text
link_gbps: 400
latency_ns: 500
```
Optional for every builder: `switch_buffer_bytes`, `facts` (merged), `hosts_forward` (graph only).
An ASTRA-sim network YAML (`topology: [Ring]`, `npus_count`, `bandwidth`, `latency` lists) is
accepted as it is and built with `from_astrasim_dims`.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable, Mapping

from astrasim_py.config.network import Dimension, parse_network
from astrasim_py.errors import InputError
from astrasim_py.paths import data_dir
from astrasim_py.safe_io import load_structured
from astrasim_py.topology import builders
from astrasim_py.topology.model import Topology
from astrasim_py.topology.ns3_text import read_ns3_topology

_COMMON_KEYS = {"name", "description", "builder", "switch_buffer_bytes", "facts"}


def _build_dims(doc: Mapping[str, Any], name: str, description: str, where: str) -> Topology:
    """`builder: astrasim_dims` with `dims: [{topology, npus_count, bandwidth_GBps, latency_ns}]`."""
    return builders.from_astrasim_dims(doc.get("dims") or [], name=name, description=description)


def _build_graph(doc: Mapping[str, Any], name: str, description: str, where: str) -> Topology:
    """`builder: graph` with `hosts`, `switches`, `links` ([a, b, gbps, ns] each)."""
    if "hosts" not in doc or "links" not in doc:
        raise InputError("graph topology needs 'hosts' and 'links'", file=where, field="builder",
                         fix="give hosts: N, switches: S, links: [[a, b, gbps, latency_ns], ...]")
    return builders.explicit(doc["hosts"], doc.get("switches", 0), doc["links"], name=name,
                             description=description, hosts_forward=doc.get("hosts_forward", False),
                             default_gbps=doc.get("link_gbps"),
                             default_latency_ns=doc.get("latency_ns"))


def _build_ns3(doc: Mapping[str, Any], name: str, description: str, where: str) -> Topology:
    """`builder: ns3_text` with `file:` (relative to the YAML file)."""
    if "file" not in doc:
        raise InputError("ns3_text topology needs 'file'", file=where, field="file",
                         fix="give the path of the ns-3 topology text file")
    path = Path(doc["file"])
    if not path.is_absolute() and where and Path(where).is_file():
        path = Path(where).parent / path
    topo = read_ns3_topology(path, name=name)
    if description:
        topo.description = description
    return topo


def _wrap(fn: Callable[..., Topology]) -> Callable[..., Topology]:
    """Adapt a keyword builder: pass the document's parameters, reject unknown ones."""
    params = set(inspect.signature(fn).parameters) - {"name", "description"}

    def build(doc: Mapping[str, Any], name: str, description: str, where: str) -> Topology:
        """Call the builder with the document's keys as keyword arguments."""
        extra = sorted(set(doc) - params - _COMMON_KEYS)
        if extra:
            raise InputError(f"unknown key '{extra[0]}' for builder {doc['builder']}", file=where,
                             field=extra[0], fix=f"use only {', '.join(sorted(params))}")
        kwargs = {k: doc[k] for k in params if k in doc}
        try:
            return fn(name=name, description=description, **kwargs)
        except TypeError as exc:
            raise InputError(f"builder {doc['builder']}: {exc}", file=where, field="builder",
                             fix=f"give {', '.join(sorted(params))}") from None

    return build


BUILDERS: dict[str, Callable[..., Topology]] = {
    "astrasim_dims": _build_dims,
    "graph": _build_graph,
    "ns3_text": _build_ns3,
    "star": _wrap(builders.star),
    "leaf_spine": _wrap(builders.leaf_spine),
    "clos_2tier": _wrap(builders.clos_2tier),
    "fattree": _wrap(builders.fattree),
    "rail_optimized": _wrap(builders.rail_optimized),
}


def _astrasim_yaml_dims(doc: Mapping[str, Any], where: str) -> list[Dimension]:
    """An ASTRA-sim network YAML's dimensions, parsed as every network file is (config.network)."""
    network = {k: v for k, v in doc.items() if k not in _COMMON_KEYS}
    return parse_network(network, source=where).dims


def topology_from_dict(doc: Mapping[str, Any], where: str = "<dict>",
                       default_name: str = "custom") -> Topology:
    """Build a Topology from a parsed preset document."""
    if not isinstance(doc, Mapping):
        raise InputError("topology document is not a mapping", file=where,
                         fix="write a YAML mapping with 'builder' and its parameters")
    name = str(doc.get("name") or default_name)
    description = str(doc.get("description") or "")
    try:
        if "builder" not in doc and "topology" in doc and "npus_count" in doc:
            topo = builders.from_astrasim_dims(_astrasim_yaml_dims(doc, where), name=name,
                                               description=description)
        else:
            kind = doc.get("builder")
            if kind not in BUILDERS:
                raise InputError(f"unknown builder {kind!r}", file=where, field="builder",
                                 fix=f"use one of {', '.join(sorted(BUILDERS))}")
            topo = BUILDERS[kind](doc, name, description, where)
    except InputError as exc:
        if exc.file is None:  # builders do not know the file; add it here
            raise InputError(exc.detail, file=where, field=exc.field, fix=exc.fix) from None
        raise
    buffer = doc.get("switch_buffer_bytes")
    if buffer is not None:
        if not isinstance(buffer, int) or buffer <= 0:
            raise InputError(f"switch_buffer_bytes {buffer!r} is not a positive integer",
                             file=where, field="switch_buffer_bytes", fix="give bytes, e.g. 33554432")
        topo.switch_buffer_bytes = buffer
    extra_facts = doc.get("facts") or {}
    if not isinstance(extra_facts, Mapping):
        raise InputError("facts is not a mapping", file=where, field="facts", fix="use key: value")
    topo.facts.update(extra_facts)
    topo.source = where
    return topo


def list_presets() -> list[str]:
    """Names of the shipped topology presets (YAML files in the topologies data dir)."""
    return sorted(p.stem for p in data_dir("topologies").glob("*.yaml"))


def preset_path(name: str) -> Path:
    """Path of the shipped preset `name`."""
    return data_dir("topologies") / f"{name}.yaml"


def load_topology(spec: str | Path | Mapping[str, Any] | Topology) -> Topology:
    """Load a topology from a preset name, a YAML (or ns-3 .txt) path, a dict, or pass one through."""
    if isinstance(spec, Topology):
        return spec
    if isinstance(spec, Mapping):
        return topology_from_dict(spec)
    text = str(spec)
    path = Path(text)
    if not path.is_file():
        candidate = preset_path(text)
        if candidate.is_file():
            path = candidate
        else:
            raise InputError(f"no topology preset or file named '{text}'", field="topology",
                             fix=f"use a file path or one of: {', '.join(list_presets())}")
    if path.suffix == ".txt":
        return read_ns3_topology(path)
    doc = load_structured(path, "topology")  # regular file, UTF-8, bounded YAML (safe_io)
    return topology_from_dict(doc, where=str(path), default_name=path.stem)
