"""astrasim_py: a packet-level network co-simulator for distributed ML training."""

import os as _os

# numpy's OpenBLAS starts one spinning thread per core on first use; the simulator never needs
# parallel BLAS, and on small machines those threads steal the core a second sweep worker or the
# event loop needs (measured: ~9% of samples in a fabric benchmark).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
