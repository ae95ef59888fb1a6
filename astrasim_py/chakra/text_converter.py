"""Convert ASTRA-sim 1.0 text workloads (DATA, MODEL, HYBRID_*, MICRO) into Chakra rank files.

The graph, node order, names, attributes and the id counter (one per run, not reset between
ranks) follow the real `chakra_converter Text`, so the output is byte-identical to it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from astrasim_py.chakra.attrs import string_attr
from astrasim_py.chakra.generators import coll_node, comp_node
from astrasim_py.chakra.io import write_et
from astrasim_py.chakra.schema import CollectiveCommType, GlobalMetadata, Node
from astrasim_py.chakra.workload import rank_file
from astrasim_py.errors import InputError
from astrasim_py.safe_io import read_text

SCHEMA_MLCOMMONS = "1.0.2-chakra.1.0.0"
SCHEMA_FORK = "1.0.2-chakra.0.0.4"
MODES = ("MICRO", "DATA", "MODEL", "HYBRID_DATA_MODEL", "HYBRID_MODEL_DATA", "HYBRID_DLRM",
         "HYBRID_DLRM_ENHANCED")
_NUMBER_COLUMNS = (2, 4, 5, 7, 8, 10)  # times (µs) and sizes (bytes)
_COMM_TYPES = {"ALLREDUCE": CollectiveCommType.ALL_REDUCE, "ALLGATHER": CollectiveCommType.ALL_GATHER,
               "ALLTOALL": CollectiveCommType.ALL_TO_ALL,
               "REDUCESCATTER": CollectiveCommType.REDUCE_SCATTER}


@dataclass(frozen=True)
class Layer:
    """One line of the text format (columns 0..11)."""

    name: str
    fwd_time: int
    fwd_type: str
    fwd_size: int
    ig_time: int
    ig_type: str
    ig_size: int
    wg_time: int
    wg_type: str
    wg_size: int
    update_delay: str


@dataclass(frozen=True)
class TextWorkload:
    """A parsed text workload file."""

    mode: str
    layers: tuple[Layer, ...]
    last_bottom_layer: int | None
    declared_layers: int  # line 2; the converter still converts every layer line
    text: str  # the whole file as read in text mode (universal newlines), kept in the metadata


def comm_type_of(text: str) -> int:
    """The converter's mapping; any unknown string (including NONE) becomes ALL_REDUCE."""
    return _COMM_TYPES.get(text, CollectiveCommType.ALL_REDUCE)


def parse_text_workload(path: str | os.PathLike) -> TextWorkload:
    """Parse and check a text workload; InputError names the line and column on bad input."""
    label = os.fspath(path)
    text = read_text(label, "text workload", max_bytes=None)
    lines = text.splitlines()
    if len(lines) < 2:
        raise InputError("needs a mode line and a layer-count line", file=label, field="line 1",
                         fix="start with e.g. 'DATA' then the number of layers")
    head = lines[0].split()
    mode = head[0] if head else ""
    if mode not in MODES:
        raise InputError(f"unsupported parallelism type {mode!r}", file=label, field="line 1",
                         fix=f"use one of {', '.join(MODES)}")
    last_bottom = None
    if mode.startswith("HYBRID_DLRM"):
        if len(head) < 2 or not _is_int(head[1]):
            raise InputError(f"{mode} needs the index of the last bottom-MLP layer", file=label,
                             field="line 1", fix=f"write e.g. '{mode} 2'")
        last_bottom = int(head[1])
    if not _is_int(lines[1].strip()):
        raise InputError(f"layer count {lines[1].strip()!r} is not an integer", file=label,
                         field="line 2", fix="line 2 holds the number of layers")
    layers = []
    for number, line in enumerate(lines[2:], start=3):
        cols = line.split()
        if len(cols) < 12:
            raise InputError(f"cannot parse layer: {len(cols)} columns, need 12", file=label,
                             field=f"line {number}",
                             fix="each layer line has 12 whitespace-separated columns; remove blank lines")
        try:
            numbers = {col: int(cols[col]) for col in _NUMBER_COLUMNS}
        except ValueError:
            raise InputError("a time or size column is not an integer", file=label,
                             field=f"line {number}",
                             fix="columns 2, 4, 5, 7, 8 and 10 are integers") from None
        for col, value in numbers.items():
            if not 0 <= value < 2**63:
                raise InputError(f"column {col} is {value}, outside 0..2^63-1", file=label,
                                 field=f"line {number}",
                                 fix="compute times (µs) and comm sizes (bytes) are non-negative integers")
        layers.append(Layer(cols[0], numbers[2], cols[3], numbers[4], numbers[5], cols[6], numbers[7],
                            numbers[8], cols[9], numbers[10], cols[11]))
    if not layers:
        raise InputError("no layer lines", file=label, field="line 3", fix="add at least one layer")
    if last_bottom is not None:
        if layers[0].fwd_type != "ALLTOALL":
            raise InputError(f"{mode}: layer 0's forward comm must be ALLTOALL, got {layers[0].fwd_type}",
                             file=label, field="line 3", fix="set column 3 of the first layer to ALLTOALL")
        if not 0 <= last_bottom < len(layers):
            raise InputError(f"last bottom layer {last_bottom} is outside 0..{len(layers) - 1}",
                             file=label, field="line 1", fix="name an existing layer index")
    declared = int(lines[1].strip())
    if declared != len(layers):
        print(f"WARNING: {label}: line 2 says {declared} layers but there are {len(layers)} layer lines; "
              "all of them are converted (as chakra_converter does)", file=sys.stderr)
    return TextWorkload(mode, tuple(layers), last_bottom, declared, text)


def _is_int(token: str) -> bool:
    try:
        int(token)
    except ValueError:
        return False
    return True


class _Emitter:
    """Appends nodes with ids from one run-wide counter."""

    def __init__(self, first_id: int) -> None:
        self.next_id = first_id
        self.nodes: list[Node] = []

    def comp(self, layer: Layer, suffix: str, duration: int, deps: list[Node | None]) -> Node:
        node = comp_node(self.next_id, f"COMP_NODE_{layer.name}_{suffix}", duration,
                         data_deps=_ids(deps), is_cpu_op=None)
        return self._add(node)

    def comm(self, name: str, type_text: str, size: int, deps: list[Node | None]) -> Node:
        node = coll_node(self.next_id, name, comm_type_of(type_text), size, data_deps=_ids(deps),
                         is_cpu_op=None)
        return self._add(node)

    def _add(self, node: Node) -> Node:
        self.next_id += 1
        self.nodes.append(node)
        return node


def _ids(deps: list[Node | None]) -> list[int]:
    return [d.id for d in deps if d is not None]


def _comm_name(layer: Layer, type_text: str) -> str:
    return f"COMM_COLL_NODE_{layer.name}_{type_text}"


def _micro(em: _Emitter, w: TextWorkload, _prev: dict) -> dict:
    """One independent weight-gradient collective per layer."""
    for layer in w.layers:
        em.comm(_comm_name(layer, layer.wg_type), layer.wg_type, layer.wg_size, [])
    return {}


def _data(em: _Emitter, w: TextWorkload, prev: dict) -> dict:
    """Data parallel: forward chain, then per layer WG, its all-reduce, IG; returns WG comms by layer."""
    n = len(w.layers)
    fwd, wg_comm = [None] * n, [None] * n
    for i, layer in enumerate(w.layers):
        fwd[i] = em.comp(layer, "FWD", layer.fwd_time, [fwd[i - 1] if i else None, prev.get(i)])
    ig_next = None
    for i in reversed(range(n)):
        layer = w.layers[i]
        wg = em.comp(layer, "BWD_WG", layer.wg_time, [fwd[n - 1] if i == n - 1 else ig_next])
        wg_comm[i] = em.comm(_comm_name(layer, layer.wg_type), layer.wg_type, layer.wg_size, [wg])
        if i:
            ig_next = em.comp(layer, "BWD_IG", layer.ig_time, [wg])
    return dict(enumerate(wg_comm))


def _model_like(em: _Emitter, w: TextWorkload, prev: dict, *, wg_comms: bool, ig_infix: str) -> dict:
    """MODEL (wg_comms=False) and the two HYBRID modes; returns what the next pass waits on per layer."""
    n = len(w.layers)
    fwd_comm = [None] * n
    for i, layer in enumerate(w.layers):
        if wg_comms:  # hybrid: previous pass's WG comm first, then the previous layer's fwd comm
            deps = [prev.get(i), fwd_comm[i - 1] if i else None]
        else:
            deps = [fwd_comm[i - 1] if i else None, prev.get(i)]
        fwd = em.comp(layer, "FWD", layer.fwd_time, deps)
        fwd_comm[i] = em.comm(_comm_name(layer, layer.fwd_type), layer.fwd_type, layer.fwd_size, [fwd])
    carried: dict[int, Node] = {}
    wg_next = ig_comm_next = None
    for i in reversed(range(n)):
        layer = w.layers[i]
        deps = [fwd_comm[n - 1]] if i == n - 1 else [wg_next, ig_comm_next]
        ig = em.comp(layer, "BWD_IG", layer.ig_time, deps)
        ig_comm_next = None
        # upstream skips the IG comm at backward step (line-2 count - 1): layer 0 if the count is right
        if n - 1 - i != w.declared_layers - 1:
            name = f"COMM_COLL_NODE_{layer.name}_{ig_infix}{layer.ig_type}"
            ig_comm_next = em.comm(name, layer.ig_type, layer.ig_size, [ig])
        wg_next = em.comp(layer, "BWD_WG", layer.wg_time, [ig])
        carried[i] = wg_next
        if wg_comms:
            carried[i] = em.comm(_comm_name(layer, layer.wg_type), layer.wg_type, layer.wg_size, [wg_next])
    return carried


def _model(em, w, prev):
    return _model_like(em, w, prev, wg_comms=False, ig_infix="")


def _hybrid_data_model(em, w, prev):
    return _model_like(em, w, prev, wg_comms=True, ig_infix="IG_COMM__")


def _hybrid_model_data(em, w, prev):
    return _model_like(em, w, prev, wg_comms=True, ig_infix="")


def _dlrm(em: _Emitter, w: TextWorkload, prev: dict) -> dict:
    """HYBRID_DLRM: embedding all-to-all joins the bottom MLP at the last bottom layer."""
    n, b = len(w.layers), w.last_bottom_layer
    fwd, fwd_comm = [None] * n, [None] * n
    for i, layer in enumerate(w.layers):
        deps = [prev.get(i), fwd[i - 1] if i else None, fwd_comm[0] if i == b else None]
        fwd[i] = em.comp(layer, "FWD", layer.fwd_time, deps)
        if layer.fwd_type == "ALLTOALL":
            fwd_comm[i] = em.comm(_comm_name(layer, layer.fwd_type), layer.fwd_type, layer.fwd_size, [fwd[i]])
    carried: dict[int, Node] = {}
    ig_next = ig_comm0 = None
    first = w.layers[0]
    for i in reversed(range(n)):
        layer = w.layers[i]
        deps = [fwd[n - 1]] if i == n - 1 else [ig_next, ig_comm0 if i == 0 else None]
        wg = em.comp(layer, "BWD_WG", layer.wg_time, deps)
        carried[i] = wg
        if layer.wg_type != "NONE":
            carried[i] = em.comm(_comm_name(layer, layer.wg_type), layer.wg_type, layer.wg_size, [wg])
        if i:
            ig_next = em.comp(layer, "BWD_IG", layer.ig_time, [wg])
        if i == b + 1:
            ig_comm0 = em.comm(_comm_name(first, first.ig_type), first.ig_type, first.ig_size, [ig_next])
    return carried


_MODE_BUILDERS = {"MICRO": _micro, "DATA": _data, "MODEL": _model,
                  "HYBRID_DATA_MODEL": _hybrid_data_model, "HYBRID_MODEL_DATA": _hybrid_model_data,
                  "HYBRID_DLRM": _dlrm, "HYBRID_DLRM_ENHANCED": _dlrm}


def text_metadata(workload: TextWorkload, schema: str = SCHEMA_MLCOMMONS) -> GlobalMetadata:
    """The converter's metadata: no version; attrs schema and input_file (the whole input)."""
    meta = GlobalMetadata()
    meta.attr.extend([string_attr("schema", schema), string_attr("input_file", workload.text)])
    return meta


def convert_rank_graphs(workload: TextWorkload, num_npus: int, num_passes: int,
                        *, first_id: int = 0) -> list[list[Node]]:
    """Node lists for every rank; ids continue across ranks (the real converter's counter)."""
    if num_npus < 1:
        raise InputError(f"num-npus is {num_npus}", field="num-npus", fix="use at least 1")
    if num_passes < 1:
        raise InputError(f"num-passes is {num_passes}", field="num-passes", fix="use at least 1")
    builder = _MODE_BUILDERS[workload.mode]
    em = _Emitter(first_id)
    ranks = []
    for _rank in range(num_npus):
        em.nodes = []
        prev: dict = {}
        for _ in range(num_passes):
            prev = builder(em, workload, prev)
        ranks.append(em.nodes)
    return ranks


def convert_text(input_path: str | os.PathLike, output_prefix: str | os.PathLike, num_npus: int,
                 num_passes: int, *, schema: str = SCHEMA_MLCOMMONS) -> list[str]:
    """Convert a text workload into `<output_prefix>.<r>.et` for r in 0..num_npus-1."""
    workload = parse_text_workload(input_path)
    out_dir = Path(os.fspath(output_prefix)).parent
    if str(out_dir) and not out_dir.is_dir():
        raise InputError("output directory does not exist", file=str(out_dir),
                         field="output", fix="create it first")
    meta = text_metadata(workload, schema)
    paths = []
    for rank, nodes in enumerate(convert_rank_graphs(workload, num_npus, num_passes)):
        path = rank_file(output_prefix, rank)
        write_et(path, meta, nodes)
        paths.append(path)
    return paths
