"""Reader/writer compatibility with traces made by the real Chakra tools."""

from __future__ import annotations

import gzip

import pytest

from astrasim_py.chakra.attrs import get_attr
from astrasim_py.chakra.io import encode_et, encode_varint, iter_records, read_et, write_et
from astrasim_py.chakra.schema import GlobalMetadata, Node, NodeType
from astrasim_py.errors import InputError

ROUND_TRIP_DIRS = ["a_allreduce_1MiB", "b_chain", "d_sendrecv", "astra-sim_shipped_examples", "text"]


def _all_et(root):
    return sorted(root.rglob("*.et"))


def test_every_fixture_is_read(chakra_fixtures):
    files = _all_et(chakra_fixtures)
    assert len(files) > 100
    for path in files:
        trace = read_et(path)
        assert isinstance(trace.metadata, GlobalMetadata)
        assert all(isinstance(n, Node) for n in trace.nodes)


@pytest.mark.parametrize("folder", ROUND_TRIP_DIRS)
def test_uncompressed_fixtures_round_trip_byte_for_byte(chakra_fixtures, folder, tmp_path):
    files = _all_et(chakra_fixtures / folder)
    assert files
    for path in files:
        trace = read_et(path)
        original = path.read_bytes()
        assert encode_et(trace.metadata, trace.nodes) == original, path
    out = tmp_path / "copy.0.et"
    trace = read_et(files[0])
    write_et(out, trace.metadata, trace.nodes)
    assert out.read_bytes() == files[0].read_bytes()


def test_allreduce_rank1_content(chakra_fixtures):
    trace = read_et(chakra_fixtures / "a_allreduce_1MiB" / "ALL_REDUCE.1.et")
    assert trace.metadata.version == "1.0.0"
    (node,) = trace.nodes
    assert (node.id, node.name, node.type) == (1, "ALL_REDUCE", NodeType.COMM_COLL_NODE)
    assert get_attr(node, "is_cpu_op") is False
    assert get_attr(node, "comm_type") == 0
    assert get_attr(node, "comm_size") == 1 << 20


def test_chain_dependencies(chakra_fixtures):
    nodes = read_et(chakra_fixtures / "b_chain" / "chain.3.et").nodes
    assert [n.id for n in nodes] == [0, 1, 2]
    assert [list(n.data_deps) for n in nodes] == [[], [0], [1]]
    assert [n.duration_micros for n in nodes] == [100, 0, 100]


def test_gzip_input_is_decompressed(chakra_fixtures):
    path = chakra_fixtures / "edge_cases" / "gz.0.et"
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    (node,) = read_et(path).nodes
    assert (node.id, node.name, node.type) == (1, "g", NodeType.COMP_NODE)


def test_zero_records_are_empty_messages_not_eof(chakra_fixtures):
    meta_empty = read_et(chakra_fixtures / "edge_cases" / "emptymeta.0.et")
    assert meta_empty.metadata.version == "" and len(meta_empty.nodes) == 1
    assert meta_empty.nodes[0].id == 5
    zeronode = read_et(chakra_fixtures / "edge_cases" / "zeronode.0.et")
    assert [n.id for n in zeronode.nodes] == [0, 1]
    assert zeronode.nodes[1].name == "after"


def test_gzip_write_by_suffix(tmp_path):
    meta = GlobalMetadata(version="0.0.4")
    nodes = [Node(id=3, name="c", type=NodeType.COMP_NODE, duration_micros=7)]
    path = tmp_path / "x.0.et.gz"
    write_et(path, meta, nodes)
    assert gzip.decompress(path.read_bytes()) == encode_et(meta, nodes)
    assert read_et(path).nodes == nodes


def test_varint_prefix_lengths():
    assert encode_varint(0) == b"\x00"
    assert encode_varint(127) == b"\x7f"
    assert encode_varint(385) == b"\x81\x03"
    assert encode_varint(16384) == b"\x80\x80\x01"


def test_iter_records_handles_long_records(tmp_path):
    payloads = [b"", b"a" * 300, b"b" * (3 << 20)]
    path = tmp_path / "r.et"
    path.write_bytes(b"".join(encode_varint(len(p)) + p for p in payloads))
    assert list(iter_records(path)) == payloads


@pytest.mark.parametrize("data, needle", [
    (b"\x05ab", "needs 5 bytes"),
    (b"\x80", "truncated length prefix"),
    (b"\xff\xff\xff\xff\xff\xff", "longer than 5 bytes"),
    (b"\x00\x02\xff\xff", "not a valid protobuf"),
])
def test_corrupt_files_raise_clean_errors(tmp_path, data, needle):
    path = tmp_path / "bad.0.et"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_et(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_et(tmp_path / "nope.0.et")
    empty = tmp_path / "empty.0.et"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="no GlobalMetadata"):
        read_et(empty)


def test_node_sequence_is_a_compact_read_only_view(chakra_fixtures):
    path = chakra_fixtures / "text" / "data6" / "data6.0.et"
    nodes = read_et(path).nodes
    assert len(nodes) == 23 and nodes[-1].id == 22 and [n.id for n in nodes[2:5]] == [2, 3, 4]
    as_list = list(nodes)
    assert nodes == as_list and as_list == list(nodes)
    assert nodes != as_list[:-1]
    first = nodes[0]
    first.name = "changed"
    assert nodes[0].name == "COMP_NODE_conv1_FWD"  # each access parses the stored bytes again
    assert nodes.payload(0) == as_list[0].SerializeToString()
