"""Result store: atomic point JSON, fsynced table rows, torn-line detection and repair."""

from __future__ import annotations

import json
from pathlib import Path

from astrasim_py.sweep.store import ResultStore, read_table, write_json_atomic


def _record(i: int, status: str = "ok") -> dict:
    return {"point_id": f"p{i}", "index": i, "status": status, "axes": {"seed": i},
            "result": {"finish_ns": [10 * i, 20 * i], "backend": "analytical"} if status == "ok" else None,
            "error": None if status == "ok" else "InputError: bad", "wall_s": 0.5}


def test_rows_carry_axes_outputs_and_errors(tmp_path: Path) -> None:
    store = ResultStore(tmp_path, ["seed"])
    store.rebuild_table([])
    store.append_row(_record(3))
    store.append_row(_record(4, "error"))
    store.close()
    rows = read_table(store.table_path)
    assert [r["point_id"] for r in rows] == ["p3", "p4"]
    assert rows[0]["max_finish_ns"] == "60" and rows[0]["seed"] == "3" and rows[0]["error"] == ""
    assert rows[1]["status"] == "error" and rows[1]["error"] == "InputError: bad"


def test_torn_last_line_is_detected_ignored_and_repaired(tmp_path: Path) -> None:
    store = ResultStore(tmp_path, ["seed"])
    records = [_record(i) for i in range(3)]
    store.rebuild_table(records[:2])
    store.close()
    with open(store.table_path, "a") as f:
        f.write("p2,2,ok,2,analyt")  # a row cut short by a kill
    assert store.table_is_torn()
    assert [r["point_id"] for r in read_table(store.table_path)] == ["p0", "p1"]
    store.rebuild_table(records)
    store.close()
    assert not store.table_is_torn()
    assert [r["point_id"] for r in read_table(store.table_path)] == ["p0", "p1", "p2"]


def test_atomic_json_leaves_no_temp_files(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    store.write_record(_record(1))
    store.write_record({**_record(1), "wall_s": 9.0})
    assert json.loads(store.record_path("p1").read_text())["wall_s"] == 9.0
    assert [p.name for p in store.points_dir.iterdir()] == ["p1.json"]
    write_json_atomic(tmp_path / "x.json", [1, 2])
    assert json.loads((tmp_path / "x.json").read_text()) == [1, 2]
    assert store.read_record("missing") is None
