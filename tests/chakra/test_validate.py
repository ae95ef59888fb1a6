"""Validation of rank files: documented edge cases give one-line InputErrors."""

from __future__ import annotations

import io

import pytest

from astrasim_py.chakra.attrs import bool_attr, get_attr, int32_attr, int64_attr, make_attr, string_attr
from astrasim_py.chakra.io import EtTrace, read_et
from astrasim_py.chakra.schema import GlobalMetadata, Node, NodeType
from astrasim_py.chakra.validate import validate_trace
from astrasim_py.errors import InputError


@pytest.mark.parametrize("name, message", [
    ("dangling", "node 1 (a): depends on node 99, which is not in this file"),
    ("dupid", "node id 1 appears 2 times"),
    ("nonodes", "the trace has no nodes"),
    ("zeronode", "every field at its default"),
    ("kinds_bad", "attribute comm_size is double_val, expected an integer kind"),
    ("kinds_str", "attribute comm_type is string_val, expected an integer kind"),
    ("big", "depends on node 0"),
])
def test_edge_cases_give_documented_errors(chakra_fixtures, name, message):
    path = chakra_fixtures / "edge_cases" / f"{name}.0.et"
    with pytest.raises(InputError) as info:
        validate_trace(read_et(path))
    text = str(info.value)
    assert message in text
    assert str(path) in text and "\n" not in text and "fix:" in text


@pytest.mark.parametrize("name", ["ctrlonly", "ctrlorder", "emptymeta", "foo", "forward", "gz", "kinds"])
def test_valid_edge_cases_pass(chakra_fixtures, name):
    report = validate_trace(read_et(chakra_fixtures / "edge_cases" / f"{name}.0.et"))
    assert report.num_nodes >= 1


def _trace(*nodes):
    return EtTrace(path="t.0.et", metadata=GlobalMetadata(), nodes=list(nodes))


def _coll(nid=1, **attrs):
    node = Node(id=nid, name="c", type=NodeType.COMM_COLL_NODE)
    node.attr.extend(attrs.values())
    return node


def test_unknown_node_type():
    with pytest.raises(InputError, match="unknown node type 12"):
        validate_trace(_trace(Node(id=1, name="x", type=12)))


def test_cycle_is_named():
    a = Node(id=1, name="a", type=NodeType.COMP_NODE, data_deps=[3])
    b = Node(id=2, name="b", type=NodeType.COMP_NODE, data_deps=[1])
    c = Node(id=3, name="c", type=NodeType.COMP_NODE, ctrl_deps=[2])
    root = Node(id=4, name="r", type=NodeType.COMP_NODE)
    with pytest.raises(InputError) as info:
        validate_trace(_trace(a, b, c, root))
    assert "dependency cycle: 1 -> 2 -> 3 -> 1" in str(info.value)


@pytest.mark.parametrize("node_type, attrs, missing", [
    (NodeType.COMM_COLL_NODE, [int64_attr("comm_size", 8)], "comm_type"),
    (NodeType.COMM_COLL_NODE, [int64_attr("comm_type", 0)], "comm_size"),
    (NodeType.COMM_SEND_NODE, [int64_attr("comm_size", 8), int32_attr("comm_tag", 1)], "comm_dst"),
    (NodeType.COMM_RECV_NODE, [int64_attr("comm_size", 8), int32_attr("comm_tag", 1)], "comm_src"),
    (NodeType.COMM_RECV_NODE, [int64_attr("comm_size", 8), int32_attr("comm_src", 1)], "comm_tag"),
])
def test_missing_comm_attributes(node_type, attrs, missing):
    node = Node(id=2, name="n", type=node_type)
    node.attr.extend(attrs)
    with pytest.raises(InputError) as info:
        validate_trace(_trace(node), rank=0, num_npus=2)
    assert f"attribute {missing} is missing" in str(info.value)
    assert info.value.field == missing


def test_wrongly_typed_peer_and_rank_consistency():
    send = Node(id=0, name="s", type=NodeType.COMM_SEND_NODE)
    send.attr.extend([string_attr("comm_dst", "1"), int64_attr("comm_size", 4), int32_attr("comm_tag", 0)])
    with pytest.raises(InputError, match="comm_dst is string_val"):
        validate_trace(_trace(send), rank=0, num_npus=2)
    send.attr[0].CopyFrom(int32_attr("comm_dst", 5))
    with pytest.raises(InputError, match="comm_dst is 5, outside 0..1"):
        validate_trace(_trace(send), rank=0, num_npus=2)
    send.attr[0].CopyFrom(int32_attr("comm_dst", 1))
    send.attr.append(int32_attr("comm_src", 1))
    with pytest.raises(InputError, match="comm_src is 1 but this file is rank 0"):
        validate_trace(_trace(send), rank=0, num_npus=2)


def test_is_cpu_op_true_on_comm_node_is_rejected():
    node = _coll(a=int64_attr("comm_type", 0), b=int64_attr("comm_size", 8), c=bool_attr("is_cpu_op", True))
    with pytest.raises(InputError, match="is_cpu_op is true"):
        validate_trace(_trace(node))


def test_zero_size_communication_warns_on_stderr():
    node = _coll(a=int64_attr("comm_type", 0), b=int64_attr("comm_size", 0))
    stream = io.StringIO()
    report = validate_trace(_trace(node), warn_stream=stream)
    assert report.zero_size_comm_ids == [1]
    assert stream.getvalue().startswith("WARNING: t.0.et: 1 communication node(s) with comm_size 0")


def test_get_attr_values_and_missing():
    node = Node(id=1, name="m", type=NodeType.METADATA_NODE)
    node.attr.extend([make_attr("l", "bool_list", [True, False]), make_attr("f", "float_val", 1.5),
                      make_attr("s", "string_list", ["a", "b"])])
    assert get_attr(node, "l") == [True, False]
    assert get_attr(node, "f") == 1.5
    assert get_attr(node, "s") == ["a", "b"]
    assert get_attr(node, "nope", None) is None
    with pytest.raises(InputError, match="node 1 \\(m\\): attribute nope is missing"):
        get_attr(node, "nope")


@pytest.mark.parametrize("attr, message", [
    (make_attr("pg_name", "int64_val", 1), "attribute pg_name is int64_val, expected string_val"),
    (make_attr("involved_dim", "bool_val", True), "attribute involved_dim is bool_val, expected bool_list"),
])
def test_collective_optional_attribute_kinds(attr, message):
    node = _coll(a=int64_attr("comm_type", 0), b=int64_attr("comm_size", 8), c=attr)
    with pytest.raises(InputError, match=message):
        validate_trace(_trace(node))
    ok = _coll(a=int64_attr("comm_type", 0), b=int64_attr("comm_size", 8), c=string_attr("pg_name", "1"),
               d=make_attr("involved_dim", "bool_list", [True, False]))
    validate_trace(_trace(ok))


def test_memory_nodes_need_tensor_size():
    node = Node(id=1, name="load", type=NodeType.MEM_LOAD_NODE)
    with pytest.raises(InputError, match="node 1 \\(load\\): attribute tensor_size is missing"):
        validate_trace(_trace(node))
    node.attr.append(make_attr("tensor_size", "uint64_val", 1024))
    validate_trace(_trace(node))
