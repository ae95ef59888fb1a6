#!/usr/bin/env python3
"""Compile the hot system-layer and analytical modules in place (development checkouts).

    python scripts/build_compiled.py          # astrasim_py/**/<module>.cpython-*.so beside the .py

`pip install .` builds the same modules through CMakeLists.txt (cmake/compiled_modules.cmake);
this script is for a PYTHONPATH checkout. ASTRASIM_PY_PURE=1 makes astrasim_py ignore them.
"""

from __future__ import annotations

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from astrasim_py._compiled import COMPILED_MODULES, CYTHON_DIRECTIVES  # noqa: E402


def main() -> int:
    """Cythonize and build every compiled module into the source tree."""
    from Cython.Build import cythonize
    from setuptools import Extension, setup

    os.chdir(REPO)
    extensions = [Extension(name, [name.replace(".", "/") + ".py"]) for name in COMPILED_MODULES]
    setup(name="astrasim-py-compiled", packages=[], py_modules=[],
          ext_modules=cythonize(extensions, compiler_directives=CYTHON_DIRECTIVES, include_path=[REPO],
                                build_dir="build/cython", quiet=True),
          script_args=["build_ext", "--inplace", "--build-temp", "build/cython-temp"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
