"""The job description of one LLM trace: model, parallel layout, batch, pass options, compute model."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from astrasim_py.errors import InputError
from astrasim_py.workload.llm.accelerators import DTYPE_BYTES, Accelerator
from astrasim_py.workload.llm.layout import Parallelism
from astrasim_py.workload.llm.models import ModelShape
from astrasim_py.workload.llm.schedules import SCHEDULES

MODES = ("train", "infer")


@dataclass(frozen=True)
class MeasuredDurations:
    """Measured compute times in µs by op pattern ("fwd.qkv", "bwd_*.ffn_*", "*"); first match wins."""

    source: str
    patterns: tuple[tuple[str, float], ...]

    def micros(self, op: str) -> int:
        """Whole µs for an op name such as "fwd.qkv" (Chakra's duration_micros is an integer)."""
        for pattern, value in self.patterns:
            if fnmatch.fnmatchcase(op, pattern):
                return int(round(value))
        raise InputError(f"no measured duration matches op {op!r}", file=self.source, field=op,
                         fix='add the op or a pattern such as "fwd.*" or "*" (µs)')


def load_durations(path: str) -> MeasuredDurations:
    """Read {"pattern": µs, ...}; keys are fnmatch patterns over "<pass>.<op>" names."""
    from astrasim_py.safe_io import parse_json, read_text

    try:
        data = parse_json(read_text(path, "durations file"), path, "durations file")  # NaN refused too
    except InputError as exc:
        raise InputError(exc.detail, file=path, field="--durations", fix=exc.fix) from None
    if not isinstance(data, dict) or not data:
        raise InputError("must be a non-empty mapping of op pattern -> µs", file=path, fix='e.g. {"*": 10}')
    pairs = []
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise InputError(f"duration {value!r} is not a non-negative number of µs", file=path, field=key,
                             fix="give microseconds as a number")
        pairs.append((str(key), float(value)))
    return MeasuredDurations(path, tuple(pairs))


@dataclass(frozen=True)
class JobConfig:
    """Everything the per-rank graph builder needs."""

    model: ModelShape
    par: Parallelism
    mode: str = "train"
    batch: int = 8  # global batch in sequences (all DP replicas)
    micro_batch: int = 1  # sequences per micro-batch on one DP replica
    schedule: str = "1f1b"
    recompute: bool = False
    dtype: str = "bf16"  # activations and weights
    grad_dtype: str = "bf16"  # gradients on the wire
    bucket_bytes: int = 25 * 2**20  # DP gradient all-reduce bucket
    decode_steps: int = 0  # inference: tokens generated after the prefill
    accelerator: Accelerator | None = None  # roofline compute (None with measured durations)
    durations: MeasuredDurations | None = None
    extra: dict = field(default_factory=dict)

    @property
    def elem_bytes(self) -> int:
        """Bytes per activation / weight element."""
        return DTYPE_BYTES[self.dtype]

    @property
    def grad_bytes(self) -> int:
        """Bytes per gradient element."""
        return DTYPE_BYTES[self.grad_dtype]

    @property
    def micro_batches(self) -> int:
        """Micro-batches per iteration on each DP replica."""
        return self.batch // (self.par.dp * self.micro_batch)

    def check(self) -> None:
        """InputError on an inconsistent job."""
        self.par.check()
        m, p = self.model, self.par
        if self.mode not in MODES:
            raise InputError(f"unknown mode {self.mode!r}", field="--mode", fix="use train or infer")
        if self.schedule not in SCHEDULES:
            raise InputError(f"unknown schedule {self.schedule!r}", field="--schedule", fix="use 1f1b or gpipe")
        for name in ("dtype", "grad_dtype"):
            if getattr(self, name) not in DTYPE_BYTES:
                raise InputError(f"unknown dtype {getattr(self, name)!r}", field="--" + name.replace("_", "-"),
                                 fix=f"use one of {', '.join(DTYPE_BYTES)}")
        if self.micro_batch < 1 or self.batch < 1:
            raise InputError("batch and micro-batch must be >= 1", field="--batch", fix="give positive sizes")
        if self.batch % (p.dp * self.micro_batch):
            raise InputError(f"--batch {self.batch} is not a multiple of dp x micro-batch "
                             f"({p.dp} x {self.micro_batch})", field="--batch",
                             fix="make batch = dp x micro-batch x number of micro-batches")
        if m.layers < p.pp:
            raise InputError(f"{m.layers} layer(s) cannot fill {p.pp} pipeline stages", field="--pp",
                             fix="use --pp <= layers")
        if m.heads % p.tp or (m.kv_heads % p.tp and p.tp % m.kv_heads):
            raise InputError(f"--tp {p.tp} does not split {m.heads} heads / {m.kv_heads} KV heads", field="--tp",
                             fix="pick tp dividing the head count (and dividing or divisible by the KV heads)")
        if m.d_ff % p.tp or (m.is_moe and m.d_ff_expert % p.tp):
            raise InputError(f"--tp {p.tp} does not divide the FFN width", field="--tp", fix="pick tp dividing d_ff")
        if p.ep > 1 and (not m.is_moe or m.experts % p.ep):
            raise InputError(f"--ep {p.ep} needs an MoE model whose expert count it divides", field="--ep",
                             fix="use --ep 1 for dense models or a divisor of the expert count")
        if p.sp and p.tp > 1 and (self.model.seq * self.micro_batch) % p.tp:
            raise InputError("sequence parallelism needs micro-batch x seq divisible by tp", field="--sp",
                             fix="adjust --seq or --tp")
        if self.bucket_bytes < 1:
            raise InputError("bucket size must be >= 1 byte", field="--bucket-mb", fix="give a positive size")
        if self.mode == "infer" and self.decode_steps < 0:
            raise InputError("decode steps must be >= 0", field="--decode-steps", fix="give 0 or more")
        if (self.accelerator is None) == (self.durations is None):
            raise InputError("choose one compute model", field="--accelerator",
                             fix="give --accelerator (roofline) or --durations FILE (measured)")
