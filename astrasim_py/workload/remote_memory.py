"""The remote-memory model behind MEM_LOAD / MEM_STORE nodes."""

from __future__ import annotations

from astrasim_py.config.remote_memory import RemoteMemoryConfig
from astrasim_py.errors import InputError


class RemoteMemory:
    """latency + floor(bytes / bw); serialized per node, globally (pool) or not at all (per NPU)."""

    def __init__(self, cfg: RemoteMemoryConfig) -> None:
        self.cfg = cfg
        self._busy_until: dict[int, int] = {}

    def service_ns(self, size: int) -> int:
        """Time one request takes once it is served."""
        return int(self.cfg.remote_mem_latency + int(size / self.cfg.remote_mem_bw))

    def request(self, rank: int, size: int, now: int) -> int:
        """Delay from now until a request issued by `rank` completes."""
        mtype = self.cfg.memory_type
        if mtype == "NO_MEMORY_EXPANSION":
            raise InputError("the workload has a MEM_LOAD/MEM_STORE node but remote memory is "
                             "NO_MEMORY_EXPANSION", file=self.cfg.source or None, field="memory-type",
                             fix="pass --remote-memory-configuration with a memory expansion type")
        service = self.service_ns(size)
        if mtype == "PER_NPU_MEMORY_EXPANSION":
            return service
        server = rank // self.cfg.num_npus_per_node if mtype == "PER_NODE_MEMORY_EXPANSION" else 0
        start = max(now, self._busy_until.get(server, 0))
        self._busy_until[server] = start + service
        return start + service - now
