"""Transformer model shapes: the shipped YAML of named models, explicit overrides, parameter counts."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path


from astrasim_py.errors import InputError

MODELS_FILE = Path(__file__).with_name("models.yaml")
FFN_KINDS = ("swiglu", "gelu")
_INT_FIELDS = ("layers", "d_model", "d_ff", "heads", "kv_heads", "vocab", "seq", "experts", "top_k",
               "d_ff_expert", "shared_experts", "dense_layers")


@dataclass(frozen=True)
class ModelShape:
    """One decoder-only transformer (element counts; seq in tokens)."""

    name: str
    layers: int
    d_model: int
    d_ff: int
    heads: int
    kv_heads: int
    vocab: int
    seq: int
    ffn: str = "swiglu"
    experts: int = 0  # routed experts; 0 = dense model
    top_k: int = 0
    d_ff_expert: int = 0
    shared_experts: int = 0
    dense_layers: int = 0  # leading layers with a dense FFN in an MoE model

    @property
    def head_dim(self) -> int:
        """Elements per attention head."""
        return self.d_model // self.heads

    @property
    def kv_dim(self) -> int:
        """Width of K (and of V): kv_heads x head_dim."""
        return self.kv_heads * self.head_dim

    @property
    def ffn_matrices(self) -> int:
        """Weight matrices per FFN: 3 for SwiGLU (gate, up, down), 2 for GELU (up, down)."""
        return 3 if self.ffn == "swiglu" else 2

    @property
    def is_moe(self) -> bool:
        """True when some layers route tokens to experts."""
        return self.experts > 0

    def is_moe_layer(self, layer: int) -> bool:
        """Whether layer (0-based) has routed experts."""
        return self.is_moe and layer >= self.dense_layers

    def attention_params(self) -> int:
        """Q, K, V and output projection weights of one layer."""
        d = self.d_model
        return d * d + 2 * d * self.kv_dim + d * d

    def dense_ffn_params(self) -> int:
        """Weights of one dense FFN."""
        return self.ffn_matrices * self.d_model * self.d_ff

    def expert_params(self) -> int:
        """Weights of one expert FFN."""
        return self.ffn_matrices * self.d_model * self.d_ff_expert

    def router_params(self) -> int:
        """The gate matrix d_model x experts."""
        return self.d_model * self.experts

    def layer_params(self, layer: int) -> int:
        """All weights of one layer (every expert counted)."""
        if self.is_moe_layer(layer):
            return (self.attention_params() + self.router_params()
                    + (self.experts + self.shared_experts) * self.expert_params())
        return self.attention_params() + self.dense_ffn_params()

    def active_layer_params(self, layer: int) -> int:
        """Weights one token passes through in a layer (top_k + shared experts)."""
        if self.is_moe_layer(layer):
            return (self.attention_params() + self.router_params()
                    + (self.top_k + self.shared_experts) * self.expert_params())
        return self.attention_params() + self.dense_ffn_params()

    def non_embedding_params(self) -> int:
        """Sum of layer weights (embedding and LM head excluded)."""
        return sum(self.layer_params(i) for i in range(self.layers))

    def active_non_embedding_params(self) -> int:
        """Non-embedding weights one token uses (equals non_embedding_params for dense models)."""
        return sum(self.active_layer_params(i) for i in range(self.layers))

    def embedding_params(self) -> int:
        """Token embedding (the LM head is untied and counts the same again)."""
        return self.vocab * self.d_model

    def training_flops_per_token(self) -> int:
        """Textbook estimate: 6 x active non-embedding params + 12 x layers x d_model x seq."""
        return 6 * self.active_non_embedding_params() + 12 * self.layers * self.d_model * self.seq


def load_models(path: str | Path = MODELS_FILE) -> dict[str, dict]:
    """The named model table (raw mappings)."""
    from astrasim_py.safe_io import load_structured

    data = load_structured(path, "model table") or {}
    if not isinstance(data, dict):
        raise InputError("must be a mapping of model name -> shape", file=str(path), fix="see models.yaml")
    return data


def model_names() -> list[str]:
    """Names accepted by --model."""
    return sorted(load_models())


def build_model(name: str | None, overrides: dict[str, object] | None = None,
                source: str = "--model") -> ModelShape:
    """A named model with explicit overrides, or a model from explicit shapes alone (name None)."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    table = load_models()
    if name is not None:
        key = name.lower()
        if key not in table:
            raise InputError(f"unknown model {name!r}", field=source,
                             fix=f"use one of {', '.join(sorted(table))} or give explicit shape flags")
        raw = dict(table[key])
        raw["name"] = key
    else:
        raw = {"name": "custom"}
    raw.update(overrides)
    known = {f.name for f in fields(ModelShape)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(f"unknown model key(s) {unknown}", file=str(MODELS_FILE), field=unknown[0],
                         fix=f"use {', '.join(sorted(known))}")
    missing = [k for k in ("layers", "d_model", "d_ff", "heads", "vocab", "seq") if k not in raw]
    if missing:
        raise InputError(f"missing {', '.join(missing)}", field="--" + missing[0].replace("_", ""),
                         fix="name a --model or give every shape flag (--layers --dmodel --dff --heads --vocab --seq)")
    raw.setdefault("kv_heads", raw["heads"])
    for key in _INT_FIELDS:
        if key in raw and (not isinstance(raw[key], int) or isinstance(raw[key], bool) or raw[key] < 0):
            raise InputError(f"{key} must be a non-negative integer, got {raw[key]!r}", field=key,
                             fix="give whole numbers")
    model = ModelShape(**raw)
    _check(model)
    return model


def _check(m: ModelShape) -> None:
    for key in ("layers", "d_model", "d_ff", "heads", "kv_heads", "vocab", "seq"):
        if getattr(m, key) <= 0:
            raise InputError(f"{key} must be > 0", field=key, fix="give a positive size")
    if m.ffn not in FFN_KINDS:
        raise InputError(f"ffn {m.ffn!r} is unknown", field="ffn", fix="use swiglu or gelu")
    if m.d_model % m.heads:
        raise InputError(f"d_model {m.d_model} is not a multiple of heads {m.heads}", field="heads",
                         fix="pick heads dividing d_model")
    if m.heads % m.kv_heads:
        raise InputError(f"heads {m.heads} is not a multiple of kv_heads {m.kv_heads}", field="kv_heads",
                         fix="pick kv_heads dividing heads")
    if m.experts:
        if not 0 < m.top_k <= m.experts:
            raise InputError(f"top_k {m.top_k} must be in 1..experts ({m.experts})", field="top_k",
                             fix="route each token to at least one and at most all experts")
        if m.d_ff_expert <= 0:
            raise InputError("d_ff_expert must be > 0 for an MoE model", field="d_ff_expert",
                             fix="give the expert FFN width")
        if m.dense_layers > m.layers:
            raise InputError("dense_layers exceeds layers", field="dense_layers", fix="use at most layers")


def with_layers(model: ModelShape, layers: int) -> ModelShape:
    """The same shape with a different depth (for small test configurations)."""
    return replace(model, layers=layers)
