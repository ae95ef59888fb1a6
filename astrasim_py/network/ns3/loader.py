"""Find the compiled fabric library and its header, and load them through cppyy.

Only the ns-3 libraries the fabric links (core, network) are loaded, never `from ns import ns`,
so that a process reaches its first simulated event in about a second.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from astrasim_py.errors import SimulationError

LIB_ENV = "ASTRASIM_PY_FABRIC_LIB"
LIB_NAME = "libastrasim_fabric.so"
HEADER_NAME = "fabric-bridge.h"
NS3_MODULES = ("core", "network")

_PACKAGE_DIR = Path(__file__).resolve().parents[2]
_REPO_ROOT = _PACKAGE_DIR.parent


def ns3_wheel_dir() -> Path:
    """Directory of the installed ns3 wheel (holds include/ and lib64/)."""
    # ns3 is a namespace package: any folder named ns3 on sys.path (tests/ns3 too) joins it.
    spec = importlib.util.find_spec("ns3")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "lib64" / "libns3.44-core.so").is_file():
            return Path(location)
    raise SimulationError("the ns3 wheel is not installed (pip install ns3==3.44.post0)")


def find_library() -> Path:
    """The fabric library: $ASTRASIM_PY_FABRIC_LIB, the installed package copy, or a dev build."""
    env = os.environ.get(LIB_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise SimulationError(f"{LIB_ENV}={env} does not name a file")
        return path
    candidates = [_PACKAGE_DIR / "_lib" / LIB_NAME]
    build = _REPO_ROOT / "build"
    if build.is_dir():
        dev = sorted(build.glob(f"*/{LIB_NAME}"), key=lambda p: p.stat().st_mtime, reverse=True)
        candidates += dev
    for path in candidates:
        if path.is_file():
            return path
    raise SimulationError(
        f"{LIB_NAME} not found: run `pip install .` or build it with "
        f"`cmake -S . -B build/dev -G Ninja && ninja -C build/dev` (or set {LIB_ENV})")


def find_header(library: Path) -> Path:
    """The bridge header next to an installed library, or in the source tree."""
    for path in (library.parent / "include" / HEADER_NAME, _REPO_ROOT / "ns3_backend" / HEADER_NAME):
        if path.is_file():
            return path
    raise SimulationError(f"{HEADER_NAME} not found beside {library} nor in ns3_backend/")


@lru_cache(maxsize=1)
def bridge_class():
    """Load the library once per process and return the C++ class astrasim::FabricBridge."""
    import cppyy  # deferred: importing cppyy costs time that analytical runs do not need

    wheel = ns3_wheel_dir()
    for mod in NS3_MODULES:
        cppyy.load_library(str(wheel / "lib64" / f"libns3.44-{mod}.so"))
    library = find_library()
    cppyy.include(str(find_header(library)))
    cppyy.load_library(str(library))
    return cppyy.gbl.astrasim.FabricBridge
