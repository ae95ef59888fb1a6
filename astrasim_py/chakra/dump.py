"""JSON dump in the format of chakra_jsonizer: MessageToJson objects concatenated, no separator."""

from __future__ import annotations

import os
from typing import Iterator

from google.protobuf.json_format import MessageToJson

from astrasim_py.chakra.io import iter_records
from astrasim_py.chakra.schema import GlobalMetadata, Node
from astrasim_py.errors import InputError


def iter_json_objects(path: str | os.PathLike) -> Iterator[str]:
    """One jsonizer-style JSON object per record (2-space indent, lowerCamelCase, enums by name)."""
    label = os.fspath(path)
    for index, payload in enumerate(iter_records(label)):
        msg = GlobalMetadata() if index == 0 else Node()
        try:
            msg.ParseFromString(payload)
        except Exception as exc:  # noqa: BLE001 - any parse failure is bad input here
            raise InputError(f"record {index} is not a valid protobuf message ({exc})", file=label,
                             fix="this is not a Chakra ET file") from None
        yield MessageToJson(msg, indent=2)


def dump_json(path: str | os.PathLike) -> str:
    """The whole jsonizer text of a rank file (not one JSON document: objects are concatenated)."""
    return "".join(iter_json_objects(path))
