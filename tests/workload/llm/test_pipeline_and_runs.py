"""End-to-end runs: 1F1B / GPipe bubble, GPT-3 175B on 1024 NPUs, the CLI, inference."""

from __future__ import annotations

import json

import pytest

from astrasim_py.chakra.schema import NodeType
from astrasim_py.cli import main
from astrasim_py.results import breakdown
from astrasim_py.runner import RunRequest, run
from astrasim_py.workload.llm.config import load_durations
from astrasim_py.workload.llm.schedules import bubble_fraction, stage_order

from .helpers import SMALL, job, switch_network, write

# per-op µs: every layer op 1 µs forward and 2 µs per backward node; the rest 0 (replayed as 1 ns)
DURATIONS = {"fwd.embed": 0, "fwd.head": 0, "fwd.loss": 0, "bwd.loss": 0, "bwd_input.head": 0,
             "bwd_weight.head": 0, "bwd_weight.embed": 0, "opt.*": 0, "fwd.*": 1, "bwd*": 2}
FWD_OPS, BWD_OPS = 9, 13  # compute nodes per layer in each pass


@pytest.mark.parametrize("schedule", ["1f1b", "gpipe"])
@pytest.mark.parametrize("stages,micro", [(4, 8), (2, 3)])
def test_pipeline_bubble_fraction(tmp_path, schedule, stages, micro):
    (tmp_path / "d.json").write_text(json.dumps(DURATIONS))
    shape = dict(SMALL, layers=stages * 2)
    j = job(shape=shape, pp=stages, batch=micro, micro_batch=1, schedule=schedule,
            durations=load_durations(str(tmp_path / "d.json")))
    prefix, facts = write(tmp_path, j)
    # compute-only: an ideal network (no latency, 10^9 GB/s) leaves only the schedule's idle time
    result = run(RunRequest(workload=prefix, system=facts["system"],
                            network=switch_network(tmp_path, stages, 1e9, 0), comm_group=facts["comm_groups"]),
                 record_nodes=True)
    per_stage_ns = 2 * (FWD_OPS * 1 + BWD_OPS * 2) * 1000  # 2 layers per stage
    step = result["max_finish_ns"]
    assert step == pytest.approx((micro + stages - 1) * per_stage_ns, rel=2e-3)
    summary = breakdown(result, _traces(prefix))
    for r in summary["ranks"]:
        assert r["compute_ns"] == pytest.approx(micro * per_stage_ns, rel=2e-3)
        idle = 1 - r["compute_ns"] / step
        assert idle == pytest.approx(bubble_fraction(stages, micro), rel=5e-3)


def _traces(prefix):
    from astrasim_py.chakra.workload import load_workload
    return load_workload(prefix, warn_stream=None)


def test_1f1b_order_is_warmup_steady_drain():
    assert stage_order("1f1b", 0, 4, 6) == [("F", 0), ("F", 1), ("F", 2), ("F", 3), ("B", 0), ("F", 4), ("B", 1),
                                           ("F", 5), ("B", 2), ("B", 3), ("B", 4), ("B", 5)]
    assert stage_order("1f1b", 3, 4, 2) == [("F", 0), ("B", 0), ("F", 1), ("B", 1)]


def test_gpt3_175b_on_1024_npus_runs_on_analytical(tmp_path):
    """dp 8, tp 8, pp 16 (two micro-batches per replica keep the test short)."""
    j = job("gpt3-175b", dp=8, tp=8, pp=16, batch=16, micro_batch=1)
    prefix, facts = write(tmp_path, j)
    net = tmp_path / "net1024.yml"
    net.write_text("topology: [Switch, Switch]\nnpus_count: [8, 128]\nbandwidth: [450, 50]\nlatency: [250, 1000]\n")
    result = run(RunRequest(workload=prefix, system=facts["system"], network=str(net),
                            comm_group=facts["comm_groups"]))
    assert result["num_npus"] == 1024 and all(f > 0 for f in result["finish_ns"])
    # the TP groups are consecutive ranks: 8 to a server
    assert all(max(r) - min(r) == 7 and min(r) % 8 == 0 for g, r in facts["layout"].groups.items()
               if facts["layout"].group_dim[g] == "tp")


def test_cli_generate_run_breakdown_and_timeline(tmp_path, capsys):
    out = tmp_path / "llm"
    assert main(["workload", "llm", "--output", str(out), "--model", "llama3-8b", "--layers", "2", "--seq", "256",
                 "--dp", "2", "--tp", "2", "--pp", "2", "--batch", "4", "--accelerator", "A100"]) == 0
    text = capsys.readouterr().out
    assert "rank     4: server    0 rail  4  tp 0 dp 0 pp 1" in text and "roofline A100 bf16" in text
    net = switch_network(tmp_path, 8)
    args = ["workload", "run", "--workload", str(out), "--network", net, "--output-json", str(tmp_path / "r.json"),
            "--chrome-trace", str(tmp_path / "t.json")]
    assert main(args) == 0
    doc = json.loads((tmp_path / "r.json").read_text())
    it = doc["iteration"]
    assert it["compute_model"]["accelerator"] == "A100"
    assert set(it["by_dimension"]) == {"tp", "dp", "pp"} and set(it["by_collective"]) == {"ALL_REDUCE", "send"}
    assert it["step_time_ns"] == doc["max_finish_ns"]
    for r in it["ranks"]:
        assert r["compute_ns"] + r["exposed_comm_ns"] + r["idle_ns"] == r["finish_ns"]
    trace = json.loads((tmp_path / "t.json").read_text())
    spans = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert {e["pid"] for e in spans} == set(range(8)) and all(e["dur"] >= 0 for e in spans)
    # same inputs -> byte-identical traces and results (wall-clock fields aside)
    first = (tmp_path / "llm.3.et").read_bytes()
    assert main(["workload", "llm", "--output", str(out), "--model", "llama3-8b", "--layers", "2", "--seq", "256",
                 "--dp", "2", "--tp", "2", "--pp", "2", "--batch", "4", "--accelerator", "A100", "--quiet"]) == 0
    assert (tmp_path / "llm.3.et").read_bytes() == first


def test_roofline_time_of_a_compute_node(tmp_path):
    """A generated node runs for ASTRA-sim's roofline time of the chosen accelerator."""
    from astrasim_py.workload.llm.accelerators import get_accelerator

    j = job(shape=SMALL, batch=1, tp=2, accelerator="MI300X")
    prefix, facts = write(tmp_path, j)
    result = run(RunRequest(workload=prefix, system=facts["system"], network=switch_network(tmp_path, 2),
                            comm_group=facts["comm_groups"]), record_nodes=True)
    traces = _traces(prefix)
    acc = get_accelerator("MI300X")
    from astrasim_py.chakra.attrs import get_attr
    by_id = {n.id: n for n in traces[0].nodes}
    checked = 0
    for rank, nid, start, end in result["nodes"]:
        node = by_id[nid]
        if rank != 0 or node.type != NodeType.COMP_NODE:
            continue
        checked += 1
        assert end - start == acc.compute_ns(get_attr(node, "num_ops"), get_attr(node, "tensor_size"))
    assert checked > 50


def test_inference_prefill_then_decode_with_growing_cache(tmp_path):
    from astrasim_py.chakra.attrs import get_attr
    j = job(shape=SMALL, mode="infer", tp=2, pp=2, batch=2, micro_batch=1, decode_steps=3)
    prefix, facts = write(tmp_path, j)
    traces = _traces(prefix)
    attn = [n for n in traces[0].nodes if n.name.startswith("mb0.L0.") and n.name.endswith("decode.attn")]
    sizes = [int(get_attr(n, "tensor_size")) for n in attn]
    assert len(sizes) == 3 and sizes[0] < sizes[1] < sizes[2]  # the KV cache grows by a token per step
    kv_step = 2 * (SMALL["kv_heads"] * SMALL["d_model"] // SMALL["heads"]) // 2 * 2  # K and V, /tp, bf16
    assert sizes[1] - sizes[0] == kv_step
    result = run(RunRequest(workload=prefix, system=facts["system"], network=switch_network(tmp_path, 4),
                            comm_group=facts["comm_groups"]))
    assert all(f > 0 for f in result["finish_ns"])


@pytest.mark.parametrize("argv,field", [
    (["--model", "gpt-9"], "--model"),
    (["--model", "llama3-8b", "--tp", "3"], "--tp"),
    (["--model", "llama3-8b", "--dp", "2", "--batch", "3"], "--batch"),
    (["--model", "llama3-8b", "--ep", "2", "--dp", "2", "--batch", "2"], "--ep"),
    (["--layers", "2"], "--dmodel"),
    (["--model", "llama3-8b", "--accelerator", "TPU"], "--accelerator"),
    (["--model", "llama3-8b", "--schedule", "zb"], "--schedule"),
    (["--model", "llama3-8b", "--tp", "2", "--sp", "4"], "--sp"),
    (["--model", "llama3-8b", "--durations", "/nonexistent.json"], "--durations"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, argv, field):
    code = main(["workload", "llm", "--output", str(tmp_path / "x"), *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2 and field in err and "\n" not in err and "Traceback" not in err


def test_placement_on_rail_preset(tmp_path, capsys):
    out = str(tmp_path / "p")
    assert main(["workload", "llm", "--output", out, "--model", "llama3-8b", "--layers", "2", "--seq", "128",
                 "--tp", "8", "--dp", "16", "--batch", "16", "--topology", "rail_16x8"]) == 0
    text = capsys.readouterr().out
    assert "128 ranks on 16 server(s) x 8 GPU(s)" in text
    assert "tp: 16 group(s) of 8, inside one server" in text and "dp: 8 group(s) of 16, across 16 servers" in text
    # TP wider than a server is placed, with a warning naming the fix
    assert main(["workload", "llm", "--output", out, "--model", "llama3-8b", "--layers", "2", "--seq", "128",
                 "--tp", "16", "--dp", "8", "--batch", "8", "--topology", "rail_16x8", "--quiet"]) == 0
    assert "spans servers" in capsys.readouterr().err
    assert main(["workload", "llm", "--output", out, "--model", "llama3-8b", "--tp", "8", "--topology",
                 "rail_16x8"]) == 2
    assert "128 GPUs" in capsys.readouterr().err


def test_dp_buckets_overlap_the_last_backward(tmp_path):
    """Gradient buckets start while later layers' backward compute is still running."""
    from astrasim_py.chakra.attrs import get_attr

    j = job(shape=dict(SMALL, layers=8), dp=2, batch=4, micro_batch=1, bucket_bytes=2**20)
    prefix, facts = write(tmp_path, j)
    result = run(RunRequest(workload=prefix, system=facts["system"], network=switch_network(tmp_path, 2, 1, 500),
                            comm_group=facts["comm_groups"]), record_nodes=True)
    nodes = {n.id: n for n in _traces(prefix)[0].nodes}
    buckets = [(s, e) for r, nid, s, e in result["nodes"] if r == 0 and "grad_allreduce" in nodes[nid].name]
    backward = [e for r, nid, s, e in result["nodes"] if r == 0 and nodes[nid].type == NodeType.COMP_NODE
                and str(get_attr(nodes[nid], "op")).startswith("bwd")]
    assert len(buckets) > 2
    assert min(s for s, _ in buckets) < max(backward)  # the first bucket overlaps compute


def test_measured_durations_are_named_in_results(tmp_path, capsys):
    (tmp_path / "d.json").write_text(json.dumps({"fwd.*": 7, "*": 3}))
    out = str(tmp_path / "m")
    assert main(["workload", "llm", "--output", out, "--layers", "2", "--dmodel", "256", "--dff", "512", "--heads", "4",
                 "--vocab", "1000", "--seq", "64", "--tp", "2", "--durations", str(tmp_path / "d.json"),
                 "--quiet"]) == 0
    assert f"compute: measured ({tmp_path / 'd.json'})" in capsys.readouterr().out
    system = json.loads((tmp_path / "m.system.json").read_text())
    assert system["roofline-enabled"] == 0
    net = switch_network(tmp_path, 2)
    docs = []
    for name in ("a.json", "b.json"):
        assert main(["workload", "run", "--workload", out, "--network", net, "--output-json",
                     str(tmp_path / name), "--include-nodes"]) == 0
        docs.append(json.loads((tmp_path / name).read_text()))
    assert docs[0]["iteration"]["compute_model"] == {"kind": "measured", "durations": str(tmp_path / "d.json")}
    from astrasim_py.results import deterministic_view
    assert deterministic_view(docs[0]) == deterministic_view(docs[1])
    fwd = [r for r in docs[0]["nodes"] if r[0] == 0]
    assert any(end - start == 7000 for _, _, start, end in fwd)  # a forward op replayed for 7 µs
