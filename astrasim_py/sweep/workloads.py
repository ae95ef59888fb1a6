"""Generated workloads: make a Chakra trace for `{generate: {collective, npus, size}}` once per sweep."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import astrasim_py
from astrasim_py.errors import InputError

TRACE_PREFIX_NAME = "trace"


def trace_key(generate: dict[str, Any]) -> str:
    """Folder name of a generated trace: readable parameters plus a hash (generator version included)."""
    text = json.dumps({"generate": generate, "version": astrasim_py.__version__}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{generate.get('collective')}-{generate.get('npus')}npus-{generate.get('size')}B-{digest}"


def materialize_trace(generate: dict[str, Any], traces_dir: Path) -> str:
    """Return the Chakra prefix of the generated trace, generating it if absent (safe across processes)."""
    final = Path(traces_dir) / trace_key(generate)
    prefix = final / TRACE_PREFIX_NAME
    if final.is_dir():
        return str(prefix)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    try:
        write_generated_trace(generate, tmp / TRACE_PREFIX_NAME)
        try:
            # The rename publishes a whole trace folder; a process that lost the race keeps the winner's.
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return str(prefix)


def write_generated_trace(generate: dict[str, Any], prefix: Path) -> None:
    """Write `<prefix>.<rank>.et` for one collective on `npus` ranks with the Chakra generator."""
    try:
        from astrasim_py.chakra import generate as chakra_generate
    except ImportError as exc:
        raise InputError(f"the Chakra trace generator is not available ({exc})", field="workload.generate",
                         fix="give a trace prefix as the workload instead") from None
    try:
        npus = int(generate["npus"])
        size = int(generate["size"])
    except (TypeError, ValueError):
        raise InputError(f"npus and size must be integers, got {generate!r}", field="workload.generate",
                         fix="e.g. {collective: all_reduce, npus: 8, size: 1048576}") from None
    chakra_generate.write_collective(str(prefix), collective=str(generate["collective"]), npus=npus,
                                     size_bytes=size)
