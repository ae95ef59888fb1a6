"""Drive one collective on every rank directly through the system layer (no Chakra files)."""

from __future__ import annotations

import json
from pathlib import Path

from astrasim_py.config import load_network, load_system
from astrasim_py.network.analytical import create_backend
from astrasim_py.system.sys import Sys, SystemContext

CONFIGS = Path(__file__).resolve().parents[3] / "shared" / "specs" / "astrasim_configs"
MiB = 1 << 20


def system_variant(tmp_path: Path, base: str, **changes) -> str:
    """Write a copy of a shared system JSON with some keys changed; returns its path."""
    data = json.loads((CONFIGS / base).read_text())
    data.update({k.replace("_", "-"): v for k, v in changes.items()})
    path = tmp_path / f"sys_{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(data))
    return str(path)


def drive(net: str, system: str, comm_type: int, size: int, backend: str = "analytical",
          involved=(True, True, True, True), **ctx_kwargs) -> tuple[int, int]:
    """(max, min) finish time over ranks of one collective issued by every rank at t=0."""
    netcfg = load_network(str(CONFIGS / net) if "/" not in net else net)
    syscfg = load_system(str(CONFIGS / system) if "/" not in system else system)
    be = create_backend(backend, netcfg)
    ctx = SystemContext(be, syscfg, [d.npus for d in netcfg.dims], netcfg.num_npus, **ctx_kwargs)
    systems = [Sys(r, ctx) for r in range(netcfg.num_npus)]
    finish: dict[int, int] = {}
    for rank, sysobj in enumerate(systems):
        sysobj.generate_collective(comm_type, size, list(involved), 0, 0,
                                   lambda rank=rank: finish.__setitem__(rank, be.now()))
    be.run()
    assert len(finish) == netcfg.num_npus, "some ranks never finished"
    assert be.matcher.pending() == (0, 0), "unmatched messages left"
    return max(finish.values()), min(finish.values())
