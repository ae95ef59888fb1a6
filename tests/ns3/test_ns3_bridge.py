"""The bridge's Python callbacks: ASTRA-sim matching, the per-NPU event map, errors, accounting.

The bridge keeps the send/recv matching and the system layer's per-NPU tick map in C++; these
tests pin the rules they must keep (the same as astrasim_py.network.api.MessageMatcher and
Sys.register on the analytical backend).
"""

from __future__ import annotations

import pytest

from astrasim_py.errors import SimulationError

pytestmark = pytest.mark.ns3


def test_posted_receive_fires_right_after_the_send_handler_at_the_last_byte(star, make_backend):
    be = make_backend(star(4))
    seen = []
    be.recv(1, 0, 5000, 3, lambda: seen.append(("recv", be.now())))
    be.send(0, 1, 5000, 3, lambda: seen.append(("send", be.now())))
    be.run()
    assert [s[0] for s in seen] == ["send", "recv"]
    assert seen[0][1] == seen[1][1] > 0
    assert be.matcher.pending() == (0, 0)


def test_arrival_waits_for_its_receive_which_then_completes_at_once(star, make_backend):
    be = make_backend(star(4))
    seen = []
    be.send(0, 1, 5000, 3, lambda: seen.append(("send", be.now())))
    be.run()
    assert be.matcher.pending() == (0, 1)
    posted_at = be.now()
    be.recv(1, 0, 5000, 3, lambda: seen.append(("recv", be.now())))
    assert be.matcher.pending() == (0, 0)
    be.run()
    assert seen[0] == ("send", posted_at)
    assert seen[1][0] == "recv" and seen[1][1] >= posted_at


def test_nth_send_matches_nth_receive_and_keys_must_agree(star, make_backend):
    be = make_backend(star(4))
    seen = []
    for i in range(3):
        be.recv(2, 0, 4000, 9, lambda i=i: seen.append(i))
    be.recv(2, 0, 4001, 9, lambda: seen.append("other size"))  # never matched
    for _ in range(3):
        be.send(0, 2, 4000, 9, lambda: None)
    be.run()
    assert seen == [0, 1, 2]
    assert be.matcher.pending() == (1, 0)


def test_tick_callables_run_in_registration_order_one_event_per_npu_and_tick(star, make_backend):
    be = make_backend(star(4))
    seen = []

    def a():
        seen.append("a")
        be.register_tick(0, 0, lambda: seen.append("a0"))  # same tick: joins the running pass

    be.register_tick(0, 10, a)
    be.schedule(10, lambda: seen.append("s"))
    be.register_tick(1, 10, lambda: seen.append("c"))
    be.register_tick(0, 10, lambda: seen.append("b"))  # NPU 0's tick event exists: runs before s
    be.run()
    assert seen == ["a", "b", "a0", "s", "c"]
    assert be.now() == 10


def test_negative_tick_delay_stops_the_run_with_a_simulation_error(star, make_backend):
    be = make_backend(star(4))
    seen = []
    be.register_tick(0, 20, lambda: be.register_tick(0, -5, lambda: seen.append("never")))
    be.schedule(30, lambda: seen.append("after"))
    with pytest.raises(SimulationError, match="cannot schedule -5 ns in the past"):
        be.run()
    assert seen == []


def test_an_exception_in_a_callback_is_raised_by_run_and_nothing_runs_after_it(star, make_backend):
    be = make_backend(star(4))
    seen = []

    def boom():
        seen.append(be.now())
        raise ZeroDivisionError("boom")

    be.schedule(10, lambda: seen.append(be.now()))
    be.register_tick(2, 20, boom)
    be.schedule(30, lambda: seen.append("after"))
    with pytest.raises(ZeroDivisionError, match="boom"):
        be.run()
    assert seen == [10, 20]


def test_callback_accounting_counts_every_python_call(star, make_backend):
    be = make_backend(star(4))
    for i in range(5):
        be.schedule(10 * i, lambda: None)
    be.recv(1, 0, 3000, 1, lambda: None)
    be.send(0, 1, 3000, 1, lambda: None)
    be.run()
    wall = be.telemetry()["wall"]
    assert wall["python_callbacks"] == 5 + 2  # five events, the send and the receive handler
    assert 0 <= wall["fabric_in_callbacks_s"] and 0 <= wall["python_callbacks_s"] <= wall["event_loop_s"]


def test_collective_step_equals_a_send_then_a_posted_receive(star, make_backend):
    def run(use_step: bool) -> list:
        be = make_backend(star(4))
        seen = []
        for npu in range(4):
            dst, src = (npu + 1) % 4, (npu - 1) % 4
            done = (lambda npu=npu: seen.append((npu, be.now())))
            if use_step:
                be.step_unchecked(npu, dst, src, 6000, 5, done)
            else:
                be.send(npu, dst, 6000, 5, lambda: None)
                be.recv(npu, src, 6000, 5, done)
        be.run()
        assert be.matcher.pending() == (0, 0)
        return seen

    stepped = run(True)
    assert stepped == run(False) and len(stepped) == 4
