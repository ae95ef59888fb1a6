"""The ASTRA-sim system JSON: every key the analytical system layer reads, with its default."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from astrasim_py.config._load import apply_overrides, is_int, read_mapping
from astrasim_py.config.checks import LIMITS, integer, number
from astrasim_py.errors import InputError

SCHEDULING_POLICIES = ("LIFO", "FIFO", "EXPLICIT")
OPTIMIZATIONS = ("baseline", "localBWAware")
_IMPL_RE = re.compile(r"^(one)?([a-z]+?)(\d*)$", re.IGNORECASE)  # base names: system.implementations
IMPL_KEYS = ("all-reduce-implementation", "all-gather-implementation",
             "reduce-scatter-implementation", "all-to-all-implementation")
CUSTOM_KEYS = ("all-reduce-implementation-custom", "all-gather-implementation-custom",
               "reduce-scatter-implementation-custom", "all-to-all-implementation-custom")
PER_NODE_KEY = "per-node-custom-implementation"


@dataclass(frozen=True)
class Implementation:
    """One per-dimension collective implementation: base algorithm, 'one*' flag, direct window."""

    algorithm: str  # ring | direct | halvingDoubling | doubleBinaryTree
    one: bool = False  # oneRing/oneDirect/...: one logical ring over all NPUs
    window: int = -1  # directN: packets in flight (-1 = n-1)

    @property
    def name(self) -> str:
        """Spelling as in the JSON."""
        base = self.algorithm
        if self.one:
            base = "one" + base[0].upper() + base[1:]
        return base + (str(self.window) if self.window >= 0 else "")


def parse_implementation(text: Any, source: str, key: str) -> Implementation:
    """Parse 'ring', 'direct8', 'oneHalvingDoubling', ... into an Implementation."""
    from astrasim_py.system.implementations import ALGORITHMS

    if not isinstance(text, str):
        raise InputError(f"implementation must be a string, got {text!r}", file=source, field=key,
                         fix=f"use one of {', '.join(ALGORITHMS)}")
    names = {name.lower(): name for name in ALGORITHMS}
    match = _IMPL_RE.match(text.strip())
    if not match or match.group(2).lower() not in names:
        raise InputError(f"unknown implementation '{text}'", file=source, field=key,
                         fix=f"use {', '.join(ALGORITHMS)}, directN (a window) or a one* form (one ring over all NPUs)")
    one, base, digits = match.groups()
    canonical = names[base.lower()]
    if digits and canonical != "direct":
        raise InputError(f"unknown implementation '{text}'", file=source, field=key,
                         fix="only direct takes a window suffix (directN)")
    return Implementation(canonical, bool(one), int(digits) if digits else -1)


@dataclass
class SystemConfig:
    """Resolved system JSON (ASTRA-sim key names in `to_dict`)."""

    scheduling_policy: str
    collective_optimization: str | None  # None: absent; only multi-dimension native all-reduce needs it
    preferred_dataset_splits: int
    local_mem_bw: float  # GB/s, GB = 1e9 bytes
    active_chunks_per_dimension: int = 1
    endpoint_delay: float = 10.0  # ns
    all_reduce_implementation: list[Implementation] = field(default_factory=lambda: [Implementation("ring")])
    all_gather_implementation: list[Implementation] = field(default_factory=lambda: [Implementation("ring")])
    reduce_scatter_implementation: list[Implementation] = field(default_factory=lambda: [Implementation("ring")])
    all_to_all_implementation: list[Implementation] = field(default_factory=lambda: [Implementation("ring")])
    roofline_enabled: bool = False
    peak_perf: float = 0.0  # TFLOPS
    trace_enabled: bool = False
    replay_only: bool = False
    track_local_mem: bool = False
    local_mem_trace_filename: str = "local_mem_trace"
    model_shared_bus: bool = False
    L: float = 0.0
    o: float = 0.0
    g: float = 0.0
    G: float = 0.0
    local_reduction_delay: float = 1.0
    boost_mode: Any = 0  # read by nobody, as upstream
    # Custom (Chakra-ET) collectives: "all-reduce" | ... -> ET prefix, and workload node id -> prefix.
    custom_implementation: dict[str, str] = field(default_factory=dict)
    per_node_custom_implementation: dict[int, str] = field(default_factory=dict)
    per_node_custom_file: str = ""
    source: str = ""

    def implementations(self, comm: str) -> list[Implementation]:
        """Implementation list for 'all-reduce' | 'all-gather' | 'reduce-scatter' | 'all-to-all'."""
        return getattr(self, comm.replace("-", "_") + "_implementation")

    def to_dict(self) -> dict[str, Any]:
        """The resolved configuration with ASTRA-sim's key names."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key in ("source", "custom_implementation", "per_node_custom_implementation",
                       "per_node_custom_file"):
                continue
            if key.endswith("_implementation"):
                value = [Implementation(**v).name for v in value]
            elif isinstance(value, bool):
                value = int(value)
            out[key if key in ("L", "o", "g", "G") else key.replace("_", "-")] = value
        for comm, prefix in sorted(self.custom_implementation.items()):
            out[f"{comm}-implementation-custom"] = [prefix]
        if self.per_node_custom_file:
            out[PER_NODE_KEY] = self.per_node_custom_file
        return out


_REQUIRED = {
    "scheduling-policy": "LIFO, FIFO or EXPLICIT",
    "preferred-dataset-splits": "a positive integer (chunks per collective)",
    "local-mem-bw": "a positive number in GB/s",
}
_FLAGS = ("roofline-enabled", "trace-enabled", "replay-only", "track-local-mem", "model-shared-bus")
_NUMBERS = ("endpoint-delay", "peak-perf", "L", "o", "g", "G", "local-reduction-delay")
_UNITS = {"endpoint-delay": "ns", "peak-perf": "TFLOPS", "local-reduction-delay": "ns"}
_MAXIMA = {"peak-perf": 1e9}  # 1 ZFLOPS; times default to LIMITS.max_latency_ns


def parse_system(data: dict[str, Any], source: str = "") -> SystemConfig:
    """Validate a system mapping into a SystemConfig; InputError on the first problem."""
    known = set(_REQUIRED) | set(_FLAGS) | set(_NUMBERS) | set(IMPL_KEYS) | set(CUSTOM_KEYS) | {
        "active-chunks-per-dimension", "local-mem-trace-filename", "boost-mode", "collective-optimization",
        PER_NODE_KEY}
    for key in data:
        if key not in known:
            raise InputError(f"unknown key '{key}'", file=source, field=key,
                             fix="remove it or spell it as in ASTRA-sim's system JSON")
    for key, what in _REQUIRED.items():
        if key not in data:
            raise InputError("missing (ASTRA-sim has no usable default)", file=source, field=key,
                             fix=f"set it to {what}")
    policy = data["scheduling-policy"]
    if policy not in SCHEDULING_POLICIES:
        raise InputError(f"unknown value {policy!r}", file=source, field="scheduling-policy",
                         fix="use LIFO, FIFO or EXPLICIT")
    # Absent is fine: it only changes the result of a native all-reduce over more than one
    # dimension, which refuses to run without it (astrasim_py/system/sys.py).
    optimization = data.get("collective-optimization")
    if optimization is not None and optimization not in OPTIMIZATIONS:
        raise InputError(f"unknown value {optimization!r}", file=source, field="collective-optimization",
                         fix="use baseline or localBWAware")
    splits = data["preferred-dataset-splits"]
    splits = integer(splits, file=source, field="preferred-dataset-splits", minimum=1,
                     maximum=LIMITS.max_dataset_splits,
                     fix=f"give the number of chunks per collective, 1..{LIMITS.max_dataset_splits}")
    lmbw = data["local-mem-bw"]
    lmbw = number(lmbw, file=source, field="local-mem-bw", unit="GB/s", minimum=LIMITS.min_bandwidth_GBps,
                  maximum=LIMITS.max_bandwidth_GBps, fix="write the local memory bandwidth in GB/s, e.g. 50")
    active = data.get("active-chunks-per-dimension", 1)
    active = integer(active, file=source, field="active-chunks-per-dimension", minimum=1,
                     maximum=LIMITS.max_dataset_splits, fix="give how many chunks may run per queue")
    kwargs: dict[str, Any] = {}
    for key in _NUMBERS:
        if key in data:
            value = data[key]
            value = number(value, file=source, field=key, unit=_UNITS.get(key, ""), minimum=0,
                           maximum=_MAXIMA.get(key, LIMITS.max_latency_ns),
                           fix="write the number alone (ns, TFLOPS, ...)")
            kwargs[key.replace("-", "_")] = float(value)
    for key in _FLAGS:
        if key in data:
            value = data[key]
            if not (is_int(value) or isinstance(value, bool)) or int(value) not in (0, 1):
                raise InputError(f"must be 0 or 1, got {value!r}", file=source, field=key, fix="use 0 or 1")
            kwargs[key.replace("-", "_")] = bool(int(value))
    for key in IMPL_KEYS:
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not value:
                raise InputError("must be a non-empty list, one entry per dimension", file=source,
                                 field=key, fix='e.g. ["ring"]')
            kwargs[key.replace("-", "_")] = [parse_implementation(v, source, key) for v in value]
    if kwargs.get("model_shared_bus"):
        raise InputError("the LogGP shared-bus model is not implemented", file=source,
                         field="model-shared-bus", fix="set model-shared-bus to 0")
    if kwargs.get("track_local_mem"):
        raise InputError("local memory tracking is not implemented", file=source,
                         field="track-local-mem", fix="set track-local-mem to 0")
    if "local-mem-trace-filename" in data:
        kwargs["local_mem_trace_filename"] = str(data["local-mem-trace-filename"])
    if kwargs.get("roofline_enabled") and kwargs.get("peak_perf", 0.0) <= 0:
        raise InputError("roofline-enabled needs peak-perf > 0", file=source, field="peak-perf",
                         fix="give the peak compute in TFLOPS")
    from astrasim_py.config.custom_collectives import parse_custom_keys

    kwargs.update(parse_custom_keys(data, source))
    return SystemConfig(scheduling_policy=policy, collective_optimization=optimization,
                        preferred_dataset_splits=int(splits), local_mem_bw=float(lmbw),
                        active_chunks_per_dimension=int(active), boost_mode=data.get("boost-mode", 0),
                        source=source, **kwargs)


def load_system(path: str, overrides: dict[str, Any] | None = None) -> SystemConfig:
    """Read and validate a system JSON (top-level key overrides applied first)."""
    data = read_mapping(path, "system configuration")
    if overrides:
        data = apply_overrides(data, overrides)
    return parse_system(data, source=path)
