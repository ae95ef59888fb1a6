"""Turn every fabric attribute value into the typed value its C++ attribute takes, or name the fix.

The TypeId registry (the bridge's TypeRegistry / DescribeAttributes) names each attribute's value
type (`ns3::UintegerValue`, `ns3::DoubleValue`, ...) and range (`uint32_t 64:65536`; a time,
held as a number in the unit of its name, reads `time_us 0:9.2e+12`). A YAML value is checked
against them here, so that a bad one is refused with the field and the fix before the run, and
reaches C++ as a Python float, int, bool or str that the bridge's SetAttribute reads through the
CPython API into the attribute's value type: no number travels as text.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from astrasim_py.errors import InputError

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^(\S+)\s+({_NUMBER}|-?inf):({_NUMBER}|inf)$")
_TRUE, _FALSE = ("true", "1", "t"), ("false", "0", "f")
def _bound(text: str) -> float | int:
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)


def _range(text: str) -> tuple[str, float | int, float | int] | None:
    """(type name, minimum, maximum) of a checker's range text, or None."""
    match = _RANGE.match(text.strip())
    return (match.group(1), _bound(match.group(2)), _bound(match.group(3))) if match else None


def _as_number(value: Any) -> float | int | None:
    """A YAML number (or a numeric string) as a Python number; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and re.fullmatch(_NUMBER, value.strip()):
        text = value.strip()
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    return None


def _check_double(value: Any, range_text: str) -> tuple[Any, str]:
    kind, low, high = _range(range_text) or ("double", -math.inf, math.inf)
    if kind.startswith("time_"):
        unit = kind[len("time_"):]
        shown = f"a time in {unit}: a number >= 0 and below 2^63 ps (106 days), e.g. 10"
    else:
        shown = f"a finite number in {low:g}..{high:g}"
    number = _as_number(value)
    if number is None or not math.isfinite(number) or not low <= number <= high:
        return None, shown
    return float(number), ""


def _check_integer(value: Any, range_text: str) -> tuple[Any, str]:
    _, low, high = _range(range_text) or ("", -math.inf, math.inf)
    shown = f"an integer in {low}..{high}"
    number = _as_number(value)
    if number is None or not math.isfinite(number) or not float(number).is_integer():
        return None, shown
    exact = int(number)
    if not low <= exact <= high:
        return None, shown
    return exact, ""


def _check_bool(value: Any) -> tuple[Any, str]:
    if isinstance(value, bool):
        return value, ""
    text = str(value).strip().lower()
    if isinstance(value, (int, str)) and text in _TRUE + _FALSE:
        return text in _TRUE, ""
    return None, "true or false"


def check_value(name: str, value: Any, checker: str, range_text: str) -> tuple[Any, str]:
    """(the typed value the attribute takes, "") or (None, what is wrong and what would be right)."""
    if checker == "ns3::DoubleValue":
        return _check_double(value, range_text)
    if checker in ("ns3::UintegerValue", "ns3::IntegerValue"):
        return _check_integer(value, range_text)
    if checker == "ns3::BooleanValue":
        return _check_bool(value)
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if checker.startswith("ns3::EnumValue"):
        choices = [c for c in range_text.split("|") if c]
        if choices and text not in choices:
            return None, "one of " + ", ".join(choices)
    return text, ""  # strings and structured values (their C++ parser reports errors itself)


def check_attributes(described: Mapping[str, Mapping[str, str]], params: Mapping[str, Any], *,
                     type_name: str, source: str, where: str) -> dict[str, Any]:
    """Every value of params checked against described[name]; returns the typed values.

    Unknown names pass through (the bridge's setter reports them with the type's name)."""
    out = {}
    for name, value in params.items():
        info = described.get(name)
        if info is None:
            out[name] = value
            continue
        accepted, expected = check_value(name, value, info.get("checker", ""), info.get("range", ""))
        if accepted is None:
            raise InputError(f"{value!r} is not valid for {type_name}::{name}", file=source,
                             field=f"{where}.{name}", fix=f"give {expected}")
        out[name] = accepted
    return out


def set_attribute(bridge: Any, target: str, name: str, value: Any) -> str:
    """Hand one checked value (float, int, bool or str) to the bridge's typed setter; "" or its error."""
    if not isinstance(value, (bool, int, float, str)):
        value = str(value)  # an unknown attribute's value: the bridge names the attribute
    return str(bridge.SetAttribute(target, name, value))
