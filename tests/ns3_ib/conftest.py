"""Fixtures for the InfiniBand fabric tests: skip cleanly when the fabric library is not built."""

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
