"""Write small per-rank Chakra traces from Python node lists (tests, examples, benchmarks)."""

from __future__ import annotations

import os
from typing import Callable

from astrasim_py.chakra.io import write_et
from astrasim_py.chakra.schema import GlobalMetadata


def write_trace(folder: str | os.PathLike, npus: int, nodes_of: Callable[[int], list],
                name: str = "wl") -> str:
    """Write <folder>/<name>.<r>.et for r in 0..npus-1 from nodes_of(r); returns the prefix."""
    prefix = os.path.join(os.fspath(folder), name)
    for rank in range(npus):
        write_et(f"{prefix}.{rank}.et", GlobalMetadata(version="0.0.4"), nodes_of(rank))
    return prefix
