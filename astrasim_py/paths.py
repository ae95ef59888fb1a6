"""Where shipped data (topology and congestion presets) lives, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent

_DATA_DIRS = {
    "topologies": ("_data/topologies", "topologies"),
    "congestion_presets": ("_data/congestion_presets", "congestion/presets"),
}


def data_dir(kind: str) -> Path:
    """Return the directory holding shipped data of `kind` (installed copy first, then checkout)."""
    installed, checkout = _DATA_DIRS[kind]
    for candidate in (_PACKAGE_DIR / installed, _REPO_ROOT / checkout):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped data directory '{kind}' not found (reinstall astrasim-py)")
