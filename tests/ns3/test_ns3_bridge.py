"""The bridge's Python callbacks beyond the NetworkBackend contract: accounting, parked arrivals.

The bridge keeps the send/recv matching and the per-NPU tick map in C++; the rules they share
with the analytical backends (matching order, parked arrivals, tick order, negative delays,
callback exceptions, the collective step) are checked on every backend by
tests/contract/test_network_backend.py.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ns3


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
