"""Which PyTorch execution-trace schemas we read, and the one-line error for the others."""

from __future__ import annotations

from astrasim_py.errors import InputError

# What the real converter parses (1.1.1 is what torch >= 2.5 writes; 2.14.1 measured).
UPSTREAM_SCHEMAS = ("1.0.2-chakra.0.0.4", "1.0.3-chakra.0.0.4", "1.1.0-chakra.0.0.4",
                    "1.1.1-chakra.0.0.4")
# Same node layout (ctrl_deps, {values, shapes, types}, attrs); 1.0.4 adds PT2 attrs only.
READABLE_PREFIXES = ("1.0.2", "1.0.3", "1.0.4", "1.1.0", "1.1.1")


def check_schema(schema: object, file: str) -> str:
    """Return the schema string if its node layout is one we parse, else raise a one-line error."""
    text = str(schema) if schema is not None else ""
    version = text.split("-", 1)[0]
    if version in READABLE_PREFIXES:
        return text
    if version == "1.0.1":
        raise InputError("execution-trace schema 1.0.1 (the old flat layout with parent/input_shapes "
                         "keys) is not supported", file=file, field="schema",
                         fix="record the trace with torch >= 2.2 (schema 1.0.2 or later)")
    raise InputError(f"unknown execution-trace schema {text or '<missing>'!r}", file=file,
                     field="schema", fix="supported schemas are 1.0.2 to 1.1.1 "
                     "(torch.profiler.ExecutionTraceObserver output)")
