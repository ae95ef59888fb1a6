"""Reference-compatible NIC and ECMP details that only show with several QPs per NIC or on a
multi-path fabric: ReferenceQpOrder (the reference's QP scan) and ReferenceEcmpRunSeed."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ns3

L = 500                  # link latency [ns]
FRAME = 1036 * 8 / 400   # 1000 B payload + 36 B header at 400 Gb/s [ns]


def _star(hosts: int, **nic) -> dict:
    return {"fabric": {"topology": {"builder": "star", "num_hosts": hosts, "link_gbps": 400, "latency_ns": L},
                       "preset": "pfc_only", "mtu_bytes": 1000,
                       "transport_params": {"DataHeaderBytes": 36, "PreambleIfgBytes": 0},
                       "nic_params": nic}}


def test_reference_qp_order_serves_the_new_qp_next(make_backend):
    """Two 2-packet messages from host 0 at t = 0 (A to host 1, then B to host 2). Round robin
    over QPs with data sends A1 A2 B1 B2; the reference scans from the QP after the last one served,
    and B was appended after A, so it sends A1 B1 A2 B2: A's last byte lands one frame later, B's
    at the same time (store-and-forward: done = (k + 1) frames + 2 latencies for the k-th frame)."""
    done = {}
    for order in (False, True):
        be = make_backend(_star(3, ReferenceQpOrder=order), 3)
        a = be.flow(0, 1, 2000)
        b = be.flow(0, 2, 2000)
        be.run()
        done[order] = (be.flow_done_ns[a], be.flow_done_ns[b])
    assert done[False][0] == pytest.approx(3 * FRAME + 2 * L, abs=1e-3)
    assert done[True][0] == pytest.approx(4 * FRAME + 2 * L, abs=1e-3)
    assert done[False][1] == done[True][1] == pytest.approx(5 * FRAME + 2 * L, abs=1e-3)


def test_reference_qp_order_keeps_a_lone_qp_at_line_rate(make_backend):
    """One QP alone: the scan finds it every time, so 10 packets take 11 frames + 2 latencies."""
    be = make_backend(_star(2, ReferenceQpOrder=True), 2)
    f = be.flow(0, 1, 10_000)
    be.run()
    assert be.flow_done_ns[f] == pytest.approx(11 * FRAME + 2 * L, abs=1e-3)


def _murmur3_12(words: list[int], seed: int) -> int:
    """Murmur3 (x86, 32 bit) over three little-endian 32-bit words."""
    m = 0xFFFFFFFF
    h = seed & m
    for k in words:
        k = (k * 0xCC9E2D51) & m
        k = ((k << 15) | (k >> 17)) & m
        k = (k * 0x1B873593) & m
        h ^= k
        h = ((h << 13) | (h >> 19)) & m
        h = (h * 5 + 0xE6546B64) & m
    h ^= 12
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m
    return h ^ (h >> 16)


def _spine_bytes(make_backend, seed: int, run_seed: bool, messages: int) -> dict[int, int]:
    net = {"fabric": {"topology": "ref_16n_2leaf2spine_400g", "preset": "pfc_only", "mtu_bytes": 1000,
                      "transport_params": {"EcmpHash": "reference", "QpPerMessage": True,
                                           "ReferenceEcmpRunSeed": run_seed}}}
    be = make_backend(net, 16, seed=seed)
    for _ in range(messages):
        be.flow(0, 8, 3000)
    be.run()
    links = be.telemetry()["links"]
    return {spine: sum(l["bytes_a_to_b"] if l["a"] == 16 else l["bytes_b_to_a"] for l in links
                       if {l["a"], l["b"]} == {16, spine}) for spine in (18, 19)}


def _expected(seed_offset: int, messages: int) -> dict[int, int]:
    ip = lambda host: 0x0B000001 | (host // 256) << 16 | (host % 256) << 8  # noqa: E731
    out = {18: 0, 19: 0}
    for n in range(messages):
        index = _murmur3_12([ip(0), ip(8), (10000 + n) | 100 << 16], 16 + seed_offset) % 2
        out[(18, 19)[index]] += 3 * (1000 + 62 + 20)
    return out


def test_reference_ecmp_is_the_same_for_every_run_seed(make_backend):
    """The reference seeds each switch's hash with its node id and nothing reseeds it: leaf 16's
    spine choices are the same at seeds 0 and 7. ReferenceEcmpRunSeed adds seed x 0x9E3779B1."""
    messages, seed = 6, 7
    off = _expected(0, messages)
    on = _expected(seed * 0x9E3779B1, messages)
    assert on != off  # seed 7 moves at least one of the 6 messages to the other spine
    assert _spine_bytes(make_backend, 0, False, messages) == off
    assert _spine_bytes(make_backend, seed, False, messages) == off
    assert _spine_bytes(make_backend, seed, True, messages) == on
