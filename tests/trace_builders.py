"""Small Chakra traces written into tmp dirs for end-to-end runs (shared by the test packages)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from astrasim_py.chakra.attrs import make_attr
from astrasim_py.chakra.generators import coll_node, comp_node, p2p_node
from astrasim_py.chakra.schema import Node, NodeType
from astrasim_py.runner import RunRequest, run
from astrasim_py.workload.synthetic import write_trace
from astrasim_inputs import CONFIGS  # the reference inputs, written by the tests themselves

MiB = 1 << 20
AR, AG, A2A, RS = 0, 2, 6, 7

__all__ = ["CONFIGS", "MiB", "AR", "AG", "A2A", "RS", "coll_node", "comp_node", "p2p_node", "make_attr",
           "Node", "NodeType", "write_trace", "run_trace"]


def run_trace(folder: Path, npus: int, nodes_of: Callable[[int], list[Node]], *,
              net: str = "net_Ring_8.yml", system: str = "sys_ring_c4.json", **kwargs) -> dict:
    """Write a trace and run it; returns the result document."""
    prefix = write_trace(folder, npus, nodes_of)
    request = RunRequest(workload=prefix, system=system if "/" in system else str(CONFIGS / system),
                         network=net if "/" in net else str(CONFIGS / net), **kwargs)
    return run(request)
