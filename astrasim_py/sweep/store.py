"""Results of a sweep on disk: one JSON per point (the source of truth) and a CSV table built from them.

Crash safety: a point's JSON is written to a temp file, fsynced and renamed into place, so it is either
whole or absent. The CSV has one writer; each row is flushed and fsynced as its point finishes. A kill can
tear only the last CSV line; at every start the table is rebuilt from the JSON files, which repairs it.
A sweep worker renames first and fsyncs on a background thread (BackgroundSync), so its next point
does not wait for the disk: a killed process loses nothing (the kernel has the data), and after a
power loss a record not yet synced reads as unreadable, which counts as absent (the point reruns).
"""

from __future__ import annotations

import csv
import io
import json
import os
import queue
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable

from astrasim_py.sweep.counters import COUNTER_COLUMNS, counter_columns

STATUS_OK = "ok"
POINTS_DIR = "points"
TRACES_DIR = "traces"
TABLE_NAME = "results.csv"
FIXED_COLUMNS = ("point_id", "index", "status")
OUTPUT_COLUMNS = ("backend", "max_finish_ns", "max_exposed_comm_ns", "sim_time_ns", *COUNTER_COLUMNS,
                  "wall_s", "error")


class BackgroundSync:
    """fsyncs renamed files and their folders on a thread; close() waits for every pending one."""

    def __init__(self) -> None:
        self._pending: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="record-fsync", daemon=True)
        self._thread.start()

    def submit(self, path: Path) -> None:
        """Make path (already renamed into place) and its directory entry durable soon."""
        self._pending.put(path)

    def _run(self) -> None:
        while True:
            path = self._pending.get()
            if path is None:
                return
            # a file replaced or removed meanwhile is skipped: the newer writer syncs its own
            if _fsync_path(path):
                _fsync_dir(path.parent)

    def close(self) -> None:
        """Wait until everything submitted is synced, then stop the thread."""
        self._pending.put(None)
        self._thread.join()


def write_json_atomic(path: Path, doc: Any, sync: BackgroundSync | None = None) -> None:
    """Write JSON so that readers see the old file or the whole new one, never a part.

    sync: fsync on that thread after the rename instead of before it (see the module docstring).
    """
    # dumps + one write: json.dump writes each of the record's thousands of tokens separately.
    text = json.dumps(doc, indent=1, sort_keys=True, default=str) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            if sync is None:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync is None:
        _fsync_dir(path.parent)
    else:
        sync.submit(path)


def _fsync_path(path: Path) -> bool:
    """fsync a file or folder by name (best effort); False when it cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
    return True


def _fsync_dir(folder: Path) -> None:
    # The rename itself is durable only once the directory entry is synced.
    _fsync_path(folder)


def _scalar_max(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        numbers = [v for v in value if isinstance(v, (int, float))]
        return max(numbers) if numbers else None
    return value if isinstance(value, (int, float)) else None


def table_row(record: dict[str, Any], axis_keys: list[str]) -> dict[str, Any]:
    """The CSV row of a point record: identity, axis values, headline outputs, fabric counters, status and error."""
    result = record.get("result") or {}
    row: dict[str, Any] = {"point_id": record["point_id"], "index": record["index"], "status": record["status"]}
    for key in axis_keys:
        value = record.get("axes", {}).get(key)
        row[key] = json.dumps(value) if isinstance(value, (dict, list)) else value
    row.setdefault("backend", result.get("backend", record.get("request", {}).get("backend")))
    row["max_finish_ns"] = _scalar_max(result.get("finish_ns"))
    row["max_exposed_comm_ns"] = _scalar_max(result.get("exposed_comm_ns"))
    row["sim_time_ns"] = _scalar_max(result.get("sim_time_ns"))
    for key, value in counter_columns(record.get("result")).items():
        row.setdefault(key, value)
    row["wall_s"] = record.get("wall_s")
    row["error"] = record.get("error") or ""
    return row


class ResultStore:
    """The output folder of a sweep: per-point JSON records plus the results table."""

    def __init__(self, out_dir: str | Path, axis_keys: list[str] | None = None,
                 background_sync: bool = False) -> None:
        self.out_dir = Path(out_dir)
        # A sweep worker's records are fsynced on a thread (module docstring); close() waits for them.
        self._sync = BackgroundSync() if background_sync else None
        self.points_dir = self.out_dir / POINTS_DIR
        self.table_path = self.out_dir / TABLE_NAME
        self.axis_keys = list(axis_keys or [])
        # An axis named like an output (e.g. `backend`) is one column, holding the axis value.
        self.columns = [*FIXED_COLUMNS, *self.axis_keys, *(c for c in OUTPUT_COLUMNS if c not in self.axis_keys)]
        self._table: io.TextIOWrapper | None = None
        self._writer: csv.DictWriter | None = None

    def record_path(self, point_id: str) -> Path:
        """Where a point's full result JSON lives."""
        return self.points_dir / f"{point_id}.json"

    def write_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """Store a finished point's record atomically (safe from several processes); return what is stored.

        A failure never replaces a success: the identity covers every input, so the same point failing
        later (a time limit, a crash, a stale task of an interrupted sweep) says nothing new about it.
        """
        if record.get("status") != STATUS_OK:
            existing = self.read_record(record["point_id"])
            if existing is not None and existing.get("status") == STATUS_OK:
                return existing
        write_json_atomic(self.record_path(record["point_id"]), record, self._sync)
        return record

    def read_record(self, point_id: str) -> dict[str, Any] | None:
        """A point's stored record, or None if it has none (or an unreadable one)."""
        try:
            return json.loads(self.record_path(point_id).read_text())
        except (OSError, ValueError):
            return None

    def load_records(self, point_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored records of the given points, by id."""
        records = {}
        for pid in point_ids:
            rec = self.read_record(pid)
            if rec is not None:
                records[pid] = rec
        return records

    def table_is_torn(self) -> bool:
        """True if the table's last line was cut short (a kill during a row write)."""
        try:
            with open(self.table_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                if f.tell() == 0:
                    return False
                f.seek(-1, os.SEEK_END)
                return f.read(1) != b"\n"
        except FileNotFoundError:
            return False

    def rebuild_table(self, records: Iterable[dict[str, Any]]) -> None:
        """Rewrite the table atomically from records (repairs a torn or stale table), then open it for appends."""
        self.close()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        for rec in sorted(records, key=lambda r: r["index"]):
            writer.writerow(table_row(rec, self.axis_keys))
        fd, tmp = tempfile.mkstemp(dir=self.out_dir, prefix=f".{TABLE_NAME}.", suffix=".tmp")
        with os.fdopen(fd, "w", newline="") as f:
            f.write(buf.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.table_path)
        _fsync_dir(self.out_dir)
        self._table = open(self.table_path, "a", newline="")
        self._writer = csv.DictWriter(self._table, fieldnames=self.columns, lineterminator="\n")

    def append_row(self, record: dict[str, Any]) -> None:
        """Append one point's row and make it durable before returning (the single table writer)."""
        if self._table is None or self._writer is None:
            raise RuntimeError("rebuild_table() opens the table before rows are appended")
        self._writer.writerow(table_row(record, self.axis_keys))
        self._table.flush()
        os.fsync(self._table.fileno())

    def close(self) -> None:
        """Close the table file and wait for pending record syncs."""
        if self._table is not None:
            self._table.close()
        self._table = None
        self._writer = None
        if self._sync is not None:
            self._sync.close()
            self._sync = None


def read_table(path: str | Path) -> list[dict[str, str]]:
    """Read a results table, ignoring a torn last line (one without its newline)."""
    text = Path(path).read_text()
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    return list(csv.DictReader(io.StringIO(text)))
