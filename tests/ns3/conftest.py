"""Fixtures for the ns-3 fabric tests: skip cleanly when the library is not built."""

from __future__ import annotations

import pytest

from astrasim_py.errors import SimulationError


@pytest.fixture(scope="session")
def fabric_available() -> None:
    """Skip when neither an installed nor a dev-built fabric library exists."""
    from astrasim_py.network.ns3.loader import find_library

    try:
        find_library()
    except SimulationError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def make_backend(fabric_available):
    """Factory: create_backend(config, npus, seed) that closes every backend after the test."""
    from astrasim_py.network.ns3 import create_backend

    made = []

    def factory(network_config: dict, num_npus: int = 2, seed: int = 1):
        backend = create_backend(network_config, num_npus, seed)
        made.append(backend)
        return backend

    yield factory
    for backend in made:
        backend.close()


@pytest.fixture(scope="session")
def star():
    """The star_fabric config builder."""
    return star_fabric


def star_fabric(hosts: int = 8, gbps: float = 400, latency: int = 500, **fabric) -> dict:
    """A network config: `hosts` hosts on one switch (the reference's 8-host 400 G/500 ns star)."""
    spec = {"builder": "star", "num_hosts": hosts, "link_gbps": gbps, "latency_ns": latency}
    fabric.setdefault("topology", spec)
    return {"fabric": fabric}
