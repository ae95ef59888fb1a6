"""Kineto (torch.profiler Chrome trace) events reduced to what linking needs, with per-thread timing.

Durations and timestamps stay float microseconds, computed in the same order of operations as
the real chakra_trace_link so the merged file's numbers agree to the last bit.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from astrasim_py.chakra.pytorch.reader import read_kineto
from astrasim_py.errors import InputError

CPU_CATEGORIES = ("cpu_op", "user_annotation")
LAUNCH_CATEGORIES = ("cuda_runtime", "cuda_driver")
LAUNCH_NAMES = frozenset({
    "cuLaunchKernel", "cuLaunchKernelEx", "cudaLaunchKernel", "cudaLaunchKernelExC",
    "cudaMemcpy", "cudaMemcpyAsync", "cudaMemcpyFromSymbol", "cudaMemcpyToSymbol",
    "cudaLaunchCooperativeKernel",
    "hipLaunchKernel", "hipExtLaunchKernel", "hipExtModuleLaunchKernel", "hipModuleLaunchKernel",
    "hipMemcpyWithStream", "hipMemcpyAsync",
})
GPU_CATEGORIES = ("kernel", "gpu_memcpy")
INTER_THREAD_GAP_US = 1000


@dataclass(slots=True)
class CpuOp:
    """A Kineto cpu_op / user_annotation event."""

    name: str
    cat: str
    tid: object
    ts: float
    dur: float
    rf_id: int | None
    ext_id: object
    exclusive_dur: float = 0.0
    inter_thread_rf: int | None = None


@dataclass(slots=True)
class GpuOp:
    """A Kineto kernel / gpu_memcpy event."""

    name: str
    cat: str
    ph: object
    ts: float
    dur: float
    correlation: object
    ext_id: object
    stream: object
    pg_name: str | None
    tid: object = None


@dataclass
class KinetoTrace:
    """CPU ops (ProfilerStep excluded) sorted by ts, launch ops by correlation, GPU ops."""

    path: str
    info: dict
    cpu_ops: list[CpuOp] = field(default_factory=list)
    launches: dict = field(default_factory=dict)
    gpu_ops: list[GpuOp] = field(default_factory=list)
    any_rf_id: bool = False

    def by_rf_id(self) -> dict[int, CpuOp]:
        """rf_id -> op (a later duplicate wins, as in the real linker)."""
        return {op.rf_id: op for op in self.cpu_ops if op.rf_id is not None}


def _num(value, default=0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def load_kineto(path: str) -> KinetoTrace:
    """Read a Kineto trace and compute exclusive durations and inter-thread links."""
    info, events = read_kineto(path)
    trace = KinetoTrace(path=path, info=info)
    raw_cpu: list[CpuOp] = []
    launches_raw: list[tuple[float, dict]] = []
    count = 0
    for ev in events:
        count += 1
        if not isinstance(ev, dict):
            continue
        cat = ev.get("cat")
        args = ev.get("args") if isinstance(ev.get("args"), dict) else {}
        if cat in CPU_CATEGORIES:
            name = str(ev.get("name", ""))
            rf = args.get("Record function id")
            if rf is not None:
                trace.any_rf_id = True
            if "ProfilerStep" in name:
                continue
            raw_cpu.append(CpuOp(name=name, cat=cat, tid=ev.get("tid"), ts=_num(ev.get("ts")),
                                 dur=_num(ev.get("dur")), rf_id=int(rf) if rf is not None else None,
                                 ext_id=args.get("External id")))
        elif cat in LAUNCH_CATEGORIES and ev.get("name") in LAUNCH_NAMES:
            launches_raw.append((_num(ev.get("ts")), ev))
        elif cat in GPU_CATEGORIES:
            trace.gpu_ops.append(GpuOp(
                name=str(ev.get("name", "")), cat=cat, ph=ev.get("ph"), ts=_num(ev.get("ts")),
                dur=_num(ev.get("dur")), correlation=args.get("correlation"),
                ext_id=args.get("External id"), stream=args.get("stream"),
                pg_name=args.get("Process Group Name")))
    if count == 0:
        raise InputError("no traceEvents", file=path, field="traceEvents",
                         fix="pass the Kineto trace (torch.profiler export_chrome_trace output)")
    raw_cpu.sort(key=lambda op: op.ts)  # stable: ties keep file order, like the real tool
    trace.cpu_ops = raw_cpu
    for _ts, ev in sorted(launches_raw, key=lambda item: item[0]):
        corr = (ev.get("args") or {}).get("correlation")
        if corr in trace.launches:
            raise InputError(f"two launch events share correlation id {corr}", file=path,
                             field="traceEvents", fix="the Kineto trace is corrupt; re-record it")
        trace.launches[corr] = ev
    trace.gpu_ops.sort(key=lambda op: op.ts)
    _exclusive_durations(trace.cpu_ops, path)
    _inter_thread_links(trace.cpu_ops)
    return trace


def _by_tid(ops: list[CpuOp]) -> dict[object, list[CpuOp]]:
    groups: dict[object, list[CpuOp]] = {}
    for op in ops:
        groups.setdefault(op.tid, []).append(op)
    return groups


def _exclusive_durations(ops: list[CpuOp], path: str) -> None:
    """Per thread: dur minus the union of the intervals of ops nested inside (µs)."""
    for thread_ops in _by_tid(ops).values():
        ordered = sorted(thread_ops, key=lambda op: (op.ts, op.dur))
        count = len(ordered)
        for i, op in enumerate(ordered):
            end = op.ts + op.dur
            regions: list[tuple[float, float]] = []
            for j in range(i + 1, count):
                child = ordered[j]
                child_end = child.ts + child.dur
                if child.ts >= op.ts and child_end <= end:
                    regions.append((child.ts, child_end))
                if end < child.ts:
                    break
            exclusive = op.dur
            for start, stop in _merge(regions):
                exclusive -= stop - start
            if exclusive < 0:
                raise InputError(f"op {op.name!r} (ts {op.ts}) has a negative exclusive duration",
                                 file=path, field="traceEvents",
                                 fix="the Kineto trace has overlapping events on one thread; re-record it")
            op.exclusive_dur = exclusive


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if not intervals:
        return []
    intervals.sort(key=lambda iv: iv[0])
    merged = [intervals[0]]
    for start, stop in intervals:
        prev_start, prev_stop = merged[-1]
        if start <= prev_stop:
            merged[-1] = (prev_start, max(prev_stop, stop))
        else:
            merged.append((start, stop))
    return merged


def _inter_thread_links(ops: list[CpuOp]) -> None:
    """After each >1000 µs gap on a thread, link to the latest op begun on another thread."""
    groups = _by_tid(ops)
    tid_rank = {tid: i for i, tid in enumerate(groups)}
    starts = [op.ts for op in ops]  # ops is sorted by ts
    for tid, thread_ops in groups.items():
        ordered = sorted(thread_ops, key=lambda op: op.ts)
        link: int | None = None
        for i, op in enumerate(ordered):
            if i == 0 or op.ts - ordered[i - 1].ts - ordered[i - 1].dur > INTER_THREAD_GAP_US:
                link = _latest_before(ops, starts, tid, op.ts, tid_rank)
            if link:
                op.inter_thread_rf = link


def _latest_before(ops, starts, exclude_tid, ts, tid_rank) -> int | None:
    """rf_id of the latest-starting op on another thread with 0 < start < ts (first thread wins ties)."""
    index = bisect.bisect_left(starts, ts) - 1
    best = None
    best_ts = None
    while index >= 0:
        op = ops[index]
        if best_ts is not None and op.ts < best_ts:
            break
        if op.tid != exclude_tid and op.ts > 0:
            if best is None or tid_rank[op.tid] <= tid_rank[best.tid]:
                best, best_ts = op, op.ts
        index -= 1
    return best.rf_id if best is not None else None
