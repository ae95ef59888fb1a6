"""astrasim_py: a packet-level network co-simulator for distributed ML training."""

import os as _os

# numpy's OpenBLAS starts one spinning thread per core on first use; the simulator never needs
# parallel BLAS, and on small machines those threads steal the core a second sweep worker or the
# event loop needs (measured: ~9% of samples in a fabric benchmark).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

__version__ = "0.1.0"

# ASTRASIM_PY_PURE=1 (or a stale in-place build): run the Python sources of the compiled hot
# modules instead of their extension modules (astrasim_py/_compiled.py).
from astrasim_py._compiled import install_pure_finder as _install_pure_finder

_install_pure_finder()
