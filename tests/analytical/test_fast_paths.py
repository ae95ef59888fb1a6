"""The analytical backends' fast paths keep ASTRA-sim's rules: keyed (slot) and plain matching of one
key mix freely, successive waves of messages stay independent, the event queue's bucket cache keeps FIFO."""

from __future__ import annotations

import pytest

from astrasim_py.config.network import parse_network
from astrasim_py.network.analytical import AnalyticalAwareBackend, AnalyticalBackend
from astrasim_py.network.api import noop
from astrasim_py.network.event_queue import EventQueue

BACKENDS = (AnalyticalBackend, AnalyticalAwareBackend)
HOP_NS = int(500 + 1000 / (50 * 2**30 / 1e9))  # one neighbour hop of 1000 B at 50 GB/s + 500 ns: 518


def ring8():
    return parse_network({"topology": ["Ring"], "npus_count": [8], "bandwidth": [50.0], "latency": [500.0]})


@pytest.mark.parametrize("make", BACKENDS)
def test_arrival_parked_before_the_slot_exists_is_received_through_it(make):
    backend = make(ring8())
    core, got = backend.core, []
    backend.send(0, 1, 1000, 3, noop)  # plain key (3, 0, 1, 1000): parked at 518 ns, nobody waits

    def keyed_receive() -> None:  # rank 1 sends on to 2 and receives from 0 through the slot
        core.keyed_step(core.path(1, 2, 1000), 1000, core.message_key(3, 1, 2, 1000),
                        core.message_key(3, 0, 1, 1000), lambda: got.append(("from0", backend.now())))

    backend.schedule(1000, keyed_receive)
    backend.schedule(2000, lambda: backend.recv(2, 1, 1000, 3, lambda: got.append(("from1", backend.now()))))
    backend.run()
    assert HOP_NS == 518
    # the parked arrival completes the keyed receive at once; the keyed send parks at 1518 ns and
    # the plain receive posted later finds it through the same slot
    assert got == [("from0", 1000), ("from1", 2000)]
    assert backend.matcher.pending() == (0, 0)


@pytest.mark.parametrize("make", BACKENDS)
def test_receives_waiting_on_a_slot_complete_in_posting_order(make):
    backend = make(ring8())
    core, got = backend.core, []
    for name in ("A", "B"):
        core.keyed_step(core.path(1, 2, 1000), 1000, core.message_key(3, 1, 2, 1000),
                        core.message_key(3, 0, 1, 1000), lambda name=name: got.append((name, backend.now())))
    backend.send(0, 1, 1000, 3, lambda: got.append(("sent", backend.now())))
    backend.send(0, 1, 1000, 3, noop)
    backend.run()
    second = HOP_NS if make is AnalyticalBackend else 2 * HOP_NS - 500  # the aware link serializes them
    assert got == [("sent", HOP_NS), ("A", HOP_NS), ("B", second)]
    assert backend.matcher.pending() == (0, 2)  # rank 1's two keyed sends to 2: never received


@pytest.mark.parametrize("make", BACKENDS)
def test_successive_waves_deliver_to_their_own_receivers(make):
    backend = make(ring8())
    got = []
    for wave in range(3):  # each wave starts after the previous one has been delivered
        for src in range(8):
            dst = (src + 1) % 8
            backend.schedule(wave * 10_000, lambda s=src, d=dst, w=wave: (
                backend.recv(d, s, 1000 + w, 7, lambda: got.append((w, s, d, backend.now()))),
                backend.send(s, d, 1000 + w, 7, noop)))
    backend.run()
    assert sorted(got) == [(w, s, (s + 1) % 8, w * 10_000 + HOP_NS) for w in range(3) for s in range(8)]
    assert backend.matcher.pending() == (0, 0)


def test_event_queue_keeps_fifo_per_time_across_interleaved_pushes():
    q = EventQueue()
    order = []
    for t, name in ((5, "a"), (7, "b"), (5, "c"), (9, "d"), (7, "e"), (5, "f"), (9, "g"), (7, "h")):
        q.schedule(t, lambda name=name: order.append(name))

    def at_seven() -> None:  # pushes while a bucket runs: to its own time and to two cached later ones
        order.append("i")
        for delay, name in ((0, "j"), (2, "k"), (4, "l"), (2, "m"), (0, "n")):
            q.schedule(delay, lambda name=name: order.append(name))

    q.schedule(7, at_seven)
    q.run()
    assert order == ["a", "c", "f", "b", "e", "h", "i", "j", "n", "d", "g", "k", "m", "l"]
    assert q.now == 11 and q.empty()
