"""Fixtures for sweep tests: small specs over the fake point functions in fake_points.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FAKE = "fake_points:closed_form_point"

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def sweep_env() -> dict[str, str]:
    """Environment for CLI subprocesses and Slurm tasks: the checkout and fake_points importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def write_spec(folder: Path, axes, name: str = "t", **top) -> Path:
    """Write a spec over the shared small input files and return its path."""
    inputs = HERE / "inputs"
    doc = {"name": name,
           "base": {"workload": str(inputs / "system.json"), "system": str(inputs / "system.json"),
                    "network": str(inputs / "network.yml")},
           "axes": axes, **top}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def grid_spec(tmp_path: Path) -> Path:
    """12 points: 3 sizes x 2 bandwidths x 2 seeds (zipped with a short sleep)."""
    return write_spec(tmp_path, [
        {"grid": {"system.size": [1024, 1 << 20, 1 << 22], "network.link_gbps": [100, 400]}},
        {"zip": {"seed": [0, 1], "system.sleep_s": [0.0, 0.01]}},
    ])
