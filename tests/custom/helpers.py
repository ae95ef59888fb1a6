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


def ring_allreduce_xml(n: int = 8, channels: int = 1) -> str:
    """MSCCL-IR of an n-GPU ring all-reduce (channels=1: the algorithm of ASTRA-sim's example).

    channels=2: a second threadblock on channel 1 runs the ring the other way round on the
    second half of the chunks."""
    lines = [f'<algo name="allreduce_ring_{channels}channelsperring" proto="LL128" nchannels="{channels}" '
             f'nchunksperloop="{n * channels}" ngpus="{n}" coll="allreduce" inplace="1">']
    for r in range(n):
        lines.append(f'  <gpu id="{r}" i_chunks="{n * channels}" o_chunks="0" s_chunks="0">')
        for chan in range(channels):
            d, base = (1, 0) if chan == 0 else (-1, n)
            lines.append(f'    <tb id="{chan}" send="{(r + d) % n}" recv="{(r - d) % n}" chan="{chan}">')
            s = 0
            lines.append(step(s, "s", base + r))
            for k in range(1, n):  # reduce-scatter: receive chunk r-k, reduce, pass it on
                off = base + (r - d * k) % n
                lines += [step(s + 1, "rrc", off), step(s + 2, "s", off)]
                s += 2
            for k in range(n - 2):  # all-gather: receive the reduced chunk, pass it on
                off = base + (r - d * k) % n
                lines += [step(s + 1, "r", off), step(s + 2, "s", off)]
                s += 2
            lines.append(step(s + 1, "r", base + (r + 2 * d) % n))
            lines.append("    </tb>")
        lines.append("  </gpu>")
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
