"""Input files as ASTRA-sim writes them: network YAML, system JSON, remote memory, comm groups."""

from astrasim_py.config.comm_group import load_comm_groups
from astrasim_py.config.network import Dimension, NetworkConfig, load_network, parse_network
from astrasim_py.config.remote_memory import RemoteMemoryConfig, load_remote_memory
from astrasim_py.config.system import Implementation, SystemConfig, load_system, parse_system

__all__ = ["Dimension", "NetworkConfig", "load_network", "parse_network", "SystemConfig", "Implementation",
           "load_system", "parse_system", "RemoteMemoryConfig", "load_remote_memory", "load_comm_groups"]
