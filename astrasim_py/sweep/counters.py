"""Headline fabric counters and warnings of one run's result document, as flat scalar columns."""

from __future__ import annotations

from typing import Any

# Column name -> where it lives in result["fabric"] (a path of keys). Units are in the names.
FABRIC_COUNTER_PATHS: dict[str, tuple[str, ...]] = {
    "pfc_pause_frames": ("pfc_pause_frames",),
    "pfc_paused_ns": ("pfc_paused_ns",),
    "credit_stall_ns": ("flow_control_stats", "credit_stall_ns"),
    "ecn_marks": ("ecn_marks",),
    "cnps": ("cnps",),
    "fecn_marked": ("congestion_control_stats", "fecn_marked"),
    "becn_received": ("congestion_control_stats", "becn_received"),
    "dcqcn_rate_cuts": ("congestion_control_stats", "rate_cuts"),
    "drops": ("drops",),
    "retransmitted_packets": ("retransmitted_packets",),
    "timeouts": ("timeouts",),
    "max_queue_bytes": ("max_queue_bytes",),
    "max_switch_buffer_bytes": ("max_switch_buffer_bytes",),
    "delivered_bytes": ("delivered_bytes",),
    "data_packets": ("data_packets",),
}
FABRIC_TEXT_COLUMNS = ("transport", "cc_preset")
IDEAL_COLUMNS = ("ideal_max_finish_ns", "slowdown")
WARNING_COLUMNS = ("num_warnings", "warnings")
COUNTER_COLUMNS = (*FABRIC_TEXT_COLUMNS, *FABRIC_COUNTER_PATHS, *IDEAL_COLUMNS, *WARNING_COLUMNS)
WARNING_SEPARATOR = " | "


def _dig(doc: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc if isinstance(doc, (int, float)) and not isinstance(doc, bool) else None


def result_warnings(result: dict[str, Any]) -> list[str]:
    """Every warning a run reported: the result's own, the fabric's and the fabric configuration's, once each."""
    fabric = result.get("fabric") or {}
    found: list[str] = []
    for source in (result.get("warnings"), fabric.get("warnings"), (fabric.get("config") or {}).get("warnings")):
        for line in source or []:
            text = " ".join(str(line).split())
            if text and text not in found:
                found.append(text)
    return found


def slowdown(result: dict[str, Any], ideal: dict[str, Any] | None) -> float | None:
    """Finish time over the ideal (analytical) finish time, or None without an ideal."""
    if not ideal:
        return None
    finish, ideal_finish = result.get("max_finish_ns"), ideal.get("max_finish_ns")
    if not isinstance(finish, (int, float)) or not isinstance(ideal_finish, (int, float)) or ideal_finish <= 0:
        return None
    return round(finish / ideal_finish, 6)


def counter_columns(result: dict[str, Any] | None) -> dict[str, Any]:
    """The fabric counters, ideal time, slowdown and warnings of a result (None where absent)."""
    result = result or {}
    fabric = result.get("fabric") or {}
    config = fabric.get("config") or {}
    row: dict[str, Any] = {"transport": config.get("transport"), "cc_preset": config.get("preset")}
    for column, path in FABRIC_COUNTER_PATHS.items():
        row[column] = _dig(fabric, path)
    ideal = result.get("ideal")
    row["ideal_max_finish_ns"] = ideal.get("max_finish_ns") if isinstance(ideal, dict) else None
    row["slowdown"] = slowdown(result, ideal if isinstance(ideal, dict) else None)
    warnings = result_warnings(result)
    row["num_warnings"] = len(warnings) if result else None
    row["warnings"] = WARNING_SEPARATOR.join(warnings)
    return row
