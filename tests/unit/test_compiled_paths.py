"""The compiled (Cython) and the pure-Python path of the hot modules give the same results.

`pip install .` builds extension modules beside system/sys.py, system/algorithms.py,
network/event_queue.py and network/analytical.py; ASTRASIM_PY_PURE=1 makes astrasim_py load the
.py sources instead. A plain checkout on PYTHONPATH has only the pure path: the tests that need
both skip there with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import astrasim_py
from astrasim_py._compiled import COMPILED_MODULES

REPO = Path(__file__).resolve().parents[2]
# Children import the astrasim_py this session imports (a source tree or an installed package).
PACKAGE_PARENT = Path(astrasim_py.__file__).resolve().parents[1]
# Every algorithm on both analytical backends, 1-D and 2-D, all four collectives.
SCRIPT = r"""
import json, sys
from astrasim_py._compiled import COMPILED_MODULES
from astrasim_py.system.driver import run_collective
import importlib
folder = sys.argv[1]
nets = {"ring16": ("Ring", 16), "fc8": ("FullyConnected", 8), "sw8": ("Switch", 8)}
out = {"files": [importlib.import_module(m).__file__ for m in COMPILED_MODULES], "runs": {}}
for name, (topo, n) in nets.items():
    open(f"{folder}/{name}.yml", "w").write(
        f"topology: [{topo}]\nnpus_count: [{n}]\nbandwidth: [50.0]\nlatency: [500.0]\n")
open(f"{folder}/2d.yml", "w").write(
    "topology: [Ring, FullyConnected]\nnpus_count: [4, 4]\nbandwidth: [100.0, 25.0]\nlatency: [200.0, 700.0]\n")
for algo in ("ring", "direct", "halvingDoubling", "doubleBinaryTree"):
    sysfile = f"{folder}/{algo}.json"
    impl = [algo, algo]
    json.dump({"scheduling-policy": "LIFO", "endpoint-delay": 10, "active-chunks-per-dimension": 1,
               "preferred-dataset-splits": 4, "all-reduce-implementation": impl,
               "all-gather-implementation": [a if a != "doubleBinaryTree" else "ring" for a in impl],
               "reduce-scatter-implementation": [a if a != "doubleBinaryTree" else "ring" for a in impl],
               "all-to-all-implementation": ["direct", "direct"], "collective-optimization": "localBWAware",
               "local-mem-bw": 50, "boost-mode": 0}, open(sysfile, "w"))
    for net in ("ring16", "fc8", "sw8", "2d"):
        for comm in ((0,) if algo == "doubleBinaryTree" else (0, 2, 6, 7)):
            for backend in ("analytical", "analytical-aware"):
                key = f"{algo}/{net}/{comm}/{backend}"
                out["runs"][key] = run_collective(f"{folder}/{net}.yml", sysfile, comm, 1 << 20, backend)
print(json.dumps(out))
"""


def _env(pure: bool) -> dict[str, str]:
    env = dict(os.environ)
    inherited = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_PARENT)] + inherited)
    env.pop("ASTRASIM_PY_PURE", None)
    if pure:
        env["ASTRASIM_PY_PURE"] = "1"
    return env


def _files(pure: bool) -> list[str]:
    code = ("import importlib, json; from astrasim_py._compiled import COMPILED_MODULES as m; "
            "print(json.dumps([importlib.import_module(n).__file__ for n in m]))")
    out = subprocess.run([sys.executable, "-c", code], env=_env(pure), capture_output=True, text=True, check=True,
                         cwd=PACKAGE_PARENT)
    return json.loads(out.stdout)


def _compiled_available() -> bool:
    return all(not f.endswith(".py") for f in _files(pure=False))


def test_pure_switch_loads_every_hot_module_from_its_source():
    files = _files(pure=True)
    assert len(files) == len(COMPILED_MODULES)
    assert all(f.endswith(".py") for f in files), files


def test_both_paths_give_identical_finish_times(tmp_path):
    if not _compiled_available():
        pytest.skip("no compiled modules here (pip install . or python scripts/build_compiled.py)")
    results = {}
    for pure in (True, False):
        folder = tmp_path / ("pure" if pure else "compiled")
        folder.mkdir()
        out = subprocess.run([sys.executable, "-c", SCRIPT, str(folder)], env=_env(pure),
                             capture_output=True, text=True, check=True, cwd=PACKAGE_PARENT)
        results[pure] = json.loads(out.stdout)
    assert all(f.endswith(".py") for f in results[True]["files"])
    assert not any(f.endswith(".py") for f in results[False]["files"])
    assert results[True]["runs"] == results[False]["runs"]
    assert len(results[True]["runs"]) == 2 * 4 * (3 * 4 + 1)


def test_exact_number_tests_pass_on_the_pure_path():
    """This session runs the compiled modules; the analytical exact-number suites run again on the
    sources (the ns-3 tests exercise the C++ fabric, the same on both paths)."""
    if not _compiled_available():
        pytest.skip("no compiled modules here: this session already runs the pure path")
    if os.environ.get("ASTRASIM_PY_PURE"):
        pytest.skip("this session runs the pure path; the default session runs the compiled one")
    suites = ["tests/analytical", "tests/system", "tests/custom", "tests/workload", "tests/contract"]
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not ns3",
                          "-k", "not ns3", *suites], cwd=REPO, env=_env(pure=True), capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert " passed" in out.stdout
