#!/usr/bin/env python3
"""Time topology building and ECMP routing on large fabrics; print one JSON document.

Cases: fattree_k8 (128 hosts), fattree_k16 (1024 hosts), a 4096-host 3-tier Clos
(fat-tree k=16 with 4:1 oversubscribed edges) and a deep 1024-NPU ring (512 BFS levels). For each: build+validate time, compute_routes
(distance BFS) time, as_arrays (CSR next-hop table) time, table sizes, and a spot check of the
(k/2)^2 equal-cost paths between pods.
Run: PYTHONPATH=. python scripts/bench_topology.py [--skip-4096]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time

from astrasim_py.topology import compute_routes, fattree, from_astrasim_dims

CASES = [
    ("fattree_k8", dict(k=8, link_gbps=400, latency_ns=500)),
    ("fattree_k16", dict(k=16, link_gbps=400, latency_ns=500)),
    ("clos3_4096_k16_oversub4", dict(k=16, link_gbps=400, latency_ns=500, oversubscription=4)),
]


def bench(name: str, params: dict) -> dict:
    """Build, route and tabulate one topology, timing each stage."""
    t0 = time.perf_counter()
    topo = fattree(**params)
    t1 = time.perf_counter()
    routes = compute_routes(topo)
    t2 = time.perf_counter()
    offsets, neighbours = routes.as_arrays()
    t3 = time.perf_counter()
    half = params["k"] // 2
    paths = routes.path_count(0, topo.num_hosts - 1)
    return {
        "case": name, "hosts": topo.num_hosts, "switches": topo.num_switches,
        "links": len(topo.links),
        "build_validate_s": round(t1 - t0, 3), "compute_routes_s": round(t2 - t1, 3),
        "as_arrays_s": round(t3 - t2, 3), "total_s": round(t3 - t0, 3),
        "csr_rows": int(len(offsets) - 1), "csr_next_hops": int(len(neighbours)),
        "csr_mbytes": round((offsets.nbytes + neighbours.nbytes) / 1e6, 1),
        "inter_pod_paths": paths, "inter_pod_paths_expected": half * half,
    }


def bench_ring(npus: int) -> dict:
    """A deep fabric: an ASTRA-sim Ring of npus NPUs (npus/2 BFS levels)."""
    t0 = time.perf_counter()
    topo = from_astrasim_dims([("Ring", npus, 50, 500)])
    t1 = time.perf_counter()
    routes = compute_routes(topo)
    t2 = time.perf_counter()
    offsets, neighbours = routes.as_arrays()
    t3 = time.perf_counter()
    return {
        "case": f"ring_{npus}", "hosts": npus, "switches": 0, "links": len(topo.links),
        "build_validate_s": round(t1 - t0, 3), "compute_routes_s": round(t2 - t1, 3),
        "as_arrays_s": round(t3 - t2, 3), "total_s": round(t3 - t0, 3),
        "csr_rows": int(len(offsets) - 1), "csr_next_hops": int(len(neighbours)),
        "antipode_paths": routes.path_count(0, npus // 2), "antipode_paths_expected": 2,
    }


def main() -> int:
    """Run the cases and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-4096", action="store_true", help="skip the 4096-host case")
    args = parser.parse_args()
    results = [bench(name, params) for name, params in CASES
               if not (args.skip_4096 and name.startswith("clos3_4096"))]
    results.append(bench_ring(1024))
    report = {
        "python": platform.python_version(), "machine": platform.machine(),
        "max_rss_mbytes": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "results": results,
    }
    print(json.dumps(report, indent=2))
    ok = all(r.get("inter_pod_paths") == r.get("inter_pod_paths_expected")
             and r.get("antipode_paths") == r.get("antipode_paths_expected") for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
