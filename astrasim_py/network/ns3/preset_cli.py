"""`astrasim-py preset list|show`: the shipped policy presets with every parameter and default."""

from __future__ import annotations

import json
from typing import Any

from astrasim_py.errors import InputError
from astrasim_py.network.ns3.config import _param_values, list_presets, load_preset
from astrasim_py.network.ns3.registry import POLICY_KINDS, policies


def describe_preset(name: str) -> dict[str, Any]:
    """A preset's policies with every attribute: the preset's value (if it sets one) and the default."""
    doc = load_preset(name, "preset show NAME")
    out: dict[str, Any] = {"preset": name, "description": doc.get("description", ""),
                           "transport": doc.get("transport", "roce")}
    for kind in POLICY_KINDS:
        section = doc.get(kind) or {"type": "none"}
        kind_name = str(section.get("type", "none"))
        known = policies(kind)
        if kind_name not in known:
            raise InputError(f"unknown policy type '{kind_name}'", file=name, field=f"{kind}.type",
                             fix=f"use one of {', '.join(known)}")
        info = known[kind_name]
        given = _param_values(section.get("params"), f"{kind}.params")
        names = {a.name for a in info.attributes}
        for key in given:
            if key not in names:
                raise InputError(f"{info.type_id} has no attribute {key}", file=name,
                                 field=f"{kind}.params.{key}", fix=f"use one of {', '.join(sorted(names))}")
        out[kind] = {"type": kind_name, "type_id": info.type_id,
                     "parameters": [{"name": a.name, "value": given.get(a.name), "default": a.default,
                                     "help": a.help} for a in info.attributes]}
    for extra in ("transport_params", "switch_params", "nic_params"):
        if doc.get(extra):
            out[extra] = _param_values(doc[extra], extra)
    return out


def _list(args) -> int:
    rows = []
    for name in list_presets():
        doc = load_preset(name)
        cc = (doc.get("congestion_control") or {}).get("type", "none")
        fc = (doc.get("flow_control") or {}).get("type", "none")
        rows.append({"preset": name, "transport": doc.get("transport", "roce"), "flow_control": fc,
                     "congestion_control": cc, "description": doc.get("description", "")})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        print(f"{r['preset']:<22} {r['transport']:<5} fc={r['flow_control']:<11} "
              f"cc={r['congestion_control']:<7} {r['description']}")
    return 0


def _shown(value: Any) -> str:
    """A value as the YAML it came from would spell it (true, not True)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _show(args) -> int:
    doc = describe_preset(args.name)
    if args.json:
        print(json.dumps(doc, indent=1))
        return 0
    print(f"preset {doc['preset']} ({doc['transport']}): {doc['description']}")
    for kind in POLICY_KINDS:
        sec = doc[kind]
        print(f"{kind}: {sec['type']} ({sec['type_id']})")
        for p in sec["parameters"]:
            value = p["value"] if p["value"] is not None else p["default"]
            mark = "" if p["value"] is not None else "  (default)"
            print(f"  {p['name']} = {_shown(value)}{mark}    default {p['default']}: {p['help']}")
    for extra in ("transport_params", "switch_params", "nic_params"):
        if extra in doc:
            print(f"{extra}: " + ", ".join(f"{k}={_shown(v)}" for k, v in doc[extra].items()))
    return 0


def add_parser(sub) -> None:
    """Register `preset list` and `preset show NAME`."""
    p = sub.add_parser("preset", help="list and show flow/congestion-control presets")
    psub = p.add_subparsers(dest="preset_command", required=True)
    lp = psub.add_parser("list", help="every shipped preset with its policies")
    lp.add_argument("--json", action="store_true", help="print JSON")
    lp.set_defaults(func=_list)
    sp = psub.add_parser("show", help="a preset's policies with every parameter and its default")
    sp.add_argument("name", help="preset name (congestion/presets/NAME.yaml) or a YAML path")
    sp.add_argument("--json", action="store_true", help="print JSON")
    sp.set_defaults(func=_show)
