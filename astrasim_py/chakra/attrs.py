"""Typed access to Node/GlobalMetadata attributes (the AttributeProto `value` oneof)."""

from __future__ import annotations

from typing import Any

from astrasim_py.chakra.schema import ATTR_KIND_STEMS, AttributeProto
from astrasim_py.errors import InputError

_MISSING: Any = object()

INTEGER_KINDS = frozenset(f"{stem}_val" for stem in
                          ("int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
                           "fixed64", "sfixed32", "sfixed64", "bool"))
SCALAR_KINDS = frozenset(f"{stem}_val" for stem in ATTR_KIND_STEMS)
LIST_KINDS = frozenset(f"{stem}_list" for stem in ATTR_KIND_STEMS)
ALL_KINDS = SCALAR_KINDS | LIST_KINDS


def find_attr(msg, name: str):
    """The first AttributeProto named `name` on a Node or GlobalMetadata, or None."""
    for attr in msg.attr:
        if attr.name == name:
            return attr
    return None


def attr_kind(attr) -> str | None:
    """Which oneof member is set (e.g. "int64_val"), or None if the value is unset."""
    return attr.WhichOneof("value")


def attr_value(attr) -> Any:
    """The Python value of an attribute's oneof (list members come back as Python lists)."""
    kind = attr.WhichOneof("value")
    if kind is None:
        return None
    value = getattr(attr, kind)
    if kind in LIST_KINDS:
        return list(value.values)
    return value


def _describe(msg) -> str:
    if hasattr(msg, "type"):
        return f"node {msg.id} ({msg.name or 'unnamed'})"
    return "GlobalMetadata"


def get_attr(msg, name: str, default: Any = _MISSING, *, file: str | None = None) -> Any:
    """Value of attribute `name` (first match); InputError if absent and no default is given."""
    attr = find_attr(msg, name)
    if attr is None or attr.WhichOneof("value") is None:
        if default is _MISSING:
            raise InputError(f"{_describe(msg)}: attribute {name} is missing", file=file, field=name,
                             fix=f"add an AttributeProto named {name}")
        return default
    return attr_value(attr)


def get_int_attr(msg, name: str, default: Any = _MISSING, *, file: str | None = None) -> int:
    """Integer attribute accepting any integer kind (as ASTRA-sim does); float/string/list rejected."""
    attr = find_attr(msg, name)
    if attr is None or attr.WhichOneof("value") is None:
        if default is _MISSING:
            raise InputError(f"{_describe(msg)}: attribute {name} is missing", file=file, field=name,
                             fix=f"add {name} as an integer attribute (int64_val/int32_val)")
        return default
    kind = attr.WhichOneof("value")
    if kind not in INTEGER_KINDS:
        raise InputError(f"{_describe(msg)}: attribute {name} is {kind}, expected an integer kind",
                         file=file, field=name, fix=f"write {name} as int64_val or int32_val")
    return int(getattr(attr, kind))


def make_attr(name: str, kind: str, value: Any) -> AttributeProto:
    """Build an AttributeProto; `kind` is a oneof member such as "int64_val" or "bool_list"."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown attribute kind {kind!r}; use one of {sorted(ALL_KINDS)}")
    attr = AttributeProto(name=name)
    if kind in LIST_KINDS:
        getattr(attr, kind).values.extend(value)
    else:
        setattr(attr, kind, value)
    return attr


def set_attr(msg, name: str, kind: str, value: Any) -> None:
    """Set attribute `name` on a Node/GlobalMetadata (replacing an existing one in place)."""
    new = make_attr(name, kind, value)
    for attr in msg.attr:
        if attr.name == name:
            attr.CopyFrom(new)
            return
    msg.attr.append(new)


def bool_attr(name: str, value: bool) -> AttributeProto:
    """A bool_val attribute (is_cpu_op)."""
    return make_attr(name, "bool_val", bool(value))


def int64_attr(name: str, value: int) -> AttributeProto:
    """An int64_val attribute (comm_type, comm_size, num_ops)."""
    return make_attr(name, "int64_val", int(value))


def int32_attr(name: str, value: int) -> AttributeProto:
    """An int32_val attribute (comm_src, comm_dst, comm_tag, comm_priority)."""
    return make_attr(name, "int32_val", int(value))


def uint64_attr(name: str, value: int) -> AttributeProto:
    """A uint64_val attribute (tensor_size)."""
    return make_attr(name, "uint64_val", int(value))


def string_attr(name: str, value: str) -> AttributeProto:
    """A string_val attribute (pg_name, metadata schema/input_file)."""
    return make_attr(name, "string_val", str(value))
