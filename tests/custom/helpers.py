"""Inputs the custom-collective tests write themselves: MSCCL-IR XML, configs, workloads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MiB = 1 << 20
SHIPPED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "msccl"
SHIPPED_RING = SHIPPED / "astra-sim_custom_ring_allreduce_8npus_1MB"
SHIPPED_PREFIX_IN_JSON = "examples/system/custom_collectives/custom_ring_allreduce_8npus_1MB/custom_allreduce"


def step(s: int, kind: str, off: int, cnt: int = 1, depid: int = -1, deps: int = -1, hasdep: int = 0,
         buf: str = "i") -> str:
    """One <step> line as msccl-tools' ir_to_xml writes it."""
    return (f'      <step s="{s}" type="{kind}" srcbuf="{buf}" srcoff="{off}" dstbuf="{buf}" dstoff="{off}" '
            f'cnt="{cnt}" depid="{depid}" deps="{deps}" hasdep="{hasdep}"/>')


def ring_allreduce_xml(n: int = 8) -> str:
    """MSCCL-IR of an n-GPU one-channel ring all-reduce (the algorithm of ASTRA-sim's example)."""
    lines = [f'<algo name="allreduce_ring_1channelsperring" proto="LL128" nchannels="1" nchunksperloop="{n}" '
             f'ngpus="{n}" coll="allreduce" inplace="1">']
    for r in range(n):
        lines.append(f'  <gpu id="{r}" i_chunks="{n}" o_chunks="0" s_chunks="0">')
        lines.append(f'    <tb id="0" send="{(r + 1) % n}" recv="{(r - 1) % n}" chan="0">')
        s = 0
        lines.append(step(s, "s", r))
        for k in range(1, n):  # reduce-scatter: receive chunk r-k, reduce, pass it on
            lines += [step(s + 1, "rrc", (r - k) % n), step(s + 2, "s", (r - k) % n)]
            s += 2
        for k in range(n - 2):  # all-gather: receive the reduced chunk, pass it on
            off = (r - k) % n
            lines += [step(s + 1, "r", off), step(s + 2, "s", off)]
            s += 2
        lines.append(step(s + 1, "r", (r + 2) % n))
        lines += ["    </tb>", "  </gpu>"]
    lines.append("</algo>")
    return "\n".join(lines) + "\n"


def write_ring_net(path: Path, topology: str = "Ring", npus: int = 8) -> str:
    """The Ring_8 analytical network: 50 GB/s, 500 ns."""
    path.write_text(f"topology: [{topology}]\nnpus_count: [{npus}]\nbandwidth: [50]\nlatency: [500]\n")
    return str(path)


def write_system(path: Path, **custom) -> str:
    """The shipped example's system JSON values, with the given custom keys (name_with_underscores)."""
    data = {"scheduling-policy": "FIFO", "preferred-dataset-splits": 1, "local-mem-bw": 50}
    data.update({k.replace("_", "-"): v for k, v in custom.items()})
    path.write_text(json.dumps(data))
    return str(path)


def write_no_memory(path: Path) -> str:
    """NO_MEMORY_EXPANSION remote memory JSON."""
    path.write_text('{"memory-type": "NO_MEMORY_EXPANSION"}')
    return str(path)


def generate(prefix: Path, *args: str) -> str:
    """`astrasim-py chakra generate ...` into prefix (a fresh subprocess, as a user runs it)."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "astrasim_py", "chakra", "generate", *args, "--output", str(prefix)],
                   check=True, stdout=subprocess.DEVNULL)
    return str(prefix)
