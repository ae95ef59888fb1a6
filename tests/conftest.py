"""Shared test fixtures: paths to the shared specs and Chakra fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

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
def astrasim_configs(shared_dir: Path) -> Path:
    """ASTRA-sim input files used by the reference runs."""
    return shared_dir / "specs" / "astrasim_configs"


def pytest_collection_modifyitems(config, items):
    """Skip, with the reason, tests whose module reads ASTRA-sim inputs from a missing shared/."""
    skip = pytest.mark.skip(reason=f"shared/ specs are not beside this checkout ({SHARED})")
    for item in items:
        configs = getattr(getattr(item, "module", None), "CONFIGS", None)
        if isinstance(configs, Path) and not configs.is_dir():
            item.add_marker(skip)
