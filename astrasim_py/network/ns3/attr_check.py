"""Check every ns-3 attribute value in Python against the attribute's type before SetAttribute.

ns-3 aborts the whole process (NS_FATAL_ERROR, then a gdb backtrace) on some strings it cannot
parse, e.g. `abc` for a Time or `[1, 2]` for an unsigned integer, and it schedules a negative
Time as a "Negative delay" assertion. The bridge's DescribeAttributes names each attribute's
value type and range (`ns3::UintegerValue`, `uint32_t 64:65536`); this module checks a value
against them and returns the string ns-3 will accept (`1.0` for an integer becomes `1`).
"""

from __future__ import annotations

import math
import re
from typing import Mapping

from astrasim_py.errors import InputError

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TIME = re.compile(rf"^({_NUMBER})(y|d|h|min|s|ms|us|ns|ps|fs)?$")
_PS_PER_UNIT = {"y": 365 * 86400e12, "d": 86400e12, "h": 3600e12, "min": 60e12, "s": 1e12, "ms": 1e9,
                "us": 1e6, "ns": 1e3, "ps": 1.0, "fs": 1e-3, None: 1e12}
_MAX_TIME_PS = 2**63 - 1  # ns-3 stores Time as signed 64-bit picoseconds
_RANGE = re.compile(rf"^\S+\s+({_NUMBER}|-?inf):({_NUMBER}|inf)$")
_TRUE, _FALSE = ("true", "1", "t"), ("false", "0", "f")


def _bound(text: str) -> float | int:
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)


def _range(text: str) -> tuple[float | int, float | int] | None:
    match = _RANGE.match(text.strip())
    return (_bound(match.group(1)), _bound(match.group(2))) if match else None


def check_value(name: str, value: str, checker: str, range_text: str) -> tuple[str | None, str]:
    """(the value ns-3 will accept, "") or (None, what is wrong and what would be right)."""
    text = value.strip()
    if checker == "ns3::TimeValue":
        match = _TIME.match(text)
        if not match:
            return None, "a time: a number with a unit s, ms, us or ns (e.g. 10us)"
        ps = float(match.group(1)) * _PS_PER_UNIT[match.group(2)]
        if not math.isfinite(ps) or ps < 0 or ps > _MAX_TIME_PS:
            return None, "a time >= 0 and below 2^63 ps (106 days)"
        return text, ""
    if checker in ("ns3::UintegerValue", "ns3::IntegerValue"):
        bounds = _range(range_text) or (-math.inf, math.inf)
        shown = f"an integer in {bounds[0]}..{bounds[1]}"
        if not re.fullmatch(_NUMBER, text):
            return None, shown
        number = float(text)
        if not math.isfinite(number) or not number.is_integer():
            return None, shown
        exact = int(text) if re.fullmatch(r"[+-]?\d+", text) else int(number)
        if not bounds[0] <= exact <= bounds[1]:
            return None, shown
        return str(exact), ""
    if checker == "ns3::DoubleValue":
        bounds = _range(range_text) or (-math.inf, math.inf)
        shown = f"a finite number in {bounds[0]:g}..{bounds[1]:g}"
        if not re.fullmatch(_NUMBER, text):
            return None, shown
        number = float(text)
        if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
            return None, shown
        return text, ""
    if checker == "ns3::BooleanValue":
        if text.lower() in _TRUE + _FALSE:
            return ("true" if text.lower() in _TRUE else "false"), ""
        return None, "true or false"
    if checker.startswith("ns3::EnumValue"):
        choices = [c for c in range_text.split("|") if c]
        if choices and text not in choices:
            return None, "one of " + ", ".join(choices)
        return text, ""
    return value, ""  # strings and structured values (their C++ parser reports errors itself)


def check_attributes(described: Mapping[str, Mapping[str, str]], params: Mapping[str, str], *,
                     type_name: str, source: str, where: str) -> dict[str, str]:
    """Every value of params checked against described[name]; returns the normalised values.

    Unknown names pass through (SetAttribute reports them with the type's name)."""
    out = {}
    for name, value in params.items():
        info = described.get(name)
        if info is None:
            out[name] = value
            continue
        accepted, expected = check_value(name, str(value), info.get("checker", ""), info.get("range", ""))
        if accepted is None:
            raise InputError(f"{value!r} is not valid for {type_name}::{name}", file=source,
                             field=f"{where}.{name}", fix=f"give {expected}")
        out[name] = accepted
    return out
