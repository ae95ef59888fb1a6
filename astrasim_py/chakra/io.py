"""Read and write Chakra ET files: varint length-delimited protobuf records, optional gzip."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from google.protobuf.message import DecodeError

from astrasim_py.chakra.schema import GlobalMetadata, Node
from astrasim_py.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_MAX_PREFIX_BYTES = 5  # readers accept 32-bit lengths; ASTRA-sim's feeder gives up after 5 bytes


@dataclass
class EtTrace:
    """One rank file: its path, the GlobalMetadata record and the Node records in file order."""

    path: str
    metadata: GlobalMetadata
    nodes: list = field(default_factory=list)

    def by_id(self) -> dict[int, Node]:
        """Nodes keyed by id (a later duplicate replaces an earlier one, as both feeders do)."""
        return {n.id: n for n in self.nodes}


def encode_varint(value: int) -> bytes:
    """Protobuf base-128 varint of a non-negative integer."""
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _open_stream(path: str) -> BinaryIO:
    """Open a trace file, transparently decompressing gzip (magic 1f 8b)."""
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise InputError("file not found", file=path,
                         fix="check the path; rank files are named <prefix>.<rank>.et") from None
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=path) from None
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def iter_records(source: str | os.PathLike | BinaryIO, *, name: str | None = None) -> Iterator[bytes]:
    """Yield the raw payload of every length-delimited record (a `00` record yields b"")."""
    if isinstance(source, (str, os.PathLike)):
        label = name or os.fspath(source)
        stream = _open_stream(os.fspath(source))
        close = True
    else:
        label = name or getattr(source, "name", "<stream>")
        stream = source
        close = False
    try:
        yield from _iter_stream(stream, str(label))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"corrupt compressed stream: {exc}", file=str(label),
                         fix="re-create the trace or decompress it") from None
    finally:
        if close:
            stream.close()


def _iter_stream(stream: BinaryIO, label: str) -> Iterator[bytes]:
    buf = b""
    pos = 0
    offset = 0  # file offset of buf[0], for error messages
    eof = False
    record = 0
    while True:
        if len(buf) - pos < 16 and not eof:
            more = stream.read(_CHUNK)
            if not more:
                eof = True
            offset += pos
            buf = buf[pos:] + more
            pos = 0
        if pos >= len(buf):
            return
        # decode the length prefix
        length = 0
        shift = 0
        start = pos
        while True:
            if pos >= len(buf):
                raise InputError(f"record {record} at byte {offset + start}: truncated length prefix",
                                 file=label, fix="the file is cut short; re-create it")
            byte = buf[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
            if pos - start >= _MAX_PREFIX_BYTES:
                raise InputError(f"record {record} at byte {offset + start}: length prefix longer than "
                                 f"{_MAX_PREFIX_BYTES} bytes", file=label,
                                 fix="this is not a Chakra ET file (varint length-delimited protobuf)")
        end = pos + length
        while end > len(buf) and not eof:
            more = stream.read(max(_CHUNK, end - len(buf)))
            if not more:
                eof = True
                break
            offset += pos
            buf = buf[pos:] + more
            end -= pos
            pos = 0
        if end > len(buf):
            raise InputError(f"record {record} at byte {offset + start}: needs {length} bytes but only "
                             f"{len(buf) - pos} remain", file=label,
                             fix="the file is cut short or is not a Chakra ET file")
        yield buf[pos:end]
        pos = end
        record += 1


def _parse(cls, payload: bytes, label: str, what: str):
    msg = cls()
    try:
        msg.ParseFromString(payload)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise InputError(f"{what} is not a valid protobuf message ({exc})", file=label,
                         fix="this is not a Chakra ET (v0.0.4 schema) file") from None
    return msg


def iter_nodes(path: str | os.PathLike) -> Iterator[tuple[GlobalMetadata, Node]]:
    """Stream (metadata, node) pairs with bounded memory; the metadata object repeats."""
    label = os.fspath(path)
    records = iter_records(label)
    first = next(records, None)
    if first is None:
        raise InputError("empty file: no GlobalMetadata record", file=label,
                         fix="a Chakra ET file starts with a GlobalMetadata record")
    metadata = _parse(GlobalMetadata, first, label, "record 0 (GlobalMetadata)")
    for index, payload in enumerate(records, 1):
        yield metadata, _parse(Node, payload, label, f"record {index} (Node)")


def read_et(path: str | os.PathLike) -> EtTrace:
    """Read a whole rank file into an EtTrace (structure only; see validate.validate_trace)."""
    label = os.fspath(path)
    records = iter_records(label)
    first = next(records, None)
    if first is None:
        raise InputError("empty file: no GlobalMetadata record", file=label,
                         fix="a Chakra ET file starts with a GlobalMetadata record")
    metadata = _parse(GlobalMetadata, first, label, "record 0 (GlobalMetadata)")
    nodes = []
    append = nodes.append
    for index, payload in enumerate(records, 1):
        node = Node()
        try:
            node.ParseFromString(payload)
        except (DecodeError, RuntimeError, ValueError) as exc:
            raise InputError(f"record {index} (Node) is not a valid protobuf message ({exc})",
                             file=label, fix="this is not a Chakra ET (v0.0.4 schema) file") from None
        append(node)
    return EtTrace(path=label, metadata=metadata, nodes=nodes)


def encode_et(metadata: GlobalMetadata, nodes: Iterable[Node]) -> bytes:
    """The exact bytes of a rank file (what the real tools write for the same messages)."""
    parts = []
    for msg in (metadata, *nodes):
        payload = msg.SerializeToString(deterministic=True)
        parts.append(encode_varint(len(payload)))
        parts.append(payload)
    return b"".join(parts)


def write_et(path: str | os.PathLike, metadata: GlobalMetadata, nodes: Iterable[Node]) -> None:
    """Write one rank file (gzip when the name ends in .gz; ASTRA-sim needs uncompressed)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError("output directory does not exist", file=str(target.parent),
                         fix="create the directory first")
    opener = gzip.open if target.suffix == ".gz" else open
    with opener(target, "wb") as out:
        for msg in (metadata, *nodes):
            payload = msg.SerializeToString(deterministic=True)
            out.write(encode_varint(len(payload)))
            out.write(payload)
