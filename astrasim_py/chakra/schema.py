"""Chakra ET protobuf schema (package ChakraProtoMsg), built at import from a Python descriptor.

No generated _pb2 code: the FileDescriptorProto is assembled here field by field (numbers and
types from the v0.0.4 et_def.proto), so any protobuf runtime 4.x..7.x can load it.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

PACKAGE = "ChakraProtoMsg"
FILE_NAME = "astrasim_py/chakra/et_def.proto"

_F = descriptor_pb2.FieldDescriptorProto

# (member name stem, protobuf scalar type, list wrapper message name) in oneof order 3..32.
_ATTR_KINDS: list[tuple[str, int, str]] = [
    ("double", _F.TYPE_DOUBLE, "DoubleList"),
    ("float", _F.TYPE_FLOAT, "FloatList"),
    ("int32", _F.TYPE_INT32, "Int32List"),
    ("int64", _F.TYPE_INT64, "Int64List"),
    ("uint32", _F.TYPE_UINT32, "Uint32List"),
    ("uint64", _F.TYPE_UINT64, "Uint64List"),
    ("sint32", _F.TYPE_SINT32, "Sint32List"),
    ("sint64", _F.TYPE_SINT64, "Sint64List"),
    ("fixed32", _F.TYPE_FIXED32, "Fixed32List"),
    ("fixed64", _F.TYPE_FIXED64, "Fixed64List"),
    ("sfixed32", _F.TYPE_SFIXED32, "Sfixed32List"),
    ("sfixed64", _F.TYPE_SFIXED64, "Sfixed64List"),
    ("bool", _F.TYPE_BOOL, "BoolList"),
    ("string", _F.TYPE_STRING, "StringList"),
    ("bytes", _F.TYPE_BYTES, "BytesList"),
]

NODE_TYPE_NAMES = ["INVALID_NODE", "METADATA_NODE", "MEM_LOAD_NODE", "MEM_STORE_NODE",
                   "COMP_NODE", "COMM_SEND_NODE", "COMM_RECV_NODE", "COMM_COLL_NODE"]
COLLECTIVE_NAMES = ["ALL_REDUCE", "REDUCE", "ALL_GATHER", "GATHER", "SCATTER", "BROADCAST",
                    "ALL_TO_ALL", "REDUCE_SCATTER", "REDUCE_SCATTER_BLOCK", "BARRIER"]


class NodeType:
    """Node.type values (enum NodeType)."""

    INVALID_NODE = 0
    METADATA_NODE = 1
    MEM_LOAD_NODE = 2
    MEM_STORE_NODE = 3
    COMP_NODE = 4
    COMM_SEND_NODE = 5
    COMM_RECV_NODE = 6
    COMM_COLL_NODE = 7


class CollectiveCommType:
    """Values stored in the comm_type attribute (enum CollectiveCommType)."""

    ALL_REDUCE = 0
    REDUCE = 1
    ALL_GATHER = 2
    GATHER = 3
    SCATTER = 4
    BROADCAST = 5
    ALL_TO_ALL = 6
    REDUCE_SCATTER = 7
    REDUCE_SCATTER_BLOCK = 8
    BARRIER = 9


def node_type_name(value: int) -> str:
    """Name of a NodeType number (unknown numbers shown as UNKNOWN(n))."""
    return NODE_TYPE_NAMES[value] if 0 <= value < len(NODE_TYPE_NAMES) else f"UNKNOWN({value})"


def collective_name(value: int) -> str:
    """Name of a CollectiveCommType number (unknown numbers shown as UNKNOWN(n))."""
    return COLLECTIVE_NAMES[value] if 0 <= value < len(COLLECTIVE_NAMES) else f"UNKNOWN({value})"


def _field(msg, name: str, number: int, ftype: int, *, repeated: bool = False,
           type_name: str | None = None, oneof: int | None = None, packed: bool = False) -> None:
    f = msg.field.add()
    f.name = name
    f.number = number
    f.type = ftype
    f.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    if type_name:
        f.type_name = f".{PACKAGE}.{type_name}"
    if oneof is not None:
        f.oneof_index = oneof
    if packed:
        f.options.packed = True


def _enum(fdp, name: str, values: list[str]) -> None:
    e = fdp.enum_type.add()
    e.name = name
    for number, value_name in enumerate(values):
        v = e.value.add()
        v.name = value_name
        v.number = number


def build_file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """The et_def.proto schema as a FileDescriptorProto (proto3)."""
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = FILE_NAME
    fdp.package = PACKAGE
    fdp.syntax = "proto3"

    _enum(fdp, "NodeType", NODE_TYPE_NAMES)
    _enum(fdp, "CollectiveCommType", COLLECTIVE_NAMES)

    for _stem, ftype, list_name in _ATTR_KINDS:
        m = fdp.message_type.add()
        m.name = list_name
        _field(m, "values", 1, ftype, repeated=True)

    attr = fdp.message_type.add()
    attr.name = "AttributeProto"
    _field(attr, "name", 1, _F.TYPE_STRING)
    _field(attr, "doc_string", 2, _F.TYPE_STRING)
    attr.oneof_decl.add().name = "value"
    for index, (stem, ftype, list_name) in enumerate(_ATTR_KINDS):
        _field(attr, f"{stem}_val", 3 + 2 * index, ftype, oneof=0)
        _field(attr, f"{stem}_list", 4 + 2 * index, _F.TYPE_MESSAGE, type_name=list_name, oneof=0)

    meta = fdp.message_type.add()
    meta.name = "GlobalMetadata"
    _field(meta, "version", 1, _F.TYPE_STRING)
    _field(meta, "attr", 2, _F.TYPE_MESSAGE, repeated=True, type_name="AttributeProto")

    io = fdp.message_type.add()
    io.name = "IOInfo"
    _field(io, "values", 1, _F.TYPE_STRING)
    _field(io, "shapes", 2, _F.TYPE_STRING)
    _field(io, "types", 3, _F.TYPE_STRING)

    tensor = fdp.message_type.add()
    tensor.name = "Tensor"
    for number, name in enumerate(["tensor_id", "storage_id", "offset", "num_elem", "elem_bytes"], 1):
        _field(tensor, name, number, _F.TYPE_UINT64)
    _field(tensor, "device", 6, _F.TYPE_STRING)

    node = fdp.message_type.add()
    node.name = "Node"
    _field(node, "id", 1, _F.TYPE_UINT64)
    _field(node, "name", 2, _F.TYPE_STRING)
    _field(node, "type", 3, _F.TYPE_ENUM, type_name="NodeType")
    _field(node, "ctrl_deps", 4, _F.TYPE_UINT64, repeated=True)
    _field(node, "data_deps", 5, _F.TYPE_UINT64, repeated=True)
    _field(node, "start_time_micros", 6, _F.TYPE_UINT64)
    _field(node, "duration_micros", 7, _F.TYPE_UINT64)
    _field(node, "inputs", 8, _F.TYPE_MESSAGE, type_name="IOInfo")
    _field(node, "outputs", 9, _F.TYPE_MESSAGE, type_name="IOInfo")
    _field(node, "attr", 10, _F.TYPE_MESSAGE, repeated=True, type_name="AttributeProto")
    return fdp


def _message_classes() -> dict[str, type]:
    # A private pool keeps us from clashing with a real chakra package loaded in the same process.
    pool = descriptor_pool.DescriptorPool()
    pool.Add(build_file_descriptor())
    file_desc = pool.FindFileByName(FILE_NAME)
    get_class = getattr(message_factory, "GetMessageClass", None)
    if get_class is None:  # older runtimes only have the factory API
        factory = message_factory.MessageFactory(pool)
        get_class = factory.GetPrototype
    return {name: get_class(desc) for name, desc in file_desc.message_types_by_name.items()}


_CLASSES = _message_classes()

GlobalMetadata = _CLASSES["GlobalMetadata"]
Node = _CLASSES["Node"]
AttributeProto = _CLASSES["AttributeProto"]
IOInfo = _CLASSES["IOInfo"]
Tensor = _CLASSES["Tensor"]
LIST_CLASSES: dict[str, type] = {list_name: _CLASSES[list_name] for _s, _t, list_name in _ATTR_KINDS}
ATTR_KIND_STEMS: list[str] = [stem for stem, _t, _l in _ATTR_KINDS]

__all__ = ["GlobalMetadata", "Node", "AttributeProto", "IOInfo", "Tensor", "NodeType",
           "CollectiveCommType", "node_type_name", "collective_name", "build_file_descriptor",
           "LIST_CLASSES", "ATTR_KIND_STEMS", "NODE_TYPE_NAMES", "COLLECTIVE_NAMES"]
