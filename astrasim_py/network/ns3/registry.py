"""The fabric library's TypeId registry, read through the bridge once per process.

The C++ TypeId registry is the one list of flow- and congestion-control policies and the one
source of every attribute's type, range and default: a new policy compiled into the library is
usable by its short name without a Python edit, and Python never keeps a copy of a C++ default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

POLICY_KINDS = ("flow_control", "congestion_control")
# The device types behind the bridge's non-policy attribute targets (bridge-attributes.h).
DEVICE_TYPES = {"network": "ns3::fabric::FabricNetwork", "switch": "ns3::fabric::FabricSwitch",
                "nic": "ns3::fabric::RdmaNic"}


@dataclass(frozen=True)
class PolicyAttribute:
    """One ns-3 attribute of a policy: name (unit in the name), default as ns-3 prints it, help,
    and the typed default with its value type and range (the checker's)."""

    name: str
    default: str
    help: str
    value: Any = None
    checker: str = ""
    range: str = ""


@dataclass(frozen=True)
class PolicyInfo:
    """A registered policy: short name, TypeId name and its own attributes."""

    name: str
    type_id: str
    attributes: tuple[PolicyAttribute, ...]


def _bridge():
    from astrasim_py.network.ns3.loader import bridge_class

    return bridge_class()


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    """The bridge's TypeRegistry JSON, read once per process (one bridge call, one JIT)."""
    return json.loads(str(_bridge().TypeRegistry()))


def _info(entry: dict[str, Any]) -> PolicyInfo:
    return PolicyInfo(entry["name"], entry["type"],
                      tuple(PolicyAttribute(a["name"], a["default"], a["help"], a["value"], a["checker"], a["range"])
                            for a in entry["attributes"]))


@lru_cache(maxsize=1)
def _registry() -> dict[str, dict[str, PolicyInfo]]:
    doc = _document()
    return {kind: {p["name"]: _info(p) for p in doc[kind]} for kind in POLICY_KINDS}


def policies(kind: str) -> dict[str, PolicyInfo]:
    """Registered policies of `kind` (flow_control | congestion_control) by short name."""
    return _registry()[kind]


def policy_types(kind: str) -> dict[str, str]:
    """Short name -> ns-3 TypeId name for the policies of `kind`."""
    return {name: info.type_id for name, info in policies(kind).items()}


@lru_cache(maxsize=1)
def _by_type() -> dict[str, dict[str, dict[str, Any]]]:
    doc = _document()
    entries = [e for kind in (*POLICY_KINDS, "devices") for e in doc[kind]]
    return {e["type"]: {a["name"]: {"default": a["value"], "help": a["help"], "checker": a["checker"],
                                    "range": a["range"]} for a in e["attributes"]}
            for e in entries}


def type_attributes(type_id: str) -> dict[str, dict[str, Any]]:
    """{name: {"default" (typed), "help", "checker", "range"}} of a registered policy or device
    TypeId and its bases; {} for a type the library does not register as one."""
    return _by_type().get(type_id, {})


def default(type_id: str, name: str) -> Any:
    """The C++ default of attribute `name` of `type_id` (KeyError if the type has no such attribute)."""
    return type_attributes(type_id)[name]["default"]
