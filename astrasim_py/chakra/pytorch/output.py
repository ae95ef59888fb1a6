"""Write a converter output through a per-process temp file renamed into place."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from astrasim_py.errors import InputError


@contextmanager
def atomic_output(output_path: str, mode: str, fix: str) -> Iterator[IO]:
    """Yield the open temp file; rename it to output_path on success, remove it on any failure.

    An OSError (while writing or renaming) becomes a one-line InputError with the given fix.
    """
    tmp = f"{output_path}.tmp{os.getpid()}"
    try:
        with open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as out:
            yield out
        os.replace(tmp, output_path)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=output_path, field="output",
                         fix=fix) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
