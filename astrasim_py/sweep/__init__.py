"""Parameter sweeps: a base run plus axes, run locally or on Slurm, resumable, crash-safe (see API.md)."""

from astrasim_py.sweep.engine import SweepOptions, SweepSummary, run_sweep
from astrasim_py.sweep.points import SweepPoint, expand, point_identity
from astrasim_py.sweep.spec import SweepSpec, load_spec
from astrasim_py.sweep.store import ResultStore, read_table

__all__ = ["SweepOptions", "SweepSummary", "run_sweep", "SweepPoint", "expand", "point_identity",
           "SweepSpec", "load_spec", "ResultStore", "read_table"]
