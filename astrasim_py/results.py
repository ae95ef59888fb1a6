"""The result document of one run (what --output-json writes and run() returns)."""

from __future__ import annotations

import json
import os
from typing import Any


def write_json(result: dict[str, Any], path: str) -> None:
    """Write a result document (sorted keys, so equal runs give byte-identical files)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
        handle.write("\n")


def deterministic_view(result: dict[str, Any]) -> dict[str, Any]:
    """The result without wall-clock fields (for comparing two runs)."""
    return {k: v for k, v in result.items() if k not in ("wall_s", "startup_s", "peak_rss_mb")}
