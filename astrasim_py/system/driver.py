"""Run one collective on every rank straight through the system layer (no Chakra files).

Handy for studying an algorithm or a knob in isolation; `astrasim-py run` is the full path.
"""

from __future__ import annotations

import gc

from astrasim_py.config import load_network, load_system
from astrasim_py.errors import SimulationError
from astrasim_py.network.analytical import create_backend
from astrasim_py.system.sys import Sys, SystemContext


def run_collective(network: str, system: str, comm_type: int, size: int, backend: str = "analytical",
                   involved=(True, True, True, True), **ctx_kwargs) -> tuple[int, int]:
    """(max, min) finish time in ns over ranks when every rank issues one collective at t = 0.

    comm_type uses Chakra numbers (0 all-reduce, 2 all-gather, 6 all-to-all, 7 reduce-scatter);
    ctx_kwargs go to SystemContext (rendezvous, num_queues_per_dim, injection_scale, comm_groups)."""
    netcfg = load_network(network)
    syscfg = load_system(system)
    be = create_backend(backend, netcfg)
    ctx = SystemContext(be, syscfg, [d.npus for d in netcfg.dims], netcfg.num_npus, **ctx_kwargs)
    finish: dict[int, int] = {}
    for rank in range(netcfg.num_npus):
        Sys(rank, ctx).generate_collective(comm_type, size, list(involved), 0, 0,
                                           lambda rank=rank: finish.__setitem__(rank, be.now()))
    was_enabled = gc.isenabled()
    gc.freeze()  # as in runner.run: keep the cyclic collector off the hot loop
    gc.disable()
    try:
        be.run()
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()
    if len(finish) != netcfg.num_npus or be.unmatched() != (0, 0):
        raise SimulationError(f"{netcfg.num_npus - len(finish)} rank(s) never finished; "
                              f"unmatched (receives, arrivals): {be.unmatched()}")
    return max(finish.values()), min(finish.values())
