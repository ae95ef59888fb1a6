"""System-JSON keys that select custom (Chakra-ET-defined) collective implementations.

`*-implementation-custom` holds a list with exactly one ET path prefix (one ET covers every
dimension); `per-node-custom-implementation` names a YAML file mapping a workload node id to a
prefix. Relative paths are taken from the working directory, as ASTRA-sim does; when nothing is
there they are also tried beside the file that names them.
"""

from __future__ import annotations

import os
from typing import Any

from astrasim_py.config._load import is_int, read_mapping
from astrasim_py.errors import InputError

CUSTOM_KEY_SUFFIX = "-implementation-custom"
COLLECTIVE_NAMES = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all")
PER_NODE_KEY = "per-node-custom-implementation"


def parse_custom_keys(data: dict[str, Any], source: str) -> dict[str, Any]:
    """SystemConfig keyword arguments for the custom-collective keys present in `data`."""
    custom: dict[str, str] = {}
    for comm in COLLECTIVE_NAMES:
        key = comm + CUSTOM_KEY_SUFFIX
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], str) or not value[0]:
            raise InputError(f"must be a list holding exactly one ET path prefix, got {value!r}", file=source,
                             field=key, fix='e.g. ["algos/ring_allreduce"] for algos/ring_allreduce.<rank>.et')
        custom[comm] = value[0]
    out: dict[str, Any] = {"custom_implementation": custom}
    if PER_NODE_KEY in data:
        path = data[PER_NODE_KEY]
        if not isinstance(path, str) or not path:
            raise InputError(f"must be the path of a YAML file, got {path!r}", file=source, field=PER_NODE_KEY,
                             fix="name a YAML file mapping workload node ids to ET prefixes")
        resolved = resolve_file(path, source)
        if resolved is None:
            raise InputError(f"per-node YAML {path!r} not found (tried the working directory and beside "
                             "the system JSON)", file=source, field=PER_NODE_KEY,
                             fix="give an existing YAML file mapping node id -> ET prefix")
        mapping = read_mapping(resolved, "per-node custom implementation")
        per_node: dict[int, str] = {}
        for key, prefix in mapping.items():
            node_id = int(key) if is_int(key) or (isinstance(key, str) and key.strip().isdigit()) else -1
            if node_id < 0:
                raise InputError(f"key {key!r} is not a workload node id", file=resolved, field=str(key),
                                 fix="map integer node ids (>= 0) to ET prefixes")
            if not isinstance(prefix, str) or not prefix:
                raise InputError(f"node {node_id}: value {prefix!r} is not an ET path prefix", file=resolved,
                                 field=str(key), fix="write the prefix as a string")
            per_node[node_id] = prefix
        out["per_node_custom_implementation"] = per_node
        out["per_node_custom_file"] = resolved
    return out


def resolve_file(path: str, named_by: str) -> str | None:
    """An existing file: `path` as given (working directory), else beside `named_by`; or None."""
    if os.path.isfile(path):
        return path
    if not os.path.isabs(path) and named_by:
        beside = os.path.join(os.path.dirname(os.path.abspath(named_by)), path)
        if os.path.isfile(beside):
            return beside
    return None


def resolve_prefix(prefix: str, named_by: str) -> str:
    """The prefix whose `<prefix>.0.et` exists: as given, else beside `named_by`; else as given."""
    if os.path.isfile(f"{prefix}.0.et") or os.path.isabs(prefix) or not named_by:
        return prefix
    beside = os.path.join(os.path.dirname(os.path.abspath(named_by)), prefix)
    return beside if os.path.isfile(f"{beside}.0.et") else prefix
