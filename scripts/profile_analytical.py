#!/usr/bin/env python3
"""Where the analytical backends' time goes: per-operation costs and a per-layer split.

    python scripts/profile_analytical.py                 # compiled path (if built)
    ASTRASIM_PY_PURE=1 python scripts/profile_analytical.py

Prints JSON: `per_op_ns`, the cost of each operation a ring all-reduce message goes through,
timed in isolation (best CPU time of 7 rounds of 200,000): a Python-level call, an event-queue push plus
its run, a send/receive match, a cached closed-form delay, a rank's tick-map registration plus
its tick; `run`, one 256-NPU ring all-reduce of 64 MiB (CPU s, events, messages, ns per event);
and on the pure path `split_pct`, the cProfile self time of that run by layer.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.environ.get("ASTRASIM_PY_TREE", REPO))  # another checkout to profile

N = 200_000


def _best(fn, rounds: int = 7) -> float:
    """Best per-operation CPU ns of fn(N) over a few rounds (CPU time: the machine may be shared)."""
    best = float("inf")
    for _ in range(rounds):
        t = time.process_time()
        fn(N)
        best = min(best, (time.process_time() - t) / N * 1e9)
    return round(best, 1)


class _Target:
    __slots__ = ()

    def hit(self) -> None:
        return None


def per_op_ns(net_path: str) -> dict[str, float]:
    """Isolated costs of the operations on a message's path."""
    from astrasim_py.config import load_network
    from astrasim_py.network.analytical import AnalyticalBackend
    from astrasim_py.network.event_queue import EventQueue
    from astrasim_py.system.sys import Sys

    target = _Target().hit

    def calls(n):
        for _ in range(n):
            target()

    def loop(n):
        for _ in range(n):
            pass

    def queue(n):
        q = EventQueue()
        for i in range(n):
            q.push(i & 7, target)
        q.run()

    backend = AnalyticalBackend(load_network(net_path))
    matcher, core = backend.matcher, getattr(backend, "core", backend)  # older trees: no core

    def matching(n):
        for i in range(n):
            key = (i & 1023, 1, 2, 4096)
            matcher.posted(key, target)
            matcher.delivered(key, target)

    def closed_form(n):
        delay = core.delay
        for i in range(n):
            delay(0, 1, 4096)

    def ticks(n):
        from astrasim_py.system.sys import SystemContext
        from astrasim_py.config import load_system

        be = AnalyticalBackend(load_network(net_path))
        ctx = SystemContext(be, load_system(_SYSTEM), [d.npus for d in be.geometry.dims], be.geometry.num_npus)
        sysobj = Sys(0, ctx)
        for i in range(n):
            sysobj.register(i & 3, target)
        be.queue.run()

    base = _best(loop)
    return {"python_call": round(_best(calls) - base, 1), "event_queue_push_and_run": round(_best(queue) - base, 1),
            "match_post_and_deliver": round(_best(matching) - base, 1),
            "closed_form_delay_cached": round(_best(closed_form) - base, 1),
            "tick_map_register_and_run": round(_best(ticks) - base, 1), "loop_iteration": base}


_SYSTEM = ""

def _classes_by_line(path: str) -> dict[int, str]:
    """Line of every method definition in a source file -> its class name."""
    import ast

    tree = ast.parse(open(path).read())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    out[item.lineno] = node.name
    return out


# (_FastMatcher: the matcher's name in older trees; the tick map is system-layer bookkeeping.)
LAYER_OF_CLASS = {"MessageMatcher": "matching", "_FastMatcher": "matching", "_Delivery": "matching",
                  "CollectiveChannel": "matching", "TickMap": "system_layer", "_UnawareCore": "closed_form_and_links",
                  "_AwareCore": "closed_form_and_links", "_Link": "closed_form_and_links",
                  "_Chunk": "closed_form_and_links", "EventQueue": "event_queue"}


def _layer(filename: str, line: int, function: str, classes: dict[str, dict[int, str]]) -> str:
    if filename.endswith(("system/sys.py", "system/algorithms.py")):
        return "system_layer"
    for suffix in ("network/analytical.py", "network/event_queue.py", "network/matching.py"):
        if filename.endswith(suffix):
            owner = classes.setdefault(filename, _classes_by_line(filename)).get(line, "")
            return LAYER_OF_CLASS.get(owner, "other")
    if filename == "~":
        return "event_queue" if "heap" in function else "builtin_container_ops"
    return "other"


def run(net_path: str, profile: bool) -> dict:
    """One 256-NPU ring all-reduce of 64 MiB through the system layer."""
    from astrasim_py.config import load_network, load_system
    from astrasim_py.network.analytical import create_backend
    from astrasim_py.system.sys import Sys, SystemContext

    netcfg = load_network(net_path)
    backend = create_backend("analytical", netcfg)
    ctx = SystemContext(backend, load_system(_SYSTEM), [d.npus for d in netcfg.dims], netcfg.num_npus)
    finish: dict[int, int] = {}
    for rank in range(netcfg.num_npus):
        Sys(rank, ctx).generate_collective(0, 64 << 20, [True], 0, 0,
                                           lambda rank=rank: finish.__setitem__(rank, backend.now()))
    backend.progress = False
    cpu = time.process_time()
    if profile:
        prof = cProfile.Profile()
        prof.runcall(backend.run)
    else:
        backend.run()
    cpu = time.process_time() - cpu
    tel = backend.telemetry()
    out = {"event_loop_cpu_s": round(cpu, 3), "finish_ns": max(finish.values()), "events": tel["events"],
           "messages": tel["messages"], "ns_per_event": round(cpu * 1e9 / tel["events"], 1),
           "ns_per_message": round(cpu * 1e9 / tel["messages"], 1)}
    if profile:
        stats = pstats.Stats(prof)
        split: dict[str, float] = {}
        classes: dict[str, dict[int, str]] = {}
        calls = 0
        for (filename, line, function), (_, ncalls, tottime, _, _) in stats.stats.items():
            layer = _layer(filename, line, function, classes)
            split[layer] = split.get(layer, 0.0) + tottime
            calls += ncalls
        total = sum(split.values())
        out["split_pct"] = {k: round(100 * v / total, 1) for k, v in sorted(split.items(), key=lambda kv: -kv[1])}
        out["calls_per_message"] = round(calls / tel["messages"], 1)
    return out


def main() -> int:
    """Print the JSON profile of the path this process runs."""
    global _SYSTEM
    try:
        from astrasim_py._compiled import compiled_active
    except ImportError:  # a tree from before the compiled build
        def compiled_active() -> bool:
            return False

    with tempfile.TemporaryDirectory() as folder:
        net = os.path.join(folder, "net.yml")
        with open(net, "w") as handle:
            handle.write("topology: [Ring]\nnpus_count: [256]\nbandwidth: [50.0]\nlatency: [500.0]\n")
        _SYSTEM = os.path.join(folder, "sys.json")
        with open(_SYSTEM, "w") as handle:
            json.dump({"scheduling-policy": "LIFO", "endpoint-delay": 10, "active-chunks-per-dimension": 1,
                       "preferred-dataset-splits": 4, "all-reduce-implementation": ["ring"],
                       "all-gather-implementation": ["ring"], "reduce-scatter-implementation": ["ring"],
                       "all-to-all-implementation": ["ring"], "collective-optimization": "localBWAware",
                       "local-mem-bw": 50, "boost-mode": 0}, handle)
        compiled = compiled_active()
        doc = {"path": "compiled" if compiled else "pure-python", "per_op_ns": per_op_ns(net)}
        doc["run"] = run(net, profile=False)
        if not compiled:
            doc["profile"] = run(net, profile=True)
    print(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
