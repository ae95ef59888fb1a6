"""The one registry of collective implementations: the system JSON's name -> algorithm class.

`<collective>-implementation` lists name one entry per dimension. The config layer
(astrasim_py.config.system) parses each into an Implementation: the base name below, the
`one` prefix (oneRing, oneDirect, ...: one logical ring over every NPU replaces this and the
later dimensions) and directN's window. Custom collectives (Chakra-ET algorithms) are selected
by other keys, `<collective>-implementation-custom` and `per-node-custom-implementation`, and run
by astrasim_py.system.custom.CustomRun.
"""

from __future__ import annotations

from dataclasses import dataclass

from astrasim_py.system.algorithms import DoubleBinaryTree, Direct, HalvingDoubling, Ring


@dataclass(frozen=True)
class AlgorithmEntry:
    """One implementation: its class and the dimensions and collectives it can run."""

    name: str
    algorithm: type
    power_of_two: bool = False  # needs a power-of-two number of NPUs in its dimension
    all_to_all: bool = True  # can run an all-to-all phase


ALGORITHMS: dict[str, AlgorithmEntry] = {entry.name: entry for entry in (
    AlgorithmEntry("ring", Ring),
    AlgorithmEntry("direct", Direct),
    AlgorithmEntry("halvingDoubling", HalvingDoubling, power_of_two=True, all_to_all=False),
    AlgorithmEntry("doubleBinaryTree", DoubleBinaryTree, power_of_two=True),
)}
