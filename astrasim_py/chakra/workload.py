"""Load a whole workload: `<prefix>.<rank>.et` for every NPU, validated."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TextIO

from astrasim_py.chakra.io import EtTrace, read_et
from astrasim_py.chakra.validate import validate_trace, validate_workload
from astrasim_py.errors import InputError


def rank_file(prefix: str | os.PathLike, rank: int) -> str:
    """The file name ASTRA-sim reads for `rank`: `<prefix>.<rank>.et`."""
    return f"{os.fspath(prefix)}.{rank}.et"


def existing_ranks(prefix: str | os.PathLike) -> list[int]:
    """Ranks r for which `<prefix>.<r>.et` exists, ascending."""
    prefix = Path(prefix)
    folder = prefix.parent if str(prefix.parent) else Path(".")
    if not folder.is_dir():
        return []
    pattern = re.compile(re.escape(prefix.name) + r"\.(0|[1-9][0-9]*)\.et$")
    ranks = []
    for entry in os.listdir(folder):
        match = pattern.match(entry)
        if match:
            ranks.append(int(match.group(1)))
    return sorted(ranks)


def load_workload(prefix: str | os.PathLike, num_npus: int | None = None, *, validate: bool = True,
                  warn_stream: TextIO | None | str = "stderr") -> list[EtTrace]:
    """Read and validate every rank file (each alone, then send/recv pairs and collective order).

    num_npus=None means the ranks found on disk (0..n-1).
    """
    prefix = os.fspath(prefix)
    found = existing_ranks(prefix)
    if num_npus is None:
        if not found:
            raise InputError("no rank files found", file=rank_file(prefix, 0),
                             fix="the workload prefix names files <prefix>.<rank>.et")
        num_npus = max(found) + 1
    if num_npus < 1:
        raise InputError(f"npus_count is {num_npus}", field="npus_count", fix="use at least 1 NPU")
    missing = sorted(set(range(num_npus)) - set(found))
    if missing:
        shown = ", ".join(str(r) for r in missing[:8]) + (", ..." if len(missing) > 8 else "")
        raise InputError(f"{len(found)} rank file(s) exist but npus_count is {num_npus}; missing "
                         f"rank(s) {shown}", file=rank_file(prefix, missing[0]), field="npus_count",
                         fix="generate one <prefix>.<rank>.et per NPU or set npus_count to match")
    traces, reports = [], []
    for rank in range(num_npus):
        trace = read_et(rank_file(prefix, rank))
        if validate:
            reports.append(validate_trace(trace, rank=rank, num_npus=num_npus, warn_stream=warn_stream))
        traces.append(trace)
    if validate:
        validate_workload(traces, reports=reports, warn_stream=warn_stream)
    return traces
