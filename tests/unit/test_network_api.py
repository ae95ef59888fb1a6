"""ASTRA-sim message-matching rules of the network API."""

from astrasim_py.network.api import MessageMatcher


def _matcher():
    scheduled = []
    return MessageMatcher(lambda delay, fn: scheduled.append((delay, fn))), scheduled


def test_recv_posted_first_fires_send_then_recv_at_arrival():
    matcher, scheduled = _matcher()
    order = []
    matcher.posted((5, 0, 1, 64), lambda: order.append("recv"))
    matcher.delivered((5, 0, 1, 64), lambda: order.append("send"))
    assert order == ["send", "recv"]
    assert scheduled == []
    assert matcher.pending() == (0, 0)


def test_arrival_first_parks_and_late_recv_completes_with_zero_delay():
    matcher, scheduled = _matcher()
    order = []
    matcher.delivered((5, 0, 1, 64), lambda: order.append("send"))
    assert matcher.pending() == (0, 1)
    matcher.posted((5, 0, 1, 64), lambda: order.append("recv"))
    assert order == ["send"]
    assert [d for d, _ in scheduled] == [0]
    scheduled[0][1]()
    assert order == ["send", "recv"]
    assert matcher.pending() == (0, 0)


def test_size_is_part_of_the_key():
    matcher, _ = _matcher()
    got = []
    matcher.posted((5, 0, 1, 64), lambda: got.append("recv"))
    matcher.delivered((5, 0, 1, 128), lambda: None)
    assert got == []
    assert matcher.pending() == (1, 1)
