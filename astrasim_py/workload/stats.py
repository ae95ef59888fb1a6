"""Per-rank statistics as ASTRA-sim prints them (union of node intervals per kind)."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("GPU", "CPU", "Comm", "Remote mem", "Invalid")


def union_length(intervals: list[tuple[int, int]]) -> int:
    """Total length covered by a set of [start, end) intervals."""
    total = 0
    end_so_far = None
    start_so_far = 0
    for start, end in sorted(intervals):
        if end_so_far is None or start > end_so_far:
            if end_so_far is not None:
                total += end_so_far - start_so_far
            start_so_far, end_so_far = start, end
        elif end > end_so_far:
            end_so_far = end
    if end_so_far is not None:
        total += end_so_far - start_so_far
    return total


@dataclass
class RankStats:
    """Node intervals of one rank by kind, plus roofline counters."""

    intervals: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    wall: int = 0
    roofline_nodes: int = 0
    compute_bound: int = 0
    compute_util: float = 0.0
    memory_util: float = 0.0
    intensity: float = 0.0

    def add(self, kind: str, start: int, end: int) -> None:
        """Record one finished node."""
        self.intervals[kind].append((start, end))
        if end > self.wall:
            self.wall = end

    def times(self) -> dict[str, int]:
        """Union time per kind present."""
        return {k: union_length(v) for k, v in self.intervals.items() if v}

    def lines(self, rank: int) -> list[str]:
        """ASTRA-sim's statistics lines; none when a CPU/remote-mem/invalid node ran (upstream bug)."""
        times = self.times()
        if any(k in times for k in ("CPU", "Remote mem", "Invalid")):
            return []  # upstream's overlap step throws here and the lines are lost
        out = [f"[statistics] [info] sys[{rank}], Wall time: {self.wall}"]
        for kind in KINDS:
            if kind in times:
                out.append(f"[statistics] [info] sys[{rank}], {kind} time: {times[kind]}")
        overlap = times.get("GPU", 0) + times.get("Comm", 0) - self.wall
        if overlap > 0:
            out.append(f"[statistics] [info] sys[{rank}], Total compute-communication overlap: {overlap}")
        if self.roofline_nodes:
            n = self.roofline_nodes
            out.append(f"[statistics] [info] sys[{rank}], Compute bound percentage: "
                       f"{100.0 * self.compute_bound / n:.2f}%")
            out.append(f"[statistics] [info] sys[{rank}], Average compute utilization: "
                       f"{100.0 * self.compute_util / n:.2f}%")
            out.append(f"[statistics] [info] sys[{rank}], Average memory utilization: "
                       f"{100.0 * self.memory_util / n:.2f}%")
            out.append(f"[statistics] [info] sys[{rank}], Average operation intensity: {self.intensity / n:.2f}")
        return out
