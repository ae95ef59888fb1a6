"""Several jobs on one fabric: placement moves ranks onto hosts, each job's collectives stay on
its hosts, results carry per-job finish times, and bad jobs files fail in one line."""

from __future__ import annotations

import json

import pytest

from astrasim_py.chakra import traffic as tr
from astrasim_py.chakra.generators import generate_collective, write_workload
from astrasim_py.cli import main
from astrasim_py.errors import InputError
from astrasim_py.runner import RunRequest, run
from astrasim_py.workload.jobs import load_jobs

from .conftest import write_yaml

RING8 = {"topology": ["Ring"], "npus_count": [8], "bandwidth": [50.0], "latency": [500.0]}


@pytest.fixture
def traces(tmp_path):
    write_workload(tmp_path / "ar4", generate_collective("all_reduce", 4, 1 << 20))
    write_workload(tmp_path / "p2p", tr.flows_to_graphs([tr.Flow(0, 1, 300_000)], 2))
    return tmp_path


def test_a_job_alone_and_beside_another_finishes_at_the_same_time_analytically(tmp_path, traces, system_json):
    net = write_yaml(tmp_path / "net.yml", RING8)
    alone = write_yaml(tmp_path / "alone.yaml", {"jobs": [{"name": "ar", "workload": "ar4", "hosts": "4-7"}]})
    both = write_yaml(tmp_path / "both.yaml", {"jobs": [{"name": "ar", "workload": "ar4", "hosts": "4-7"},
                                                        {"name": "p2p", "workload": "p2p", "hosts": [1, 0]}]})
    a = run(RunRequest(workload=alone, system=system_json, network=net), progress=False)
    b = run(RunRequest(workload=both, system=system_json, network=net), progress=False)
    assert a["jobs"][0]["finish_ns"] == b["jobs"][0]["finish_ns"] > 0
    assert [j["name"] for j in b["jobs"]] == ["ar", "p2p"] and b["jobs"][1]["hosts"] == [1, 0]
    # the all-reduce ran on the job's 4 hosts only: every one of them has the collective
    assert sorted(c["rank"] for c in b["collectives"]) == [4, 5, 6, 7]
    assert b["config"]["comm_groups"] == {"1": [4, 5, 6, 7], "2": [0, 1]}
    # one job on every host in order is the plain workload, to the nanosecond
    write_workload(traces / "ar8", generate_collective("all_reduce", 8, 1 << 20))
    whole = write_yaml(tmp_path / "whole.yaml", {"jobs": [{"workload": "ar8", "hosts": "0-7"}]})
    plain = run(RunRequest(workload=str(traces / "ar8"), system=system_json, network=net), progress=False)
    placed = run(RunRequest(workload=whole, system=system_json, network=net), progress=False)
    assert placed["finish_ns"] == plain["finish_ns"] and placed["jobs"][0]["finish_ns"] == plain["max_finish_ns"]


@pytest.mark.ns3
def test_placement_moves_traffic_onto_the_hosts(tmp_path, traces, system_json, fabric_available):
    net = write_yaml(tmp_path / "net.yml", {"fabric": {"topology": {"builder": "star", "num_hosts": 8,
                                                                   "link_gbps": 100, "latency_ns": 500},
                                                      "preset": "pfc_only"}})
    jobs = write_yaml(tmp_path / "jobs.yaml", {"jobs": [{"workload": "p2p", "hosts": [5, 2]}]})
    out = tmp_path / "r.json"
    assert main(["run", f"--workload-configuration={jobs}", f"--system-configuration={system_json}",
                 f"--network-configuration={net}", "--backend", "ns3", "--quiet", "--output-json", str(out)]) == 0
    result = json.loads(out.read_text())
    tx = {p["node"]: p["tx_bytes"] for p in result["fabric"]["ports"] if p["node"] < 8}
    assert tx[5] > 300_000 and all(tx[h] < 30_000 for h in tx if h != 5)  # ACKs only (86 B per 1000 B)
    (job,) = result["jobs"]
    assert job["name"] == "job0" and job["finish_ns"] == result["finish_ns"][2] == result["max_finish_ns"]
    # 300 kB at 100 Gb/s with RoCE framing (1000 B payload + 82 B) plus two hops: a closed form
    wire_ns = 300_000 / 1000 * 1082 * 8 / 100
    assert job["finish_ns"] == pytest.approx(wire_ns + 2 * 500, rel=0.02)
    assert result["warnings"] == []


@pytest.mark.parametrize("jobs,field,needle", [
    ([{"workload": "ar4", "hosts": "0-3"}, {"workload": "p2p", "hosts": [3, 4]}], "jobs[1].hosts", "already used"),
    ([{"workload": "ar4", "hosts": "3-0"}], "jobs[0].hosts", "backwards"),
    ([{"workload": "ar4", "hosts": [0, 0, 1, 2]}], "jobs[0].hosts", "twice"),
    ([{"workload": "ar4", "hosts": "0-3", "gpus": 4}], "jobs[0].gpus", "unknown key"),
    ([{"hosts": "0-3"}], "jobs[0].workload", "prefix"),
    ([{"name": "a", "workload": "ar4", "hosts": "0-3"}, {"name": "a", "workload": "p2p", "hosts": "4-5"}],
     "jobs[1].name", "twice"),
])
def test_bad_jobs_files_name_the_field(tmp_path, traces, jobs, field, needle):
    path = write_yaml(tmp_path / "jobs.yaml", {"jobs": jobs})
    with pytest.raises(InputError) as err:
        load_jobs(path)
    assert err.value.field == field and err.value.file == path and needle in str(err.value)


def test_jobs_that_do_not_fit_fail_cleanly(tmp_path, traces, system_json, capsys):
    net = write_yaml(tmp_path / "net.yml", RING8)
    for jobs, needle in (([{"workload": "ar4", "hosts": "6-9"}], "uses host 9"),
                         ([{"workload": "ar4", "hosts": "0-2"}], "4 rank file(s) but 3 host(s)"),
                         ([{"workload": "nosuch", "hosts": "0-2"}], "0 rank file(s)")):
        path = write_yaml(tmp_path / "jobs.yaml", {"jobs": jobs})
        assert main(["run", f"--workload-configuration={path}", f"--system-configuration={system_json}",
                     f"--network-configuration={net}", "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err and len(err.splitlines()) == 1


@pytest.mark.ns3
def test_training_beside_background_traffic_is_deterministic(tmp_path, system_json, fabric_available):
    """Background Poisson traffic beside a training ring: byte-identical reruns; no slowdown when
    the two share no link (each on its own leaf), a slowdown when both cross the spine."""
    from astrasim_py.results import deterministic_view

    write_workload(tmp_path / "ar", generate_collective("all_reduce", 4, 1 << 20))
    flows = tr.poisson_flows(4, load=0.8, link_gbps=100, duration_us=150, cdf=tr.load_cdf("websearch").scaled(0.05),
                             seed=5)
    write_workload(tmp_path / "bg", tr.flows_to_graphs(flows, 4))
    links = [[h, 8 + h % 2, 100, 500] for h in range(8)] + [[8, 10, 100, 500], [9, 10, 100, 500]]
    net = write_yaml(tmp_path / "net.yml", {"fabric": {"topology": {"builder": "graph", "hosts": 8, "switches": 3,
                                                                   "links": links}, "preset": "dcqcn_mlnx"}})
    req = dict(system=system_json, network=net, backend="ns3")

    def finish(train_hosts, bg_hosts):
        jobs = [{"name": "train", "workload": "ar", "hosts": train_hosts}]
        alone = run(RunRequest(workload=write_yaml(tmp_path / "a.yaml", {"jobs": jobs}), **req), progress=False)
        jobs.append({"name": "bg", "workload": "bg", "hosts": bg_hosts})
        both = run(RunRequest(workload=write_yaml(tmp_path / "b.yaml", {"jobs": jobs}), **req), progress=False)
        assert both["fabric"]["delivered_messages"] == len(flows) + alone["fabric"]["delivered_messages"]
        return alone, both

    alone, both = finish([0, 2, 4, 6], [1, 3, 5, 7])  # leaf 8 and leaf 9: nothing shared
    assert both["jobs"][0]["finish_ns"] == alone["jobs"][0]["finish_ns"]
    alone, both = finish([0, 1, 2, 3], [4, 5, 6, 7])  # every ring step and flow may cross the spine
    assert both["jobs"][0]["finish_ns"] > 1.05 * alone["jobs"][0]["finish_ns"]
    again = finish([0, 1, 2, 3], [4, 5, 6, 7])[1]
    for r in (both, again):
        r["fabric"].pop("wall")
    assert deterministic_view(both) == deterministic_view(again)
