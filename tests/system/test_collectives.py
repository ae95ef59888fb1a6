"""Collectives driven directly: the checked ASTRA-sim numbers must come out exactly."""

from __future__ import annotations

import pytest

from astrasim_py.errors import InputError
from .helpers import MiB, drive, system_variant

AR, AG, A2A, RS = 0, 2, 6, 7

ANCHORS = [
    # (network, system, collective, bytes, backend, expected max finish ns)
    ("net_Ring_8.yml", "sys_ring_c4.json", AR, MiB, "analytical", 117780),
    ("net_Ring_8.yml", "sys_ring_c4.json", AR, MiB, "analytical-aware", 117780),
    ("net_Ring_8.yml", "sys_ring_c4_lmbw1600.json", AR, MiB, "analytical", 64440),
    ("net_Ring_8.yml", "repo_Ring_4chunks.json", AR, MiB, "analytical", 64440),
    ("net_Ring_8.yml", "sys_ring_c4.json", AG, MiB, "analytical", 151016),
    ("net_Ring_8.yml", "sys_ring_c4.json", RS, MiB, "analytical", 86420),
    ("net_Ring_8.yml", "sys_ring_c4.json", A2A, MiB, "analytical", 125480),
    ("net_FullyConnected_8.yml", "sys_direct_c4.json", AR, MiB, "analytical", 16860),
    ("net_Switch_8.yml", "sys_hd_c4.json", AR, MiB, "analytical", 82028),
    ("net_Switch_8.yml", "sys_hd_c4.json", AR, MiB, "analytical-aware", 116196),
    ("net_Ring_Switch_4x2.yml", "sys_2d_ring_ring_c4.json", AR, MiB, "analytical", 88760),
    ("net_Ring_Switch_4x2.yml", "sys_2d_ring_hd_c4_baseline.json", AR, MiB, "analytical", 102514),
    ("net_Switch_8.yml", "sys_direct_c4.json", A2A, MiB, "analytical-aware", 23600),
    ("net_Ring_8.yml", "sys_ring_c4_active2.json", AR, MiB, "analytical", 58890),
    ("net_Ring_8.yml", "sys_ring_c4_active2.json", AR, MiB, "analytical-aware", 60790),
    ("net_Switch_8.yml", "sys_ring_c4.json", AR, MiB, "analytical", 145780),
    ("net_Switch_8.yml", "sys_ring_c4.json", AR, MiB, "analytical-aware", 179940),
    ("net_Ring_8.yml", "sys_ring_c4.json", AR, 256 * MiB, "analytical", 22871448),
    ("net_Ring_16.yml", "sys_ring_c4.json", AR, 256 * MiB, "analytical", 24535720),
    ("net_Ring_64.yml", "sys_ring_c4.json", AR, 256 * MiB, "analytical", 25954780),
    # 256 MiB direct all-to-all on a 64-NPU Switch: 0.08 ms unaware, 5.0 ms aware (spec section 10)
    ("net_Switch_64.yml", "sys_direct_c4.json", A2A, 256 * MiB, "analytical", 4 * (20531 + 20)),
]


def test_direct_all_to_all_switch_64_aware_is_uplink_bound():
    ser = int(MiB / (50 * 2**30 / 1e9))
    got = drive("net_Switch_64.yml", "sys_direct_c4.json", A2A, 256 * MiB, "analytical-aware")[0]
    assert round(got / 1e6, 1) == 5.0 and got > 4 * 63 * ser


@pytest.mark.parametrize("net,system,comm,size,backend,expected", ANCHORS)
def test_anchor(net, system, comm, size, backend, expected):
    assert drive(net, system, comm, size, backend)[0] == expected


def test_involved_dims_on_ring4_switch2():
    net, system = "net_Ring_Switch_4x2.yml", "sys_2d_ring_ring_c4.json"
    assert drive(net, system, AR, MiB, involved=(True, False))[0] == 88720
    assert drive(net, system, AR, MiB, involved=(False, True))[0] == 86628


def test_rendezvous_adds_one_handshake_per_send():
    assert drive("net_Ring_8.yml", "sys_ring_c4.json", AR, MiB, rendezvous=True)[0] == 117780 + 4 * 14 * 652


def test_partial_last_chunk_is_simulated_at_full_size(tmp_path):
    system = system_variant(tmp_path, "sys_ring_c4.json", preferred_dataset_splits=3)
    assert drive("net_Ring_8.yml", system, AR, 1_000_000)[0] == 142028


def test_tiny_collective_is_padded_to_one_byte_per_npu(tmp_path):
    # 16 B on 8 NPUs with 4 splits: 4 chunks of 8 B (1 B messages): 4 x (14 x 500 + 150 + 0)
    assert drive("net_Ring_8.yml", "sys_ring_c4.json", AR, 16)[0] == 4 * (14 * 500 + 150)


def test_direct_closed_forms_on_fully_connected():
    # per chunk at 8 NPUs, 1 MiB: RS 3095, AG 5402, A2A 1130 (x4 chunks)
    assert drive("net_FullyConnected_8.yml", "sys_direct_c4.json", RS, MiB)[0] == 4 * 3095
    assert drive("net_FullyConnected_8.yml", "sys_direct_c4.json", AG, MiB)[0] == 4 * 5402
    assert drive("net_FullyConnected_8.yml", "sys_direct_c4.json", A2A, MiB)[0] == 4 * 1130


def test_halving_doubling_closed_forms():
    # C = 262144 on Switch-8: RS sum net(C/2^j) + (k+1)E + red(C/4) + red(C/8)
    net = {131072: 3441, 65536: 2220, 32768: 1610}
    rs = sum(net.values()) + 40 + 3930 + 1965
    assert drive("net_Switch_8.yml", "sys_hd_c4.json", RS, MiB)[0] == 4 * rs
    ag_net = [int(1000 + (262144 << j) / (50 * 2**30 / 1e9)) for j in range(3)]
    assert drive("net_Switch_8.yml", "sys_hd_c4.json", AG, MiB)[0] == 4 * (sum(ag_net) + 40)


def test_halving_doubling_rejects_non_power_of_two(tmp_path):
    net = tmp_path / "net6.yml"
    net.write_text("topology: [Switch]\nnpus_count: [6]\nbandwidth: [50]\nlatency: [500]\n")
    with pytest.raises(InputError, match="power-of-two"):
        drive(str(net), "sys_hd_c4.json", AR, MiB)


def test_double_binary_tree_finishes_ranks_at_different_times():
    slowest, fastest = drive("net_Switch_8.yml", "sys_dbt_c4.json", AR, MiB)
    assert slowest > fastest


def test_aware_multidimensional_matches_unaware_without_contention():
    # Ring x Switch with one message per link at a time: store-and-forward only differs on the
    # 2-hop switch dimension, so aware >= unaware and both finish.
    unaware = drive("net_Ring_Switch_4x2.yml", "sys_2d_ring_ring_c4.json", AR, MiB)[0]
    aware = drive("net_Ring_Switch_4x2.yml", "sys_2d_ring_ring_c4.json", AR, MiB, "analytical-aware")[0]
    assert aware >= unaware


def test_injection_scale_multiplies_endpoint_delay():
    # 15 hand-offs per chunk, 4 chunks, 10 ns more each
    assert drive("net_Ring_8.yml", "sys_ring_c4.json", AR, MiB, injection_scale=2)[0] == 117780 + 4 * 15 * 10


def test_two_queues_per_dim():
    # localBWAware AR phases take the lower half of the queues: still one chunk at a time
    assert drive("net_Ring_8.yml", "sys_ring_c4.json", AR, MiB, num_queues_per_dim=2)[0] == 117780
    # baseline phases alternate queues (and ring directions): two chunks overlap, and in opposite
    # directions they do not share links even when congestion-aware
    for backend in ("analytical", "analytical-aware"):
        got = drive("net_Ring_8.yml", "sys_ring_c4_baseline.json", AR, MiB, backend, num_queues_per_dim=2)[0]
        assert got == 2 * 29445


def test_one_ring_spans_all_dimensions(tmp_path):
    system = system_variant(tmp_path, "sys_2d_ring_ring_c4.json", all_reduce_implementation=["oneRing", "ring"])
    # one 8-member ring; every neighbour pair is one dim-0 ring hop away: the Ring-8 demo value
    assert drive("net_Ring_Switch_4x2.yml", system, AR, MiB)[0] == 117780
