"""Closed forms: bytes per parallelism dimension, FLOPs per token, parameter counts."""

from __future__ import annotations

import pytest

from astrasim_py.chakra.attrs import get_attr
from astrasim_py.chakra.schema import NodeType
from astrasim_py.workload.llm.graph import build_rank, stage_layers
from astrasim_py.workload.llm.layout import build_layout
from astrasim_py.workload.llm.models import build_model

from .helpers import SMALL, comm_nodes, job, switch_network, write

AR, AG, A2A, RS = 0, 2, 6, 7
E = 2  # bf16


def _layer_params(shape: dict) -> int:
    d, kv = shape["d_model"], shape["kv_heads"] * shape["d_model"] // shape["heads"]
    return 2 * d * d + 2 * d * kv + 3 * d * shape["d_ff"]


def test_named_model_parameter_counts():
    # published sizes: GPT-3 175B, Llama-3 8B / 70B / 405B (non-embedding + 2 x embedding), Mixtral 46.7B
    def total(name):
        m = build_model(name)
        return m.non_embedding_params() + 2 * m.embedding_params()
    assert total("gpt3-175b") / 1e9 == pytest.approx(175.0, rel=0.01)
    assert total("llama3-8b") / 1e9 == pytest.approx(8.03, rel=0.01)
    assert total("llama3-70b") / 1e9 == pytest.approx(70.6, rel=0.01)
    assert total("llama3-405b") / 1e9 == pytest.approx(405.8, rel=0.01)
    assert total("mixtral-8x7b") / 1e9 == pytest.approx(46.7, rel=0.01)
    mix = build_model("mixtral-8x7b")
    assert (mix.active_non_embedding_params() + 2 * mix.embedding_params()) / 1e9 == pytest.approx(12.9, rel=0.01)
    assert total("deepseek-moe-16b") / 1e9 == pytest.approx(16.4, rel=0.01)


def test_tp_dp_pp_bytes_per_rank(tmp_path):
    j = job(shape=SMALL, dp=2, tp=2, pp=2, batch=8, micro_batch=1)
    prefix, _ = write(tmp_path, j)
    _, comms = comm_nodes(prefix)
    m, t = j.micro_batches, 2
    tokens = 1 * SMALL["seq"]
    act = tokens * SMALL["d_model"] * E
    layout = build_layout(j.par)
    for rank, rows in enumerate(comms):
        stage = layout.coords(rank)[2]
        layers = len(stage_layers(SMALL["layers"], 2, stage))
        last, first = stage == 1, stage == 0
        tp = [r for r in rows if r[1] == "tp"]
        # 2 all-reduces per layer per pass (fwd, bwd) of tokens x d_model, + the head's input gradient
        assert all(kind == AR and size == act for _, _, kind, size in tp)
        assert len(tp) == m * (2 * 2 * layers + int(last))
        dp = [r for r in rows if r[1] == "dp"]
        vocab_shard = -(-SMALL["vocab"] // t) * SMALL["d_model"]
        grads = (layers * _layer_params(SMALL) // t + vocab_shard) * E
        assert all(kind == AR for _, _, kind, _ in dp)
        assert sum(size for *_, size in dp) == grads
        pp = [r for r in rows if r[1] == "pp"]
        sends = [r for r in pp if r[2] == "send"]
        recvs = [r for r in pp if r[2] == "recv"]
        # one activation forward and one gradient backward per micro-batch per stage boundary
        assert len(sends) == len(recvs) == m and all(size == act for *_, size in pp)
        assert {r[0].name.split(".")[1] for r in sends} == {"pp_send_act" if first else "pp_send_grad"}


def test_dp_ring_all_reduce_wire_bytes(tmp_path, monkeypatch):
    """Simulated bytes each rank puts on the wire in its DP group = 2 (n-1)/n x gradient bytes."""
    from astrasim_py.network.analytical import AnalyticalBackend
    from astrasim_py.runner import RunRequest, run
    from astrasim_py.system.sys import COLLECTIVE_TAG_OFFSET, GROUP_STREAM_OFFSET

    shape = dict(SMALL, layers=2)
    j = job(shape=shape, dp=4, tp=2, batch=4, micro_batch=1, bucket_bytes=1 << 40)
    prefix, facts = write(tmp_path, j)
    sent: dict[tuple[int, int], int] = {}
    original = AnalyticalBackend.send

    def counting(self, src, dst, size, tag, on_done):
        group = (tag - COLLECTIVE_TAG_OFFSET) // GROUP_STREAM_OFFSET if tag >= COLLECTIVE_TAG_OFFSET else -1
        sent[(src, group)] = sent.get((src, group), 0) + size
        return original(self, src, dst, size, tag, on_done)

    monkeypatch.setattr(AnalyticalBackend, "send", counting)
    run(RunRequest(workload=prefix, system=facts["system"], network=switch_network(tmp_path, 8),
                   comm_group=facts["comm_groups"]))
    layout = facts["layout"]
    vocab_shard = -(-shape["vocab"] // 2) * shape["d_model"]
    grads = (2 * _layer_params(shape) // 2 + 2 * vocab_shard) * E  # one stage: embedding and head
    n = 4
    for rank in range(8):
        gid = layout.group_of("dp", rank)
        assert sent[(rank, gid)] == pytest.approx(2 * (n - 1) / n * grads, rel=1e-6)
        tp_gid = layout.group_of("tp", rank)
        tokens_bytes = shape["seq"] * shape["d_model"] * E
        ars = 4 * 2 + 1  # 2 layers x (2 fwd + 2 bwd) + head backward, one micro-batch
        assert sent[(rank, tp_gid)] == pytest.approx(ars * 2 * (2 - 1) / 2 * tokens_bytes, rel=1e-6)


def test_moe_all_to_all_tokens_topk_dmodel(tmp_path):
    shape = dict(SMALL, experts=4, top_k=2, d_ff_expert=512)
    j = job(shape=shape, dp=4, ep=2, batch=4, micro_batch=1)
    prefix, _ = write(tmp_path, j)
    _, comms = comm_nodes(prefix)
    tokens = shape["seq"]
    for rows in comms:
        ep = [r for r in rows if r[1] == "ep"]
        assert len(ep) == 4 * shape["layers"]  # dispatch + combine, forward and backward
        assert all(kind == A2A and size == tokens * 2 * shape["d_model"] * E for _, _, kind, size in ep)
        # expert gradients reduce over the dp/ep replicas holding the same experts
        experts_local = 2 * 3 * shape["d_model"] * shape["d_ff_expert"]
        edp = [r for r in rows if r[1] == "dp" and "edp" in r[0].name]
        assert sum(size for *_, size in edp) == shape["layers"] * experts_local * E


def test_sequence_parallel_swaps_all_reduce_for_rs_ag(tmp_path):
    j = job(shape=SMALL, tp=4, batch=1, micro_batch=1, sp=True)
    prefix, _ = write(tmp_path, j)
    _, comms = comm_nodes(prefix)
    act = SMALL["seq"] * SMALL["d_model"] * E
    tp = [r for r in comms[0] if r[1] == "tp"]
    kinds = {}
    for _, _, kind, size in tp:
        kinds.setdefault(kind, set()).add(size)
    assert AR not in kinds
    assert kinds[RS] == {act} and kinds[AG] == {act // 4}  # RS of the full tensor, AG of the shard
    # 2 RS + 2 AG per layer per pass, plus the head's AG (fwd) and RS (bwd)
    assert sum(1 for r in tp if r[2] == RS) == 2 * 2 * SMALL["layers"] + 1
    assert sum(1 for r in tp if r[2] == AG) == 2 * 2 * SMALL["layers"] + 1


def test_zero3_gathers_weights_per_layer_and_pass(tmp_path):
    j = job(shape=SMALL, dp=4, batch=8, micro_batch=1, zero=3)
    prefix, _ = write(tmp_path, j)
    _, comms = comm_nodes(prefix)
    dp = [r for r in comms[0] if r[1] == "dp"]
    m = j.micro_batches
    ag = [r for r in dp if r[2] == AG]
    rs = [r for r in dp if r[2] == RS]
    assert len(ag) == 2 * m * SMALL["layers"] and {r[3] for r in ag} == {_layer_params(SMALL) // 4 * E}
    assert len(rs) == m * SMALL["layers"] + 1  # per layer per micro-batch, + the embedding and head


def test_zero1_reduce_scatters_buckets_then_gathers_params(tmp_path):
    j = job(shape=SMALL, dp=4, batch=4, micro_batch=1, zero=1, bucket_bytes=2**20)
    prefix, _ = write(tmp_path, j)
    _, comms = comm_nodes(prefix)
    vocab = SMALL["vocab"] * SMALL["d_model"]
    grads = (SMALL["layers"] * _layer_params(SMALL) + 2 * vocab) * E
    for rows in comms:
        rs = [r for r in rows if r[2] == RS]
        ag = [r for r in rows if r[2] == AG]
        assert len(rs) == len(ag) > 1 and sum(r[3] for r in rs) == grads  # bucketed, full gradients
        assert [r[3] for r in ag] == [r[3] // 4 for r in rs]  # each bucket's updated shard


def _flops(nodes, select) -> int:
    return sum(int(get_attr(n, "num_ops")) for n in nodes
               if n.type == NodeType.COMP_NODE and select(str(get_attr(n, "op"))))


@pytest.mark.parametrize("name", ["gpt3-175b", "llama3-8b", "llama3-70b", "mixtral-8x7b", "deepseek-moe-16b"])
def test_training_flops_per_token(name):
    j = job(name, batch=1, micro_batch=1)
    model = j.model
    layout = build_layout(j.par)
    nodes = build_rank(j, layout, 0)
    tokens = model.seq
    in_layers = lambda op: op.split(".")[1] not in ("embed", "head", "loss", "adam")  # noqa: E731
    expected = model.training_flops_per_token()
    assert _flops(nodes, in_layers) / tokens == pytest.approx(expected, rel=0.02)
    forward = _flops(nodes, lambda op: op.startswith("fwd.") and in_layers(op))
    assert forward / tokens == pytest.approx(expected / 3, rel=0.02)
    if name == "gpt3-175b":  # everything included (LM head, loss, embedding) still within 2%
        assert _flops(nodes, lambda op: not op.startswith("opt.")) / tokens == pytest.approx(expected, rel=0.02)


def test_tensor_parallel_splits_flops(tmp_path):
    j1 = job("llama3-8b", shape={"layers": 2}, batch=1)
    j4 = job("llama3-8b", shape={"layers": 2}, batch=1, tp=4)
    layers = lambda op: op.split(".")[1] in ("qkv", "attn", "proj", "ffn_up", "ffn_down")  # noqa: E731
    one = _flops(build_rank(j1, build_layout(j1.par), 0), layers)
    four = sum(_flops(build_rank(j4, build_layout(j4.par), r), layers) for r in range(4))
    assert four == pytest.approx(one, rel=1e-6)


def test_recompute_adds_one_forward(tmp_path):
    base = job(shape=SMALL, batch=1)
    rec = job(shape=SMALL, batch=1, recompute=True)
    fwd = _flops(build_rank(base, build_layout(base.par), 0), lambda op: op.startswith("fwd.") and "embed" not in op
                 and "head" not in op and "loss" not in op)
    again = _flops(build_rank(rec, build_layout(rec.par), 0), lambda op: op.startswith("recompute."))
    assert again == fwd


@pytest.mark.parametrize("kw", [dict(dp=2, tp=2, pp=2, batch=4), dict(dp=4, ep=2, pp=2, batch=8, zero=1),
                                dict(tp=2, pp=3, dp=2, batch=2, mode="infer", decode_steps=2, sp=True),
                                dict(dp=2, tp=2, pp=2, batch=4, zero=3, recompute=True, sp=True)])
def test_stage_templates_equal_full_builds(tmp_path, kw):
    """Files written from a stage template are byte-identical to building each rank in full."""
    from astrasim_py.chakra.io import encode_et
    from astrasim_py.workload.llm.graph import metadata

    shape = dict(SMALL, layers=6, experts=4, top_k=2, d_ff_expert=512) if kw.get("dp") == 4 else dict(SMALL, layers=6)
    j = job(shape=shape, **kw)
    prefix, _ = write(tmp_path, j)
    layout = build_layout(j.par)
    for rank in range(j.par.world):
        expected = encode_et(metadata(), build_rank(j, layout, rank))
        assert (tmp_path / f"w.{rank}.et").read_bytes() == expected, rank


def test_tp_wider_than_kv_heads_keeps_one_kv_head_per_rank():
    j = job(shape=dict(SMALL, heads=8, kv_heads=2), tp=4, batch=1)
    nodes = build_rank(j, build_layout(j.par), 0)
    d, hd, tokens = SMALL["d_model"], SMALL["d_model"] // 8, SMALL["seq"]
    qkv = [int(get_attr(n, "num_ops")) for n in nodes if n.name == "mb0.L0.fwd.qkv"]
    assert qkv == [2 * tokens * d * (d // 4 + 2 * hd)]  # Q shard + one whole K and V head
