"""The `fabric:` section of a network config: schema, validation and policy presets.

A network config is ASTRA-sim's analytical YAML (topology / npus_count / bandwidth / latency
lists) plus an optional `fabric:` mapping. Without one, the analytical dimensions are mapped
to a physical fabric (hosts, switches, links) by `astrasim_py.topology.from_astrasim_dims`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from astrasim_py.config.checks import LIMITS, integer, number
from astrasim_py.config.network import Dimension, NetworkConfig, parse_network
from astrasim_py.errors import InputError
from astrasim_py.network.ns3.attr_check import check_attributes
from astrasim_py.network.ns3.ib_buffers import AUTO, BUFFER_ATTRS, size_ib_buffers
from astrasim_py.network.ns3.registry import DEVICE_TYPES, POLICY_KINDS, default, policy_types, type_attributes
from astrasim_py.paths import data_dir
from astrasim_py.safe_io import load_structured
from astrasim_py.topology import Link, Topology, from_astrasim_dims, load_topology

# Short policy names -> ns-3 TypeIds come from the library's TypeId registry (registry.py).
DEFAULT_PRESET = {"roce": "dcqcn_mlnx", "ib": "ib_default"}

FABRIC_KEYS = {
    "transport": "roce | ib",
    "topology": "preset name, YAML/ns-3 text path, or mapping",
    "link_gbps": "override every link rate [Gb/s]",
    "latency_ns": "override every link latency [ns]",
    "mtu_bytes": "RDMA payload per packet [bytes]",
    "nic_latency_ns": "NIC processing delay on receive [ns]",
    "switch_latency_ns": "switch forwarding delay [ns]",
    "switch_buffer_bytes": "shared buffer per switch [bytes]",
    "headroom_bytes": "PFC headroom per switch port (0 = auto) [bytes]",
    "preset": "named policy preset in congestion/presets",
    "flow_control": "none | pfc | a preset name",
    "congestion_control": "none | dcqcn | hpcc | dctcp | timely | ... | a preset name",
    "flow_control_params": "attribute overrides of the flow-control policy",
    "congestion_control_params": "attribute overrides of the congestion-control policy",
    "transport_params": "attribute overrides of the NIC transport (ns3::fabric::FabricNetwork)",
    "switch_params": "attribute overrides of ns3::fabric::FabricSwitch",
    "nic_params": "attribute overrides of ns3::fabric::RdmaNic",
    "routing": "ecmp | dmodk | adaptive (switch choice among shortest-path ports)",
    "completion": "last_byte | ack (a message completes at its last byte, or when its last ACK returns)",
    "telemetry": "time_series_interval_ns, plot_dir, pcap_ports ([[node, port], ...]), pcap_dir",
}
IB_MTUS = (256, 512, 1024, 2048, 4096)
ROUTING_MODES = ("ecmp", "dmodk", "adaptive")
COMPLETION_MODES = ("last_byte", "ack")
TELEMETRY_KEYS = {"time_series_interval_ns", "plot_dir", "pcap_ports", "pcap_dir"}


@dataclass
class PolicyChoice:
    """A policy type plus its attribute values (typed: numbers in the unit of their name,
    booleans, strings for enums and tables)."""

    kind: str
    type_id: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class FabricConfig:
    """Everything the ns-3 fabric needs, validated; attribute values typed as their C++ attributes."""

    transport: str
    topology: Topology
    preset: str
    flow_control: PolicyChoice
    congestion_control: PolicyChoice
    network_params: dict[str, Any]
    switch_params: dict[str, Any]
    nic_params: dict[str, Any]
    time_series_interval_ns: int = 0
    plot_dir: str | None = None
    mapped_from_analytical: bool = False
    pcap_ports: list[tuple[int, int]] = field(default_factory=list)
    pcap_dir: str = "."
    # IB per-VL buffer sizes and what each link class needs (ib_buffers.size_ib_buffers).
    buffer_sizing: dict[str, Any] = field(default_factory=dict)
    # settings the chosen transport does not use (fabric_warnings prints them)
    notes: list[str] = field(default_factory=list)

    def targets(self) -> list[tuple[str, str, dict[str, Any], str]]:
        """(bridge target, TypeId, attribute values, config section) of every configured object."""
        return [("network", DEVICE_TYPES["network"], self.network_params, "fabric.transport_params"),
                ("switch", DEVICE_TYPES["switch"], self.switch_params, "fabric.switch_params"),
                ("nic", DEVICE_TYPES["nic"], self.nic_params, "fabric.nic_params"),
                ("flow_control", self.flow_control.type_id, self.flow_control.params,
                 "fabric.flow_control_params"),
                ("congestion_control", self.congestion_control.type_id, self.congestion_control.params,
                 "fabric.congestion_control_params")]

    def attribute(self, target: str, name: str) -> Any:
        """The value in force of one attribute: the configured one, else its C++ default (registry)."""
        for tgt, type_id, params, _ in self.targets():
            if tgt == target:
                return params[name] if params.get(name) is not None else default(type_id, name)
        raise KeyError(target)


def list_presets() -> list[str]:
    """Names of the shipped policy presets."""
    return sorted(p.stem for p in data_dir("congestion_presets").glob("*.yaml"))


def load_preset(name: str, where: str = "fabric.preset") -> dict[str, Any]:
    """Parse a shipped preset (or a YAML path) into a mapping."""
    path = Path(name)
    if not path.is_file():
        path = data_dir("congestion_presets") / f"{name}.yaml"
    if not path.is_file():
        raise InputError(f"no congestion preset named '{name}'", field=where,
                         fix=f"use one of: {', '.join(list_presets())}")
    doc = load_structured(path, "congestion preset")
    if not isinstance(doc, Mapping):
        raise InputError("preset is not a mapping", file=str(path), fix="see congestion/presets/*.yaml")
    return dict(doc)


def _param_values(value: Any, where: str) -> dict[str, Any]:
    """An attribute section as typed values; a per-key table (e.g. EcnThresholdsByGbps
    {25: [Kmin, Kmax, Pmax]}) becomes the text its C++ value type parses."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError("expected a mapping of attribute: value", field=where,
                         fix="e.g. {RpTimerUs: 55}")
    out: dict[str, Any] = {}
    for key, val in value.items():
        if isinstance(val, Mapping):
            val = ",".join(":".join(str(x) for x in [k, *(v if isinstance(v, (list, tuple)) else [v])])
                           for k, v in val.items())
        out[str(key)] = val
    return out


def _policy(section: Any, types: dict[str, str], where: str) -> PolicyChoice:
    if not isinstance(section, Mapping) or "type" not in section:
        raise InputError("policy section needs 'type' (and optional 'params')", field=where,
                         fix=f"type: one of {', '.join(types)}")
    kind = str(section["type"])
    type_id = types.get(kind, kind if kind.startswith("ns3::") else None)
    if type_id is None:
        raise InputError(f"unknown policy type '{kind}'", field=f"{where}.type",
                         fix=f"use one of {', '.join(types)}")
    return PolicyChoice(kind, type_id, _param_values(section.get("params"), f"{where}.params"))


def _choose(value: Any, preset_doc: dict[str, Any], section: str, types: dict[str, str],
            where: str) -> dict[str, Any]:
    """Policy section from the preset, replaced by a type name or another preset's section."""
    if value is None:
        return preset_doc.get(section) or {"type": "none"}
    if isinstance(value, Mapping):
        return dict(value)
    name = str(value)
    if name in types or name.startswith("ns3::"):
        return {"type": name}
    other = load_preset(name, where)
    if section not in other:
        raise InputError(f"preset '{name}' has no {section} section", field=where,
                         fix="name a preset that defines it, or a type")
    return other[section]


def _policies(fabric: Mapping[str, Any], preset_doc: dict[str, Any]) -> tuple[PolicyChoice, PolicyChoice]:
    """Flow and congestion control: the preset's, a named replacement, then `*_params` overrides."""
    chosen = []
    for kind in POLICY_KINDS:
        types, where = policy_types(kind), f"fabric.{kind}"
        policy = _policy(_choose(fabric.get(kind), preset_doc, kind, types, where), types, where)
        policy.params.update(_param_values(fabric.get(f"{kind}_params"), f"fabric.{kind}_params"))
        chosen.append(policy)
    return chosen[0], chosen[1]


def _device_params(fabric: Mapping[str, Any], preset_doc: dict[str, Any], preset: str,
                   section: str) -> dict[str, Any]:
    """A device section (transport_params, switch_params, nic_params): the preset's, then the file's."""
    params = _param_values(preset_doc.get(section), f"{preset}.{section}")
    params.update(_param_values(fabric.get(section), f"fabric.{section}"))
    return params


_VL_LIST = re.compile(r"^[0-7](,[0-7]){7}$")
_VL_TABLE = re.compile(r"^([0-7]:\d{1,3}(,[0-7]:\d{1,3})*)?$")
_SL_LIST = re.compile(r"^([1-7](,[1-7])*)?$")


def _check_ib_lists(fc: PolicyChoice, net_params: Mapping[str, Any], source: str) -> None:
    """IB list-valued attributes are strings to ns-3: check their shape before the run starts."""
    checks = [(fc.params, "SlToVl", _VL_LIST, "fabric.flow_control_params", "8 VLs 0..7, e.g. 0,1,2,3,4,5,6,7"),
              (fc.params, "VlArbitrationHigh", _VL_TABLE, "fabric.flow_control_params", "vl:weight,... e.g. 1:192,2:64"),
              (fc.params, "VlArbitrationLow", _VL_TABLE, "fabric.flow_control_params", "vl:weight,... e.g. 1:192,2:64"),
              (net_params, "SlByStream", _SL_LIST, "fabric.transport_params", "service levels 1..7, e.g. 1,2")]
    for params, name, pattern, where, fix in checks:
        if params.get(name) is None:
            continue
        value = str(params[name])
        bad = not pattern.match(value) or (
            "Arbitration" in name and value and any(int(e.split(":")[1]) > 255 for e in value.split(",")))
        if bad:
            raise InputError(f"{value!r} is not valid", file=source, field=f"{where}.{name}", fix=fix)


def _base_topology(fabric: Mapping[str, Any], dims: list[Dimension], source: str) -> tuple[Topology, bool]:
    """fabric.topology loaded (a copy), or the ASTRA-sim dimensions mapped to hosts and switches."""
    spec = fabric.get("topology")
    if spec is None:
        if not dims:
            raise InputError("network config has neither fabric.topology nor ASTRA-sim dimensions",
                             file=source, field="topology",
                             fix="add fabric: {topology: <preset>} or topology/npus_count/bandwidth/latency lists")
        return from_astrasim_dims(dims), True
    try:
        topo = load_topology(spec)
    except InputError as exc:
        inline = isinstance(spec, Mapping)  # errors of an inline mapping belong to this file
        file = source if inline or exc.file in (None, "<dict>") else exc.file
        field = f"fabric.topology.{exc.field}" if inline and exc.field else f"fabric.{exc.field or 'topology'}"
        raise InputError(exc.detail, file=file, field=field, fix=exc.fix) from None
    return copy.deepcopy(topo), False


def _link_overrides(fabric: Mapping[str, Any], source: str) -> tuple[float | None, int | None]:
    """fabric.link_gbps [Gbit/s] and fabric.latency_ns, checked (None when absent)."""
    gbps, lat = fabric.get("link_gbps"), fabric.get("latency_ns")
    for key, val in (("link_gbps", gbps), ("latency_ns", lat)):
        if val is not None and (not isinstance(val, (int, float)) or isinstance(val, bool) or val < 0
                                or (key == "link_gbps" and val == 0)):
            raise InputError(f"{val!r} is not a positive number", file=source, field=f"fabric.{key}",
                             fix="give a number, e.g. 400")
    if gbps is not None:
        gbps = number(gbps, file=source, field="fabric.link_gbps", unit="Gb/s", minimum=LIMITS.min_link_gbps,
                      maximum=LIMITS.max_link_gbps, fix="give the link rate in Gb/s, e.g. 400")
    if lat is not None:
        lat = number(lat, file=source, field="fabric.latency_ns", unit="ns", minimum=0,
                     maximum=LIMITS.max_latency_ns, fix="give the link latency in ns, e.g. 500")
    return (None if gbps is None else float(gbps)), (None if lat is None else int(lat))


def _topology(fabric: Mapping[str, Any], dims: list[Dimension], num_npus: int,
              source: str) -> tuple[Topology, bool]:
    topo, mapped = _base_topology(fabric, dims, source)
    gbps, lat = _link_overrides(fabric, source)
    if gbps is not None or lat is not None:
        topo.links = [Link(l.a, l.b, gbps if gbps is not None else l.rate_gbps,
                           lat if lat is not None else l.latency_ns) for l in topo.links]
    slow = [l for l in topo.links if not LIMITS.min_link_gbps <= l.rate_gbps <= LIMITS.max_link_gbps]
    if slow:
        raise InputError(f"link {slow[0].a}-{slow[0].b} runs at {slow[0].rate_gbps:g} Gb/s, outside "
                         f"{LIMITS.min_link_gbps:g}..{LIMITS.max_link_gbps:g} Gb/s", file=source,
                         field="fabric.topology",
                         fix="give link rates of at least 1 Mb/s (slower, one frame outlasts the 10 ms stall watchdog)")
    if topo.num_hosts < num_npus:
        raise InputError(f"topology '{topo.name}' has {topo.num_hosts} hosts but the run needs {num_npus} NPUs",
                         file=source, field="fabric.topology", fix="choose a topology with enough hosts")
    return topo, mapped


def parse_fabric_config(network: NetworkConfig | Mapping[str, Any], num_npus: int,
                        source: str = "<network config>") -> FabricConfig:
    """Validate a network config (typed dimensions + optional `fabric:`) into a FabricConfig;
    a plain mapping is parsed by config.network.parse_network first."""
    try:
        return _parse(_network_config(network, source), num_npus, source)
    except InputError as exc:
        if exc.file is None:  # helpers do not know the file; name it here
            raise InputError(exc.detail, file=source, field=exc.field, fix=exc.fix) from None
        raise


def _network_config(network: NetworkConfig | Mapping[str, Any], source: str) -> NetworkConfig:
    if isinstance(network, NetworkConfig):
        return network
    if not isinstance(network, Mapping):
        raise InputError("network config is not a mapping", file=source, fix="write a YAML mapping")
    return parse_network(dict(network), source=source)


def _fabric_section(network: NetworkConfig, source: str) -> tuple[Mapping[str, Any], str]:
    """The `fabric:` mapping (keys checked) and its transport."""
    fabric = network.fabric or {}
    if not isinstance(fabric, Mapping):
        raise InputError("fabric is not a mapping", file=source, field="fabric", fix="write fabric: {key: value}")
    for key in fabric:
        if key not in FABRIC_KEYS:
            raise InputError(f"unknown key '{key}'", file=source, field=f"fabric.{key}",
                             fix=f"use one of {', '.join(FABRIC_KEYS)}")
    transport = str(fabric.get("transport", "roce"))
    if transport not in DEFAULT_PRESET:
        raise InputError(f"unknown transport '{transport}'", file=source, field="fabric.transport",
                         fix="use roce or ib")
    return fabric, transport


def _parse(network: NetworkConfig, num_npus: int, source: str) -> FabricConfig:
    """The named steps, in the order that decides which error a file with several shows first."""
    fabric, transport = _fabric_section(network, source)
    topo, mapped = _topology(fabric, network.dims, num_npus, source)
    preset = str(fabric.get("preset") or DEFAULT_PRESET[transport])
    preset_doc = load_preset(preset)
    fc, cc = _policies(fabric, preset_doc)
    net_params, sw_params, nic_params = (_device_params(fabric, preset_doc, preset, section)
                                         for section in ("transport_params", "switch_params", "nic_params"))
    _check_ib_lists(fc, net_params, source)
    _apply_modes(fabric, net_params, sw_params, source)
    if topo.switch_buffer_bytes and "switch_buffer_bytes" not in fabric:
        sw_params.setdefault("BufferBytes", topo.switch_buffer_bytes)
    _apply_simple_keys(fabric, {"network": net_params, "switch": sw_params, "nic": nic_params}, source)
    telemetry = _telemetry(fabric, source)
    if telemetry.time_series_interval_ns:
        net_params["SampleIntervalNs"] = telemetry.time_series_interval_ns
    cfg = FabricConfig(transport, topo, preset, fc, cc, net_params, sw_params, nic_params,
                       telemetry.time_series_interval_ns, telemetry.plot_dir, mapped,
                       telemetry.pcap_ports, telemetry.pcap_dir)
    _check_typed(cfg, source)
    cfg.notes = _check_buffers(fabric, cfg, source)
    mtu = cfg.attribute("network", "MtuBytes")
    if transport == "ib" and mtu not in IB_MTUS:
        raise InputError(f"InfiniBand path MTU {mtu} is not an IB MTU",
                         file=source, field="fabric.mtu_bytes", fix=f"use one of {', '.join(map(str, IB_MTUS))}")
    if fc.kind == "ib_credits":
        cfg.buffer_sizing = size_ib_buffers(cfg)
    return cfg


def _apply_modes(fabric: Mapping[str, Any], net_params: dict[str, Any], sw_params: dict[str, Any],
                 source: str) -> None:
    """fabric.completion and fabric.routing, the enum attributes the file names directly."""
    completion = fabric.get("completion")
    if completion is not None:
        if completion not in COMPLETION_MODES:
            raise InputError(f"unknown completion '{completion}'", file=source, field="fabric.completion",
                             fix="use last_byte (default, ASTRA-sim's callback) or ack (the ns-3 reference)")
        net_params["Completion"] = str(completion)
    routing = fabric.get("routing")
    if routing is not None:
        if routing not in ROUTING_MODES:
            raise InputError(f"unknown routing '{routing}'", file=source, field="fabric.routing",
                             fix=f"use one of {', '.join(ROUTING_MODES)}")
        sw_params["Routing"] = str(routing)


# fabric key -> (bridge target, attribute, unit): integer keys that set one attribute each
_SIMPLE_KEYS = {"mtu_bytes": ("network", "MtuBytes", "bytes"),
                "nic_latency_ns": ("nic", "ProcessingDelayNs", "ns"),
                "switch_latency_ns": ("switch", "ForwardingDelayNs", "ns"),
                "switch_buffer_bytes": ("switch", "BufferBytes", "bytes"),
                "headroom_bytes": ("switch", "HeadroomBytes", "bytes")}


def _apply_simple_keys(fabric: Mapping[str, Any], params: dict[str, dict[str, Any]], source: str) -> None:
    for key, (target, attr, unit) in _SIMPLE_KEYS.items():
        val = fabric.get(key)
        if val is None:
            continue
        if not isinstance(val, int) or isinstance(val, bool) or val < 0:
            raise InputError(f"{val!r} is not a non-negative integer", file=source, field=f"fabric.{key}",
                             fix="give an integer")
        params[target][attr] = integer(val, file=source, field=f"fabric.{key}", unit=unit, minimum=0,
                                       maximum=2**63 // 1000 if key.endswith("_ns") else LIMITS.max_bytes,
                                       fix="give a non-negative integer")


@dataclass(frozen=True)
class _Telemetry:
    time_series_interval_ns: int
    plot_dir: str | None
    pcap_ports: list[tuple[int, int]]
    pcap_dir: str


def _telemetry(fabric: Mapping[str, Any], source: str) -> _Telemetry:
    telemetry = fabric.get("telemetry") or {}
    if not isinstance(telemetry, Mapping) or not set(telemetry) <= TELEMETRY_KEYS:
        raise InputError("bad telemetry section", file=source, field="fabric.telemetry",
                         fix=f"use keys {', '.join(sorted(TELEMETRY_KEYS))}")
    interval = telemetry.get("time_series_interval_ns", 0)
    if not isinstance(interval, int) or interval < 0:
        raise InputError(f"{interval!r} is not a non-negative integer", file=source,
                         field="fabric.telemetry.time_series_interval_ns", fix="give ns, e.g. 1000")
    interval = integer(interval, file=source, field="fabric.telemetry.time_series_interval_ns", unit="ns",
                       minimum=0, maximum=2**63 // 1000, fix="give ns, e.g. 1000")
    pcap = telemetry.get("pcap_ports") or []
    if not isinstance(pcap, list) or not all(
            isinstance(x, (list, tuple)) and len(x) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**32 for v in x) for x in pcap):
        raise InputError(f"{pcap!r} is not a list of [node, port] pairs", file=source,
                         field="fabric.telemetry.pcap_ports", fix="e.g. pcap_ports: [[0, 0], [8, 1]]")
    return _Telemetry(interval, telemetry.get("plot_dir"), [tuple(x) for x in pcap],
                      str(telemetry.get("pcap_dir") or "."))


def _check_typed(cfg: FabricConfig, source: str) -> None:
    """Every attribute value made the type of its C++ attribute (registry), or the field named.

    `auto` IB buffer sizes stay for size_ib_buffers to resolve."""
    for _, type_id, params, where in cfg.targets():
        pending = {k: v for k, v in params.items()
                   if k in BUFFER_ATTRS.values() and str(v).strip().lower() == AUTO}
        checked = check_attributes(type_attributes(type_id), {k: v for k, v in params.items() if k not in pending},
                                   type_name=type_id, source=source, where=where)
        params.update(checked)


def frame_bytes(cfg: FabricConfig) -> int:
    """A full data frame as a switch buffers it: MTU payload plus the data headers [bytes]."""
    return int(cfg.attribute("network", "MtuBytes")) + int(cfg.attribute("network", "DataHeaderBytes"))


def _check_buffers(fabric: Mapping[str, Any], cfg: FabricConfig, source: str) -> list[str]:
    """Buffer settings that cannot work, refused before the run instead of stalling in it.

    A lossy fabric (no flow control) may be given a tiny buffer on purpose, to study drops and
    the stall watchdog; the stall message then says why (Ns3Backend.run)."""
    if cfg.transport == "ib":  # a study may sweep the transport over one base file: say it, do not refuse
        return (["fabric.switch_buffer_bytes is not used by InfiniBand switches (they buffer per VL); "
                 "set fabric.flow_control_params.SwitchBufferBytesPerVl"] if "switch_buffer_bytes" in fabric else [])
    buffer = cfg.switch_params.get("BufferBytes")
    if cfg.transport != "roce" or buffer is None:
        return []
    headroom = int(cfg.attribute("switch", "HeadroomBytes"))
    mtu, frame = int(cfg.attribute("network", "MtuBytes")), frame_bytes(cfg)
    buffer_field = ("fabric.switch_buffer_bytes" if "switch_buffer_bytes" in fabric
                    else "fabric.switch_params.BufferBytes")
    if buffer < frame and not cfg.flow_control.type_id.endswith("NoFlowControl"):
        raise InputError(f"a switch buffer of {buffer} bytes cannot hold one {frame}-byte frame "
                         f"(MTU {mtu} + {frame - mtu} header bytes)", file=source,
                         field=buffer_field, fix=f"give at least {frame} bytes, or a smaller mtu_bytes")
    if headroom >= buffer:
        raise InputError(f"PFC headroom of {headroom} bytes per port is not below the {buffer}-byte switch buffer",
                         file=source, field="fabric.headroom_bytes" if "headroom_bytes" in fabric
                         else "fabric.switch_params.HeadroomBytes",
                         fix="give a headroom well below the buffer (0 = automatic)")
    return []


def describe_topology(topo: Topology) -> str:
    """One line naming the physical fabric (printed when ASTRA-sim dims were mapped)."""
    rates = sorted({l.rate_gbps for l in topo.links})
    lats = sorted({l.latency_ns for l in topo.links})
    return (f"fabric '{topo.name}': {topo.num_hosts} hosts, {topo.num_switches} switches, "
            f"{len(topo.links)} links at {'/'.join(f'{r:g}' for r in rates)} Gb/s, "
            f"{'/'.join(str(x) for x in lats)} ns, hosts_forward={topo.hosts_forward}")
