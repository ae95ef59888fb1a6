"""Per-rank Chakra graphs of a transformer training iteration or an inference run.

Every compute node carries num_ops (FLOPs, 2 per multiply-accumulate) and tensor_size (bytes
read + written, flash-attention style: no seq x seq matrix), so ASTRA-sim's roofline
(OI = num_ops / tensor_size) gives its time; with measured durations it carries duration_micros
instead. Compute nodes of a rank form one chain in schedule order (one GPU compute stream); every
communication node is tagged with `parallelism` (tp, dp, pp, ep) and, for collectives, the
`pg_name` of its communicator group.

Per layer and micro-batch (T tokens, t = tp): forward ln1, qkv, attention, projection, TP
all-reduce (or reduce-scatter + all-gather with sequence parallelism), ln2, FFN (or router, EP
all-to-all dispatch, experts, all-to-all combine), TP all-reduce. Backward mirrors it with an
input-gradient and a weight-gradient node per matmul and the same TP traffic. DP gradients are
all-reduced in buckets during the last micro-batch's backward, as the layers' weight gradients
complete (ZeRO 1/2: reduce-scatter, then an all-gather of the updated parameters after the
optimizer; ZeRO 3 / FSDP: per-layer all-gather of the weights before each pass and a per-layer
reduce-scatter of the gradients).
"""

from __future__ import annotations

from dataclasses import dataclass

from astrasim_py.chakra.attrs import bool_attr, int32_attr, int64_attr, string_attr, uint64_attr
from astrasim_py.chakra.schema import CollectiveCommType, GlobalMetadata, Node, NodeType
from astrasim_py.workload.llm.config import JobConfig
from astrasim_py.workload.llm.layout import Layout
from astrasim_py.workload.llm.schedules import stage_order

AR, AG, RS, A2A = (CollectiveCommType.ALL_REDUCE, CollectiveCommType.ALL_GATHER,
                   CollectiveCommType.REDUCE_SCATTER, CollectiveCommType.ALL_TO_ALL)
ADAM_FLOPS_PER_PARAM = 12
# fp32 master weight, m and v read and written (24 B), bf16 gradient read and bf16 weight written
ADAM_BYTES_PER_PARAM = 28
SCHEMA = "astrasim_py.llm"


def stage_layers(layers: int, stages: int, stage: int) -> range:
    """Layers of one stage: layers // stages each, the first layers % stages stages one more."""
    base, extra = divmod(layers, stages)
    start = stage * base + min(stage, extra)
    return range(start, start + base + (1 if stage < extra else 0))


@dataclass
class _Pass:
    """One pass over a micro-batch: its name (fwd, recompute, prefill, decode) and the micro-batch."""

    name: str  # fwd | bwd | recompute | prefill | decode
    mb: int


class RankGraphBuilder:
    """Builds one rank's node list."""

    def __init__(self, job: JobConfig, layout: Layout, rank: int) -> None:
        self.job = job
        self.layout = layout
        self.rank = rank
        self.tp_i, self.dp_i, self.stage = layout.coords(rank)
        self.nodes: list[Node] = []
        self.last_comp: int | None = None
        self.pending: list[int] = []  # comm nodes the next compute node must wait for
        self.m = job.model
        self.t = job.par.tp
        self.e = job.elem_bytes
        self.layers = stage_layers(self.m.layers, job.par.pp, self.stage)
        self.first = self.stage == 0
        self.last = self.stage == job.par.pp - 1
        self.grad_sync: list[int] = []  # DP collectives the optimizer waits for
        self.fsdp_prev: int | None = None
        self.sp = job.par.sp  # sequence parallelism for the pass being built
        # K/V width as if split over tp: with fewer KV heads than tp ranks each rank keeps one whole
        # head (replicated), so kv_eff / t = max(kv_heads / t, 1) x head_dim
        self.kv_eff = max(self.m.kv_heads, self.t) * self.m.head_dim

    # ------------------------------------------------------------------ node helpers
    def _add(self, node: Node) -> int:
        node.id = len(self.nodes)
        self.nodes.append(node)
        return node.id

    def comp(self, pass_name: str, op: str, flops: float, bytes_moved: float, label: str) -> int:
        """A compute node chained after the previous one and after pending communication."""
        deps = ([self.last_comp] if self.last_comp is not None else []) + self.pending
        self.pending = []
        key = f"{pass_name}.{op}"
        node = Node(name=f"{label}.{key}", type=NodeType.COMP_NODE, data_deps=deps)
        node.attr.append(bool_attr("is_cpu_op", False))
        flops, bytes_moved = max(1, int(flops)), max(1, int(bytes_moved))
        node.attr.append(int64_attr("num_ops", flops))
        node.attr.append(uint64_attr("tensor_size", bytes_moved))
        node.attr.append(string_attr("op", key))
        if self.job.durations is not None:
            node.duration_micros = self.job.durations.micros(key)
        self.last_comp = self._add(node)
        return self.last_comp

    def coll(self, dim: str, comm_type: int, size: float, label: str, deps: list[int] | None = None,
             group_dim: str | None = None, block: bool = True) -> int | None:
        """A collective in the rank's group of `group_dim` (default dim); None for a one-rank group.

        block: the next compute node waits for it (TP, EP); DP buckets overlap instead."""
        which = group_dim or dim
        if which == "edp" and self.job.par.ep == 1:
            which = "dp"
        gid = self.layout.group_of(which, self.rank)
        if gid is None or int(size) <= 0:
            return None
        if deps is None:
            deps = [self.last_comp] if self.last_comp is not None else []
        node = Node(name=label, type=NodeType.COMM_COLL_NODE, data_deps=deps)
        node.attr.extend([bool_attr("is_cpu_op", False), int64_attr("comm_type", comm_type),
                          int64_attr("comm_size", int(size)), string_attr("pg_name", str(gid)),
                          string_attr("parallelism", dim)])
        nid = self._add(node)
        if block:
            self.pending.append(nid)
        return nid

    def p2p(self, send: bool, peer: int, size: int, tag: int, label: str) -> int:
        """A pipeline SEND (after the last compute) or RECV (the next compute waits for it)."""
        src, dst = (self.rank, peer) if send else (peer, self.rank)
        deps = [self.last_comp] if send and self.last_comp is not None else []
        node = Node(name=label, type=NodeType.COMM_SEND_NODE if send else NodeType.COMM_RECV_NODE,
                    data_deps=deps)
        node.attr.extend([bool_attr("is_cpu_op", False), int32_attr("comm_src", src), int32_attr("comm_dst", dst),
                          int64_attr("comm_size", int(size)), int32_attr("comm_tag", tag),
                          string_attr("parallelism", "pp")])
        nid = self._add(node)
        if not send:
            self.pending.append(nid)
        return nid

    # ------------------------------------------------------------------ sizes
    def local_layer_params(self, layer: int) -> tuple[int, int]:
        """(dense params, expert params) of a layer held by this rank."""
        m, t = self.m, self.t
        attention = (2 * m.d_model * m.d_model + 2 * m.d_model * self.kv_eff) // t
        if m.is_moe_layer(layer):
            dense = attention + m.router_params() + m.shared_experts * m.expert_params() // t
            experts = (m.experts // self.job.par.ep) * m.expert_params() // t
            return dense, experts
        return attention + m.dense_ffn_params() // t, 0

    def embedding_params(self) -> int:
        """Vocab-parallel embedding (stage 0) or LM head (last stage) shard."""
        return -(-self.m.vocab // self.t) * self.m.d_model

    def stage_params(self) -> tuple[int, int]:
        """(dense, expert) parameters of this rank's stage shard."""
        dense = experts = 0
        for layer in self.layers:
            a, b = self.local_layer_params(layer)
            dense += a
            experts += b
        dense += self.embedding_params() * (int(self.first) + int(self.last))
        return dense, experts

    # ------------------------------------------------------------------ one layer
    def _tp_enter(self, tokens: int, label: str, suffix: str = "") -> None:
        """Before a column-parallel matmul: SP all-gathers the sequence shards (forward)."""
        if self.sp:
            self.coll("tp", AG, tokens // self.t * self.m.d_model * self.e, f"{label}.tp_allgather{suffix}")

    def _tp_exit(self, tokens: int, label: str, suffix: str = "") -> None:
        """After a row-parallel matmul: all-reduce the partial sums (SP: reduce-scatter)."""
        size = tokens * self.m.d_model * self.e
        if self.sp:
            self.coll("tp", RS, size, f"{label}.tp_reducescatter{suffix}")
        else:
            self.coll("tp", AR, size, f"{label}.tp_allreduce{suffix}")

    def layer_forward(self, layer: int, ps: _Pass, tokens: int, context: int, kv_cache: bool = False) -> None:
        """Forward (or recompute / inference) of one layer; context = keys each query attends to."""
        m, t, e, name = self.m, self.t, self.e, ps.name
        d, kv = m.d_model, self.kv_eff
        label = f"mb{ps.mb}.L{layer}"
        # sequence parallelism shards the prompt's tokens; a decode step's few tokens stay whole
        self.sp = self.job.par.sp and not kv_cache
        ts = tokens // t if self.sp else tokens  # elementwise ops work on sequence shards
        if self.job.par.zero == 3 and name != "recompute":
            self._fsdp_gather(layer, label + f".{name}")
        self.comp(name, "ln1", 5 * ts * d, 2 * ts * d * e, label)
        self._tp_enter(tokens, label + ".attn")
        qkv = d + 2 * kv
        self.comp(name, "qkv", 2 * tokens * d * qkv / t, (tokens * d + d * qkv / t + tokens * qkv / t) * e, label)
        heads = m.heads / t
        attn_flops = 4 * tokens * context * d / t + 5 * tokens * context * heads
        if kv_cache:  # decode: read the whole cache of K and V, append one token's
            attn_bytes = (2 * tokens * d / t + 2 * tokens * context * kv / t) * e
        else:
            attn_bytes = (2 * tokens * d / t + 2 * tokens * kv / t) * e
        self.comp(name, "attn", attn_flops, attn_bytes, label)
        self.comp(name, "proj", 2 * tokens * d * d / t, (tokens * d / t + d * d / t + tokens * d) * e, label)
        self._tp_exit(tokens, label + ".attn")
        self.comp(name, "ln2", 6 * ts * d, 3 * ts * d * e, label)
        self._tp_enter(tokens, label + ".ffn")
        if m.is_moe_layer(layer):
            self._moe_forward(layer, ps, tokens, label)
        else:
            self._ffn(name, tokens, m.d_ff, label, "ffn")
        self._tp_exit(tokens, label + ".ffn")
        self.comp(name, "residual", ts * d, 3 * ts * d * e, label)

    def _ffn(self, name: str, tokens: int, width: int, label: str, op: str, scale: float = 1.0) -> None:
        m, t, e, d = self.m, self.t, self.e, self.m.d_model
        up = m.ffn_matrices - 1
        self.comp(name, f"{op}_up", scale * 2 * tokens * d * up * width / t,
                  (tokens * d + up * d * width / t + scale * up * tokens * width / t) * e, label)
        self.comp(name, f"{op}_act", scale * 4 * tokens * width / t, scale * (up + 1) * tokens * width / t * e, label)
        self.comp(name, f"{op}_down", scale * 2 * tokens * width * d / t,
                  (scale * tokens * width / t + width * d / t + tokens * d) * e, label)

    def _a2a(self, tokens: int, label: str) -> None:
        m = self.m
        self.coll("ep", A2A, tokens * m.top_k * m.d_model * self.e, label)

    def _moe_forward(self, layer: int, ps: _Pass, tokens: int, label: str) -> None:
        m, e, d, name = self.m, self.e, self.m.d_model, ps.name
        self.comp(name, "router", 2 * tokens * d * m.experts, (tokens * d + d * m.experts + tokens * m.experts) * e,
                  label)
        self._a2a(tokens, f"{label}.ep_dispatch")
        # balanced routing: this rank's experts see tokens x top_k rows in total
        self._ffn(name, tokens * m.top_k, m.d_ff_expert, label, "experts")
        self._a2a(tokens, f"{label}.ep_combine")
        if m.shared_experts:
            self._ffn(name, tokens, m.d_ff_expert * m.shared_experts, label, "shared")

    def layer_backward(self, layer: int, ps: _Pass, tokens: int, context: int, sync: "_GradSync | None") -> None:
        """Backward of one layer: input gradients (dgrad) then weight gradients (wgrad) per matmul."""
        m, t, e = self.m, self.t, self.e
        d, kv = m.d_model, self.kv_eff
        label = f"mb{ps.mb}.L{layer}"
        ts = tokens // t if self.job.par.sp else tokens
        if self.job.par.zero == 3:
            self._fsdp_gather(layer, label + ".bwd")
        if self.job.recompute:
            self.layer_forward(layer, _Pass("recompute", ps.mb), tokens, context)
        self.sp = self.job.par.sp
        self.comp("bwd", "residual", ts * d, 3 * ts * d * e, label)
        # backward of the FFN's exit (RS in forward) is an all-gather with SP, nothing without
        self._bwd_enter(tokens, label + ".ffn")
        if m.is_moe_layer(layer):
            if m.shared_experts:
                self._ffn_bwd(tokens, m.d_ff_expert * m.shared_experts, label, "shared")
            self._a2a(tokens, f"{label}.ep_combine_bwd")
            self._ffn_bwd(tokens * m.top_k, m.d_ff_expert, label, "experts")
            self._a2a(tokens, f"{label}.ep_dispatch_bwd")
            self.comp("bwd_input", "router", 2 * tokens * d * m.experts, (tokens * d + d * m.experts) * e, label)
            self.comp("bwd_weight", "router", 2 * tokens * d * m.experts, (tokens * d + d * m.experts) * e, label)
        else:
            self._ffn_bwd(tokens, m.d_ff, label, "ffn")
        self._bwd_exit(tokens, label + ".ffn")
        self.comp("bwd", "ln2", 6 * ts * d, 3 * ts * d * e, label)
        self._bwd_enter(tokens, label + ".attn")
        self.comp("bwd_input", "proj", 2 * tokens * d * d / t, (tokens * d + d * d / t + tokens * d / t) * e, label)
        self.comp("bwd_weight", "proj", 2 * tokens * d * d / t, (tokens * d + tokens * d / t + d * d / t) * e, label)
        self.comp("bwd", "attn", 2 * (4 * tokens * context * d / t + 5 * tokens * context * m.heads / t),
                  2 * (2 * tokens * d / t + 2 * tokens * kv / t) * e, label)
        qkv = d + 2 * kv
        self.comp("bwd_input", "qkv", 2 * tokens * d * qkv / t,
                  (tokens * qkv / t + d * qkv / t + tokens * d) * e, label)
        self.comp("bwd_weight", "qkv", 2 * tokens * d * qkv / t, (tokens * qkv / t + tokens * d + d * qkv / t) * e,
                  label)
        self._bwd_exit(tokens, label + ".attn")
        self.comp("bwd", "ln1", 5 * ts * d, 3 * ts * d * e, label)
        dense, experts = self.local_layer_params(layer)
        if self.job.par.zero == 3:
            self.coll("dp", RS, dense * self.job.grad_bytes, f"{label}.dp_grad_reducescatter", block=False)
            if experts:
                self.coll("dp", RS, experts * self.job.grad_bytes, f"{label}.edp_grad_reducescatter",
                          group_dim="edp", block=False)
        elif sync is not None:
            sync.add(dense, experts, self.last_comp)

    def _bwd_enter(self, tokens: int, label: str) -> None:
        """Backward of a row-parallel exit: SP all-gathers the incoming gradient shards."""
        self._tp_enter(tokens, label, "_bwd")

    def _bwd_exit(self, tokens: int, label: str) -> None:
        """Backward of a column-parallel entry: all-reduce the input gradient (SP: reduce-scatter)."""
        self._tp_exit(tokens, label, "_bwd")

    def _ffn_bwd(self, tokens: int, width: int, label: str, op: str) -> None:
        m, t, e, d = self.m, self.t, self.e, self.m.d_model
        up = m.ffn_matrices - 1
        self.comp("bwd_input", f"{op}_down", 2 * tokens * width * d / t,
                  (tokens * d + width * d / t + tokens * width / t) * e, label)
        self.comp("bwd_weight", f"{op}_down", 2 * tokens * width * d / t,
                  (tokens * d + tokens * width / t + width * d / t) * e, label)
        self.comp("bwd", f"{op}_act", 4 * tokens * width / t, (up + 2) * tokens * width / t * e, label)
        self.comp("bwd_input", f"{op}_up", 2 * tokens * d * up * width / t,
                  (up * tokens * width / t + up * d * width / t + tokens * d) * e, label)
        self.comp("bwd_weight", f"{op}_up", 2 * tokens * d * up * width / t,
                  (up * tokens * width / t + tokens * d + up * d * width / t) * e, label)

    def _fsdp_gather(self, layer: int, label: str) -> None:
        """ZeRO-3: all-gather this layer's weight shard (chained so the DP group sees one order)."""
        dense, experts = self.local_layer_params(layer)
        dp = self.job.par.dp
        deps = [self.fsdp_prev] if self.fsdp_prev is not None else []
        nid = self.coll("dp", AG, dense // dp * self.e, f"{label}.dp_weight_allgather", deps=deps)
        if nid is not None:
            self.fsdp_prev = nid
        if experts:
            edp = dp // self.job.par.ep
            self.coll("dp", AG, experts // edp * self.e, f"{label}.edp_weight_allgather", deps=[],
                      group_dim="edp")

    # ------------------------------------------------------------------ embedding and head
    def embed(self, ps: _Pass, tokens: int) -> None:
        """Token embedding lookup on stage 0."""
        d, e = self.m.d_model, self.e
        self.comp(ps.name, "embed", tokens * d, 2 * tokens * d * e, f"mb{ps.mb}")

    def head_forward(self, ps: _Pass, tokens: int) -> None:
        """Vocab-parallel LM head and the loss on the last stage."""
        d, e, v = self.m.d_model, self.e, -(-self.m.vocab // self.t)
        label = f"mb{ps.mb}.head"
        self._tp_enter(tokens, label)
        self.comp(ps.name, "head", 2 * tokens * d * v, (tokens * d + d * v + tokens * v) * e, label)
        if ps.name != "decode" and ps.name != "prefill":
            self.comp(ps.name, "loss", 5 * tokens * v, tokens * v * e, label)

    def head_backward(self, ps: _Pass, tokens: int) -> None:
        """Backward of the loss and the head, then the head input-gradient reduction."""
        d, e, v = self.m.d_model, self.e, -(-self.m.vocab // self.t)
        label = f"mb{ps.mb}.head"
        self.comp("bwd", "loss", 5 * tokens * v, 2 * tokens * v * e, label)
        self.comp("bwd_input", "head", 2 * tokens * d * v, (tokens * v + d * v + tokens * d) * e, label)
        self.comp("bwd_weight", "head", 2 * tokens * d * v, (tokens * v + tokens * d + d * v) * e, label)
        self._bwd_exit(tokens, label)


class _GradSync:
    """DP gradient buckets filled as weight gradients complete (during the last micro-batch)."""

    def __init__(self, builder: RankGraphBuilder) -> None:
        self.b = builder
        self.limit = builder.job.bucket_bytes
        self.dense = 0
        self.experts = 0
        self.index = 0
        self.issued: list[tuple[str, int, int]] = []  # (group dim, params, node id)

    def add(self, dense: int, experts: int, after: int) -> None:
        """Count a layer's gradients; issue a bucket once it holds bucket_bytes."""
        self.dense += dense
        self.experts += experts
        gb = self.b.job.grad_bytes
        if self.dense * gb >= self.limit:
            self._issue("dp", self.dense, after)
            self.dense = 0
        if self.experts * gb >= self.limit:
            self._issue("edp", self.experts, after)
            self.experts = 0

    def flush(self, after: int) -> None:
        """Issue what is left."""
        if self.dense:
            self._issue("dp", self.dense, after)
        if self.experts:
            self._issue("edp", self.experts, after)
        self.dense = self.experts = 0

    def _issue(self, group_dim: str, params: int, after: int) -> None:
        b = self.b
        kind = RS if b.job.par.zero in (1, 2) else AR
        verb = "reducescatter" if kind == RS else "allreduce"
        nid = b.coll("dp", kind, params * b.job.grad_bytes, f"bucket{self.index}.{group_dim}_grad_{verb}",
                     deps=[after], group_dim=group_dim, block=False)
        self.index += 1
        if nid is not None:
            b.grad_sync.append(nid)
            self.issued.append((group_dim, params, nid))


def _tag(job: JobConfig, boundary: int, mb: int, backward: bool, step: int = 0) -> int:
    """A pipeline message tag unique per (stage boundary, micro-batch, direction, decode step)."""
    return 1 + boundary + job.par.pp * (2 * (mb + job.micro_batches * step) + int(backward))


def build_training(job: JobConfig, layout: Layout, rank: int) -> list[Node]:
    """One rank's training iteration."""
    b = RankGraphBuilder(job, layout, rank)
    m, p = job.model, job.par
    tokens = job.micro_batch * m.seq
    act = tokens * m.d_model * job.elem_bytes // (p.tp if p.sp else 1)
    order = stage_order(job.schedule, b.stage, p.pp, job.micro_batches)
    last_b = max(i for i, (kind, _) in enumerate(order) if kind == "B")
    prev_rank = layout.rank(b.tp_i, b.dp_i, b.stage - 1) if not b.first else None
    next_rank = layout.rank(b.tp_i, b.dp_i, b.stage + 1) if not b.last else None
    sharded: list[tuple[str, int, int]] = []
    for index, (kind, mb) in enumerate(order):
        if kind == "F":
            ps = _Pass("fwd", mb)
            if b.first:
                b.embed(ps, tokens)
            else:
                b.p2p(False, prev_rank, act, _tag(job, b.stage - 1, mb, False), f"mb{mb}.pp_recv_act")
            for layer in b.layers:
                b.layer_forward(layer, ps, tokens, m.seq)
            if b.last:
                b.head_forward(ps, tokens)
            else:
                b.p2p(True, next_rank, act, _tag(job, b.stage, mb, False), f"mb{mb}.pp_send_act")
        else:
            ps = _Pass("bwd", mb)
            sync = _GradSync(b) if index == last_b and p.zero != 3 else None
            if b.last:
                b.head_backward(ps, tokens)
                if sync is not None:
                    sync.add(b.embedding_params(), 0, b.last_comp)
            else:
                b.p2p(False, next_rank, act, _tag(job, b.stage, mb, True), f"mb{mb}.pp_recv_grad")
            for layer in reversed(b.layers):
                b.layer_backward(layer, ps, tokens, m.seq, sync)
            if not b.first:
                b.p2p(True, prev_rank, act, _tag(job, b.stage - 1, mb, True), f"mb{mb}.pp_send_grad")
            else:
                b.comp("bwd_weight", "embed", tokens * m.d_model, 2 * tokens * m.d_model * job.elem_bytes, f"mb{mb}")
                if sync is not None:
                    sync.add(b.embedding_params(), 0, b.last_comp)
            if sync is not None:
                sync.flush(b.last_comp)
                sharded = sync.issued if p.zero in (1, 2) else []
            if p.zero == 3 and index == last_b and b.first:
                emb = b.embedding_params() * (1 + int(b.last))
                b.coll("dp", RS, emb * job.grad_bytes, "embedding.dp_grad_reducescatter", block=False)
            elif p.zero == 3 and index == last_b and b.last:
                b.coll("dp", RS, b.embedding_params() * job.grad_bytes, "head.dp_grad_reducescatter", block=False)
    _optimizer(b, sharded)
    return b.nodes


def _optimizer(b: RankGraphBuilder, sharded_buckets: list[tuple[str, int, int]]) -> None:
    """Adam over this rank's parameter shard, after every gradient collective of the iteration."""
    job, p = b.job, b.job.par
    dense, experts = b.stage_params()
    if p.zero >= 1:
        dense //= p.dp
        experts //= max(1, p.dp // p.ep)
    params = dense + experts
    sync = [n.id for n in b.nodes if n.type == NodeType.COMM_COLL_NODE and
            any(a.name == "parallelism" and a.string_val == "dp" for a in n.attr)]
    b.pending.extend(sync)
    b.comp("opt", "adam", ADAM_FLOPS_PER_PARAM * params, ADAM_BYTES_PER_PARAM * params, "step")
    for index, (group_dim, bucket_params, _) in enumerate(sharded_buckets):
        group = p.dp if group_dim == "dp" else p.dp // p.ep
        b.coll("dp", AG, bucket_params // group * job.elem_bytes, f"step.bucket{index}.{group_dim}_param_allgather",
               group_dim=group_dim, block=False)


def build_inference(job: JobConfig, layout: Layout, rank: int) -> list[Node]:
    """Prefill of the prompt, then decode steps with a KV cache growing by one token per step."""
    b = RankGraphBuilder(job, layout, rank)
    m, p = job.model, job.par
    prev_rank = layout.rank(b.tp_i, b.dp_i, b.stage - 1) if not b.first else None
    next_rank = layout.rank(b.tp_i, b.dp_i, b.stage + 1) if not b.last else None
    first_rank = layout.rank(b.tp_i, b.dp_i, 0)
    last_rank = layout.rank(b.tp_i, b.dp_i, p.pp - 1)
    for step in range(job.decode_steps + 1):
        decode = step > 0
        tokens = job.micro_batch * (1 if decode else m.seq)
        context = m.seq + step - 1 if decode else m.seq
        act = tokens * m.d_model * job.elem_bytes // (p.tp if p.sp else 1)
        for mb in range(job.micro_batches):
            ps = _Pass("decode" if decode else "prefill", mb)
            if b.first:
                if decode and p.pp > 1:  # the sampled token ids come back from the last stage
                    b.p2p(False, last_rank, 4 * job.micro_batch, _tag(job, p.pp - 1, mb, True, step),
                          f"s{step}.mb{mb}.pp_recv_token")
                b.embed(ps, tokens)
            else:
                b.p2p(False, prev_rank, act, _tag(job, b.stage - 1, mb, False, step), f"s{step}.mb{mb}.pp_recv_act")
            for layer in b.layers:
                b.layer_forward(layer, ps, tokens, context, kv_cache=decode)
            if b.last:
                b.head_forward(ps, job.micro_batch)  # logits of the last position only
                if step < job.decode_steps and p.pp > 1:
                    b.p2p(True, first_rank, 4 * job.micro_batch, _tag(job, p.pp - 1, mb, True, step + 1),
                          f"s{step}.mb{mb}.pp_send_token")
            else:
                b.p2p(True, next_rank, act, _tag(job, b.stage, mb, False, step), f"s{step}.mb{mb}.pp_send_act")
    return b.nodes


def build_rank(job: JobConfig, layout: Layout, rank: int) -> list[Node]:
    """Nodes of one rank for the job's mode."""
    return (build_training if job.mode == "train" else build_inference)(job, layout, rank)


def metadata() -> GlobalMetadata:
    """GlobalMetadata of generated ranks (schema names the generator)."""
    meta = GlobalMetadata(version="0.0.4")
    meta.attr.append(string_attr("schema", SCHEMA))
    return meta
