"""Fixtures for sweep tests: small specs over the fake point functions in fake_points.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep_helpers import write_spec  # noqa: E402


@pytest.fixture
def grid_spec(tmp_path: Path) -> Path:
    """12 points: 3 sizes x 2 bandwidths x 2 seeds (zipped with a short sleep)."""
    return write_spec(tmp_path, [
        {"grid": {"system.size": [1024, 1 << 20, 1 << 22], "network.link_gbps": [100, 400]}},
        {"zip": {"seed": [0, 1], "system.sleep_s": [0.0, 0.01]}},
    ])
