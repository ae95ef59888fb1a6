"""Which PyTorch ops are communication, of what kind and size, with which peer and group.

Two sources: NCCL GPU kernels in a merged trace (what the real converter uses), and host-side
backend ops (`nccl:*`, `gloo:*`, `record_param_comms`) for host-only or CPU/gloo traces, where the
real converter sees only compute.
"""

from __future__ import annotations

from astrasim_py.chakra.schema import CollectiveCommType, NodeType

# Kernel-name keywords of the real converter, tried in this order on the normalised name.
KERNEL_COMM_TYPES = (("allreduce", CollectiveCommType.ALL_REDUCE),
                     ("alltoall", CollectiveCommType.ALL_TO_ALL),
                     ("allgather", CollectiveCommType.ALL_GATHER),
                     ("reducescatter", CollectiveCommType.REDUCE_SCATTER),
                     ("broadcast", CollectiveCommType.BROADCAST))

# Host op suffix (after "nccl:" / "gloo:", or record_param_comms' collective name) -> Chakra kind.
# ASTRA-sim simulates only these; reduce/gather/scatter/barrier stay compute.
_HOST_KINDS = (
    ("all_reduce", (NodeType.COMM_COLL_NODE, CollectiveCommType.ALL_REDUCE)),
    ("allreduce", (NodeType.COMM_COLL_NODE, CollectiveCommType.ALL_REDUCE)),
    ("reduce_scatter", (NodeType.COMM_COLL_NODE, CollectiveCommType.REDUCE_SCATTER)),
    ("reducescatter", (NodeType.COMM_COLL_NODE, CollectiveCommType.REDUCE_SCATTER)),
    ("all_gather", (NodeType.COMM_COLL_NODE, CollectiveCommType.ALL_GATHER)),
    ("allgather", (NodeType.COMM_COLL_NODE, CollectiveCommType.ALL_GATHER)),
    ("all_to_all", (NodeType.COMM_COLL_NODE, CollectiveCommType.ALL_TO_ALL)),
    ("alltoall", (NodeType.COMM_COLL_NODE, CollectiveCommType.ALL_TO_ALL)),
    ("broadcast", (NodeType.COMM_COLL_NODE, CollectiveCommType.BROADCAST)),
    ("send", (NodeType.COMM_SEND_NODE, None)),
    ("recv", (NodeType.COMM_RECV_NODE, None)),
)
_NOT_SIMULATED = ("reduce", "gather", "scatter", "barrier", "wait", "coalesced")


def kernel_comm_type(name: str) -> int | None:
    """comm_type from an NCCL kernel name as the real converter infers it (None if unknown)."""
    normal = name.replace("_", "").replace("-", "").lower()
    for key, value in KERNEL_COMM_TYPES:
        if key in normal:
            return value
    if "ncclDevKernel_SendRecv" in name:
        return CollectiveCommType.ALL_TO_ALL
    return None


def is_backend_op(name: str) -> bool:
    """nccl:* / gloo:* ops: the backend's own record of one collective or p2p."""
    return name.startswith(("nccl:", "gloo:")) and name != "nccl:coalesced"


def host_comm_kind(name: str) -> tuple[int, int | None] | None:
    """(node type, comm_type) for a backend op name or a collective name, None if not simulated."""
    suffix = name.split(":", 1)[1] if ":" in name else name
    suffix = suffix.strip().lower()
    for prefix in ("_", "c10d::"):
        suffix = suffix.removeprefix(prefix)
    for key, kind in _HOST_KINDS:
        if suffix == key or suffix.startswith(key + "_") or suffix.startswith(key + "base"):
            return kind
    return None


def is_unsimulated_comm(name: str) -> bool:
    """A backend op that ASTRA-sim cannot simulate (reduce, gather, scatter, barrier)."""
    suffix = name.split(":", 1)[1].lower() if ":" in name else name.lower()
    return any(suffix.startswith(word) for word in _NOT_SIMULATED)


def tensor_bytes(inputs: dict) -> int:
    """Sum of numel x itemsize over Tensor inputs (the real converter's comm_size)."""
    total = 0
    values = inputs.get("values") or []
    types = inputs.get("types") or []
    for value, kind in zip(values, types):
        if not isinstance(kind, str) or "Tensor" not in kind:
            continue
        items = value if kind.startswith("GenericList[Tensor") else [value]
        for tensor in items:
            if isinstance(tensor, list) and len(tensor) >= 5:
                numel, itemsize = tensor[3], tensor[4]
                if isinstance(numel, int) and isinstance(itemsize, int):
                    total += numel * itemsize
    return total


def collective_name_input(inputs: dict) -> str | None:
    """The collective-name string input of a record_param_comms op (e.g. "allreduce")."""
    values = inputs.get("values") or []
    types = inputs.get("types") or []
    for value, kind in zip(values, types):
        if kind == "String" and isinstance(value, str) and value and not value.startswith("["):
            return value
    return None


def pg_name_input(node: dict) -> str | None:
    """The process-group name of a record_param_comms op: attr pg_name, or the (name, desc) tuple."""
    for attr in node.get("attrs") or ():
        if isinstance(attr, dict) and attr.get("name") == "pg_name" and attr.get("value") not in (None, ""):
            return str(attr.get("value"))
    inputs = node.get("inputs") or {}
    for value, kind in zip(inputs.get("values") or [], inputs.get("types") or []):
        if isinstance(kind, str) and kind.startswith("Tuple[String") and isinstance(value, list) and value:
            return str(value[0])
    return None


def p2p_peer_tag(node: dict) -> tuple[int | None, int]:
    """(peer group rank, tag) from a c10d::send / c10d::recv_ op: inputs 3 and 4."""
    inputs = node.get("inputs") or {}
    values = inputs.get("values") or []
    types = inputs.get("types") or []
    peer = values[2] if len(values) > 2 and len(types) > 2 and types[2] == "Int" else None
    tag = values[3] if len(values) > 3 and len(types) > 3 and types[3] == "Int" else 0
    return (int(peer) if isinstance(peer, int) else None), (int(tag) if isinstance(tag, int) else 0)
