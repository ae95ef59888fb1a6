"""A small version of the shipped IB-vs-RoCE study, end to end: sweep, results.csv, report, figures, browser."""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from astrasim_py.sweep.engine import SweepOptions, run_sweep
from astrasim_py.sweep.spec import load_spec
from astrasim_py.sweep.store import read_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import find_chromium, page_errors  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
STUDY = REPO / "studies" / "ib_vs_roce.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def small_study(folder: Path) -> Path:
    """The shipped study with every message 8x smaller and a shorter background (same axes)."""
    doc = yaml.safe_load(STUDY.read_text())
    doc = copy.deepcopy(doc)
    for key in ("system", "network"):
        doc["base"][key] = str((STUDY.parent / doc["base"][key]).resolve())
    grid = doc["axes"][0]["grid"]
    grid["network"] = [str((STUDY.parent / n).resolve()) for n in grid["network"]]
    for workload in grid["workload"]:
        for job in workload["jobs"]:
            gen = job["generate"]
            if "size" in gen:
                gen["size"] = "256KiB"
            if gen.get("pattern") == "poisson":
                gen["duration_us"] = 60
    doc["name"] = "ib_vs_roce_small"
    path = folder / "ib_vs_roce_small.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def study(tmp_path_factory, fabric_available):
    """Run the small study and its report once for every test here."""
    from astrasim_py.report import write_report

    folder = tmp_path_factory.mktemp("study")
    spec = load_spec(small_study(folder))
    out = folder / "out"
    summary = run_sweep(spec, out, SweepOptions(workers=2, progress=False))
    assert summary.all_ok, summary.text()
    files = write_report(out, out / "report" / "report.html", None)
    records = {p.stem: json.loads(p.read_text()) for p in (out / "points").glob("*.json")}
    return {"out": out, "files": files, "records": records, "numbers": json.loads(files.json.read_text()),
            "spec": spec}


def _train_span(collectives, hosts) -> float:
    mine = [c for c in collectives if c["rank"] in hosts]
    return max(c["end_ns"] for c in mine) - min(c["start_ns"] for c in mine)


def test_study_points_and_shape(study) -> None:
    # 3 workloads x 2 topologies x 4 transport/preset pairs, every one with its ideal.
    assert len(study["records"]) == 24
    for rec in study["records"].values():
        assert rec["status"] == "ok"
        ideal = rec["result"]["ideal"]
        assert ideal["backend"] == "analytical" and ideal["max_finish_ns"] > 0


def test_results_csv_carries_the_fabric_counters(study) -> None:
    rows = read_table(study["out"] / "results.csv")
    assert len(rows) == 24
    for row in rows:
        result = study["records"][row["point_id"]]["result"]
        fabric = result["fabric"]
        assert row["transport"] == fabric["config"]["transport"]
        assert int(row["pfc_paused_ns"]) == fabric["pfc_paused_ns"]
        assert int(row["pfc_pause_frames"]) == fabric["pfc_pause_frames"]
        assert int(row["ecn_marks"]) == fabric["ecn_marks"]
        assert int(row["cnps"]) == fabric["cnps"]
        assert int(row["drops"]) == fabric["drops"]
        assert int(row["retransmitted_packets"]) == fabric["retransmitted_packets"]
        assert int(row["max_queue_bytes"]) == fabric["max_queue_bytes"]
        assert int(row["ideal_max_finish_ns"]) == result["ideal"]["max_finish_ns"]
        assert float(row["slowdown"]) == round(result["max_finish_ns"] / result["ideal"]["max_finish_ns"], 6)
        if row["transport"] == "ib":
            assert int(row["credit_stall_ns"]) == fabric["flow_control_stats"]["credit_stall_ns"]
            assert int(row["fecn_marked"] or 0) == fabric["congestion_control_stats"].get("fecn_marked", 0)
        else:
            assert row["credit_stall_ns"] == ""
        assert int(row["num_warnings"]) == len(row["warnings"].split(" | ")) if row["warnings"] else True
        for warning in result.get("warnings", []):
            assert " ".join(warning.split()) in row["warnings"]


def test_report_numbers_match_the_point_json(study) -> None:
    numbers = study["numbers"]
    by_id = {p["point_id"]: p for p in numbers["points"]}
    summary = {r["group"]: r for r in numbers["summary"]}
    assert len(summary) == 24  # grouped by every axis: one point per configuration
    for pid, rec in study["records"].items():
        result, point = rec["result"], by_id[pid]
        row = summary[point["group"]]
        assert row["points"] == 1
        assert row["finish_ns"] == result["max_finish_ns"]
        assert row["ideal_max_finish_ns"] == result["ideal"]["max_finish_ns"]
        assert row["slowdown"] == pytest.approx(result["max_finish_ns"] / result["ideal"]["max_finish_ns"], rel=1e-6)
        fabric = result["fabric"]
        wait = fabric["pfc_paused_ns"] if fabric["config"]["transport"] == "roce" else \
            fabric["flow_control_stats"]["credit_stall_ns"]
        assert row["flow_wait_ns"] == wait
        assert row["flow_wait_name"] == ("PFC pause time" if fabric["config"]["transport"] == "roce"
                                         else "credit-stall time")
        # The per-tier split of that wait adds up to it (every port sits in exactly one tier); the
        # telemetry rounds each port's time down to a whole ns, the total once: at most 1 ns per port.
        tiers = numbers["tiers"][point["group"]]["flow_wait_ns"]
        ports = len(fabric["ports"]) + len(fabric.get("flow_control_stats", {}).get("per_port_vl", []))
        assert wait - ports <= sum(t["mean"] for t in tiers.values()) <= wait
        # The victim job's collective: last rank's end minus first rank's start, computed here from scratch.
        train = next(j for j in result["jobs"] if j["name"] == "train")
        name = f"train:{next(c['name'] for c in result['collectives'] if c['rank'] in train['hosts'])}"
        coll = next(c for c in numbers["collectives"] if c["group"] == point["group"] and c["collective"] == name)
        assert coll["time_ns"] == _train_span(result["collectives"], train["hosts"])
        assert coll["ideal_ns"] == _train_span(result["ideal"]["collectives"], train["hosts"])
        assert coll["slowdown"] == pytest.approx(coll["time_ns"] / coll["ideal_ns"])


def test_message_slowdowns_match_the_point_json(study) -> None:
    from astrasim_py.report.load import ReportPoint
    from astrasim_py.report.tables import message_slowdowns

    checked = 0
    for pid, rec in study["records"].items():
        result = rec["result"]
        if not result.get("messages"):
            continue
        ideal = {(m["src"], m["dst"], m["tag"]): m["end_ns"] - m["start_ns"] for m in result["ideal"]["messages"]}
        expected = [(m["end_ns"] - m["start_ns"]) / ideal[(m["src"], m["dst"], m["tag"])]
                    for m in result["messages"]]
        assert message_slowdowns(ReportPoint(rec["index"], pid, rec["axes"], result)) == pytest.approx(expected)
        # Every aggressor flow is recorded once: the incast's 7 senders, or the Poisson flows.
        if rec["axes"]["workload"]["name"] == "a2a+incast":
            assert len(result["messages"]) == 7 and {m["dst"] for m in result["messages"]} == {1}
            if "fattree" in rec["axes"]["network"]:
                # On the fat-tree all 7 x 256 KiB cross host 1's one 400 Gb/s link, so the last flow takes
                # at least 7 payload times; alone (the ideal) a flow takes one payload time plus 2 x 500 ns.
                # (On the rail fabric the same-server senders arrive over the 3600 Gb/s scale-up link.)
                payload_ns = 262144 / (46.566 * 2**30 / 1e9)
                assert max(expected) >= 7 * payload_ns / (payload_ns + 1000) * 0.999
        checked += 1
    assert checked == 16  # two of the three workloads have point-to-point traffic


def test_markdown_and_html_show_the_same_numbers(study) -> None:
    md = study["files"].markdown.read_text()
    summary_md = md.split("## Finish time and slowdown", 1)[1].split("\n## ", 1)[0]
    html = study["files"].html.read_text()
    for row in study["numbers"]["summary"]:
        finish_us = f"{row['finish_ns'] / 1e3:.2f}"
        slowdown = f"{row['slowdown']:.3f}x"
        line = next(line for line in summary_md.splitlines() if line.startswith(f"| {row['group']} |"))
        assert f"| {finish_us} |" in line and f"| {slowdown} |" in line
        assert f"<td>{finish_us}</td>" in html


def test_every_figure_exists_and_is_a_png(study) -> None:
    files = study["files"]
    names = study["numbers"]["figures"]
    assert len(names) >= 9
    for path in files.figures:
        assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5000, path
    html = files.html.read_text()
    md = files.markdown.read_text()
    for name in names:
        assert f'src="report_figures/{name}"' in html
        assert f"(report_figures/{name})" in md


def test_study_counters_follow_the_transports(study) -> None:
    """RoCE pauses and IB stalls under the incast; ECN/CNPs only with DCQCN; FECN/BECN only with IB CC."""
    for rec in study["records"].values():
        fabric, axes = rec["result"]["fabric"], rec["axes"]
        preset = axes["preset"]
        incast = axes["workload"]["name"] == "a2a+incast"
        if preset in ("pfc_only", "dcqcn_mlnx"):
            assert fabric["config"]["transport"] == "roce"
            assert "credit_stall_ns" not in fabric.get("flow_control_stats", {})
            if incast:
                assert fabric["pfc_pause_frames"] > 0 and fabric["pfc_paused_ns"] > 0
        else:
            assert fabric["config"]["transport"] == "ib" and fabric["pfc_pause_frames"] == 0
            if incast:
                assert fabric["flow_control_stats"]["credit_stall_ns"] > 0
        if preset == "pfc_only":
            assert fabric["ecn_marks"] == 0 and fabric["cnps"] == 0
        if preset == "dcqcn_mlnx" and incast:
            assert fabric["ecn_marks"] > 0 and fabric["cnps"] > 0
        if preset == "ib_credits":
            assert fabric["congestion_control_stats"].get("fecn_marked", 0) == 0
        if preset == "ib_credits_cc" and incast:
            cc = fabric["congestion_control_stats"]
            assert cc["fecn_marked"] > 0 and cc["becn_received"] > 0
        assert fabric["drops"] == 0  # both fabrics are lossless


def test_report_is_deterministic(study, tmp_path: Path) -> None:
    from astrasim_py.report import write_report

    again = write_report(study["out"], tmp_path / "again.html", None)
    first = study["files"]
    assert again.markdown.read_text() == first.markdown.read_text().replace("report_figures", "again_figures")
    assert again.json.read_text() == first.json.read_text()
    for a, b in zip(again.figures, first.figures):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_group_by_averages_over_the_other_axes(study, tmp_path: Path) -> None:
    from astrasim_py.report import write_report

    files = write_report(study["out"], tmp_path / "by_preset.html", "preset")
    numbers = json.loads(files.json.read_text())
    assert [r["group"] for r in numbers["summary"]] == [
        "preset=pfc_only", "preset=dcqcn_mlnx", "preset=ib_credits", "preset=ib_credits_cc"]
    for row in numbers["summary"]:
        preset = row["group"].split("=")[1]
        finishes = [r["result"]["max_finish_ns"] for r in study["records"].values() if r["axes"]["preset"] == preset]
        assert row["points"] == 6
        assert row["finish_ns"] == pytest.approx(sum(finishes) / len(finishes))


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium on PATH (scripts/setup_chromium.sh installs it with apt-get where it can)")
    return path


def test_html_loads_in_headless_chromium_without_errors(study, chromium) -> None:
    assert page_errors(chromium, study["files"].html) == []


def test_browser_check_sees_a_missing_figure(study, chromium, tmp_path: Path) -> None:
    # The check above can fail: the same page with one figure gone reports the failed load.
    copy_dir = tmp_path / "report"
    shutil.copytree(study["files"].html.parent, copy_dir)
    (copy_dir / "report_figures" / "loss.png").unlink()
    errors = page_errors(chromium, copy_dir / "report.html")
    assert any("loss.png" in e or "ERR_FILE_NOT_FOUND" in e for e in errors), errors
