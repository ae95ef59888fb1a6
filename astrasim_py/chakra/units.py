"""Parse byte sizes such as 1MiB, 64KB, 1048576."""

from __future__ import annotations

import re

from astrasim_py.errors import InputError

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "k": 2**10, "m": 2**20, "g": 2**30}
_PATTERN = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | int, *, field: str = "size") -> int:
    """Bytes from "1MiB" (binary), "1MB" (decimal), "4k" (binary) or a plain integer."""
    if isinstance(text, int):
        value = text
    else:
        match = _PATTERN.match(str(text))
        unit = match.group(2).lower() if match else None
        if not match or unit not in _UNITS:
            raise InputError(f"cannot parse size {text!r}", field=field,
                             fix="write bytes as an integer or with a unit: 4096, 64KiB, 1MiB, 1MB, 2GiB")
        number = float(match.group(1)) * _UNITS[unit]
        if number != int(number):
            raise InputError(f"size {text!r} is not a whole number of bytes", field=field,
                             fix="use a size that is an integer number of bytes")
        value = int(number)
    if value < 0:
        raise InputError(f"size {text!r} is negative", field=field, fix="use a byte count >= 0")
    if value >= 2**63:
        raise InputError(f"size {text!r} does not fit comm_size (int64)", field=field,
                         fix="use a size below 2^63 bytes")
    return value
