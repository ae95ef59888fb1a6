"""A 64-NPU Llama-style job on ns-3 over a rail-optimized 8 x 8 cluster: TP stays on the scale-up switches."""

from __future__ import annotations

import json

import pytest

from astrasim_py.cli import main

SHAPE = ["--model", "llama3-8b", "--dmodel", "1024", "--dff", "3584", "--heads", "8", "--kv-heads", "8",
         "--vocab", "32000", "--layers", "2", "--seq", "128"]


def test_llama_64_npus_rail_optimized_tp_on_scaleup_only(tmp_path, fabric_available):
    net = tmp_path / "net.yml"
    net.write_text("fabric:\n  transport: roce\n  topology: {builder: rail_optimized, num_servers: 8, "
                   "gpus_per_server: 8, num_spines: 2, nic_gbps: 400, scaleup_gbps: 3600}\n")
    prefix = str(tmp_path / "llama")
    assert main(["workload", "llm", "--output", prefix, *SHAPE, "--tp", "8", "--dp", "8", "--batch", "8",
                 "--quiet"]) == 0
    out = tmp_path / "r.json"
    assert main(["workload", "run", "--workload", prefix, "--network", str(net), "--backend", "ns3",
                 "--output-json", str(out)]) == 0
    doc = json.loads(out.read_text())
    links = doc["fabric"]["links"]
    hosts, servers = 64, 8
    scaleup = set(range(hosts, hosts + servers))
    rails = set(range(hosts + servers, hosts + servers + 8))
    # payload each rank sends (ring all-reduce: 2 (n-1)/n x size), from the trace's own sizes
    tp_payload = [0] * hosts
    dp_payload = [0] * hosts
    for c in doc["collectives"]:
        share = 2 * 7 / 8 * c["size_bytes"]
        group = doc["config"]["comm_groups"][str(c["group"])]
        (tp_payload if max(group) - min(group) == 7 else dp_payload)[c["rank"]] += share
    assert all(tp_payload) and all(dp_payload)
    ratios_up, ratios_rail = [], []
    for link in links:
        a, b = link["a"], link["b"]
        if a < hosts and b in scaleup:
            assert b - hosts == a // 8  # each GPU on its own server's switch
            ratios_up.append(link["bytes_a_to_b"] / tp_payload[a])
        elif a < hosts and b in rails:
            ratios_rail.append(link["bytes_a_to_b"] / dp_payload[a])
        elif a >= hosts and b >= hosts:
            assert link["bytes_a_to_b"] == link["bytes_b_to_a"] == 0  # DP peers share a rail: no spine hop
    # wire bytes = payload x one per-packet header factor on both kinds of links; TP bytes on a rail
    # (about a tenth of the DP bytes here) would push the rail ratio off by that much
    factor = ratios_up[0]
    assert 1.0 < factor < 1.3
    assert all(r == pytest.approx(factor, rel=1e-3) for r in ratios_up + ratios_rail)
    assert doc["fabric"]["drops"] == 0
