"""Config builders for the ns-3 fabric tests (library fixtures live in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def star():
    """The star_fabric config builder."""
    return star_fabric


def star_fabric(hosts: int = 8, gbps: float = 400, latency: int = 500, **fabric) -> dict:
    """A network config: `hosts` hosts on one switch (the reference's 8-host 400 G/500 ns star)."""
    spec = {"builder": "star", "num_hosts": hosts, "link_gbps": gbps, "latency_ns": latency}
    fabric.setdefault("topology", spec)
    return {"fabric": fabric}
