"""The analytical network models on their own: closed forms, store-and-forward, FIFO order."""

from __future__ import annotations

import pytest

from astrasim_py.config.network import parse_network
from astrasim_py.network.analytical import AnalyticalAwareBackend, AnalyticalBackend
from astrasim_py.network.event_queue import EventQueue

MiB = 1 << 20


def net(topology, npus, bw=50.0, lat=500.0):
    topology = topology if isinstance(topology, list) else [topology]
    npus = npus if isinstance(npus, list) else [npus]
    k = len(topology)
    return parse_network({"topology": topology, "npus_count": npus, "bandwidth": ([bw] * k if not isinstance(bw, list) else bw),
                          "latency": ([lat] * k if not isinstance(lat, list) else lat)})


def one_message(backend, src, dst, size):
    got = []
    backend.recv(dst, src, size, 1, lambda: got.append(backend.now()))
    backend.send(src, dst, size, 1, lambda: None)
    backend.run()
    return got[0]


@pytest.mark.parametrize("topology,dst,expected", [("Ring", 1, 20031), ("Ring", 4, 21531), ("Ring", 7, 20031),
                                                   ("FullyConnected", 5, 20031), ("Switch", 3, 20531)])
def test_unaware_closed_form(topology, dst, expected):
    assert one_message(AnalyticalBackend(net(topology, 8)), 0, dst, MiB) == expected


@pytest.mark.parametrize("topology,dst,expected", [("Ring", 1, 20031), ("Ring", 4, 4 * 20031),
                                                   ("FullyConnected", 5, 20031), ("Switch", 3, 2 * 20031)])
def test_aware_store_and_forward(topology, dst, expected):
    assert one_message(AnalyticalAwareBackend(net(topology, 8)), 0, dst, MiB) == expected


def test_unaware_multidim_charges_lowest_differing_dimension():
    cfg = net(["Ring", "Switch"], [4, 2], bw=[50.0, 25.0], lat=[500.0, 1000.0])
    # 0 -> 5 differs in dim 0 (1 vs 0 ... coordinates 0 and 1) and dim 1: only dim 0 is charged
    assert one_message(AnalyticalBackend(cfg), 0, 5, 65536) == int(500 + 65536 / (50 * 2**30 / 1e9))
    # 0 -> 4 differs only in dim 1: a Switch, 2 x latency + one serialization at 25 GB/s
    assert one_message(AnalyticalBackend(cfg), 0, 4, 65536) == int(2000 + 65536 / (25 * 2**30 / 1e9))


def test_aware_multidim_routes_inside_lowest_dimension():
    cfg = net(["Ring", "Switch"], [4, 2], bw=[50.0, 25.0], lat=[500.0, 1000.0])
    hop = int(1000 + 65536 / (25 * 2**30 / 1e9))
    assert one_message(AnalyticalAwareBackend(cfg), 0, 4, 65536) == 2 * hop
    assert one_message(AnalyticalAwareBackend(cfg), 1, 3, 65536) == 2 * int(500 + 65536 / (50 * 2**30 / 1e9))


def test_aware_link_is_fifo_and_serializes():
    backend = AnalyticalAwareBackend(net("Ring", 8))
    done = []
    for k in range(3):
        backend.recv(1, 0, MiB, k, lambda k=k: done.append((k, backend.now())))
        backend.send(0, 1, MiB, k, lambda: None)
    backend.run()
    ser = int(MiB / (50 * 2**30 / 1e9))
    assert done == [(0, 20031), (1, 20031 + ser), (2, 20031 + 2 * ser)]


def test_aware_separate_directions_do_not_contend():
    backend = AnalyticalAwareBackend(net("Ring", 8))
    done = []
    backend.recv(1, 0, MiB, 1, lambda: done.append(backend.now()))
    backend.recv(0, 1, MiB, 1, lambda: done.append(backend.now()))
    backend.send(0, 1, MiB, 1, lambda: None)
    backend.send(1, 0, MiB, 1, lambda: None)
    backend.run()
    assert done == [20031, 20031]


def test_send_completes_at_arrival_and_late_recv_fires_same_tick():
    backend = AnalyticalBackend(net("Ring", 8))
    events = []
    backend.send(0, 1, 1000, 3, lambda: events.append(("sent", backend.now())))
    backend.schedule(50000, lambda: backend.recv(1, 0, 1000, 3, lambda: events.append(("recv", backend.now()))))
    backend.run()
    assert events == [("sent", int(500 + 1000 / (50 * 2**30 / 1e9))), ("recv", 50000)]


def test_event_queue_same_time_fifo_including_events_added_while_running():
    q = EventQueue()
    order = []
    q.schedule(5, lambda: (order.append("a"), q.schedule(0, lambda: order.append("c"))))
    q.schedule(5, lambda: order.append("b"))
    q.schedule(3, lambda: order.append("first"))
    q.run()
    assert order == ["first", "a", "b", "c"] and q.now == 5
