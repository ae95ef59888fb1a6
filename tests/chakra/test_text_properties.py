"""Property tests of the text converter: node counts per mode, valid DAGs, sizes carried over."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from astrasim_py.chakra.attrs import get_attr
from astrasim_py.chakra.feeder import DependencyFeeder
from astrasim_py.chakra.io import EtTrace
from astrasim_py.chakra.schema import GlobalMetadata, NodeType
from astrasim_py.chakra.text_converter import convert_rank_graphs, parse_text_workload
from astrasim_py.chakra.validate import validate_trace

COMM = st.sampled_from(["ALLREDUCE", "ALLGATHER", "ALLTOALL", "REDUCESCATTER", "NONE"])
PER_PASS = {"DATA": lambda n: 4 * n - 1, "MODEL": lambda n: 5 * n - 1, "MICRO": lambda n: n,
            "HYBRID_DATA_MODEL": lambda n: 6 * n - 1, "HYBRID_MODEL_DATA": lambda n: 6 * n - 1}


@st.composite
def workloads(draw):
    mode = draw(st.sampled_from(sorted(PER_PASS) + ["HYBRID_DLRM"]))
    count = draw(st.integers(1 if mode != "HYBRID_DLRM" else 2, 7))
    lines = []
    for index in range(count):
        fwd_type = "ALLTOALL" if (mode == "HYBRID_DLRM" and index == 0) else draw(COMM)
        cols = [f"L{index}", "-1"]
        for comm in (fwd_type, draw(COMM), draw(COMM)):
            cols += [str(draw(st.integers(0, 10**6))), comm, str(draw(st.integers(0, 2**40)))]
        cols.append(str(draw(st.integers(0, 100))))
        sep = draw(st.sampled_from([" ", "\t"]))
        lines.append(sep.join(cols))
    head = mode if mode != "HYBRID_DLRM" else f"HYBRID_DLRM {draw(st.integers(0, count - 1))}"
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return mode, count, newline.join([head, str(count), *lines]) + newline


@settings(max_examples=60, deadline=None)
@given(workloads(), st.integers(1, 3), st.integers(1, 3))
def test_converted_graphs_are_valid_and_sized_per_mode(spec, passes, npus):
    mode, count, text = spec
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.txt"
        path.write_bytes(text.encode())
        workload = parse_text_workload(path)
    ranks = convert_rank_graphs(workload, npus, passes)
    per_rank = len(ranks[0])
    if mode in PER_PASS:
        assert per_rank == passes * PER_PASS[mode](count)
    all_ids = [n.id for nodes in ranks for n in nodes]
    assert all_ids == list(range(npus * per_rank))  # one counter over ranks and passes
    layer_sizes = {(layer.name, t, s) for layer in workload.layers
                   for t, s in ((layer.fwd_type, layer.fwd_size), (layer.ig_type, layer.ig_size),
                                (layer.wg_type, layer.wg_size))}
    for nodes in ranks:
        assert [n.name for n in nodes] == [n.name for n in ranks[0]]  # rank-oblivious
        validate_trace(EtTrace("t.0.et", GlobalMetadata(), nodes), warn_stream=None)
        feeder = DependencyFeeder(nodes)
        while not feeder.all_done():
            feeder.finish(feeder.next_ready())
        for node in nodes:
            if node.type == NodeType.COMM_COLL_NODE:
                layer, comm = node.name[len("COMM_COLL_NODE_"):].split("_", 1)
                comm = comm.replace("IG_COMM__", "")
                assert (layer, comm, get_attr(node, "comm_size")) in layer_sizes
            else:
                assert node.type == NodeType.COMP_NODE and not node.attr


TOKENS = st.sampled_from(["DATA", "MODEL", "MICRO", "HYBRID_DLRM", "HYBRID_DATA_MODEL", "1", "2", "-1", "0",
                          "-5", "99999999999999999999999", "ALLREDUCE", "ALLTOALL", "NONE", "x", "1.5", ""])


def _convert_or_clean_error(text: str) -> None:
    """Parse and convert; the only acceptable failure is a one-line InputError."""
    from astrasim_py.errors import InputError

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.txt"
        path.write_text(text)
        try:
            workload = parse_text_workload(path)
        except InputError as exc:
            assert "\n" not in str(exc)
            return
    for nodes in convert_rank_graphs(workload, 2, 2):
        validate_trace(EtTrace("t.0.et", GlobalMetadata(), nodes), warn_stream=None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(TOKENS, max_size=14), min_size=0, max_size=5), st.sampled_from([" ", "\t"]))
def test_random_text_inputs_only_raise_input_error(rows, sep):
    _convert_or_clean_error("\n".join(sep.join(row) for row in rows))


NUMBER = st.sampled_from(["0", "7", "-1", str(2**63), "x"])


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["DATA", "MODEL", "MICRO", "HYBRID_MODEL_DATA", "HYBRID_DLRM 0", "HYBRID_DLRM 5"]),
       st.lists(st.tuples(NUMBER, TOKENS, NUMBER, NUMBER, TOKENS, NUMBER, NUMBER, TOKENS, NUMBER),
                min_size=1, max_size=4))
def test_twelve_column_inputs_only_raise_input_error(head, rows):
    lines = [head, str(len(rows))] + [" ".join(["L", "-1", *row, "1"]) for row in rows]
    _convert_or_clean_error("\n".join(lines) + "\n")
