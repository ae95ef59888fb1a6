"""Logical topologies the collective algorithms run on: per-dimension rings and binary trees."""

from __future__ import annotations

from dataclasses import dataclass

CLOCKWISE = 1
ANTICLOCKWISE = -1


class RingView:
    """One NPU's view of a logical ring: n members, its own index, members by index."""

    __slots__ = ("n", "index", "base", "stride", "members", "local")

    def __init__(self, n: int, index: int, base: int = 0, stride: int = 1,
                 members: tuple[int, ...] | None = None, local: bool = False) -> None:
        self.n = n
        self.index = index
        self.base = base
        self.stride = stride
        self.members = members  # explicit list (communicator groups); else base + k * stride
        self.local = local  # communicator-group ring: hard-coded 10 ns hand-off

    def member(self, k: int) -> int:
        """Rank of the member with ring index k (wrapping)."""
        k %= self.n
        if self.members is not None:
            return self.members[k]
        return self.base + k * self.stride


def dimension_ring(rank: int, dim_sizes: list[int], dim: int) -> RingView:
    """The ring of NPUs that differ from `rank` only in dimension `dim` (dim 0 varies fastest)."""
    stride = 1
    for size in dim_sizes[:dim]:
        stride *= size
    n = dim_sizes[dim]
    index = (rank // stride) % n
    return RingView(n, index, base=rank - index * stride, stride=stride)


def group_ring(rank: int, members: list[int]) -> RingView:
    """A 1-D logical ring over a communicator group's sorted members."""
    ordered = tuple(sorted(members))
    return RingView(len(ordered), ordered.index(rank), members=ordered, local=True)


LEAF, INTERMEDIATE, ROOT = "leaf", "intermediate", "root"


@dataclass(frozen=True)
class TreeNode:
    """A rank's place in one binary tree: parent, children (-1 when absent) and kind."""

    parent: int
    left: int
    right: int
    kind: str


def binary_tree(n: int, root_max: bool, ring: RingView) -> dict[int, TreeNode]:
    """ASTRA-sim's in-order-numbered binary tree over a dimension: the root holds one subtree,
    as its left child (root = max id) or its right child (root = min id)."""
    depth = 1
    tmp = n
    while tmp > 1:
        depth += 1
        tmp //= 2
    # Build the shape: node = [left, right]; ids assigned by in-order traversal afterwards.
    def shape(level: int) -> list:
        if level > 1:
            return [shape(level - 1), shape(level - 1)]
        return [None, None]

    root = [shape(depth - 1), None] if root_max else [None, shape(depth - 1)]
    ids: dict[int, int] = {}
    counter = [0]

    def number(node: list) -> None:
        if node[0] is not None:
            number(node[0])
        ids[id(node)] = ring.member(counter[0])
        counter[0] += 1
        if node[1] is not None:
            number(node[1])

    number(root)
    out: dict[int, TreeNode] = {}

    def link(node: list, parent: int) -> None:
        me = ids[id(node)]
        left = ids[id(node[0])] if node[0] is not None else -1
        right = ids[id(node[1])] if node[1] is not None else -1
        if parent < 0:
            kind = ROOT
        elif left < 0 and right < 0:
            kind = LEAF
        else:
            kind = INTERMEDIATE
        out[me] = TreeNode(parent, left, right, kind)
        for child in (node[0], node[1]):
            if child is not None:
                link(child, me)

    link(root, -1)
    return out
