"""Per-rank workload layer: issue Chakra nodes by dependencies onto the system layer.

Mirrors ASTRA-sim's Workload: ready nodes are scanned in ascending id; a node issues only if its
hardware slot is free (one CPU op, one GPU compute node, one GPU communication node; RECV nodes
bypass the communication slot); every completion rescans the ready set.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Callable

from astrasim_py.chakra.attrs import find_attr, get_attr, get_int_attr
from astrasim_py.chakra.feeder import DependencyFeeder
from astrasim_py.chakra.schema import CollectiveCommType, NodeType
from astrasim_py.config.checks import LIMITS, MAX_NS, check_time_ns
from astrasim_py.errors import InputError
from astrasim_py.system.algorithms import COMM_NAMES
from astrasim_py.system.sys import COLLECTIVE_TAG_OFFSET, Sys
from astrasim_py.workload.remote_memory import RemoteMemory
from astrasim_py.workload.stats import RankStats

SIMULATED = (CollectiveCommType.ALL_REDUCE, CollectiveCommType.ALL_GATHER, CollectiveCommType.ALL_TO_ALL,
             CollectiveCommType.REDUCE_SCATTER)
DEFAULT_INVOLVED = [True, True, True, True]
_WARNED_SINGLE: set[int] = set()  # one warning per single-rank group and process


@dataclass
class WorkloadShared:
    """What all ranks' workloads share: options, the remote memory and groups, the output sink."""

    replay_only: bool
    roofline: bool
    peak_perf_flops: float
    local_mem_bw_bps: float
    scheduling_policy: str
    remote_memory: RemoteMemory
    comm_groups: dict[int, list[int]]
    num_npus: int
    emit: Callable[[str], None]
    collectives: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)  # one per SEND node: src, dst, size, start/end
    # When a list: every finished node as [rank, node id, start_ns, end_ns] (timelines, breakdowns).
    timeline: list | None = None


def _check_bytes(node, size: int, name: str, file: str) -> int:
    """A byte count a run can move: 0..LIMITS.max_bytes (2^63 B would never finish)."""
    if not 0 <= size <= LIMITS.max_bytes:
        raise InputError(f"node {node.id} ({node.name}): {name} is {size} bytes, outside 0..{LIMITS.max_bytes} "
                         "(1 PiB)", file=file, field=name,
                         fix="give a byte count a run can move (its time must fit 64-bit ns)")
    return size


class Workload:
    """One rank's trace replay."""

    def __init__(self, rank: int, trace, sysobj: Sys, shared: WorkloadShared) -> None:
        self.rank = rank
        self.sys = sysobj
        self.shared = shared
        self.file = getattr(trace, "path", None)
        self.feeder = DependencyFeeder(trace.nodes, True, file=self.file)
        self.cpu_busy = False
        self.comp_busy = False
        self.comm_busy = False
        self.gpu_ticks = 0
        self.stats = RankStats()
        self.finished_at: int | None = None
        self._scanning = False
        self._rescan = False
        if len(self.feeder) == 0:
            raise InputError("the rank file has no nodes", file=self.file, fix="every rank needs at least one node")

    # -- issuing -----------------------------------------------------------------------------
    def fire(self) -> None:
        """t = 0: issue everything that is ready."""
        self.issue_ready()
        self._check_done()

    def issue_ready(self) -> None:
        """Scan the ready nodes in ascending id and issue those whose slot is free."""
        if self._scanning:
            self._rescan = True
            return
        self._scanning = True
        try:
            while True:
                self._rescan = False
                for nid in self.feeder.ready_ids():
                    node = self.feeder.node(nid)
                    if self._available(node):
                        try:
                            self.feeder.take(nid)
                        except KeyError:
                            continue
                        self._issue(node)
                if not self._rescan:
                    break
        finally:
            self._scanning = False

    def _is_cpu(self, node) -> bool:
        return bool(get_int_attr(node, "is_cpu_op", 0, file=self.file))

    def _available(self, node) -> bool:
        if self._is_cpu(node):
            return not self.cpu_busy
        if node.type == NodeType.COMP_NODE:
            return not self.comp_busy
        if node.type in (NodeType.COMM_COLL_NODE, NodeType.COMM_SEND_NODE):
            return not self.comm_busy
        return True

    def _occupy(self, node) -> str:
        if self._is_cpu(node):
            self.cpu_busy = True
            return "cpu"
        if node.type == NodeType.COMP_NODE:
            self.comp_busy = True
            return "comp"
        if node.type in (NodeType.COMM_COLL_NODE, NodeType.COMM_SEND_NODE):
            self.comm_busy = True
            return "comm"
        return ""

    def _release(self, slot: str) -> None:
        if slot == "cpu":
            self.cpu_busy = False
        elif slot == "comp":
            self.comp_busy = False
        elif slot == "comm":
            self.comm_busy = False

    def _issue(self, node) -> None:
        now = self.sys.backend.now()
        ntype = node.type
        if self.shared.replay_only:
            slot = self._occupy(node)
            runtime = self._replay_ns(node)
            if ntype == NodeType.COMP_NODE and not self._is_cpu(node):
                self.gpu_ticks += runtime
            self._after(runtime, node, slot, self._kind(node), now)
            return
        if ntype in (NodeType.MEM_LOAD_NODE, NodeType.MEM_STORE_NODE):
            size = _check_bytes(node, get_int_attr(node, "tensor_size", file=self.file), "tensor_size", self.file)
            delay = self.shared.remote_memory.request(self.rank, size, now)
            self._after(delay, node, "", "Remote mem", now)
        elif ntype == NodeType.COMP_NODE or (self._is_cpu(node) and ntype not in
                                            (NodeType.COMM_COLL_NODE, NodeType.COMM_SEND_NODE,
                                             NodeType.COMM_RECV_NODE)):
            self._issue_comp(node, now)
        elif ntype in (NodeType.COMM_COLL_NODE, NodeType.COMM_SEND_NODE, NodeType.COMM_RECV_NODE):
            if self._is_cpu(node):
                raise InputError(f"node {node.id} ({node.name}): is_cpu_op is true on a communication node",
                                 file=self.file, field="is_cpu_op", fix="set is_cpu_op false on COMM nodes")
            self._issue_comm(node, now)
        elif ntype == NodeType.METADATA_NODE:
            self._parse_process_groups(node)
            self._complete(node, "", None, now)
        elif ntype == NodeType.INVALID_NODE:
            self._complete(node, "", "Invalid", now)
        else:
            raise InputError(f"node {node.id}: unknown node type {ntype}", file=self.file, field="type",
                             fix="use a Chakra NodeType")

    def _kind(self, node) -> str:
        if self._is_cpu(node):
            return "CPU"
        if node.type == NodeType.COMP_NODE:
            return "GPU"
        if node.type in (NodeType.COMM_COLL_NODE, NodeType.COMM_SEND_NODE, NodeType.COMM_RECV_NODE):
            return "Comm"
        if node.type in (NodeType.MEM_LOAD_NODE, NodeType.MEM_STORE_NODE):
            return "Remote mem"
        return "Invalid"

    @staticmethod
    def _replay_ns(node) -> int:
        return int(node.duration_micros) * 1000 or 1

    def _issue_comp(self, node, now: int) -> None:
        slot = self._occupy(node)
        gpu = not self._is_cpu(node)
        if self.shared.roofline and gpu:
            num_ops = get_int_attr(node, "num_ops", file=self.file)
            tensor = get_int_attr(node, "tensor_size", file=self.file)
            if num_ops < 0 or tensor < 0:
                bad = "num_ops" if num_ops < 0 else "tensor_size"
                raise InputError(f"node {node.id} ({node.name}): {bad} is negative", file=self.file,
                                 field=bad, fix="give a count >= 0")
            if tensor == 0 or num_ops == 0:  # no bytes or no operations: no roofline time
                self._complete(node, slot, "GPU", now)
                return
            intensity = num_ops / tensor
            memory_perf = self.shared.local_mem_bw_bps * intensity
            peak = self.shared.peak_perf_flops
            perf = min(memory_perf, peak)
            runtime = int(num_ops / perf * 1e9)
            st = self.stats
            st.roofline_nodes += 1
            st.compute_bound += 1 if memory_perf >= peak else 0
            st.compute_util += perf / peak
            st.memory_util += min(1.0, perf / intensity / self.shared.local_mem_bw_bps) if intensity else 0.0
            st.intensity += intensity
        else:
            runtime = self._replay_ns(node)
        if gpu:
            self.gpu_ticks += runtime
        self._after(runtime, node, slot, "GPU" if gpu else "CPU", now)

    def _issue_comm(self, node, now: int) -> None:
        ntype = node.type
        f = self.file
        if ntype == NodeType.COMM_COLL_NODE:
            comm_type = get_int_attr(node, "comm_type", file=f)
            if comm_type == CollectiveCommType.BROADCAST:
                slot = self._occupy(node)
                delay = self._replay_ns(node)
                # Replayed, not simulated; listed so that results show every collective a rank issued.
                self.shared.collectives.append({
                    "rank": self.rank, "node_id": int(node.id), "name": node.name, "collective": "BROADCAST",
                    "size_bytes": get_int_attr(node, "comm_size", 0, file=f), "group": self._group_of(node),
                    "start_ns": now, "end_ns": now + delay, "duration_ns": delay, "replayed": True})
                self._after(delay, node, slot, "Comm", now)
                return
            if comm_type not in SIMULATED:
                raise InputError(f"node {node.id} ({node.name}): unsupported collective comm type {comm_type}",
                                 file=f, field="comm_type",
                                 fix="use ALL_REDUCE(0), ALL_GATHER(2), ALL_TO_ALL(6), REDUCE_SCATTER(7) or BROADCAST(5)")
            size = _check_bytes(node, get_int_attr(node, "comm_size", file=f), "comm_size", f)
            involved = DEFAULT_INVOLVED
            attr = find_attr(node, "involved_dim")
            if attr is not None and attr.WhichOneof("value") is not None:
                if attr.WhichOneof("value") != "bool_list":
                    raise InputError(f"node {node.id}: involved_dim must be a bool_list", file=f,
                                     field="involved_dim", fix="write involved_dim as bool_list")
                involved = [bool(v) for v in attr.bool_list.values]
            group_id = self._group_of(node)
            priority = self.sys.next_priority(self.shared.scheduling_policy,
                                              get_int_attr(node, "comm_priority", 0, file=f))
            slot = self._occupy(node)
            record = {"rank": self.rank, "node_id": int(node.id), "name": node.name,
                      "collective": COMM_NAMES[comm_type], "size_bytes": size, "group": group_id,
                      "start_ns": now}
            self.shared.collectives.append(record)

            def done() -> None:
                end = self.sys.backend.now()
                record["end_ns"] = end
                record["duration_ns"] = end - now
                self._complete(node, slot, "Comm", now)

            self.sys.generate_collective(comm_type, size, involved, group_id, priority, done,
                                         node_id=int(node.id))
            return
        size = _check_bytes(node, get_int_attr(node, "comm_size", file=f), "comm_size", f)
        tag = get_int_attr(node, "comm_tag", file=f) % COLLECTIVE_TAG_OFFSET
        if ntype == NodeType.COMM_SEND_NODE:
            src = get_int_attr(node, "comm_src", self.rank, file=f)
            dst = get_int_attr(node, "comm_dst", file=f)
            if src != self.rank:
                raise InputError(f"node {node.id}: SEND with comm_src {src} is in rank {self.rank}'s file",
                                 file=f, field="comm_src", fix="put a SEND node in the file of its source rank")
            self._check_peer(node, dst, "comm_dst")
            slot = self._occupy(node)
            message = {"src": self.rank, "dst": dst, "size_bytes": size, "tag": tag, "start_ns": now}
            self.shared.messages.append(message)

            def sent() -> None:
                # Issue to completion of the SEND: the message completion time (FCT) studies compare.
                message["end_ns"] = self.sys.backend.now()
                self._complete(node, slot, "Comm", now)

            self.sys.send(dst, size, tag, sent)
        else:
            src = get_int_attr(node, "comm_src", file=f)
            dst = get_int_attr(node, "comm_dst", self.rank, file=f)
            if dst != self.rank:
                raise InputError(f"node {node.id}: RECV with comm_dst {dst} is in rank {self.rank}'s file",
                                 file=f, field="comm_dst", fix="put a RECV node in the file of its destination rank")
            self._check_peer(node, src, "comm_src")
            self.sys.recv(src, size, tag, lambda: self._complete(node, "", "Comm", now))

    def _check_peer(self, node, peer: int, name: str) -> None:
        if not 0 <= peer < self.shared.num_npus or peer == self.rank:
            raise InputError(f"node {node.id}: {name} {peer} is not another rank of 0..{self.shared.num_npus - 1}",
                             file=self.file, field=name, fix="name a different rank of the simulated topology")

    def _group_of(self, node) -> int:
        name = get_attr(node, "pg_name", "", file=self.file)
        if not isinstance(name, str):
            raise InputError(f"node {node.id}: pg_name must be a string", file=self.file, field="pg_name",
                             fix="write pg_name as string_val")
        if name in ("", "0"):
            return 0
        try:
            gid = int(name)
        except ValueError:
            gid = -1
        members = self.shared.comm_groups.get(gid)
        if members is None:
            raise InputError(f"node {node.id}: communicator group {name!r} is not defined", file=self.file,
                             field="pg_name", fix="define it in --comm-group-configuration or a METADATA node")
        if self.rank not in members:
            raise InputError(f"node {node.id}: rank {self.rank} is not in communicator group {name}",
                             file=self.file, field="pg_name", fix="issue the collective only on the group's ranks")
        if len(members) == 1 and gid not in _WARNED_SINGLE:  # legal, but a 0 ns result surprises
            _WARNED_SINGLE.add(gid)
            print(f"WARNING: {self.file}: communicator group {name} has one rank: its collectives "
                  "move no data and finish in 0 ns", file=sys.stderr, flush=True)
        return gid

    def _parse_process_groups(self, node) -> None:
        text = node.inputs.values if node.HasField("inputs") else ""
        if not text:
            return
        try:
            groups = json.loads(text[2:-2])
        except json.JSONDecodeError:
            raise InputError(f"node {node.id}: METADATA inputs.values is not process-group JSON",
                             file=self.file, field="inputs.values",
                             fix="write ['[{\"pg_name\": \"1\", \"ranks\": [...]}]'] as the PyTorch converter does") from None
        for group in groups if isinstance(groups, list) else []:
            try:
                gid = int(group.get("pg_name", "0"))
            except (TypeError, ValueError, AttributeError):
                continue
            ranks = group.get("ranks") or list(range(self.shared.num_npus))
            if not isinstance(ranks, list) or not all(
                    isinstance(r, int) and not isinstance(r, bool) and 0 <= r < self.shared.num_npus for r in ranks):
                raise InputError(f"node {node.id}: process group {gid} lists ranks {ranks!r}", file=self.file,
                                 field="inputs.values", fix=f"list integer ranks of 0..{self.shared.num_npus - 1}")
            if gid > 0:
                self.shared.comm_groups.setdefault(gid, sorted(int(r) for r in ranks))

    # -- completion --------------------------------------------------------------------------
    def _after(self, delay: int, node, slot: str, kind: str, start: int) -> None:
        if delay > MAX_NS - start:  # would end beyond 64-bit ns (a huge duration or a tiny rate)
            check_time_ns(float(start) + float(delay), f"node {node.id} ({node.name})'s end time", self.file)
        self.sys.register(delay, lambda: self._complete(node, slot, kind, start))

    def _complete(self, node, slot: str, kind: str | None, start: int) -> None:
        now = self.sys.backend.now()
        self._release(slot)
        if kind is not None:
            self.stats.add(kind, start, now)
        if self.shared.timeline is not None:
            self.shared.timeline.append([self.rank, int(node.id), start, now])
        self.feeder.finish(node.id)
        self.issue_ready()
        self._check_done()

    def _check_done(self) -> None:
        if self.finished_at is None and self.feeder.all_done():
            now = self.sys.backend.now()
            self.finished_at = now
            emit = self.shared.emit
            emit(f"[workload] [info] sys[{self.rank}] finished, {now} cycles, "
                 f"exposed communication {now - self.gpu_ticks} cycles.")
            for line in self.stats.lines(self.rank):
                emit(line)

    @property
    def exposed_comm(self) -> int:
        """Finish tick minus the issued GPU compute time (overlap not subtracted, as upstream)."""
        return (self.finished_at or 0) - self.gpu_ticks
