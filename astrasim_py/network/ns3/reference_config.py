"""The ns-3 reference's `config.txt` (astra-network-ns3): map its keys to our fabric attributes.

The file is a flat token stream `KEY value...` (keys and value counts in
specs/ns3_models.md section 1). Every key is either mapped to an attribute, accepted as having
no effect here (output files, keys the reference itself ignores), or refused with one line
naming the key and why. A reference config implies the preset `astrasim_ns3_compat`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astrasim_py.errors import InputError
from astrasim_py.safe_io import read_text
from astrasim_py.topology.ns3_text import parse_rate_gbps

# key -> number of value tokens (maps: a count n, then n pairs)
_ARITY = {
    "ENABLE_QCN": 1, "USE_DYNAMIC_PFC_THRESHOLD": 1, "PACKET_PAYLOAD_SIZE": 1, "TOPOLOGY_FILE": 1,
    "FLOW_FILE": 1, "TRACE_FILE": 1, "TRACE_OUTPUT_FILE": 1, "FCT_OUTPUT_FILE": 1, "PFC_OUTPUT_FILE": 1,
    "SIMULATOR_STOP_TIME": 1, "CC_MODE": 1, "ALPHA_RESUME_INTERVAL": 1, "RATE_DECREASE_INTERVAL": 1,
    "CLAMP_TARGET_RATE": 1, "RP_TIMER": 1, "EWMA_GAIN": 1, "FAST_RECOVERY_TIMES": 1, "RATE_AI": 1,
    "RATE_HAI": 1, "MIN_RATE": 1, "DCTCP_RATE_AI": 1, "ERROR_RATE_PER_LINK": 1, "L2_CHUNK_SIZE": 1,
    "L2_ACK_INTERVAL": 1, "L2_BACK_TO_ZERO": 1, "HAS_WIN": 1, "GLOBAL_T": 1, "VAR_WIN": 1,
    "FAST_REACT": 1, "U_TARGET": 1, "MI_THRESH": 1, "INT_MULTI": 1, "MULTI_RATE": 1,
    "SAMPLE_FEEDBACK": 1, "PINT_LOG_BASE": 1, "PINT_PROB": 1, "NIC_TOTAL_PAUSE_TIME": 1,
    "RATE_BOUND": 1, "ACK_HIGH_PRIO": 1, "LINK_DOWN": 3, "ENABLE_TRACE": 1, "KMAX_MAP": -1,
    "KMIN_MAP": -1, "PMAX_MAP": -1, "BUFFER_SIZE": 1, "QLEN_MON_FILE": 1, "QLEN_MON_START": 1,
    "QLEN_MON_END": 1, "PAUSE_TIME": 1, "DATA_RATE": 1, "LINK_DELAY": 1, "HEADROOM_FACTOR": 1,
}
_NO_EFFECT = {
    "FLOW_FILE": "flow list, unused by ASTRA-sim", "TRACE_FILE": "packet-trace node list (output)",
    "TRACE_OUTPUT_FILE": "packet trace (output)", "FCT_OUTPUT_FILE": "per-QP fct lines (output)",
    "PFC_OUTPUT_FILE": "PFC frame log (output; counts are in the result JSON)",
    "QLEN_MON_FILE": "queue sampler (output; use fabric.telemetry)", "QLEN_MON_START": "queue sampler",
    "QLEN_MON_END": "queue sampler", "ENABLE_TRACE": "packet trace (output)",
    "SIMULATOR_STOP_TIME": "unused by the reference's ASTRA-sim frontend",
    "USE_DYNAMIC_PFC_THRESHOLD": "read by no code in the reference (dynamic threshold always on)",
    "PAUSE_TIME": "the reference never times pauses (PauseUntilResume)",
    "DATA_RATE": "unused by the reference (rates come from the topology)",
    "LINK_DELAY": "unused by the reference (delays come from the topology)",
}
_CC_ONLY = {"DCTCP_RATE_AI": (8,), "FAST_REACT": (3, 10), "U_TARGET": (3, 10), "MI_THRESH": (3, 10),
            "INT_MULTI": (3, 10), "MULTI_RATE": (3, 10), "SAMPLE_FEEDBACK": (3, 10),
            "PINT_LOG_BASE": (10,), "PINT_PROB": (10,)}
_DCQCN = {"ALPHA_RESUME_INTERVAL": "AlphaUpdatePeriodUs", "RATE_DECREASE_INTERVAL": "RateDecreaseIntervalUs",
          "RP_TIMER": "RpTimerUs", "EWMA_GAIN": "G", "FAST_RECOVERY_TIMES": "FastRecoverySteps",
          "RATE_AI": "RateAiMbps", "RATE_HAI": "RateHaiMbps", "MIN_RATE": "MinRateMbps",
          "CLAMP_TARGET_RATE": "ClampTargetRate"}
# Keys whose only supported value is "0": (what is not modelled, fix, what "0" maps to).
_MUST_BE_ZERO = {
    "L2_BACK_TO_ZERO": ("go-back-to-chunk-start is not modelled", "use L2_BACK_TO_ZERO 0 (go-back-N)",
                        "go-back-N (ours)"),
    "GLOBAL_T": ("a network-wide max-BDP window is not modelled", "use GLOBAL_T 0 (per-pair BDP)",
                 "per-pair BDP (BdpWindow)"),
    "NIC_TOTAL_PAUSE_TIME": ("the PCIe-pause emulation is not modelled", "use NIC_TOTAL_PAUSE_TIME 0",
                             "NICs send no PFC"),
}
_TRANSPORT_FLAGS = {"HAS_WIN": "BdpWindow", "VAR_WIN": "WindowScalesWithRate"}  # 0/1 -> transport bool
_CC_NAMES = {1: "dcqcn", 3: "hpcc", 7: "timely", 8: "dctcp", 10: "hpcc_pint"}
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_KIND = "ns-3 reference config.txt"


@dataclass
class ReferenceConfig:
    """A parsed config.txt: our network document and the printed key -> attribute mapping."""

    network: dict[str, Any]
    mapping: list[str] = field(default_factory=list)


def looks_like_reference_config(path: str) -> bool:
    """True when the file starts with a known config.txt key (not YAML/JSON)."""
    try:
        head = read_text(path, _KIND)[:4096].split()
    except InputError:  # not a readable UTF-8 text file: not a config.txt either
        return False
    return bool(head) and head[0] in _ARITY


def _tokens(path: str) -> list[tuple[str, list[str]]]:
    words = read_text(path, _KIND).split()  # regular file, size-bounded, UTF-8 (safe_io)
    out, i = [], 0
    while i < len(words):
        key = words[i]
        if key not in _ARITY:
            fix = "remove it (the reference would skip it silently and misread the next token)"
            raise InputError(f"unknown config.txt key '{key}'", file=path, field=key, fix=fix)
        n = _ARITY[key]
        if n < 0:  # map: count, then pairs
            if i + 1 >= len(words) or not words[i + 1].isdigit():
                raise InputError("map needs a count, then that many 'rate value' pairs", file=path,
                                 field=key, fix=f"e.g. {key} 1 400000000000 800")
            n = 1 + 2 * int(words[i + 1])
        values = words[i + 1:i + 1 + n]
        if len(values) < n or any(_KEY.match(v) and v in _ARITY for v in values):
            raise InputError(f"needs {n} value(s)", file=path, field=key, fix="give the key its values")
        out.append((key, values))
        i += 1 + n
    return out


def _number(path: str, key: str, text: str, kind=float):
    try:
        return kind(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number", file=path, field=key, fix="write a number") from None


def _mbps(path: str, key: str, text: str) -> float:
    try:
        return parse_rate_gbps(text) * 1000.0
    except ValueError:
        raise InputError(f"{text!r} is not a data rate", file=path, field=key, fix="e.g. 50Mb/s") from None


def _resolve(path: str, value: str) -> str:
    """Paths as the reference reads them (working dir), then beside the config file."""
    folder = str(Path(path).resolve().parent)
    value = value.replace("<CONFIG_DIR>", folder)
    if Path(value).is_file():
        return value
    beside = Path(folder) / value
    return str(beside) if beside.is_file() else value


def parse_reference_config(path: str) -> ReferenceConfig:
    """Map a config.txt to {'fabric': {...}} on top of the astrasim_ns3_compat preset."""
    items = _tokens(path)
    keys = dict(items)
    cc_mode = _number(path, "CC_MODE", keys.get("CC_MODE", ["1"])[0], int)
    mapping: list[str] = []
    fabric: dict[str, Any] = {"preset": "astrasim_ns3_compat"}
    transport: dict[str, Any] = {}
    switch: dict[str, Any] = {}
    ccp: dict[str, Any] = {}

    def refuse(key: str, why: str, fix: str) -> None:
        raise InputError(f"cannot honour {key} {' '.join(keys[key])}: {why}", file=path, field=key, fix=fix)

    if "TOPOLOGY_FILE" not in keys:
        raise InputError("no TOPOLOGY_FILE", file=path, field="TOPOLOGY_FILE",
                         fix="add TOPOLOGY_FILE <path to the topology .txt>")
    cc_name = _CC_NAMES.get(cc_mode)
    if cc_name and cc_name != "dcqcn":
        from astrasim_py.network.ns3.registry import policy_types
        if cc_name not in policy_types("congestion_control"):
            refuse("CC_MODE", f"{cc_name} is not available in this build", "use CC_MODE 1 (DCQCN) or 12 (none)")
    for key, values in items:
        v = values[0] if values else ""
        if key in _NO_EFFECT:
            mapping.append(f"{key} -> no effect ({_NO_EFFECT[key]})")
        elif key == "TOPOLOGY_FILE":
            fabric["topology"] = _resolve(path, v)
            mapping.append(f"{key} -> fabric.topology = {fabric['topology']}")
        elif key == "PACKET_PAYLOAD_SIZE":
            fabric["mtu_bytes"] = _number(path, key, v, int)
            mapping.append(f"{key} -> fabric.mtu_bytes = {fabric['mtu_bytes']}")
        elif key == "BUFFER_SIZE":
            fabric["switch_buffer_bytes"] = int(_number(path, key, v) * 1024 * 1024)
            mapping.append(f"{key} -> fabric.switch_buffer_bytes = {fabric['switch_buffer_bytes']} (MB x 2^20)")
        elif key == "HEADROOM_FACTOR":
            switch["HeadroomFactor"] = _number(path, key, v)
            mapping.append(f"{key} -> FabricSwitch HeadroomFactor = {switch['HeadroomFactor']:g}")
        elif key == "CC_MODE":
            mapping.append(f"{key} {cc_mode} -> congestion_control = {cc_name or 'none'}"
                           + ("" if cc_name else " (the reference runs no CC for this mode)"))
        elif key == "ENABLE_QCN":
            mapping.append(f"{key} {v} -> ECN marking {'on' if v != '0' else 'off'}")
        elif key in ("KMIN_MAP", "KMAX_MAP", "PMAX_MAP"):
            mapping.append(f"{key} -> DCQCN EcnThresholdsByGbps (KB x 1000 per link rate)")
        elif key in _DCQCN:
            if cc_mode != 1:
                mapping.append(f"{key} -> unused by CC_MODE {cc_mode}")
                continue
            attr = _DCQCN[key]
            if key in ("RATE_AI", "RATE_HAI", "MIN_RATE"):
                ccp[attr] = _mbps(path, key, v)
            elif key == "CLAMP_TARGET_RATE":
                ccp[attr] = v != "0"
            elif key == "FAST_RECOVERY_TIMES":
                ccp[attr] = _number(path, key, v, int)
            else:
                ccp[attr] = _number(path, key, v)
            if key == "RP_TIMER" and ccp[attr] <= 0:
                refuse(key, "a zero rate-increase timer fires without end", "give RP_TIMER in us, e.g. 900")
            mapping.append(f"{key} -> DCQCN {attr} = {ccp[attr]}")
        elif key in _CC_ONLY:
            if cc_mode in _CC_ONLY[key]:
                refuse(key, f"not mapped for CC_MODE {cc_mode}", "use CC_MODE 1 or 12")
            mapping.append(f"{key} -> unused by CC_MODE {cc_mode}")
        elif key == "L2_ACK_INTERVAL":
            if _number(path, key, v, int) < 1:
                refuse(key, "0 disables ACKs and the reference's QPs never complete", "use L2_ACK_INTERVAL 1")
            transport["AckIntervalPackets"] = 1
            mapping.append(f"{key} {v} -> AckIntervalPackets = 1 (the reference ACKs every in-order packet "
                           "after the first interval)")
        elif key == "L2_CHUNK_SIZE":
            mapping.append(f"{key} -> no effect (extra ACK points; every packet is ACKed already)")
        elif key in _MUST_BE_ZERO:
            if v != "0":
                refuse(key, *_MUST_BE_ZERO[key][:2])
            mapping.append(f"{key} 0 -> {_MUST_BE_ZERO[key][2]}")
        elif key in _TRANSPORT_FLAGS:
            attr = _TRANSPORT_FLAGS[key]
            transport[attr] = v != "0"
            mapping.append(f"{key} {v} -> {attr} = {transport[attr]}")
        elif key == "RATE_BOUND":
            if v == "0":
                refuse(key, "line-rate pacing with a CC-limited window only is not modelled",
                       "use RATE_BOUND 1 (pace at the QP rate)")
            mapping.append(f"{key} 1 -> QPs paced at their CC rate (ours)")
        elif key == "ACK_HIGH_PRIO":
            # The reference's common.h only moves the host's ACK queue (RdmaEgressQueue::ack_q_idx);
            # it never sets the switches' AckHighPrio, so switches keep ACKs in the data queue either way.
            transport["AcksAtDataPriority"] = True
            mapping.append(f"{key} {v} -> AcksAtDataPriority = True (the reference's switches queue "
                           f"ACKs with the data whatever the key says"
                           + ("; its hosts' ACK queue ignores PAUSE, not modelled)" if v != "0" else ")"))
        elif key == "ERROR_RATE_PER_LINK":
            if _number(path, key, v) != 0:
                refuse(key, "random link loss is not modelled", "use ERROR_RATE_PER_LINK 0")
            mapping.append(f"{key} 0 -> lossless links")
        elif key == "LINK_DOWN":
            if values != ["0", "0", "0"]:
                refuse(key, "link failures are not modelled", "use LINK_DOWN 0 0 0")
            mapping.append(f"{key} 0 0 0 -> no link failure")
    qcn = keys.get("ENABLE_QCN", ["1"])[0] != "0"
    if cc_mode == 1:
        fabric["congestion_control"] = "dcqcn_astrasim_ref"
        ccp.setdefault("DecreaseOnTimer", True)
        maps = {k: keys[k] for k in ("KMIN_MAP", "KMAX_MAP", "PMAX_MAP") if k in keys}
        if maps:
            ccp["EcnThresholdsByGbps"] = _ecn_maps(path, maps)
        if not qcn:  # DCQCN without marking: the RP never hears of congestion
            ccp.update({"EcnThresholdsByGbps": "", "KminBytes": 2**62, "KmaxBytes": 2**62, "Pmax": 0})
        else:
            _add_to_cc_line(mapping, _first_draw_stream(fabric["topology"], ccp))
        fabric["congestion_control_params"] = ccp
    elif cc_name:
        fabric["congestion_control"] = cc_name
    if transport:
        fabric["transport_params"] = transport
    if switch:
        fabric["switch_params"] = switch
    return ReferenceConfig({"fabric": fabric}, mapping)


def _first_draw_stream(topology_path: str, ccp: dict[str, Any]) -> str:
    """Set FreshStreamPerDraw to the reference's K0 on this topology; return the mapping line."""
    from astrasim_py.network.ns3.reference_streams import reference_first_draw_stream
    from astrasim_py.topology.ns3_text import read_ns3_topology

    topo = read_ns3_topology(topology_path)
    ccp["FreshStreamPerDraw"] = reference_first_draw_stream(topo)
    return (f"ECN draw k from ns-3 stream FreshStreamPerDraw = {ccp['FreshStreamPerDraw']} + k (the streams "
            f"the reference's set-up takes first: 9 per node x {topo.num_hosts + topo.num_switches} + 2)")


def _add_to_cc_line(mapping: list[str], text: str) -> None:
    """Append to the CC_MODE mapping line (one printed line per config key), or add one."""
    for i, line in enumerate(mapping):
        if line.startswith("CC_MODE "):
            mapping[i] = f"{line}; {text}"
            return
    mapping.append(text)


def _ecn_maps(path: str, maps: dict[str, list[str]]) -> str:
    """KMIN/KMAX/PMAX maps -> EcnThresholdsByGbps text ('<Gb/s>:<Kmin B>:<Kmax B>:<Pmax>,...')."""
    tables: dict[str, dict[float, float]] = {}
    for key, values in maps.items():
        pairs = values[1:]
        tables[key] = {_number(path, key, pairs[i]) / 1e9: _number(path, key, pairs[i + 1])
                       for i in range(0, len(pairs), 2)}
    rates = sorted(set().union(*[set(t) for t in tables.values()]))
    for key in ("KMIN_MAP", "KMAX_MAP", "PMAX_MAP"):
        missing = [r for r in rates if r not in tables.get(key, {})]
        if missing:
            raise InputError(f"rate {missing[0]:g} Gb/s is missing", file=path, field=key,
                             fix="give every link rate in all three maps")
    entries = [f"{r:g}:{int(tables['KMIN_MAP'][r] * 1000)}:{int(tables['KMAX_MAP'][r] * 1000)}:"
               f"{tables['PMAX_MAP'][r]:g}" for r in rates]
    return ",".join(entries)
