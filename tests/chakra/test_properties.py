"""Property tests: random valid graphs round-trip exactly; random bytes only ever give InputError."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astrasim_py.chakra.attrs import make_attr
from astrasim_py.chakra.feeder import DependencyFeeder
from astrasim_py.chakra.io import encode_et, read_et, write_et
from astrasim_py.chakra.schema import GlobalMetadata, IOInfo, Node
from astrasim_py.chakra.validate import validate_trace
from astrasim_py.errors import InputError

U64 = st.integers(0, 2**64 - 1)
I64 = st.integers(-(2**63), 2**63 - 1)
I32 = st.integers(-(2**31), 2**31 - 1)
U32 = st.integers(0, 2**32 - 1)
TEXT = st.text(max_size=12)
SCALARS = {
    "double": st.floats(allow_nan=False), "float": st.floats(allow_nan=False, width=32),
    "int32": I32, "int64": I64, "uint32": U32, "uint64": U64, "sint32": I32, "sint64": I64,
    "fixed32": U32, "fixed64": U64, "sfixed32": I32, "sfixed64": I64, "bool": st.booleans(),
    "string": TEXT, "bytes": st.binary(max_size=12),
}


@st.composite
def attributes(draw):
    stem = draw(st.sampled_from(sorted(SCALARS)))
    if draw(st.booleans()):
        return make_attr(draw(TEXT), f"{stem}_list", draw(st.lists(SCALARS[stem], max_size=4)))
    return make_attr(draw(TEXT), f"{stem}_val", draw(SCALARS[stem]))


@st.composite
def graphs(draw):
    """A DAG: node k may depend only on nodes before it in the list; ids are unique, non-zero-ish."""
    count = draw(st.integers(1, 12))
    ids = draw(st.lists(U64, min_size=count, max_size=count, unique=True))
    nodes = []
    for index, nid in enumerate(ids):
        earlier = ids[:index]
        node = Node(id=nid, name=draw(TEXT), type=draw(st.sampled_from([2, 3, 4, 1])),
                    start_time_micros=draw(U64), duration_micros=draw(U64))
        if earlier:
            node.data_deps.extend(draw(st.lists(st.sampled_from(earlier), max_size=3)))
            node.ctrl_deps.extend(draw(st.lists(st.sampled_from(earlier), max_size=2)))
        if draw(st.booleans()):
            node.inputs.CopyFrom(IOInfo(values=draw(TEXT), shapes=draw(TEXT), types=draw(TEXT)))
        if node.type in (2, 3):  # memory nodes need their byte count
            node.attr.append(make_attr("tensor_size", "uint64_val", draw(U64)))
        node.attr.extend(draw(st.lists(attributes(), max_size=3)))
        if node.ByteSize() == 0:
            node.name = "n"
        nodes.append(node)
    shuffled = draw(st.permutations(nodes))  # record order is free (forward references)
    meta = GlobalMetadata(version=draw(TEXT))
    meta.attr.extend(draw(st.lists(attributes(), max_size=2)))
    return meta, list(shuffled)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.booleans())
def test_random_valid_graphs_round_trip_exactly(graph, compress):
    meta, nodes = graph
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("g.0.et.gz" if compress else "g.0.et")
        write_et(path, meta, nodes)
        trace = read_et(path)
    assert trace.metadata == meta
    assert trace.nodes == nodes
    assert encode_et(trace.metadata, trace.nodes) == encode_et(meta, nodes)
    validate_trace(trace, warn_stream=None)
    # every node is issued exactly once, after all its parents
    feeder = DependencyFeeder(trace.nodes)
    done: set[int] = set()
    while not feeder.all_done():
        ready = feeder.pop_ready()
        assert ready == sorted(ready) and ready
        for nid in ready:
            node = feeder.node(nid)
            assert set(node.data_deps) | set(node.ctrl_deps) <= done
        for nid in ready:
            done.add(nid)
            feeder.finish(nid)
    assert done == {n.id for n in nodes}


def _check_only_clean_errors(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.0.et"
        path.write_bytes(data)
        try:
            trace = read_et(path)
        except InputError as exc:
            assert "\n" not in str(exc)
            return
        try:
            validate_trace(trace, warn_stream=None)
            DependencyFeeder(trace.nodes)
        except InputError as exc:
            assert "\n" not in str(exc)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_input_error(data):
    _check_only_clean_errors(data)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=120))
def test_random_gzip_payloads_only_raise_input_error(data):
    _check_only_clean_errors(gzip.compress(data))
    _check_only_clean_errors(b"\x1f\x8b" + data)


@settings(max_examples=100, deadline=None)
@given(graphs(), st.data())
def test_mutated_traces_only_raise_input_error(graph, data):
    encoded = bytearray(encode_et(*graph))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(encoded) - 1))
        encoded[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(encoded)))
    _check_only_clean_errors(bytes(encoded[:cut]))
