"""The report's building blocks on hand-made result documents (closed forms), and its CLI's bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from astrasim_py.cli import main
from astrasim_py.errors import InputError
from astrasim_py.report.load import ReportPoint, SweepData, load_sweep
from astrasim_py.report.tables import (axis_value_text, collective_instances, collective_rows, group_points,
                                       resolve_group_by, summary_rows)
from astrasim_py.report.tiers import node_tiers, tier_flow_wait_ns, tier_order, tier_queue_bytes, tier_utilization
from astrasim_py.sweep.counters import counter_columns


def _fabric(transport: str, **counters) -> dict:
    # Two hosts (0, 1) on leaf 2, leaf 2 on spine 3; 100 Gb/s links.
    links = [{"a": 0, "b": 2, "gbps": 100, "latency_ns": 500, "bytes_a_to_b": 1250, "bytes_b_to_a": 0},
             {"a": 1, "b": 2, "gbps": 100, "latency_ns": 500, "bytes_a_to_b": 0, "bytes_b_to_a": 2500},
             {"a": 2, "b": 3, "gbps": 400, "latency_ns": 500, "bytes_a_to_b": 5000, "bytes_b_to_a": 5000}]
    ports = [{"node": 2, "port": 1, "peer": 1, "max_queue_bytes": 3000, "paused_ns": 70},
             {"node": 2, "port": 2, "peer": 3, "max_queue_bytes": 100, "paused_ns": 30},
             {"node": 0, "port": 0, "peer": 2, "max_queue_bytes": 0, "paused_ns": 5}]
    base = {"pfc_pause_frames": 0, "pfc_paused_ns": 0, "ecn_marks": 0, "cnps": 0, "drops": 0,
            "retransmitted_packets": 0, "timeouts": 0, "max_queue_bytes": 3000, "max_switch_buffer_bytes": 3000,
            "delivered_bytes": 3750, "data_packets": 3, "links": links, "ports": ports,
            "flow_control_stats": {}, "congestion_control_stats": {},
            "config": {"transport": transport, "preset": "p", "warnings": ["w  one", "w two"]}}
    base.update(counters)
    return base


def _result(finish: int, ideal: int | None, transport: str = "roce", **counters) -> dict:
    colls = [{"rank": 0, "node_id": 0, "name": "AR", "start_ns": 0, "end_ns": finish - 10, "duration_ns": finish - 10},
             {"rank": 1, "node_id": 1, "name": "AR", "start_ns": 5, "end_ns": finish, "duration_ns": finish - 5}]
    doc = {"backend": "ns3", "num_npus": 2, "max_finish_ns": finish, "sim_time_ns": 1000, "collectives": colls,
           "warnings": ["w one"], "fabric": _fabric(transport, **counters)}
    if ideal is not None:
        doc["ideal"] = {"backend": "analytical", "max_finish_ns": ideal,
                        "collectives": [{**c, "end_ns": c["end_ns"] // 2} for c in colls]}
    return doc


def test_counter_columns_from_a_result() -> None:
    row = counter_columns(_result(1000, 800, "ib", flow_control_stats={"credit_stall_ns": 77},
                                  congestion_control_stats={"fecn_marked": 5, "becn_received": 4}))
    assert row["transport"] == "ib" and row["credit_stall_ns"] == 77
    assert row["fecn_marked"] == 5 and row["becn_received"] == 4
    assert row["slowdown"] == 1.25 and row["ideal_max_finish_ns"] == 800
    # The same warning from the result and the fabric config (whitespace aside) is listed once.
    assert row["warnings"] == "w one | w two" and row["num_warnings"] == 2
    empty = counter_columns(None)
    assert empty["slowdown"] is None and empty["warnings"] == "" and empty["num_warnings"] is None


def test_tiers_and_utilization_closed_form() -> None:
    point = ReportPoint(0, "p", {}, _result(1000, None))
    assert node_tiers(point.fabric["links"], 2) == {0: 0, 1: 0, 2: 1, 3: 2}
    util = tier_utilization(point)
    # host 0 -> leaf: 1250 B x 8 / (100 Gb/s x 1000 ns) = 10 %; host 1 sends nothing: mean 5 %, max 10 %.
    assert util["host->T1"] == (5.0, 10.0)
    assert util["T1->host"] == (10.0, 20.0)  # 2500 B to host 1 = 20 %
    assert util["T1->T2"] == (10.0, 10.0)  # 5000 B x 8 / (400 x 1000) = 10 %
    assert list(util) == sorted(util, key=tier_order) == ["host->T1", "T1->T2", "T2->T1", "T1->host"]
    assert tier_flow_wait_ns(point) == {"host->T1": (5.0, 5.0), "T1->T2": (30.0, 30.0), "T1->host": (70.0, 70.0)}
    ib = ReportPoint(0, "p", {}, _result(1000, None, "ib", flow_control_stats={"per_port_vl": [
        {"node": 2, "port": 1, "vl": 0, "credit_stall_ns": 11}, {"node": 2, "port": 1, "vl": 1, "credit_stall_ns": 4},
        {"node": 2, "port": 2, "vl": 0, "credit_stall_ns": 0}]}))
    # IB: credit stalls summed over VLs per egress port; PFC paused times are not read.
    assert tier_flow_wait_ns(ib) == {"T1->T2": (0.0, 0.0), "T1->host": (15.0, 15.0)}
    queues = tier_queue_bytes(point)
    assert queues["T1->host"] == (3000.0, 3000.0) and queues["T1->T2"] == (100.0, 100.0)


def test_collective_instances_merge_ranks_by_ordinal() -> None:
    # Node ids differ per rank; the k-th collective of a name on each rank is one instance.
    colls = [{"rank": 0, "node_id": 0, "name": "AR", "start_ns": 0, "end_ns": 100},
             {"rank": 1, "node_id": 7, "name": "AR", "start_ns": 10, "end_ns": 120},
             {"rank": 0, "node_id": 1, "name": "AR", "start_ns": 200, "end_ns": 260},
             {"rank": 1, "node_id": 8, "name": "AR", "start_ns": 210, "end_ns": 300}]
    assert collective_instances(colls) == {"AR": [120, 100]}
    assert collective_instances(colls, {0: "train", 1: "train"}) == {"train:AR": [120, 100]}


def _data(points: list[ReportPoint]) -> SweepData:
    return SweepData("s", Path("/x"), ["network_overrides.fabric.transport", "workload.generate.size"], points)


def test_grouping_and_summary_means() -> None:
    pts = [ReportPoint(0, "a", {"network_overrides.fabric.transport": "roce", "workload.generate.size": 1},
                       _result(1000, 500, pfc_paused_ns=300)),
           ReportPoint(1, "b", {"network_overrides.fabric.transport": "roce", "workload.generate.size": 2},
                       _result(3000, 1000, pfc_paused_ns=100)),
           ReportPoint(2, "c", {"network_overrides.fabric.transport": "ib", "workload.generate.size": 1},
                       _result(2000, 500, "ib", flow_control_stats={"credit_stall_ns": 40}))]
    data = _data(pts)
    assert resolve_group_by("transport", data) == ["network_overrides.fabric.transport"]
    assert resolve_group_by("size,cc_preset", data) == ["workload.generate.size", "cc_preset"]
    with pytest.raises(InputError) as err:
        resolve_group_by("bogus", data)
    assert err.value.field == "--group-by"
    groups = group_points(data, ["network_overrides.fabric.transport"])
    rows = summary_rows(groups)
    assert [r["group"] for r in rows] == ["transport=roce", "transport=ib"]
    assert rows[0]["finish_ns"] == 2000 and rows[0]["slowdown"] == pytest.approx((2.0 + 3.0) / 2)
    assert rows[0]["flow_wait_ns"] == 200 and rows[0]["flow_wait_name"] == "PFC pause time"
    assert rows[1]["flow_wait_ns"] == 40 and rows[1]["flow_wait_name"] == "credit-stall time"
    coll = collective_rows(groups)
    # ideal ends are halved: rank 1 ends at finish/2, rank 0 starts at 0 -> ideal span finish/2.
    assert coll[1] == {"group": "transport=ib", "collective": "AR", "instances": 1, "time_ns": 2000,
                       "ideal_ns": 1000, "slowdown": 2.0}


def test_axis_labels() -> None:
    assert axis_value_text({"name": "a2a+incast", "jobs": []}) == "a2a+incast"
    assert axis_value_text("/abs/studies/inputs/fattree_k4.yml") == "fattree_k4"
    assert axis_value_text(4096) == "4096"


def _sweep_dir(tmp_path: Path) -> Path:
    out = tmp_path / "sweep"
    (out / "points").mkdir(parents=True)
    return out


def test_load_sweep_rejects_what_is_not_a_sweep(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="sweep folder not found"):
        load_sweep(tmp_path / "nope")
    out = _sweep_dir(tmp_path)
    with pytest.raises(InputError, match="no sweep.json"):
        load_sweep(out)
    (out / "sweep.json").write_text("{not json")
    with pytest.raises(InputError, match="unreadable"):
        load_sweep(out)
    (out / "sweep.json").write_text(json.dumps({"name": "s", "axis_keys": [], "points": [
        {"index": 0, "point_id": "x", "axes": {}}]}))
    with pytest.raises(InputError, match="no successful points"):
        load_sweep(out)


@pytest.mark.parametrize("argv_tail, needle", [
    (["MISSING"], "sweep folder not found"),
    (["EMPTY"], "not a sweep folder"),
    (["OK", "--group-by", "bogus"], "--group-by"),
    (["OK", "--output", "report.txt"], "--output"),
])
def test_report_cli_bad_input_is_one_line_exit_2(tmp_path: Path, capsys, argv_tail, needle) -> None:
    out = _sweep_dir(tmp_path)
    (out / "sweep.json").write_text(json.dumps({"name": "s", "axis_keys": ["seed"], "points": [
        {"index": 0, "point_id": "x", "axes": {"seed": 0}}]}))
    (out / "points" / "x.json").write_text(json.dumps({"point_id": "x", "index": 0, "status": "ok",
                                                      "axes": {"seed": 0}, "result": _result(1000, 500)}))
    empty = tmp_path / "empty"
    empty.mkdir()
    paths = {"MISSING": str(tmp_path / "missing"), "EMPTY": str(empty), "OK": str(out)}
    argv = ["report", paths[argv_tail[0]], *[str(tmp_path / a) if a.endswith(".txt") else a for a in argv_tail[1:]]]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


def test_report_cli_writes_every_file(tmp_path: Path, capsys) -> None:
    out = _sweep_dir(tmp_path)
    (out / "sweep.json").write_text(json.dumps({"name": "s", "axis_keys": ["seed"], "points": [
        {"index": 0, "point_id": "x", "axes": {"seed": 0}}]}))
    (out / "points" / "x.json").write_text(json.dumps({"point_id": "x", "index": 0, "status": "ok",
                                                      "axes": {"seed": 0}, "result": _result(1000, 500)}))
    assert main(["report", str(out)]) == 0
    report = out / "report"
    assert {p.name for p in report.iterdir()} == {"report.html", "report.md", "report.json", "report_figures"}
    assert not [p for p in report.rglob(".*")]  # no temp files left
    numbers = json.loads((report / "report.json").read_text())
    assert numbers["summary"][0]["slowdown"] == 2.0
    # Nothing paused, marked or lost: those figures say so instead of showing empty axes.
    assert numbers["figure_notes"] == {"flow_control_wait.png": "no pauses and no credit stalls",
                                       "congestion_signals.png": "no ECN marks, CNPs, FECN or BECN",
                                       "loss.png": "no drops and no retransmissions",
                                       "message_slowdown_cdf.png": "no message slowdown against the ideal recorded"}
    assert "(no pauses and no credit stalls)" in (report / "report.md").read_text()
    assert "report:" in capsys.readouterr().out


def test_analytical_points_say_there_is_no_fabric(tmp_path: Path) -> None:
    from astrasim_py.report import write_report

    out = _sweep_dir(tmp_path)
    result = {k: v for k, v in _result(1000, None).items() if k not in ("fabric", "warnings")}
    result["backend"] = "analytical"
    (out / "sweep.json").write_text(json.dumps({"name": "s", "axis_keys": ["seed"], "points": [
        {"index": 0, "point_id": "x", "axes": {"seed": 0}}]}))
    (out / "points" / "x.json").write_text(json.dumps({"point_id": "x", "index": 0, "status": "ok",
                                                      "axes": {"seed": 0}, "result": result}))
    files = write_report(out)
    notes = json.loads(files.json.read_text())["figure_notes"]
    for name in ("flow_control_wait.png", "congestion_signals.png", "loss.png", "queue_heatmap.png",
                 "utilization_heatmap.png"):
        assert notes[name] == "no packet-fabric telemetry in these points"
    assert notes["slowdown.png"].startswith("no ideal time")
    assert "completion_cdf.png" not in notes  # per-rank collective times are always there
