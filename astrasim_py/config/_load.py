"""Reading YAML/JSON input files into plain dicts with one-line errors."""

from __future__ import annotations

import json
import os
from typing import Any

import yaml

from astrasim_py.errors import InputError


def read_mapping(path: str, kind: str) -> dict[str, Any]:
    """Parse a YAML or JSON file whose top level must be a mapping."""
    if not path or not os.path.isfile(path):
        raise InputError(f"{kind} file not found", file=path or "(none)",
                         fix=f"pass an existing {kind} file")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if path.endswith(".json"):
            data = json.loads(text) if text.strip() else {}
        else:
            data = yaml.safe_load(text) if text.strip() else {}
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        first = " ".join(str(exc).split())[:160]
        raise InputError(f"cannot parse {kind}: {first}", file=path,
                         fix="write valid JSON/YAML") from None
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
