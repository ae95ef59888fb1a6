"""Read and write Chakra ET files: varint length-delimited protobuf records, optional gzip."""

from __future__ import annotations

import gzip
import os
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from google.protobuf.message import DecodeError

from astrasim_py.chakra.schema import GlobalMetadata, Node
from astrasim_py.errors import InputError
from astrasim_py.safe_io import check_input_file

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_MAX_PREFIX_BYTES = 5  # readers accept 32-bit lengths; ASTRA-sim's feeder gives up after 5 bytes


class NodeSequence(Sequence):
    """Read-only, compact view of a file's Node records: the raw bytes plus record offsets.

    Each access parses a fresh Node (about a microsecond), so a million-node trace costs
    roughly its file size in memory instead of a Python object per node. Modifying a
    returned Node does not change the sequence; build a list for editing.
    """

    __slots__ = ("_data", "_starts", "_ends")

    def __init__(self, data: bytes, starts: array, ends: array) -> None:
        self._data = data
        self._starts = starts
        self._ends = ends

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Node.FromString(self._data[self._starts[index]:self._ends[index]])

    def __iter__(self) -> Iterator[Node]:
        data, from_string = self._data, Node.FromString
        for start, end in zip(self._starts, self._ends):
            yield from_string(data[start:end])

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return NotImplemented if not isinstance(other, Sequence) else False
        return all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"NodeSequence({len(self)} nodes)"

    def payload(self, index: int) -> bytes:
        """The serialized bytes of record `index` exactly as stored in the file."""
        return self._data[self._starts[index]:self._ends[index]]


@dataclass
class EtTrace:
    """One rank file: its path, the GlobalMetadata record and the Node records in file order.

    `nodes` is any sequence of Node: a NodeSequence when read from a file, or a list.
    """

    path: str
    metadata: GlobalMetadata
    nodes: Sequence = field(default_factory=list)

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


def _open_stream(path: str, kind: str = "Chakra trace",
                 missing_fix: str = "check the path; rank files are named <prefix>.<rank>.et",
                 directory: tuple[str, str] | None = None) -> BinaryIO:
    """Open a trace file, transparently decompressing gzip (magic 1f 8b).

    directory: (message, fix) reported for a directory instead of the file check's own error.
    """
    if os.path.exists(path) and not (directory and os.path.isdir(path)):
        check_input_file(path, kind, max_bytes=None)  # a FIFO would block forever
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise InputError("file not found", file=path, fix=missing_fix) from None
    except OSError as exc:
        if directory and isinstance(exc, IsADirectoryError):
            raise InputError(directory[0], file=path, fix=directory[1]) from None
        raise InputError(f"cannot open: {exc.strerror}", file=path) from None
    if raw.peek(2)[:2] == GZIP_MAGIC:
        raw.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return raw


def iter_records(source: str | os.PathLike | BinaryIO, *, name: str | None = None) -> Iterator[bytes]:
    """Yield the raw payload of every length-delimited record (a `00` record yields b"").

    A path is opened with gzip detection; an already open binary stream is read as it is.
    """
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
    except (OSError, EOFError, zlib.error) as exc:
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
        if len(buf) - pos < _MAX_PREFIX_BYTES and not eof:
            continue  # refill first so that a prefix is never split across chunks
        try:
            length, pos = _decode_prefix(buf, pos, label, record)
        except InputError as exc:
            raise InputError(exc.detail.replace(f"at byte {pos}", f"at byte {offset + pos}"),
                             file=label, fix=exc.fix) from None
        start = pos
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


def _read_all(label: str) -> bytes:
    stream = _open_stream(label)
    try:
        return stream.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"corrupt compressed stream: {exc}", file=label,
                         fix="re-create the trace or decompress it") from None
    finally:
        stream.close()


def _scan(data: bytes, label: str) -> tuple[array, array]:
    """Start and end offsets of every record's payload in data."""
    starts, ends = array("Q"), array("Q")
    add_start, add_end = starts.append, ends.append
    pos, size = 0, len(data)
    record = 0
    while pos < size:
        byte = data[pos]
        if byte < 0x80:  # the common one-byte prefix
            start = pos + 1
            end = start + byte
        else:
            length, start = _decode_prefix(data, pos, label, record)
            end = start + length
        if end > size:
            raise InputError(f"record {record} at byte {pos}: needs {end - start} bytes but only "
                             f"{size - start} remain", file=label,
                             fix="the file is cut short or is not a Chakra ET file")
        add_start(start)
        add_end(end)
        pos = end
        record += 1
    return starts, ends


def _decode_prefix(data: bytes, pos: int, label: str, record: int) -> tuple[int, int]:
    """Decode a multi-byte varint length at pos; returns (length, payload start)."""
    length = shift = 0
    start = pos
    while True:
        if pos >= len(data):
            raise InputError(f"record {record} at byte {start}: truncated length prefix",
                             file=label, fix="the file is cut short; re-create it")
        byte = data[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            return length, pos
        shift += 7
        if pos - start >= _MAX_PREFIX_BYTES:
            raise InputError(f"record {record} at byte {start}: length prefix longer than "
                             f"{_MAX_PREFIX_BYTES} bytes", file=label,
                             fix="this is not a Chakra ET file (varint length-delimited protobuf)")


def read_et(path: str | os.PathLike) -> EtTrace:
    """Read a rank file (every record is parsed once here, so corrupt input fails now)."""
    label = os.fspath(path)
    data = _read_all(label)
    starts, ends = _scan(data, label)
    if not starts:
        raise InputError("empty file: no GlobalMetadata record", file=label,
                         fix="a Chakra ET file starts with a GlobalMetadata record")
    metadata = _parse(GlobalMetadata, data[starts[0]:ends[0]], label, "record 0 (GlobalMetadata)")
    node_starts, node_ends = starts[1:], ends[1:]
    del starts, ends
    parse = Node.FromString
    index = 0
    try:
        for index, (start, end) in enumerate(zip(node_starts, node_ends), 1):
            parse(data[start:end])
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise InputError(f"record {index} (Node) is not a valid protobuf message ({exc})",
                         file=label, fix="this is not a Chakra ET (v0.0.4 schema) file") from None
    return EtTrace(path=label, metadata=metadata, nodes=NodeSequence(data, node_starts, node_ends))


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
