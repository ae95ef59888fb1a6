"""Shared test fixtures: paths to the shared specs and Chakra fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from astrasim_py.errors import SimulationError

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared/ folder beside the checkout (specs and fixtures made by the real tools)."""
    if not SHARED.is_dir():
        pytest.skip("shared/ fixtures are not beside this checkout")
    return SHARED


@pytest.fixture(scope="session")
def chakra_fixtures(shared_dir: Path) -> Path:
    """Traces made by the real Chakra tools."""
    return shared_dir / "fixtures" / "chakra"


@pytest.fixture(scope="session")
def astrasim_configs() -> Path:
    """ASTRA-sim input files with the reference runs' values, written by the tests (no shared/)."""
    from astrasim_inputs import CONFIGS

    return CONFIGS


@pytest.fixture(scope="session")
def reference_inputs(tmp_path_factory) -> dict[str, str]:
    """The ns-3 reference run's inputs (1 MiB all-reduce on 8 ranks, ring 4 chunks), written here."""
    from astrasim_inputs import CONFIGS, write_allreduce_1MiB

    trace = write_allreduce_1MiB(tmp_path_factory.mktemp("allreduce_1MiB"))
    return {"workload": str(trace), "system": str(CONFIGS / "repo_Ring_4chunks.json"),
            "remote_memory": str(CONFIGS / "no_memory_expansion.json"),
            "topology_8n_1sw": str(CONFIGS / "topo_8n_1sw_400g_500ns.txt")}


@pytest.fixture(scope="session")
def fabric_available() -> None:
    """ns-3 fabric tests: skip when neither an installed nor a dev-built fabric library exists."""
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


def pytest_collection_modifyitems(config, items):
    """Skip, with the reason, tests whose module reads ASTRA-sim inputs from a missing shared/."""
    skip = pytest.mark.skip(reason=f"shared/ specs are not beside this checkout ({SHARED})")
    for item in items:
        configs = getattr(getattr(item, "module", None), "CONFIGS", None)
        if isinstance(configs, Path) and not configs.is_dir():
            item.add_marker(skip)
