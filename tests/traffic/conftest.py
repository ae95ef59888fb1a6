"""Inputs for the traffic and multi-job tests, written by the tests themselves."""

from __future__ import annotations

import json

import pytest
import yaml

SYSTEM = {"scheduling-policy": "LIFO", "all-reduce-implementation": ["ring"],
          "all-gather-implementation": ["ring"], "reduce-scatter-implementation": ["ring"],
          "all-to-all-implementation": ["direct"], "collective-optimization": "baseline",
          "endpoint-delay": 10, "active-chunks-per-dimension": 1, "preferred-dataset-splits": 4,
          "local-mem-bw": 1600, "peak-perf": 900, "roofline-enabled": 0}


@pytest.fixture
def system_json(tmp_path):
    """A ring system config (4 chunks per collective)."""
    path = tmp_path / "system.json"
    path.write_text(json.dumps(SYSTEM))
    return str(path)


def write_yaml(path, doc) -> str:
    """Write doc as YAML; returns the path as a string."""
    path.write_text(yaml.safe_dump(doc))
    return str(path)
