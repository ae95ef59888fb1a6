"""The ns-3 packet-level fabric as a NetworkBackend (RoCEv2 today; IB shares the same fabric)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from astrasim_py.errors import InputError, SimulationError
from astrasim_py.network.api import Callback, NetworkBackend, noop
from astrasim_py.config.checks import LIMITS, MAX_NS
from astrasim_py.network.ns3.attr_check import check_attributes, set_attribute
from astrasim_py.network.ns3.config import FabricConfig, describe_topology, frame_bytes
from astrasim_py.network.ns3.fabric_checks import fabric_warnings
from astrasim_py.network.ns3.loader import bridge_class

class Ns3Backend(NetworkBackend):
    """Drives the C++ fabric through cppyy; Python runs only per message and per system event."""

    name = "ns3"

    def __init__(self, config: FabricConfig, seed: int = 1, source: str = "<network config>") -> None:
        super().__init__()
        started = time.perf_counter()
        self.config = config
        self._source = source
        self._bridge = bridge_class()()
        self._configure(config, seed)
        self._error: BaseException | None = None
        # The declared register_tick and step_unchecked, bound straight to the bridge: the
        # system layer's calls then cross into C++ without a Python frame of this class.
        self.register_tick = self._bridge.Register  # type: ignore[method-assign]
        self.step_unchecked = self._bridge.SendAndPostRecv  # type: ignore[method-assign]
        self.run_seconds = 0.0  # inside the event loop (C++ and the callbacks)
        self.flow_done_ns: dict[int, float] = {}
        self._bridge.SetHandler(self._on_event)
        self.startup_seconds = time.perf_counter() - started

    # ------------------------------------------------------------------ set-up
    def _configure(self, cfg: FabricConfig, seed: int) -> None:
        b = self._bridge
        err = str(b.SelectPolicies(cfg.flow_control.type_id, cfg.congestion_control.type_id))
        if err:
            raise InputError(err, file=self._source, field="fabric", fix="use a known policy type")
        for target, _, params, where in cfg.targets():
            described = json.loads(str(b.DescribeAttributes(target)))
            attributes = described.get("attributes", {})
            # the config holds typed values already; this names a value set on a FabricConfig by hand
            params = check_attributes(attributes, params, type_name=described.get("type", target),
                                      source=self._source, where=where)
            for name, value in params.items():
                err = set_attribute(b, target, name, value)
                if err:
                    hint = (f"`astrasim-py preset show NAME` lists every attribute of a preset using "
                            f"{getattr(cfg, target).kind}"
                            if target in ("flow_control", "congestion_control")
                            else f"see the attribute list of {target} in ns3_backend/DESIGN.md")
                    raise InputError(err, file=self._source, field=f"{where}.{name}", fix=hint)
        topo = cfg.topology
        if not 0 <= int(seed) <= LIMITS.max_seed:  # RngStream aborts on a seed >= 4294967087
            raise InputError(f"seed {seed} is out of range", field="--seed", fix=f"give a seed of 0..{LIMITS.max_seed}")
        b.Build(topo.num_hosts, topo.num_switches, bool(topo.hosts_forward), int(seed) & 0xFFFFFFFF)
        for link in topo.links:
            b.AddLink(link.a, link.b, float(link.rate_gbps), int(round(link.latency_ns)))
        err = str(b.Finalize())
        if err:
            raise InputError(err, file=self._source, field="fabric.topology", fix="connect every host")
        for node, port in cfg.pcap_ports:
            Path(cfg.pcap_dir).mkdir(parents=True, exist_ok=True)
            err = str(b.EnablePcap(node, port, str(Path(cfg.pcap_dir) / f"node{node}_port{port}.pcap")))
            if err:
                raise InputError(err, file=self._source, field="fabric.telemetry.pcap_ports",
                                 fix="name an existing (node, port); ports are numbered per node in link order")
        if cfg.mapped_from_analytical:
            print(f"[ns3] ASTRA-sim dimensions mapped to {describe_topology(topo)}", file=sys.stderr)
        self.warnings = fabric_warnings(cfg)
        for line in self.warnings:
            print(f"[ns3] warning: {line}", file=sys.stderr)

    def set_progress(self, enabled: bool) -> None:
        """Progress lines on stderr for long runs (enable_progress's defaults) when enabled."""
        if enabled:
            self.enable_progress()

    def enable_progress(self, every_s: float = 2.0, after_s: float = 3.0, bound_ns: int = 0) -> None:
        """A progress line on stderr (simulated time, events/s, ETA if bound_ns is known) for runs
        longer than after_s of wall clock; printed from C++, so no Python runs per packet."""
        enable = getattr(self._bridge, "EnableProgress", None)
        if enable is None:  # a fabric library built before the meter existed: run without it
            return
        enable(float(every_s), float(after_s), int(bound_ns))

    # ------------------------------------------------------------------ NetworkBackend
    def now(self) -> int:
        """Current simulated time in integer ns (truncated from picoseconds)."""
        return int(self._bridge.NowNs())

    def schedule(self, delay_ns: int, fn: Callback) -> None:
        """Run fn at now + delay_ns (FIFO among equal times)."""
        if delay_ns < 0:
            raise SimulationError(f"cannot schedule {delay_ns} ns in the past")
        if delay_ns > MAX_NS - self.now():
            raise InputError(f"an event {delay_ns} ns ahead ends beyond 2^63-1 ns (64-bit nanoseconds)",
                             field="duration", fix="check the inputs for a huge duration or size, or a tiny rate")
        self._bridge.Schedule(int(delay_ns), fn)  # the bridge holds fn and hands it back when due

    def send(self, src: int, dst: int, size: int, tag: int, on_done: Callback) -> None:
        """Queue size bytes on QP (src, dst, tag); on_done fires when the last byte arrives.

        The bridge matches messages with receives by ASTRA-sim's rules (network/matching.py's), in C++:
        a delivery then costs Python only the handlers it runs."""
        try:
            self._bridge.SendMatched(src, dst, size, tag, None if on_done is noop else on_done)
        except Exception as exc:  # not plain ints, or the fabric refused (no route): say why
            self._check_endpoints(src, dst)
            raise SimulationError(f"ns-3 fabric: send {src}->{dst} of {size!r} B, tag {tag!r}: {exc}") from None

    def recv(self, dst: int, src: int, size: int, tag: int, on_done: Callback) -> None:
        """Post a receive (ASTRA-sim matching on (tag, src, dst, size))."""
        try:
            self._bridge.PostRecv(dst, src, size, tag, on_done)
        except Exception as exc:
            raise SimulationError(f"ns-3 fabric: recv {src}->{dst} of {size!r} B, tag {tag!r}: {exc}") from None

    def register_tick(self, rank: int, delay_ns: int, fn: Callback) -> None:
        """ASTRA-sim's per-NPU event map, kept by the bridge in C++ (one fabric event per NPU and
        tick, no Python in between); __init__ binds this name to the bridge call itself."""
        self._bridge.Register(rank, delay_ns, fn)

    def tick_map(self, rank: int) -> None:
        """None: the tick map lives in the bridge (use register_tick)."""
        return None

    def step_unchecked(self, npu: int, dst: int, src: int, size: int, tag: int, on_recv: Callback) -> None:
        """send(npu, dst, size, tag, noop) then recv(npu, src, size, tag, on_recv) in one bridge
        call (bound to it by __init__)."""
        self._bridge.SendAndPostRecv(npu, dst, src, size, tag, on_recv)

    def unmatched(self) -> tuple[int, int]:
        """(receives still waiting, arrivals never received), from the bridge's matching."""
        return (int(self._bridge.PendingReceives()), int(self._bridge.PendingArrivals()))

    def run(self) -> None:
        """Run the fabric until no event is left; SimulationError if progress stops."""
        started = time.perf_counter()
        reason = str(self._bridge.Run())
        self.run_seconds += time.perf_counter() - started
        if reason.startswith("interrupted"):  # SIGINT/SIGTERM stopped the loop (the bridge's handler)
            self._error = None
            raise KeyboardInterrupt(reason)
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        if reason:
            raise SimulationError(f"ns-3 fabric: {reason}{self._stall_hint(reason)}")

    def telemetry(self) -> dict[str, Any]:
        """Fabric counters, per port and per link, plus the policy parameters in force."""
        data = json.loads(str(self._bridge.Telemetry()))
        plots = None
        if self.config.time_series_interval_ns:
            data["time_series"] = self.time_series()
            if self.config.plot_dir:
                from astrasim_py.network.ns3.plots import safe_plot_time_series

                plots = safe_plot_time_series(data["time_series"], self.config.plot_dir,
                                              self.config.transport, self.warnings)
        data["config"] = self.describe()
        data["wall"] = {"startup_s": round(self.startup_seconds, 6), "event_loop_s": round(self.run_seconds, 6),
                        "python_callbacks_s": round(self.python_seconds, 6),
                        "python_callbacks": self.python_callbacks,
                        "fabric_in_callbacks_s": round(self.fabric_seconds_in_callbacks, 6)}
        if plots is not None:
            data["plots"] = plots
        return data

    def close(self) -> None:
        """Destroy the ns-3 simulator so another fabric can run in this process."""
        if self._bridge is not None:
            self._bridge.Destroy()

    @property
    def python_seconds(self) -> float:
        """Wall seconds in Python completion callbacks, less the fabric work they started (the bridge times both)."""
        return float(self._bridge.HandlerSeconds()) - self.fabric_seconds_in_callbacks

    @property
    def fabric_seconds_in_callbacks(self) -> float:
        """Wall seconds of C++ fabric work (send, schedule, matching) done inside Python callbacks."""
        return float(self._bridge.FabricSecondsInHandler())

    @property
    def python_callbacks(self) -> int:
        """How many completion callbacks the fabric made into Python."""
        return int(self._bridge.HandlerCalls())

    @property
    def matcher(self) -> "_BridgeMatching":
        """ASTRA-sim send/recv matching state (the runner reports its pending counts)."""
        return _BridgeMatching(self)

    # ------------------------------------------------------------------ direct traffic (tests, studies)
    def flow(self, src: int, dst: int, size: int, stream: int = 0) -> int:
        """Start a message now without system-layer matching; completion time lands in flow_done_ns."""
        return self._send(src, dst, size, stream)

    def describe(self) -> dict[str, Any]:
        """Transport, preset, effective policy attributes and the physical topology."""
        b = self._bridge

        def attrs(target: str) -> dict[str, Any]:
            doc = json.loads(str(b.DescribeAttributes(target)))  # typed values, read back from C++
            return {"type": doc["type"], "attributes": {k: v["value"] for k, v in doc["attributes"].items()}}

        topo = self.config.topology
        return {"transport": self.config.transport, "preset": self.config.preset,
                "flow_control": {"name": self.config.flow_control.kind, **attrs("flow_control")},
                "congestion_control": {"name": self.config.congestion_control.kind, **attrs("congestion_control")},
                "transport_attributes": attrs("network")["attributes"],
                "switch_attributes": attrs("switch")["attributes"],
                "topology": {"name": topo.name, "summary": describe_topology(topo),
                             "mapped_from_astrasim_dims": self.config.mapped_from_analytical},
                **({"ib_buffer_sizing": self.config.buffer_sizing} if self.config.buffer_sizing else {}),
                "warnings": self.warnings}

    def time_series(self) -> dict[str, Any]:
        """Sampled queue depth per port, pause state per port and QP rates."""
        return json.loads(str(self._bridge.TimeSeries()))

    def event_count(self) -> int:
        """Events executed by the ns-3 scheduler so far."""
        return int(self._bridge.EventCount())

    # ------------------------------------------------------------------ internals
    def _stall_hint(self, reason: str) -> str:
        """Name a configured cause of a stall the watchdog saw (a buffer below one frame)."""
        if not reason.startswith("no progress"):
            return ""
        buffer = self.config.switch_params.get("BufferBytes")
        frame = frame_bytes(self.config)
        if buffer is not None and 0 <= buffer < frame and self.config.topology.num_switches:
            return (f"; the switch buffer of {buffer} bytes cannot hold one {frame}-byte frame "
                    f"(fix: raise fabric.switch_buffer_bytes to at least {frame})")
        return ""


    def _check_endpoints(self, src: int, dst: int) -> None:
        n = self.config.topology.num_hosts
        if not (0 <= src < n and 0 <= dst < n) or src == dst:
            raise SimulationError(f"send {src}->{dst}: endpoints must be two different hosts in 0..{n - 1}")

    def _send(self, src: int, dst: int, size: int, stream: int) -> int:
        self._check_endpoints(src, dst)
        try:
            return int(self._bridge.Send(src, dst, int(size), int(stream) & 0xFFFFFFFF))
        except Exception as exc:  # cppyy re-raises C++ exceptions as Python ones
            raise SimulationError(f"ns-3 fabric: {exc}") from None

    def _on_event(self, kind: int, ref: Any) -> None:
        # The bridge calls scheduled callables and message handlers itself; this handler gets
        # the rest: kind 1 = the flow() with id `ref` was delivered, kind 2 = a callable raised `ref`.
        try:
            if kind == 1:
                self.flow_done_ns[ref] = float(self._bridge.NowExactNs())
            elif self._error is None:
                self._error = ref if isinstance(ref, BaseException) else SimulationError(f"callback failed: {ref!r}")
        except BaseException as exc:  # surface after Run() returns; never unwind through C++
            if self._error is None:
                self._error = exc
        if self._error is not None:
            self._bridge.Abort()


class _BridgeMatching:
    """The pending counts of the matching the bridge does (MessageMatcher.pending's shape)."""

    def __init__(self, backend: Ns3Backend) -> None:
        self._backend = backend

    def pending(self) -> tuple[int, int]:
        """(receives still waiting, arrivals never received): both 0 after a clean run."""
        return self._backend.unmatched()
