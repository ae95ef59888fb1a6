"""The policies the fabric library registers (ns-3 TypeIds), read through the bridge.

The C++ TypeId registry is the one list of flow- and congestion-control policies: a new
policy compiled into the library is usable by its short name without a Python edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

POLICY_KINDS = ("flow_control", "congestion_control")


@dataclass(frozen=True)
class PolicyAttribute:
    """One ns-3 attribute of a policy: its name (unit in the name), default and help text."""

    name: str
    default: str
    help: str


@dataclass(frozen=True)
class PolicyInfo:
    """A registered policy: short name, TypeId name and its own attributes."""

    name: str
    type_id: str
    attributes: tuple[PolicyAttribute, ...]


@lru_cache(maxsize=1)
def _registry() -> dict[str, dict[str, PolicyInfo]]:
    from astrasim_py.network.ns3.loader import bridge_class

    doc = json.loads(str(bridge_class().PolicyRegistry()))
    return {kind: {p["name"]: PolicyInfo(p["name"], p["type"],
                                         tuple(PolicyAttribute(a["name"], a["default"], a["help"])
                                               for a in p["attributes"]))
                   for p in doc[kind]}
            for kind in POLICY_KINDS}


def policies(kind: str) -> dict[str, PolicyInfo]:
    """Registered policies of `kind` (flow_control | congestion_control) by short name."""
    return _registry()[kind]


def policy_types(kind: str) -> dict[str, str]:
    """Short name -> ns-3 TypeId name for the policies of `kind`."""
    return {name: info.type_id for name, info in policies(kind).items()}
