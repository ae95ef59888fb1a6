"""Read a finished sweep folder (sweep.json + points/*.json) into the points a report compares."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from astrasim_py.errors import InputError
from astrasim_py.sweep.engine import MANIFEST_NAME
from astrasim_py.sweep.store import POINTS_DIR, STATUS_OK, ResultStore


@dataclass
class ReportPoint:
    """One successful sweep point: its axis values and its run's result document."""

    index: int
    point_id: str
    axes: dict[str, Any]
    result: dict[str, Any]

    @property
    def fabric(self) -> dict[str, Any]:
        """The ns-3 fabric telemetry ({} for analytical points)."""
        fabric = self.result.get("fabric")
        return fabric if isinstance(fabric, dict) and "config" in fabric else {}

    @property
    def transport(self) -> str:
        """roce, ib, or the backend name when no packet fabric ran."""
        return (self.fabric.get("config") or {}).get("transport") or str(self.result.get("backend"))


@dataclass
class SweepData:
    """Everything a report reads: the sweep's name, its axes, the ok points and the failed ones."""

    name: str
    folder: Path
    axis_keys: list[str]
    points: list[ReportPoint]
    failed: list[dict[str, Any]] = field(default_factory=list)
    missing: int = 0


def load_sweep(folder: str | Path) -> SweepData:
    """Load a sweep output folder; a folder that is not one raises InputError naming the fix."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST_NAME
    fix = "pass the --out folder of a finished `astrasim-py sweep` run"
    if not folder.is_dir():
        raise InputError("sweep folder not found", file=str(folder), fix=fix)
    try:
        manifest = json.loads(manifest_path.read_text())
    except FileNotFoundError:
        raise InputError(f"not a sweep folder (no {MANIFEST_NAME})", file=str(folder), fix=fix) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable sweep manifest ({exc})", file=str(manifest_path),
                         fix="rerun the sweep to rewrite it") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("points"), list):
        raise InputError("sweep manifest has no point list", file=str(manifest_path), field="points",
                         fix="rerun the sweep to rewrite it")
    store = ResultStore(folder)
    points: list[ReportPoint] = []
    failed: list[dict[str, Any]] = []
    missing = 0
    for entry in manifest["points"]:
        record = store.read_record(str(entry.get("point_id")))
        if record is None:
            missing += 1
        elif record.get("status") == STATUS_OK and isinstance(record.get("result"), dict):
            points.append(ReportPoint(int(entry["index"]), str(entry["point_id"]),
                                      dict(entry.get("axes") or {}), record["result"]))
        else:
            failed.append(record)
    if not points:
        raise InputError(f"no successful points in {POINTS_DIR}/ ({len(failed)} failed, {missing} not run)",
                         file=str(folder), fix="run (or rerun) the sweep until some points succeed")
    points.sort(key=lambda p: p.index)
    return SweepData(str(manifest.get("name") or folder.name), folder,
                     [str(k) for k in manifest.get("axis_keys") or []], points, failed, missing)
