"""Custom (Chakra-ET) collectives on the ns-3 fabric: every SEND is a QP message; per-link bytes by closed form."""

from __future__ import annotations

import pytest
import yaml

from astrasim_py.chakra.collective_examples import hierarchical_allreduce, ring_allreduce
from astrasim_py.runner import RunRequest, run
from custom.helpers import MiB, SHIPPED, generate, write_ring_net, write_system

pytestmark = pytest.mark.ns3
MTU = 4096
LEAF0, LEAF1, SPINE = 8, 9, 10  # leaf_spine(2 leaves x 4 hosts, 1 spine): switches follow the 8 hosts


def _two_servers(tmp_path) -> str:
    """Two 4-GPU servers (one leaf switch each) joined through one spine: the only inter-server path."""
    path = tmp_path / "two_servers.yml"
    path.write_text(yaml.safe_dump({"fabric": {
        "preset": "pfc_only", "mtu_bytes": MTU,
        "topology": {"builder": "leaf_spine", "num_leaves": 2, "hosts_per_leaf": 4, "num_spines": 1,
                     "host_gbps": 100, "host_latency_ns": 500}}}))
    return str(path)


def _port(tel, node, peer):
    return next(p for p in tel["ports"] if p["node"] == node and p["peer"] == peer)


def _inter_server_payload(tel):
    """Payload bytes on each direction of both inter-server links (from data packets: messages are MTU multiples)."""
    out = {}
    for a, b in ((LEAF0, SPINE), (SPINE, LEAF1), (LEAF1, SPINE), (SPINE, LEAF0)):
        port = _port(tel, a, b)
        out[(a, b)] = port["tx_data_packets"] * MTU
        assert port["tx_bytes"] >= port["tx_data_packets"] * (MTU + 82)  # headers on the wire too
    return out


def test_ring_runs_on_ns3_as_qp_messages(tmp_path, fabric_available):
    ring_allreduce(8, MiB).write(str(tmp_path / "algo"))
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    workload = generate(tmp_path / "w" / "ar", "--collective", "all_reduce", "--npus", "8", "--size", "1MiB")
    net = tmp_path / "n.yml"
    net.write_text(open(write_ring_net(tmp_path / "r.yml")).read() + "fabric: {preset: pfc_only, mtu_bytes: 4096}\n")
    docs = {b: run(RunRequest(workload=workload, system=system, network=str(net), backend=b))
            for b in ("analytical", "ns3")}
    ns3 = docs["ns3"]
    assert docs["analytical"]["finish_ns"] == [90174] * 8
    assert ns3["fabric"]["delivered_messages"] == 8 * 14 and ns3["fabric"]["delivered_bytes"] == 8 * 14 * 131072
    assert ns3["fabric"]["drops"] == 0
    # same dependency chain; packet headers and store-and-forward only add time
    assert 90174 <= min(ns3["finish_ns"]) and max(ns3["finish_ns"]) <= 1.2 * 90174


def test_hierarchical_allreduce_inter_server_bytes(tmp_path, fabric_available):
    servers, gpus, size = 2, 4, MiB
    hierarchical_allreduce(servers, gpus, size).write(str(tmp_path / "algo"))
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    workload = generate(tmp_path / "w" / "ar", "--collective", "all_reduce", "--npus", "8", "--size", "1MiB")
    doc = run(RunRequest(workload=workload, system=system, network=_two_servers(tmp_path), backend="ns3"))
    assert all(t > 0 for t in doc["finish_ns"]) and doc["fabric"]["drops"] == 0
    # each GPU's shard (size/G) is ring-all-reduced across S servers: 2(S-1) pieces of size/(G*S) leave
    # every GPU towards the next server, so each direction carries G * 2(S-1) * size/(G*S) bytes
    per_direction = gpus * 2 * (servers - 1) * (size // (gpus * servers))
    assert per_direction == MiB
    assert set(_inter_server_payload(doc["fabric"]).values()) == {per_direction}


def test_hierarchical_allgather_xml_on_two_servers(shared_dir, tmp_path, fabric_available, capsys):
    from astrasim_py.cli import main

    chunk = 64 * 1024
    xml = SHIPPED / "collectiveapi" / "allgather_hierarchical.xml"
    assert main(["chakra", "convert", "--input-type", "msccl", "--input", str(xml), "--output",
                 str(tmp_path / "ag" / "ag"), "--size", str(chunk)]) == 0
    system = write_system(tmp_path / "sys.json", all_gather_implementation_custom=[str(tmp_path / "ag" / "ag")])
    workload = generate(tmp_path / "w" / "ag", "--collective", "all_gather", "--npus", "8", "--size", "64KiB")
    out = tmp_path / "result.json"
    assert main(["run", f"--workload-configuration={workload}", f"--system-configuration={system}",
                 f"--network-configuration={_two_servers(tmp_path)}", "--backend", "ns3", "--quiet",
                 "--output-json", str(out)]) == 0
    import json

    doc = json.loads(out.read_text())
    tel = doc["fabric"]
    # 8 GPUs: pairs (0,1) (2,3) ... swap 1 chunk, then rings 0->2->4->6->0 and 1->3->5->7->1 pass 2 chunks
    # 3 times. Servers {0..3} and {4..7}: per direction, each ring crosses once (2->4 and 3->5 one way,
    # 6->0 and 7->1 the other): 2 rings x 3 steps x 2 chunks.
    per_direction = 2 * 3 * 2 * chunk
    assert set(_inter_server_payload(tel).values()) == {per_direction}
    assert tel["delivered_messages"] == 8 * (1 + 3) and tel["delivered_bytes"] == 8 * (chunk + 3 * 2 * chunk)
    assert tel["drops"] == 0 and doc["collectives"][0]["collective"] == "ALL_GATHER"


def test_shipped_ets_and_system_json_on_ns3(shared_dir, tmp_path, monkeypatch, fabric_available):
    import os

    from custom.helpers import SHIPPED_PREFIX_IN_JSON, SHIPPED_RING

    folder = tmp_path / os.path.dirname(SHIPPED_PREFIX_IN_JSON)
    folder.mkdir(parents=True)
    for rank in range(8):
        (folder / f"custom_allreduce.{rank}.et").symlink_to(SHIPPED_RING / f"custom_allreduce.{rank}.et")
    monkeypatch.chdir(tmp_path)
    workload = generate(tmp_path / "w" / "ar", "--collective", "all_reduce", "--npus", "8", "--size", "1MiB")
    doc = run(RunRequest(workload=workload, system=str(SHIPPED_RING / "custom_collective.json"),
                         network=write_ring_net(tmp_path / "n.yml"), backend="ns3"))
    assert doc["fabric"]["delivered_messages"] == 112 and doc["fabric"]["drops"] == 0
    assert 90174 <= min(doc["finish_ns"]) and max(doc["finish_ns"]) <= 1.2 * 90174
    print("ns3 shipped ring finish_ns", doc["finish_ns"])
