"""Which modules the package build compiles (Cython, typed by their .pxd files), and the switch
back to their Python sources.

The compiled extension modules sit beside the .py files they are built from; Python's import
system prefers them. With ASTRASIM_PY_PURE=1 in the environment, `install_pure_finder()` (run by
astrasim_py/__init__.py) makes those module names load from the .py sources instead, so the
same process can be checked on the pure-Python path.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

COMPILED_MODULES = (
    "astrasim_py.network.event_queue",
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


def install_pure_finder() -> None:
    """Load the compiled modules' Python sources when ASTRASIM_PY_PURE is set."""
    if pure_requested() and not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder())


def compiled_active() -> bool:
    """True when the compiled modules are the ones imported (imports them)."""
    import importlib

    return all(not (importlib.import_module(name).__file__ or "").endswith(".py") for name in COMPILED_MODULES)
