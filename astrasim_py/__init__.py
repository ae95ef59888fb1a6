"""astrasim_py: a packet-level network co-simulator for distributed ML training."""

__version__ = "0.1.0"
