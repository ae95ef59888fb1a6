"""Reading YAML/JSON input files into plain dicts with one-line errors."""

from __future__ import annotations

import json
from typing import Any

from astrasim_py.errors import InputError
from astrasim_py.safe_io import load_structured


def read_mapping(path: str, kind: str) -> dict[str, Any]:
    """Parse a YAML or JSON file whose top level must be a mapping."""
    if not path:
        raise InputError(f"{kind} file not given", file="(none)", fix=f"pass an existing {kind} file")
    data = load_structured(path, kind)  # regular file, size, UTF-8, bounded YAML (safe_io)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{kind} must be a mapping at the top level", file=path,
                         fix="write key: value pairs")
    return data


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of data with dotted-key overrides set ("fabric.transport": "ib")."""
    out = json.loads(json.dumps(data))
    for dotted, value in (overrides or {}).items():
        parts = str(dotted).split(".")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return out


def is_number(value: Any) -> bool:
    """True for int/float values that are not bools."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_int(value: Any) -> bool:
    """True for integral values (ints, or floats with no fraction), not bools."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
