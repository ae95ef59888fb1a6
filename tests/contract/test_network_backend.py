"""The NetworkBackend contract, checked on every backend the system layer runs on.

One suite for ASTRA-sim's send/recv matching (key (tag, src, dst, size), the n-th send matches
the n-th receive, keys independent, parked arrivals), the per-rank tick map, negative delays,
callback exceptions, the collective step and telemetry/close. Backends: both analytical models,
an analytical model reached only through NetworkBackend's default methods, and the ns-3 fabric
with RoCE and with InfiniBand. Which path runs (compiled or pure Python) is the session's;
tests/unit/test_compiled_paths.py reruns this suite on the pure path.
"""

from __future__ import annotations

import json

import pytest

from astrasim_py.config.network import parse_network
from astrasim_py.errors import SimulationError
from astrasim_py.network.analytical import AnalyticalAwareBackend, AnalyticalBackend
from astrasim_py.network.api import NetworkBackend
from astrasim_py.network.event_queue import EventQueue, noop
from astrasim_py.network.matching import MessageMatcher

NPUS = 4


class DefaultsOnlyBackend(AnalyticalBackend):
    """The unaware model with its own send/recv and no event queue handed out: the system layer
    then reaches it only through NetworkBackend's default tick map, step and channel."""

    name = "analytical-defaults"

    def send(self, src, dst, size, tag, on_done):
        """The model's send, as a plain override."""
        self.core.send(src, dst, size, tag, on_done)

    def recv(self, dst, src, size, tag, on_done):
        """The model's receive, as a plain override."""
        self.core.recv(dst, src, size, tag, on_done)

    def event_queue(self):
        """None: tick maps use schedule and now."""
        return None


def _analytical(cls):
    def make(request):
        return cls(parse_network({"topology": ["Ring"], "npus_count": [NPUS], "bandwidth": [50.0],
                                  "latency": [500.0]}))
    return make


def _ns3(transport: str):
    def make(request):
        fabric = {"topology": {"builder": "star", "num_hosts": NPUS, "link_gbps": 400, "latency_ns": 500}}
        if transport == "ib":
            fabric.update(transport="ib", preset="ib_credits", mtu_bytes=1024)
        return request.getfixturevalue("make_backend")({"fabric": fabric}, NPUS)
    return make


BACKENDS = [
    pytest.param(_analytical(AnalyticalBackend), id="analytical-unaware"),
    pytest.param(_analytical(AnalyticalAwareBackend), id="analytical-aware"),
    pytest.param(_analytical(DefaultsOnlyBackend), id="analytical-defaults"),
    pytest.param(_ns3("roce"), id="ns3-roce", marks=pytest.mark.ns3),
    pytest.param(_ns3("ib"), id="ns3-ib", marks=pytest.mark.ns3),
]


@pytest.fixture(params=BACKENDS)
def backend(request) -> NetworkBackend:
    """A fresh backend of each kind over 4 NPUs (ns-3 ones are closed after the test)."""
    return request.param(request)


def test_nth_send_matches_nth_receive_per_key_and_keys_are_independent(backend):
    seen = []
    for i in range(3):
        backend.recv(2, 0, 4000, 9, lambda i=i: seen.append(i))
    backend.recv(2, 0, 4001, 9, lambda: seen.append("other size"))  # never matched
    backend.recv(2, 0, 4000, 10, lambda: seen.append("tag 10"))
    backend.recv(2, 1, 4000, 9, lambda: seen.append("from 1"))
    backend.send(1, 2, 4000, 9, noop)
    for _ in range(3):
        backend.send(0, 2, 4000, 9, noop)
    backend.send(0, 3, 4000, 9, noop)  # another destination: parked, matches none of the above
    backend.send(0, 2, 4000, 10, noop)
    backend.run()
    assert [s for s in seen if isinstance(s, int)] == [0, 1, 2]
    assert sorted(s for s in seen if isinstance(s, str)) == ["from 1", "tag 10"]
    assert backend.unmatched() == (1, 1)


def test_posted_receive_fires_right_after_the_send_handler_at_arrival(backend):
    seen = []
    backend.recv(1, 0, 5000, 3, lambda: seen.append(("recv", backend.now())))
    backend.send(0, 1, 5000, 3, lambda: seen.append(("send", backend.now())))
    backend.run()
    assert [s[0] for s in seen] == ["send", "recv"]
    assert seen[0][1] == seen[1][1] > 0
    assert backend.unmatched() == (0, 0)


def test_an_early_arrival_is_parked_and_its_late_receive_completes_with_zero_delay(backend):
    seen = []
    backend.send(0, 1, 5000, 3, lambda: seen.append(("send", backend.now())))
    backend.schedule(50_000, lambda: backend.recv(1, 0, 5000, 3, lambda: seen.append(("recv", backend.now()))))
    backend.run()
    assert seen[0][0] == "send" and 0 < seen[0][1] < 50_000
    assert seen[1] == ("recv", 50_000)
    assert backend.unmatched() == (0, 0)


def test_parked_arrivals_are_counted_until_received(backend):
    backend.send(0, 1, 5000, 3, noop)
    backend.send(0, 1, 5000, 3, noop)
    backend.run()
    assert backend.unmatched() == (0, 2)
    got = []
    backend.recv(1, 0, 5000, 3, lambda: got.append(backend.now()))
    assert backend.unmatched() == (0, 1)
    backend.run()
    assert len(got) == 1


def test_tick_callables_run_in_registration_order_one_event_per_rank_and_tick(backend):
    seen = []

    def a():
        seen.append("a")
        backend.register_tick(0, 0, lambda: seen.append("a0"))  # same tick: joins the running pass

    backend.register_tick(0, 10, a)
    backend.schedule(10, lambda: seen.append("s"))
    backend.register_tick(1, 10, lambda: seen.append("c"))
    backend.register_tick(0, 10, lambda: seen.append("b"))  # rank 0's tick event exists: runs before s
    backend.run()
    assert seen == ["a", "b", "a0", "s", "c"]
    assert backend.now() == 10


def test_a_negative_schedule_delay_is_refused_at_once(backend):
    with pytest.raises(SimulationError, match="cannot schedule -5 ns in the past"):
        backend.schedule(-5, noop)


def test_a_negative_tick_delay_stops_the_run_with_a_simulation_error(backend):
    seen = []
    backend.register_tick(0, 20, lambda: backend.register_tick(0, -5, lambda: seen.append("never")))
    backend.schedule(30, lambda: seen.append("after"))
    with pytest.raises(SimulationError, match="cannot schedule -5 ns in the past"):
        backend.run()
    assert seen == []


def test_an_exception_in_a_tick_callable_is_raised_by_run_and_nothing_runs_after_it(backend):
    seen = []

    def boom():
        seen.append(backend.now())
        raise ZeroDivisionError("boom")

    backend.schedule(10, lambda: seen.append(backend.now()))
    backend.register_tick(2, 20, boom)
    backend.schedule(30, lambda: seen.append("after"))
    with pytest.raises(ZeroDivisionError, match="boom"):
        backend.run()
    assert seen == [10, 20]


def test_an_exception_in_a_receive_handler_is_raised_by_run(backend):
    def boom():
        raise KeyError("receive handler")

    backend.recv(1, 0, 5000, 3, boom)
    backend.send(0, 1, 5000, 3, noop)
    with pytest.raises(KeyError, match="receive handler"):
        backend.run()


def _ring_step(backend, how: str) -> list:
    seen = []
    channel = backend.collective_channel()
    for npu in range(NPUS):
        dst, src = (npu + 1) % NPUS, (npu - 1) % NPUS
        done = (lambda npu=npu: seen.append((npu, backend.now())))
        if how == "step_unchecked":
            backend.step_unchecked(npu, dst, src, 6000, 5, done)
        elif how == "channel":
            channel.keyed_step(channel.path(npu, dst, 6000), 6000, channel.message_key(5, npu, dst, 6000),
                               channel.message_key(5, src, npu, 6000), done)
        else:
            backend.send(npu, dst, 6000, 5, noop)
            backend.recv(npu, src, 6000, 5, done)
    backend.run()
    assert backend.unmatched() == (0, 0)
    return seen


def _another(request) -> NetworkBackend:
    """A second backend of the kind this test runs on."""
    return request.node.callspec.params["backend"](request)


@pytest.mark.parametrize("how", ["step_unchecked", "channel"])
def test_a_collective_step_equals_a_send_then_a_posted_receive(backend, request, how):
    stepped = _ring_step(backend, how)
    backend.close()
    assert stepped == _ring_step(_another(request), "send_recv") and len(stepped) == NPUS


def test_telemetry_is_json_and_close_lets_another_run_start(backend, request):
    backend.set_progress(False)
    got = []
    backend.recv(1, 0, 5000, 3, lambda: got.append(backend.now()))
    backend.send(0, 1, 5000, 3, noop)
    backend.run()
    telemetry = backend.telemetry()
    assert isinstance(telemetry, dict)
    json.dumps(telemetry)
    backend.close()
    again = _another(request)
    again.recv(1, 0, 5000, 3, lambda: got.append(again.now()))
    again.send(0, 1, 5000, 3, noop)
    again.run()
    assert got[0] == got[1] > 0


# -- the Python matching rule on its own (the analytical backends' MessageMatcher) -----------------
def _matcher():
    queue = EventQueue()
    return MessageMatcher(queue), queue


def test_matcher_posted_receive_fires_send_then_receive_at_arrival():
    matcher, queue = _matcher()
    order = []
    matcher.posted((5, 0, 1, 64), lambda: order.append("recv"))
    matcher.delivered((5, 0, 1, 64), lambda: order.append("send"))
    assert order == ["send", "recv"]
    assert queue.empty()
    assert matcher.pending() == (0, 0)


def test_matcher_parks_an_arrival_and_completes_its_late_receive_through_a_zero_delay_event():
    matcher, queue = _matcher()
    order = []
    matcher.delivered((5, 0, 1, 64), lambda: order.append("send"))
    assert matcher.pending() == (0, 1)
    queue.schedule(7, lambda: matcher.posted((5, 0, 1, 64), lambda: order.append(("recv", queue.now))))
    queue.run()
    assert order == ["send", ("recv", 7)]
    assert matcher.pending() == (0, 0)


def test_matcher_keys_differ_by_size():
    matcher, _ = _matcher()
    got = []
    matcher.posted((5, 0, 1, 64), lambda: got.append("recv"))
    matcher.delivered((5, 0, 1, 128), noop)
    assert got == []
    assert matcher.pending() == (1, 1)


def test_matcher_keeps_receives_of_one_handler_apart():
    matcher, _ = _matcher()
    got = []
    handler = (lambda: got.append(len(got)))
    for _ in range(3):
        matcher.posted((1, 0, 1, 8), handler)  # the same callable, three receives
    assert matcher.pending() == (3, 0)
    for _ in range(3):
        matcher.delivered((1, 0, 1, 8), noop)
    assert got == [0, 1, 2] and matcher.pending() == (0, 0)
