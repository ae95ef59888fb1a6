"""The communicator-group JSON: {"<id>": [ranks...]} with ids > 0."""

from __future__ import annotations

from astrasim_py.config._load import is_int, read_mapping
from astrasim_py.errors import InputError


def parse_comm_groups(data: dict, num_npus: int, source: str = "") -> dict[int, list[int]]:
    """Validate groups: integer ids > 0, member ranks unique and inside 0..num_npus-1."""
    groups: dict[int, list[int]] = {}
    for key, members in data.items():
        try:
            gid = int(str(key))
        except ValueError:
            gid = 0
        if gid <= 0:
            raise InputError(f"group id {key!r} must be an integer > 0", file=source, field=str(key),
                             fix='name groups "1", "2", ...')
        if not isinstance(members, list) or not members or not all(is_int(m) for m in members):
            raise InputError("must be a non-empty list of ranks", file=source, field=str(key),
                             fix="e.g. [0, 1, 2, 3]")
        ranks = sorted(int(m) for m in members)
        if len(set(ranks)) != len(ranks):
            raise InputError("lists a rank twice", file=source, field=str(key), fix="list each rank once")
        if ranks[0] < 0 or ranks[-1] >= num_npus:
            raise InputError(f"rank out of range 0..{num_npus - 1}", file=source, field=str(key),
                             fix="use ranks of the simulated topology")
        groups[gid] = ranks
    return groups


def load_comm_groups(path: str | None, num_npus: int) -> dict[int, list[int]]:
    """Read a comm-group JSON; None or 'empty' gives no groups."""
    if not path or path == "empty":
        return {}
    return parse_comm_groups(read_mapping(path, "comm group configuration"), num_npus, source=path)


def write_comm_groups(path: str, groups: dict[int, list[int]]) -> None:
    """Write a comm-group JSON ({"<id>": [ranks]}, ids ascending) atomically."""
    import json

    from astrasim_py.safe_io import write_text_atomic

    text = json.dumps({str(gid): sorted(int(r) for r in ranks) for gid, ranks in sorted(groups.items())})
    write_text_atomic(path, text + "\n", flag="comm group output")
