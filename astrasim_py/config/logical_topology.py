"""ASTRA-sim's --logical-topology-configuration file: {"logical-dims": ["8", "2"]}."""

from __future__ import annotations

from astrasim_py.config._load import read_mapping
from astrasim_py.errors import InputError


def load_logical_dims(path: str) -> list[int]:
    """NPUs per logical dimension; their product is the NPU count (rank r = host r)."""
    data = read_mapping(path, "logical topology configuration")
    dims = data.get("logical-dims")
    if not isinstance(dims, list) or not dims:
        raise InputError("missing or empty 'logical-dims'", file=path, field="logical-dims",
                         fix='write {"logical-dims": ["8"]} (one NPU count per dimension)')
    out = []
    for i, value in enumerate(dims):
        text = str(value).strip()
        if not text.isdigit() or int(text) < 1:
            raise InputError(f"{value!r} is not a positive integer", file=path, field=f"logical-dims[{i}]",
                             fix='give NPU counts as strings or integers, e.g. ["8", "2"]')
        out.append(int(text))
    return out
