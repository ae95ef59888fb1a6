"""The system layer: per-NPU collectives, chunking, phases and scheduling (see API.md)."""

# sys first: the compiled algorithms module reads sys's types while it initializes, so importing
# algorithms (or implementations) on its own would otherwise meet a half-initialized sys.
from astrasim_py.system import sys as _sys  # noqa: F401
