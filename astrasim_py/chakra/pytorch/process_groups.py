"""Process groups of a PyTorch trace (`process_group:init` nodes) -> ASTRA-sim communicator groups."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from astrasim_py.errors import InputError

WORLD_NAMES = ("", "0")


@dataclass
class ProcessGroups:
    """pg_name -> ranks ([] = every rank) as recorded, plus the ASTRA-sim id given to each sub-group."""

    ranks: dict[str, list[int]] = field(default_factory=dict)
    world_size: int | None = None

    def add_init_node(self, node: dict, file: str) -> None:
        """Read the JSON list in a process_group:init node's first input."""
        values = (node.get("inputs") or {}).get("values") or []
        if not values or not isinstance(values[0], str):
            return
        try:
            groups = json.loads(values[0])
        except json.JSONDecodeError:
            raise InputError(f"node {node.get('id')}: process_group:init input is not JSON", file=file,
                             field="inputs.values", fix="the trace is corrupt; re-record it") from None
        for group in groups if isinstance(groups, list) else []:
            if not isinstance(group, dict) or "pg_name" not in group:
                continue
            name = str(group["pg_name"])
            ranks = [int(r) for r in group.get("ranks") or [] if isinstance(r, int)]
            self.ranks.setdefault(name, ranks)
            if name == "0" and isinstance(group.get("group_size"), int):
                self.world_size = group["group_size"]

    def is_world(self, name: str | None) -> bool:
        """True for the default group (or a group listing every rank)."""
        if name is None or name in WORLD_NAMES:
            return True
        ranks = self.ranks.get(name)
        if ranks is None:
            return False
        return not ranks or (self.world_size is not None and sorted(ranks) == list(range(self.world_size)))

    def astrasim_ids(self) -> dict[str, int]:
        """pg_name -> ASTRA-sim group id (> 0) for every sub-group; integer names keep their value."""
        subs = sorted((n for n in self.ranks if not self.is_world(n)),
                      key=lambda n: (not n.isdigit(), int(n) if n.isdigit() else 0, n))
        if all(n.isdigit() and int(n) > 0 for n in subs):
            return {n: int(n) for n in subs}
        return {n: i for i, n in enumerate(subs, 1)}

    def comm_groups(self) -> dict[int, list[int]]:
        """{ASTRA-sim id: ranks} for the communicator-group file."""
        return {gid: sorted(self.ranks[name]) for name, gid in self.astrasim_ids().items()}
