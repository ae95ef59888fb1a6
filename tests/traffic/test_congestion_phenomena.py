"""Victim flows and congestion trees with a training job as the victim (two jobs, one fabric).

Two leaves under one spine, 100 Gb/s, 500 ns. An incast job sends to host 4 from host 0 (leaf A)
and hosts 5-8 (leaf B); a 2-rank training job all-reduces between host 3 (leaf A) and host 9
(leaf B), so its 3 -> 9 direction shares leaf A's uplink and the spine's downlink with the one
remote incast sender but never the hot port. Under PFC alone the hot port's back-pressure
climbs the tree (pauses on switch-to-switch links) and stalls the victim; end-to-end congestion
control (DCQCN on RoCE, IB CC on InfiniBand) throttles the incast at its source and gives the
victim much of its rate back. With perfect fair sharing the victim would keep 80 of 100 Gb/s.
"""

from __future__ import annotations

import pytest

from astrasim_py.chakra import traffic as tr
from astrasim_py.chakra.generators import generate_collective, write_workload
from astrasim_py.runner import RunRequest, run

from .conftest import write_yaml

pytestmark = pytest.mark.ns3

GBPS, LAT = 100, 500
LEAF_A, LEAF_B, SPINE = 10, 11, 12
LINKS = ([[h, LEAF_A, GBPS, LAT] for h in range(4)] + [[h, LEAF_B, GBPS, LAT] for h in range(4, 10)]
         + [[LEAF_A, SPINE, GBPS, LAT], [LEAF_B, SPINE, GBPS, LAT]])
TOPOLOGY = {"builder": "graph", "hosts": 10, "switches": 3, "links": LINKS}
INCAST_HOSTS = [4, 0, 5, 6, 7, 8]  # job rank 0 (the target) on host 4
TRAIN_HOSTS = [3, 9]


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    """Jobs files: the training job alone, and beside the incast job."""
    folder = tmp_path_factory.mktemp("jobs")
    write_workload(folder / "incast", tr.flows_to_graphs(tr.incast_flows(6, 2 << 20), 6))
    write_workload(folder / "train", generate_collective("all_reduce", 2, 4 << 20))
    train = {"name": "train", "workload": "train", "hosts": TRAIN_HOSTS}
    incast = {"name": "incast", "workload": "incast", "hosts": INCAST_HOSTS}
    return {"alone": write_yaml(folder / "alone.yaml", {"jobs": [train]}),
            "both": write_yaml(folder / "both.yaml", {"jobs": [train, incast]})}


def _run(tmp_path, system_json, jobs_file, preset):
    transport = "ib" if preset.startswith("ib") else "roce"
    fabric = {"topology": TOPOLOGY, "transport": transport, "preset": preset}
    if transport == "roce":
        fabric["switch_buffer_bytes"] = 1_000_000
    net = write_yaml(tmp_path / f"net_{preset}.yml", {"fabric": fabric})
    return run(RunRequest(workload=jobs_file, system=system_json, network=net, backend="ns3"), progress=False)


def _slowdown(tmp_path, system_json, jobs, preset) -> tuple[float, dict]:
    alone = _run(tmp_path, system_json, jobs["alone"], preset)
    both = _run(tmp_path, system_json, jobs["both"], preset)
    (train_alone,) = alone["jobs"]
    train, incast = both["jobs"]
    assert train["name"] == "train" and incast["name"] == "incast" and train["hosts"] == TRAIN_HOSTS
    assert both["fabric"]["drops"] == 0
    assert incast["finish_ns"] > 0 and len(train["collectives"]) == 1
    return train["finish_ns"] / train_alone["finish_ns"], both


def _switch_to_switch_paused_ns(result) -> dict[tuple[int, int], int]:
    return {(p["node"], p["peer"]): p["paused_ns"] for p in result["fabric"]["ports"]
            if p["node"] >= 10 and p["peer"] >= 10 and p["paused_ns"] > 0}


def test_pfc_pauses_spread_upstream_and_slow_the_victim(tmp_path, system_json, jobs):
    slowdown, both = _slowdown(tmp_path, system_json, jobs, "pfc_only")
    paused = _switch_to_switch_paused_ns(both)
    # the spine's port down to leaf B and leaf A's uplink are paused: two hops above the hot port
    assert paused.get((SPINE, LEAF_B), 0) > 100_000 and paused.get((LEAF_A, SPINE), 0) > 100_000
    assert slowdown > 2.0


@pytest.mark.parametrize("without,with_cc", [("pfc_only", "dcqcn_mlnx"), ("pfc_only", "dcqcn_paper"),
                                             ("ib_credits", "ib_credits_cc")])
def test_congestion_control_reduces_the_victims_slowdown(tmp_path, system_json, jobs, without, with_cc):
    base, base_result = _slowdown(tmp_path, system_json, jobs, without)
    cc, cc_result = _slowdown(tmp_path, system_json, jobs, with_cc)
    assert base > 2.0 and cc < 0.8 * base, (base, cc)
    if without == "pfc_only":
        assert cc_result["fabric"]["pfc_paused_ns"] < 0.2 * base_result["fabric"]["pfc_paused_ns"]
        assert cc_result["fabric"]["cnps"] > 0
    else:
        stall = "credit_stall_ns"
        assert cc_result["fabric"]["flow_control_stats"][stall] < 0.5 * base_result["fabric"]["flow_control_stats"][stall]
