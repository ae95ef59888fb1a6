"""Reading input files and writing results without tracebacks, hangs or lost work.

Every loader goes through here:
- `check_input_file(path, kind)`: an existing *regular* file (a FIFO would block forever, a
  directory or device is never an input), readable, within a size limit;
- `read_text(path, kind)`: that, decoded as UTF-8 with a clear error;
- `parse_yaml(text, source, kind)`: PyYAML's safe loader with nesting depth and alias
  expansion bounded (an alias bomb is a few lines that expand to billions of nodes);
- `parse_json(text, source, kind)`: JSON with NaN/Infinity and deep nesting refused;
- `make_parent_dir(path)`: an output's folder, created when missing;
- `check_output_file(path, flag)`: before a run, that its result can be written there;
- `write_text_atomic(path, text)`: temp file in the same folder + rename, so a reader never
  sees half a file; on failure the text is kept under the system temp folder and the error
  names that copy.
All raise `InputError` (exit code 2) with the file, the problem and the fix.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import tempfile
from typing import Any

import yaml

from astrasim_py.errors import InputError

MAX_CONFIG_BYTES = 64 << 20  # YAML/JSON inputs: far above any real config, far below the RAM
MAX_YAML_DEPTH = 64  # nesting levels; real configs use < 6
MAX_YAML_NODES = 1_000_000  # nodes after alias expansion
MIN_FREE_BYTES = 1 << 20  # free space a result folder must have before a run starts


def check_input_file(path: str | os.PathLike, kind: str, max_bytes: int | None = MAX_CONFIG_BYTES) -> str:
    """Return path as str if it names a readable regular file within max_bytes; else InputError."""
    text = os.fspath(path) if path else ""
    if not text:
        raise InputError(f"no {kind} file given", file="(none)", fix=f"pass an existing {kind} file")
    try:
        info = os.stat(text)
    except FileNotFoundError:
        raise InputError(f"{kind} file not found", file=text, fix=f"pass an existing {kind} file") from None
    except OSError as exc:
        raise InputError(f"cannot read {kind} file: {exc.strerror}", file=text,
                         fix="check the path and its permissions") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{kind} is a directory, not a file", file=text, fix=f"pass a {kind} file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{kind} is not a regular file (a FIFO, socket or device)", file=text,
                         fix="pass a regular file; pipes and devices are not read")
    if not os.access(text, os.R_OK):
        raise InputError(f"{kind} file is not readable", file=text, fix="check its permissions")
    if max_bytes is not None and info.st_size > max_bytes:
        raise InputError(f"{kind} file is {info.st_size} bytes, above the {max_bytes}-byte limit",
                         file=text, fix="pass the intended file (configs are a few KB)")
    return text


def decode_utf8(data: bytes, source: str, kind: str) -> str:
    """Decode bytes as UTF-8 (a BOM is dropped); InputError naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{kind} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                         file=source, fix="save the file as UTF-8 text (is it a binary file?)") from None


def read_text(path: str | os.PathLike, kind: str, max_bytes: int | None = MAX_CONFIG_BYTES) -> str:
    """Read a regular UTF-8 text file; every failure is an InputError."""
    name = check_input_file(path, kind, max_bytes)
    try:
        with open(name, "rb") as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {kind} file: {exc.strerror}", file=name,
                         fix="check the path and its permissions") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(f"{kind} file is above the {max_bytes}-byte limit", file=name,
                         fix="pass the intended file (configs are a few KB)")
    if b"\x00" in data:
        raise InputError(f"{kind} contains NUL bytes (a binary file?)", file=name,
                         fix="pass a text (YAML/JSON) file")
    # universal newlines, as open(..., "r") gives: converters keep text offsets and names exact
    return decode_utf8(data, name, kind).replace("\r\n", "\n").replace("\r", "\n")


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses deep nesting while composing (before any recursion limit)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML's hook
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooDeep(f"nesting deeper than {MAX_YAML_DEPTH} levels at line {mark.line + 1}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _TooDeep(Exception):
    pass


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Nodes in the tree with every alias expanded, stopping early past limit."""
    memo: dict[int, int] = {}
    open_nodes: set[int] = set()
    # iterative post-order: aliases share node objects, so memoising by id is exact
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in memo and not done:
            continue
        if not done:
            if key in open_nodes:  # an alias inside its own anchor: infinite when expanded
                return limit + 1
            open_nodes.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in memo)
            continue
        total = 1 + sum(memo.get(id(c), limit + 1) for c in children)
        memo[key] = min(total, limit + 1)
        open_nodes.discard(key)
    return memo[id(root)]


def parse_yaml(text: str, source: str, kind: str) -> Any:
    """Parse YAML safely: bounded depth and alias expansion; InputError with the line on failure."""
    try:
        loader = _BoundedLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            if _expanded_size(node, MAX_YAML_NODES) > MAX_YAML_NODES:
                raise InputError(f"{kind} expands to more than {MAX_YAML_NODES} YAML nodes (aliases)",
                                 file=source, fix="write the values out; anchors/aliases may not multiply the file")
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except _TooDeep as exc:
        raise InputError(f"cannot parse {kind}: {exc}", file=source, fix="flatten the YAML") from None
    except yaml.YAMLError as exc:
        raise InputError(f"cannot parse {kind}: not valid YAML: {_yaml_problem(exc)}", file=source,
                         fix="write valid YAML") from None
    except RecursionError:
        raise InputError(f"cannot parse {kind}: nested too deeply", file=source, fix="flatten the YAML") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())[:200]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str, source: str, kind: str) -> Any:
    """Parse JSON; NaN/Infinity and deep nesting are InputErrors, as is any syntax error."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"cannot parse {kind}: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                         file=source, fix="write valid JSON") from None
    except ValueError as exc:
        raise InputError(f"cannot parse {kind}: {exc}", file=source, fix="write a finite number") from None
    except RecursionError:
        raise InputError(f"cannot parse {kind}: nested too deeply", file=source, fix="flatten the JSON") from None


def load_structured(path: str | os.PathLike, kind: str) -> Any:
    """Read a YAML or JSON file (by its .json suffix) safely; an empty file is None.

    The file is read every time; a text parsed before in this process (a sweep worker loads the
    same system and network files for every point) is not parsed again: a copy of that
    document is returned.
    """
    name = os.fspath(path)
    text = read_text(name, kind)
    if not text.strip():
        return None
    is_json = name.endswith(".json")
    key = (is_json, text)
    if key in _PARSED:
        return copy.deepcopy(_PARSED[key])
    doc = parse_json(text, name, kind) if is_json else parse_yaml(text, name, kind)
    if len(text) <= _PARSED_MAX_CHARS:
        if len(_PARSED) >= _PARSED_MAX_ENTRIES:
            del _PARSED[next(iter(_PARSED))]  # the oldest
        _PARSED[key] = copy.deepcopy(doc)  # the caller may edit its own copy
    return doc


# Parsed documents of small input texts, by (JSON?, text): a few configs, reused across runs.
_PARSED: dict[tuple[bool, str], Any] = {}
_PARSED_MAX_ENTRIES = 32
_PARSED_MAX_CHARS = 256 << 10


# ---------------------------------------------------------------------------- outputs
def check_output_file(path: str | os.PathLike, flag: str) -> str:
    """Before a run: the result can be written at path (folder creatable and writable, space left)."""
    name = os.fspath(path)
    if not name:
        raise InputError("empty output path", field=flag, fix="give a file name")
    if os.path.isdir(name):
        raise InputError(f"{name} is a directory", field=flag, fix="give a file name inside it")
    if os.path.lexists(name) and not os.path.isfile(name):
        raise InputError(f"{name} exists and is not a regular file", field=flag,
                         fix="give a regular file path (results are written by temp file + rename)")
    folder = os.path.dirname(os.path.abspath(name))
    probe = folder
    while not os.path.exists(probe):  # the first existing ancestor must be a writable folder
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise InputError(f"{probe} is a file, so the folder {folder} cannot be made", field=flag,
                         fix="choose an output path under a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"folder {probe} is not writable", field=flag, fix="choose a writable folder")
    if os.path.isfile(name) and not os.access(name, os.W_OK):
        raise InputError(f"{name} is not writable", field=flag, fix="choose a writable file")
    free = shutil.disk_usage(probe).free
    if free < MIN_FREE_BYTES:
        raise InputError(f"only {free} bytes free under {probe}", field=flag,
                         fix=f"free at least {MIN_FREE_BYTES} bytes or write elsewhere")
    return name


def write_text_atomic(path: str | os.PathLike, text: str, flag: str = "output") -> None:
    """Write text to path via a temp file and rename; on failure keep a copy and say where."""
    name = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(name))
    tmp = None
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(name)}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, name)
        tmp = None
    except OSError as exc:
        kept = _keep_copy(text, os.path.basename(name) or "result")
        where = f"a copy is kept at {kept}" if kept else "no copy could be kept either"
        raise InputError(f"cannot write {name}: {exc.strerror or exc}; {where}", field=flag,
                         fix="free space or choose a writable path, then copy the kept file") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _keep_copy(text: str, base: str) -> str | None:
    try:
        fd, kept = tempfile.mkstemp(prefix="astrasim_py_", suffix=f"_{base}")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return kept
    except OSError:
        return None


def check_image_output(path: str | os.PathLike, flag: str) -> str:
    """check_output_file, plus a file suffix matplotlib can write (png, svg, pdf, ...)."""
    name = check_output_file(path, flag)
    suffix = os.path.splitext(name)[1].lstrip(".").lower()
    from matplotlib.figure import Figure

    supported = sorted(Figure().canvas.get_supported_filetypes())
    if suffix not in supported:
        raise InputError(f"cannot draw a '.{suffix}' file" if suffix else "the file name has no suffix",
                         file=name, field=flag, fix=f"use one of .{', .'.join(supported)}")
    return name


def make_parent_dir(path: str | os.PathLike, flag: str = "output") -> None:
    """Create an output file's folder if it is missing (one-line error when that is impossible)."""
    parent = os.path.dirname(os.fspath(path))
    if parent and not os.path.isdir(parent):
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the output directory: {exc.strerror}", file=parent,
                             field=flag, fix="choose a writable location") from None
