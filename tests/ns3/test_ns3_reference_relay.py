"""Reference-compatible NIC and ECMP details that only show with several QPs per NIC or on a
multi-path fabric: ReferenceQpOrder (the reference's QP scan) and ReferenceEcmpRunSeed."""

from __future__ import annotations

import pytest
from test_ns3_reference_compat import _murmur3_12  # the reference's ECMP hash

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


def _tie(qp_start: bool) -> dict:
    doc = _star(3, ReferenceQpOrder=True)
    doc["fabric"]["transport_params"].update({"SerializationGranularityPs": 1000, "ReferenceEventOrder": True,
                                              "ReferenceQpStart": qp_start})
    return doc


@pytest.mark.parametrize("qp_start", [False, True])
def test_reference_qp_start_lets_due_events_run_first(make_backend, qp_start):
    """Host 0 sends 10 packets to host 1 (21 ns frames from t = 0); a send to host 2 issued at
    t = 42 ns, as A's second frame ends. At once, B is listed before A's transmit-end runs, so the
    scan there picks the new QP: B1 at 42, A3 at 63, B2 at 84. Two zero-delay hops later (the
    reference's RdmaClient start), the transmit-end has already sent A3: B1 at 63, B2 at 105."""
    frame = 21
    be = make_backend(_tie(qp_start), 3)
    be.flow(0, 1, 10_000)
    ids = []
    be.schedule(2 * frame, lambda: ids.append(be.flow(0, 2, 2000)))
    be.run()
    last_start = 5 * frame if qp_start else 4 * frame  # B2 starts at 105 or 84 ns
    assert be.flow_done_ns[ids[0]] == last_start + 2 * frame + 2 * L  # + its frame, store-and-forward


RELAY = "alltoall_ring_16npu_16MiB_leaf2_no_cc"


def _relay_ns(monkeypatch, **off) -> int:
    from astrasim_py.network.ns3 import reference_cases as rc

    base = rc.network_doc

    def doc(case):
        d = base(case)
        for group, params in off.items():
            d["fabric"].setdefault(group, {}).update(params)
        return d

    monkeypatch.setattr(rc, "network_doc", doc)
    return rc.run_case(rc.case_by_name(RELAY))["simulated_ns"]


def test_relay_ring_on_two_leaves_is_exact(fabric_available, monkeypatch):
    """ASTRA-sim's relay-ring all-to-all of 16 MiB on the 2-leaf 4:1 fabric, no CC: the reference's
    4,840,744 ns to the ns (15 of 16 hops per step in-leaf, 2 cross the spines, QPs overlap)."""
    assert _relay_ns(monkeypatch) == 4_840_744


@pytest.mark.parametrize("off", [{"nic_params": {"ReferenceQpOrder": False}},
                                 {"transport_params": {"ReferenceEventOrder": False}},
                                 {"transport_params": {"ReferenceQpStart": False}}],
                         ids=["ReferenceQpOrder", "ReferenceEventOrder", "ReferenceQpStart"])
def test_relay_ring_moves_without_any_event_order_switch(fabric_available, monkeypatch, off):
    """Each switch changes only which of two things due at the same ns goes first, yet this run is
    unstable (messages overlap on a NIC and the ring's steps drift apart): off, it moves by > 1%."""
    assert abs(_relay_ns(monkeypatch, **off) - 4_840_744) > 0.01 * 4_840_744
