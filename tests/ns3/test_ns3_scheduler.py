"""The fabric's event set (a 4-ary heap) must release events in ns-3's (time, uid) order: any
scheduler then gives the same run, event for event."""

from __future__ import annotations

import pytest

from astrasim_py.topology import leaf_spine

pytestmark = pytest.mark.ns3


def _run(make_backend, monkeypatch, scheduler: str):
    monkeypatch.setenv("ASTRASIM_NS3_SCHEDULER", scheduler)
    # Congested on purpose (PFC pauses, ECN marks, DCQCN timers, cancelled events, ties).
    topo = leaf_spine(2, 4, 2, 100)
    be = make_backend({"fabric": {"topology": topo, "preset": "dcqcn_paper", "switch_buffer_bytes": 300_000}}, 8)
    for src in range(1, 8):
        be.flow(src, 0, 300_000)
        be.flow(src, (src + 4) % 8, 200_000)
    be.run()
    tel = be.telemetry()
    tel.pop("wall")
    tel.pop("config")
    return dict(be.flow_done_ns), tel


def test_fabric_heap_and_ns3_map_scheduler_give_the_same_run(make_backend, monkeypatch):
    heap = _run(make_backend, monkeypatch, "ns3::fabric::FourAryHeapScheduler")
    ns3_map = _run(make_backend, monkeypatch, "ns3::MapScheduler")
    assert heap[1]["pfc_pause_frames"] > 0 and heap[1]["ecn_marks"] > 0  # a run worth comparing
    assert heap == ns3_map
