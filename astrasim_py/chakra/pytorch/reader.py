"""Streaming readers for PyTorch execution traces (host or merged JSON) and Kineto traces.

Nodes and events come one at a time from ijson (C backend), so a multi-GB trace never becomes
one Python object tree. Gzip input is detected by its magic bytes.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import ijson

from astrasim_py.chakra.io import GZIP_MAGIC, _open_stream
from astrasim_py.chakra.pytorch.schema import check_schema
from astrasim_py.errors import InputError

HEADER_KEYS = ("schema", "pid", "time", "start_ts", "finish_ts")
_TAIL_BYTES = 1 << 16


@dataclass
class EtHeader:
    """The top-level scalars of an execution trace, in file order (`nodes` marks where nodes sit)."""

    values: dict[str, Any] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    @property
    def schema(self) -> str:
        """The schema string (e.g. "1.1.1-chakra.0.0.4")."""
        return str(self.values.get("schema", ""))


def open_binary(path: str) -> BinaryIO:
    """Open a file for reading, transparently decompressing gzip; one-line error if missing."""
    return _open_stream(path, "PyTorch trace", "check the path", directory=(
        "is a directory, expected a JSON trace file",
        "pass a file, or use --ranks for a folder of per-rank traces"))


def is_gzip(path: str) -> bool:
    """True when the file starts with the gzip magic bytes."""
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def _json_error(path: str, exc: Exception) -> InputError:
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    first = str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__
    first = "".join(ch if ch.isprintable() else "?" for ch in first)[:80]
    return InputError(f"not valid JSON ({first})", file=path,
                      fix="pass a PyTorch JSON trace (this one is cut short, binary, or another format)")


def _guard(path: str, gen: Iterator) -> Iterator:
    try:
        yield from gen
    except (ijson.JSONError, ijson.IncompleteJSONError) as exc:
        raise _json_error(path, exc) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot read (corrupt compressed stream?): {exc}", file=path,
                         fix="re-create or decompress the file") from None


def read_header(path: str) -> EtHeader:
    """The top-level scalar keys of an execution trace, without building its node list."""
    header = EtHeader()
    with open_binary(path) as stream:
        depth = 0
        key = None
        for prefix, event, value in _guard(path, ijson.parse(stream, use_float=True)):
            if event in ("start_map", "start_array"):
                if depth == 1 and key is not None:
                    header.order.append(key)
                    if key == "nodes":
                        break
                depth += 1
                continue
            if event in ("end_map", "end_array"):
                depth -= 1
                continue
            if depth == 1 and event == "map_key":
                key = value
                continue
            if depth == 1 and key is not None:
                header.values[key] = value
                header.order.append(key)
                key = None
            elif depth == 0:
                raise InputError("the top level is not a JSON object", file=path,
                                 fix="pass a PyTorch execution trace (a JSON object with 'nodes')")
    if "nodes" not in header.order:
        raise InputError("no 'nodes' list", file=path, field="nodes",
                         fix="pass a PyTorch execution trace (ExecutionTraceObserver output)")
    for key, value in _keys_after_nodes(path).items():
        header.values[key] = value
        header.order.append(key)
    return header


def _keys_after_nodes(path: str) -> dict[str, Any]:
    """Scalars written after the node list (torch puts finish_ts there)."""
    if not is_gzip(path):
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            f.seek(max(0, size - _TAIL_BYTES))
            tail = f.read().decode("utf-8", errors="replace")
        end = tail.rfind("]")
        if end >= 0:
            found = dict(re.findall(r'"(\w+)"\s*:\s*(-?\d+|"[^"]*")', tail[end:]))
            return {k: (int(v) if not v.startswith('"') else v[1:-1]) for k, v in found.items()}
    # A gzip stream cannot be read from its end: one more (C-speed) pass finds the key.
    out: dict[str, Any] = {}
    with open_binary(path) as stream:
        for value in _guard(path, ijson.items(stream, "finish_ts", use_float=True)):
            out["finish_ts"] = value
    return out


def iter_et_nodes(path: str, progress: Callable[[int], None] | None = None) -> Iterator[dict]:
    """Yield every node dict of an execution trace in file order (bounded memory)."""
    with open_binary(path) as stream:
        raw = getattr(stream, "fileobj", None) or stream
        last = 0
        for index, node in enumerate(_guard(path, ijson.items(stream, "nodes.item", use_float=True))):
            if not isinstance(node, dict) or "id" not in node:
                raise InputError(f"node #{index} is not an object with an 'id'", file=path,
                                 field="nodes", fix="pass a PyTorch execution trace")
            if progress is not None and index % 4096 == 0:
                pos = raw.tell()
                progress(pos - last)
                last = pos
            yield node
        if progress is not None:
            progress(raw.tell() - last)


def read_et_header_checked(path: str) -> EtHeader:
    """read_header plus the schema check (schemas 1.0.2 .. 1.1.1)."""
    header = read_header(path)
    check_schema(header.values.get("schema"), path)
    return header


def read_kineto(path: str) -> tuple[dict, Iterator[dict]]:
    """(distributedInfo or {}, iterator over traceEvents) of a Kineto / Chrome trace."""
    info: dict = {}
    with open_binary(path) as stream:
        for value in _guard(path, ijson.items(stream, "distributedInfo", use_float=True)):
            info = value if isinstance(value, dict) else {}
            break

    def events() -> Iterator[dict]:
        with open_binary(path) as stream:
            yield from _guard(path, ijson.items(stream, "traceEvents.item", use_float=True))

    return info, events()
