"""Reader for the reference ns-3 topology text format (`N S L` / switch ids / links).

```
<total_nodes> <switch_count> <link_count>
<switch id> ...                              (may be empty when there are no switches)
<src> <dst> <rate> <delay> <error_rate>      (one line per full-duplex link)
```
Rates are ns-3 DataRate strings (`400Gbps`), delays ns-3 Time strings (`0.0005ms`). Node ids are
remapped so hosts come first in their original order, then switches in id order;
`Topology.source_node_ids[i]` keeps the original id of node i.
"""

from __future__ import annotations

import re
from pathlib import Path

from astrasim_py.errors import InputError
from astrasim_py.safe_io import read_text
from astrasim_py.topology.model import Link, Topology

_RATE_UNITS = {"bps": 1e-9, "kbps": 1e-6, "mbps": 1e-3, "gbps": 1.0, "tbps": 1e3,
               "b/s": 1e-9, "kb/s": 1e-6, "mb/s": 1e-3, "gb/s": 1.0, "tb/s": 1e3}
_TIME_UNITS = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0, "ps": 1e-3, "min": 60e9}
_NUMBER_UNIT = re.compile(r"^([0-9.eE+-]+)\s*([A-Za-z/]*)$")


def parse_rate_gbps(text: str) -> float:
    """ns-3 DataRate string to Gbps ('400Gbps' -> 400.0); a bare number is bit/s."""
    m = _NUMBER_UNIT.match(text.strip())
    unit = (m.group(2).lower() if m else "") or "bps"
    if not m or unit not in _RATE_UNITS:
        raise ValueError(f"unknown data rate '{text}'")
    return float(m.group(1)) * _RATE_UNITS[unit]


def parse_time_ns(text: str) -> float:
    """ns-3 Time string to ns ('0.0005ms' -> 500.0); a bare number is seconds."""
    m = _NUMBER_UNIT.match(text.strip())
    unit = (m.group(2).lower() if m else "") or "s"
    if not m or unit not in _TIME_UNITS:
        raise ValueError(f"unknown time '{text}'")
    return float(m.group(1)) * _TIME_UNITS[unit]


def read_ns3_topology(path: str | Path, name: str | None = None) -> Topology:
    """Read an ns-3 reference topology file into a validated Topology (hosts renumbered first)."""
    path = Path(path)
    where = str(path)
    lines = read_text(path, "ns-3 topology").splitlines()
    return parse_ns3_topology(lines, name=name or path.stem, where=where)


def parse_ns3_topology(lines: list[str], name: str, where: str) -> Topology:
    """Parse the text lines of an ns-3 topology file."""
    if not lines or len(lines[0].split()) != 3:
        raise InputError("first line must be '<nodes> <switches> <links>'", file=where,
                         field="line 1", fix="start the file with three integers")
    try:
        total, nsw, nlinks = (int(x) for x in lines[0].split())
    except ValueError:
        raise InputError(f"first line '{lines[0].strip()}' is not three integers", file=where,
                         field="line 1", fix="start the file with '<nodes> <switches> <links>'") from None
    switch_line = lines[1].split() if len(lines) > 1 else []
    try:
        switch_ids = [int(x) for x in switch_line]
    except ValueError:
        raise InputError("switch id line holds a non-integer", file=where, field="line 2",
                         fix="list switch ids as integers") from None
    if len(switch_ids) != nsw:
        raise InputError(f"{len(switch_ids)} switch ids listed but header says {nsw}", file=where,
                         field="line 2", fix="list exactly <switches> ids on line 2")
    for sid in switch_ids:
        if not 0 <= sid < total:
            raise InputError(f"switch id {sid} out of range 0..{total - 1}", file=where,
                             field="line 2", fix="switch ids must be node ids")
    if len(set(switch_ids)) != len(switch_ids):
        raise InputError("a switch id is listed twice", file=where, field="line 2",
                         fix="list each switch once")
    switch_set = set(switch_ids)
    hosts = [i for i in range(total) if i not in switch_set]
    order = hosts + sorted(switch_ids)
    new_id = {old: new for new, old in enumerate(order)}
    body = [(i + 3, ln) for i, ln in enumerate(lines[2:]) if ln.strip()]
    if len(body) != nlinks:
        raise InputError(f"{len(body)} link lines but header says {nlinks}", file=where,
                         field="line 1", fix="make the link count match the link lines")
    links = []
    for lineno, text in body:
        fields = text.split()
        fld = f"line {lineno}"
        if len(fields) < 4:
            raise InputError(f"link line '{text.strip()}' needs 'src dst rate delay [error]'",
                             file=where, field=fld, fix="write src dst rate delay error_rate")
        try:
            a, b = int(fields[0]), int(fields[1])
            gbps = parse_rate_gbps(fields[2])
            ns = parse_time_ns(fields[3])
            err = float(fields[4]) if len(fields) > 4 else 0.0
        except ValueError as exc:
            raise InputError(f"bad link line '{text.strip()}' ({exc})", file=where, field=fld,
                             fix="use e.g. '0 8 400Gbps 0.0005ms 0'") from None
        for end in (a, b):
            if end not in new_id:
                raise InputError(f"node id {end} out of range 0..{total - 1}", file=where,
                                 field=fld, fix="use node ids below the header's node count")
        links.append(Link(new_id[a], new_id[b], gbps, int(round(ns)), err))
    topo = Topology(name=name, num_hosts=len(hosts), num_switches=nsw, links=links,
                    description=f"ns-3 reference topology file {Path(where).name}",
                    hosts_forward=False, source_node_ids=order, source=where,
                    facts={"builder": "ns3_text", "remapped": order != list(range(total))})
    return topo.validate()
