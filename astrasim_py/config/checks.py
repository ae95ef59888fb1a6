"""One check for every number read from an input file or flag: finite, in range, integral
where it must be, with its unit in the message.

Use from any loader or CLI command:

    from astrasim_py.config.checks import number, integer, LIMITS
    gbps = number(value, file=path, field="bandwidth[0]", unit="GB/s", minimum=LIMITS.min_bandwidth_GBps,
                  maximum=LIMITS.max_bandwidth_GBps)
    npus = integer(value, file=path, field="npus_count[0]", minimum=2, maximum=LIMITS.max_npus)

Both raise `InputError` (exit code 2) naming the file, the field, the allowed range and the fix.
Bools are never numbers (YAML's `yes` is True); NaN and infinities never pass; a float with a
fraction never passes as an integer. `LIMITS` holds the bounds that keep a run inside 64-bit
nanoseconds and the machine's memory; `check_time_ns` guards a computed time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from astrasim_py.errors import InputError

MAX_NS = 2**63 - 1  # simulated times are signed 64-bit nanoseconds (ns-3's Time, ASTRA-sim's Tick)


@dataclass(frozen=True)
class Limits:
    """Upper and lower bounds on inputs; each one says why in its comment."""

    max_npus: int = 1 << 17  # ~10 KB of Python state per NPU: 131072 NPUs is already ~1.5 GB
    max_hosts: int = 1 << 17  # the same for the physical fabric's hosts (ns-3 nodes)
    max_dataset_splits: int = 1024  # chunk scheduling grows ~quadratically: 1024 splits ~1 s per collective
    max_bytes: int = 1 << 50  # 1 PiB per message/collective: 2^63 B would take ~2^63 ns anyway
    min_bandwidth_GBps: float = 1e-6  # 1 KB/s: a 1 MiB message already takes 1e12 ns
    max_bandwidth_GBps: float = 1e9  # 1 EB/s, far above any link
    min_link_gbps: float = 1e-3  # ns-3 fabric link: 1 Mb/s; below, one frame takes > 10 ms
    max_link_gbps: float = 1e7
    max_latency_ns: float = 1e15  # 11.6 days per hop
    max_duration_micros: int = (MAX_NS // 1000) // 1024  # leaves room for 1024 sequential nodes
    max_seed: int = 4294967086  # ns-3's MRG32k3a seed must be < m1 = 4294967087


LIMITS = Limits()


def _where(file: str | None, field: str | None) -> dict[str, str | None]:
    return {"file": file, "field": field}


def _describe_range(minimum: float | None, maximum: float | None, min_exclusive: bool, unit: str) -> str:
    def show(x: float) -> str:
        return str(x) if isinstance(x, int) else f"{x:g}"

    lo = "" if minimum is None else (f"> {show(minimum)}" if min_exclusive else f">= {show(minimum)}")
    hi = "" if maximum is None else f"<= {show(maximum)}"
    text = " and ".join(x for x in (lo, hi) if x)
    return f"{text} {unit}".strip() if text else "a finite number"


def _require_numeric(value: Any, kind: str, allowed: str, fix: str | None, file: str | None,
                     field: str | None) -> str:
    """InputError unless value is an int or float (never a bool); returns the fix text to show."""
    example = fix or f"write {kind} {allowed}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"must be {kind} {allowed}, got {value!r}", **_where(file, field),
                         fix=f"{example}, without quotes or a unit")
    return example


def number(value: Any, *, file: str | None = None, field: str | None = None, unit: str = "",
           minimum: float | None = None, maximum: float | None = None, min_exclusive: bool = False,
           fix: str | None = None) -> float:
    """A finite number in [minimum, maximum] (or (minimum, ...] when min_exclusive); returns float."""
    allowed = _describe_range(minimum, maximum, min_exclusive, unit)
    example = _require_numeric(value, "a number", allowed, fix, file, field)
    if isinstance(value, int):
        if abs(value) > 2**1023:
            raise InputError(f"{value} is out of range (must be {allowed})", **_where(file, field), fix=example)
        value = float(value)
    if not math.isfinite(value):
        raise InputError(f"must be finite, got {value!r} (must be {allowed})", **_where(file, field), fix=example)
    below = minimum is not None and (value <= minimum if min_exclusive else value < minimum)
    if below or (maximum is not None and value > maximum):
        raise InputError(f"{value:g} {unit} is out of range (must be {allowed})".replace("  ", " "),
                         **_where(file, field), fix=example)
    return value


def integer(value: Any, *, file: str | None = None, field: str | None = None, unit: str = "",
            minimum: int | None = None, maximum: int | None = None, fix: str | None = None) -> int:
    """An integer (an int, or a float with no fraction) in [minimum, maximum]; returns int."""
    allowed = _describe_range(minimum, maximum, False, unit)
    example = _require_numeric(value, "an integer", allowed, fix, file, field)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise InputError(f"must be an integer {allowed}, got {value!r}", **_where(file, field), fix=example)
        value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InputError(f"{value} {unit} is out of range (must be {allowed})".replace("  ", " "),
                         **_where(file, field), fix=example)
    return value


def check_time_ns(value: float, what: str, file: str | None = None) -> int:
    """A computed simulated time as int ns; InputError when it is not finite or passes 2^63 ns."""
    if not math.isfinite(value) or value > MAX_NS or value < 0:
        shown = f"{value:g}" if isinstance(value, float) else f"{float(value):g}"
        raise InputError(f"{shown} ns is outside 0..2^63-1 ns (64-bit nanoseconds, 292 years)",
                         file=file, field=what,
                         fix="check the inputs for a tiny bandwidth or compute rate, or a huge size or duration")
    return int(value)
