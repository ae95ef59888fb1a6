"""Helpers for sweep tests: paths, the CLI environment and small specs over fake_points.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
