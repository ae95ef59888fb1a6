"""ASTRA-sim input files the tests write themselves, with the values of the reference inputs.

The reference configs (ASTRA-sim's network YAML and system JSON) are a handful of numbers
each; the tests write them into a temporary folder so a bare clone runs without ../shared.
`CONFIGS` is that folder: `CONFIGS / "sys_ring_c4.json"` names the same file as before.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

# name -> (topology per dim, npus per dim, bandwidth GB/s per dim, latency ns per dim)
NETWORKS: dict[str, tuple[list[str], list[int], list[float], list[float]]] = {
    f"net_{kind}_{n}.yml": ([kind], [n], [50.0], [500.0])
    for kind, sizes in (("Ring", (8, 16, 64, 256, 1024)), ("Switch", (8, 16, 64)),
                        ("FullyConnected", (8, 16, 64)))
    for n in sizes
}
NETWORKS["net_Ring_Switch_4x2.yml"] = (["Ring", "Switch"], [4, 2], [50.0, 25.0], [500.0, 1000.0])


def _system(algos: list[str], a2a: list[str] | None = None, **changes) -> dict:
    """An ASTRA-sim system JSON with LIFO, 4 splits, 1 active chunk, 50 GB/s local memory."""
    doc = {
        "scheduling-policy": "LIFO",
        "endpoint-delay": 10,
        "active-chunks-per-dimension": 1,
        "preferred-dataset-splits": 4,
        "all-reduce-implementation": list(algos),
        "all-gather-implementation": [a if a != "doubleBinaryTree" else "ring" for a in algos],
        "reduce-scatter-implementation": [a if a != "doubleBinaryTree" else "ring" for a in algos],
        "all-to-all-implementation": a2a if a2a is not None else [
            "direct" if a == "halvingDoubling" else ("ring" if a == "doubleBinaryTree" else a) for a in algos],
        "collective-optimization": "localBWAware",
        "local-mem-bw": 50,
        "boost-mode": 0,
    }
    doc.update(changes)
    return doc


SYSTEMS: dict[str, dict] = {
    "sys_ring_c4.json": _system(["ring"]),
    "sys_ring_c4_baseline.json": _system(["ring"], **{"collective-optimization": "baseline"}),
    "sys_ring_c4_active2.json": _system(["ring"], **{"active-chunks-per-dimension": 2}),
    "sys_ring_c4_lmbw1600.json": _system(["ring"], **{"local-mem-bw": 1600}),
    "sys_ring_c4_roofline.json": _system(["ring"], **{"roofline-enabled": 1, "peak-perf": 900}),
    "sys_ring_c1.json": _system(["ring"], **{"preferred-dataset-splits": 1}),
    "sys_ring_c16.json": _system(["ring"], **{"preferred-dataset-splits": 16}),
    "sys_direct_c4.json": _system(["direct"]),
    "sys_hd_c4.json": _system(["halvingDoubling"]),
    "sys_dbt_c4.json": _system(["doubleBinaryTree"]),
    "sys_2d_ring_ring_c4.json": _system(["ring", "ring"]),
    "sys_2d_ring_hd_c4.json": _system(["ring", "halvingDoubling"], ["ring", "direct"]),
    "sys_2d_ring_hd_c4_baseline.json": _system(["ring", "halvingDoubling"], ["ring", "direct"],
                                               **{"collective-optimization": "baseline"}),
    # the ns-3 reference's system file: ring, 4 chunks, 1600 GB/s local memory, roofline off
    "repo_Ring_4chunks.json": _system(["ring"], **{"local-mem-bw": 1600, "roofline-enabled": 0,
                                                   "peak-perf": 900}),
}
OTHERS: dict[str, object] = {
    "no_memory_expansion.json": {"memory-type": "NO_MEMORY_EXPANSION"},
    "comm_groups_2x4.json": {"1": [0, 1, 2, 3], "2": [4, 5, 6, 7]},
}


def network_yaml(topology: list[str], npus: list[int], bandwidth_GBps: list[float],
                 latency_ns: list[float]) -> str:
    """The text of an ASTRA-sim network YAML (flow lists, one key a line)."""
    def flow(values) -> str:
        return "[ " + ", ".join(str(v) for v in values) + " ]"
    return (f"topology: {flow(topology)}\nnpus_count: {flow(npus)}\n"
            f"bandwidth: {flow(bandwidth_GBps)}  # GB/s\nlatency: {flow(latency_ns)}  # ns\n")


def star_ns3_text(num_hosts: int, rate: str = "400Gbps", delay: str = "0.0005ms") -> str:
    """An ns-3 topology file: one switch (id num_hosts) with a link to every host."""
    links = "".join(f"{num_hosts} {h} {rate} {delay} 0\n" for h in range(num_hosts))
    return f"{num_hosts + 1} 1 {num_hosts}\n{num_hosts}\n{links}"


def write_inputs(folder: Path) -> Path:
    """Write every named input into folder; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, dims in NETWORKS.items():
        (folder / name).write_text(network_yaml(*dims))
    for name, doc in {**SYSTEMS, **OTHERS}.items():
        (folder / name).write_text(json.dumps(doc, indent=4))
    (folder / "topo_8n_1sw_400g_500ns.txt").write_text(star_ns3_text(8))
    return folder


def write_allreduce_1MiB(folder: Path) -> Path:
    """The 8-rank 1 MiB all-reduce trace (the project's generator; byte-identical to Chakra's)."""
    from astrasim_py.chakra.generators import generate_collective, write_workload

    folder.mkdir(parents=True, exist_ok=True)
    write_workload(folder / "ALL_REDUCE", generate_collective("all_reduce", 8, 1 << 20))
    return folder / "ALL_REDUCE"


def _session_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="astrasim_inputs_"))
    atexit.register(shutil.rmtree, folder, True)
    return write_inputs(folder)


CONFIGS = _session_folder()
