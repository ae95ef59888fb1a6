"""Which modules the package build compiles (Cython, typed by their .pxd files), and the switch
back to their Python sources.

The compiled extension modules sit beside the .py files they are built from; Python's import
system prefers them. With ASTRASIM_PY_PURE=1 in the environment, `install_pure_finder()` (run by
astrasim_py/__init__.py) makes those module names load from the .py sources instead, so the
same code can be checked on the pure-Python path. In a source checkout, an in-place build
older than its sources is ignored the same way (with a warning), so edits always take effect.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

COMPILED_MODULES = (
    "astrasim_py.network.event_queue",
    "astrasim_py.network.matching",
    "astrasim_py.network.analytical",
    "astrasim_py.system.sys",
    "astrasim_py.system.algorithms",
)
# annotation_typing off: annotations stay documentation; the .pxd files carry the C types.
CYTHON_DIRECTIVES = {"language_level": 3, "annotation_typing": False, "binding": False}
PURE_ENV = "ASTRASIM_PY_PURE"


def pure_requested() -> bool:
    """True when the environment asks for the Python sources of the compiled modules."""
    return os.environ.get(PURE_ENV, "") not in ("", "0")


class _SourceFinder:
    """A meta-path finder that resolves the compiled module names to their .py files."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name not in COMPILED_MODULES:
            return None
        parent, _, leaf = name.rpartition(".")
        for folder in (path or sys.modules[parent].__path__):
            source = os.path.join(folder, leaf + ".py")
            if os.path.isfile(source):
                return importlib.util.spec_from_file_location(
                    name, source, loader=importlib.machinery.SourceFileLoader(name, source))
        return None


def stale_modules(include_unbuilt: bool = False) -> list[str]:
    """Compiled modules of a source checkout whose .py or .pxd changed after they were built
    (and, with include_unbuilt, those never built in place)."""
    root = os.path.dirname(os.path.abspath(__file__))
    if not os.path.exists(os.path.join(os.path.dirname(root), ".git")):
        return []  # installed (not a checkout): .py and extension come from one wheel
    stale = []
    for name in COMPILED_MODULES:
        base = os.path.join(os.path.dirname(root), *name.split("."))
        built = [base + suffix for suffix in importlib.machinery.EXTENSION_SUFFIXES if os.path.exists(base + suffix)]
        if not built:
            if include_unbuilt:
                stale.append(name)
            continue
        sources = [base + ext for ext in (".py", ".pxd") if os.path.exists(base + ext)]
        if max(os.path.getmtime(f) for f in sources) > min(os.path.getmtime(f) for f in built):
            stale.append(name)
    return stale


def install_pure_finder() -> None:
    """Load the compiled modules' Python sources when ASTRASIM_PY_PURE is set, or when a
    checkout's in-place build is older than its sources (a warning says so)."""
    if any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        return
    if not pure_requested():
        stale = stale_modules()
        if not stale:
            return
        print(f"astrasim_py: compiled {', '.join(stale)} older than the source; running the Python "
              "sources (rebuild: python scripts/build_compiled.py)", file=sys.stderr)
    sys.meta_path.insert(0, _SourceFinder())


def compiled_active() -> bool:
    """True when the compiled modules are the ones imported (imports them)."""
    import importlib

    return all(not (importlib.import_module(name).__file__ or "").endswith(".py") for name in COMPILED_MODULES)
