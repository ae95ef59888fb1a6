"""Traffic generators: closed forms (bytes per pair, flow counts), seeded determinism, Poisson
load within tolerance of the target, and the traces they write pass validation."""

from __future__ import annotations

import filecmp
import math

import pytest

from astrasim_py.chakra import traffic as tr
from astrasim_py.chakra.generators import write_workload
from astrasim_py.chakra.workload import load_workload
from astrasim_py.cli import main
from astrasim_py.errors import InputError

MiB = 1 << 20


def test_incast_is_n_to_one():
    flows = tr.incast_flows(8, MiB, target=3, senders=5)
    assert tr.bytes_per_pair(flows) == {(s, 3): MiB for s in (0, 1, 2, 4, 5)}
    assert len(tr.incast_flows(8, MiB)) == 7


@pytest.mark.parametrize("npus,shift", [(8, None), (8, 3), (5, 1)])
def test_permutation_every_rank_sends_and_receives_once(npus, shift):
    flows = tr.permutation_flows(npus, MiB, shift=shift)
    step = npus // 2 if shift is None else shift
    assert {(f.src, f.dst) for f in flows} == {(r, (r + step) % npus) for r in range(npus)}


@pytest.mark.parametrize("seed", range(5))
def test_random_permutation_is_a_seeded_derangement(seed):
    flows = tr.random_permutation_flows(16, MiB, seed=seed)
    assert sorted(f.src for f in flows) == list(range(16)) == sorted(f.dst for f in flows)
    assert all(f.src != f.dst for f in flows)
    assert flows == tr.random_permutation_flows(16, MiB, seed=seed)
    assert flows != tr.random_permutation_flows(16, MiB, seed=seed + 100)


def test_all_to_all_carries_size_per_ordered_pair():
    n = 6
    pairs = tr.bytes_per_pair(tr.all_to_all_flows(n, 3000))
    assert pairs == {(a, b): 3000 for a in range(n) for b in range(n) if a != b}
    # step k of the order is the shift-by-k permutation: no rank receives twice in a step
    flows = tr.all_to_all_flows(n, 1)
    for k in range(n - 1):
        assert sorted(f.dst for f in flows[k * n:(k + 1) * n]) == list(range(n))


def test_hotspot_fraction_and_determinism():
    flows = tr.hotspot_flows(33, 1000, hotspot=7, hot_fraction=0.25, flows_per_rank=200, seed=4)
    assert len(flows) == 32 * 200 and all(f.src != 7 and f.src != f.dst for f in flows)
    hot = sum(f.dst == 7 for f in flows) / len(flows)
    # binomial(6400, 0.25): 4 standard deviations is 0.022
    assert hot == pytest.approx(0.25, abs=4 * math.sqrt(0.25 * 0.75 / len(flows)))
    assert flows == tr.hotspot_flows(33, 1000, hotspot=7, hot_fraction=0.25, flows_per_rank=200, seed=4)


@pytest.mark.parametrize("name,mean", [("websearch", 1_711_250), ("datamining", 7_470_236)])
def test_shipped_cdfs_have_their_published_shape(name, mean):
    cdf = tr.load_cdf(name)
    assert cdf.mean_bytes() == pytest.approx(mean, rel=1e-6)
    assert cdf.points[-1][1] == 1.0
    assert name in tr.shipped_cdfs()


def test_cdf_sampling_matches_the_cdf():
    import random

    cdf = tr.load_cdf("websearch")
    rng = random.Random(1)
    sizes = sorted(cdf.sample(rng) for _ in range(20000))
    for size, prob in cdf.points[1:-1]:
        below = sum(s <= size for s in sizes) / len(sizes)
        assert below == pytest.approx(prob, abs=0.015)


@pytest.mark.parametrize("load", [0.2, 0.6])
def test_poisson_offered_load_is_the_target(load):
    cdf = tr.load_cdf("websearch").scaled(0.01)  # mean 17 kB: many flows in a short window
    n, gbps, duration_us = 8, 100.0, 20_000.0
    flows = tr.poisson_flows(n, load=load, link_gbps=gbps, duration_us=duration_us, cdf=cdf, seed=3)
    offered_gbps = sum(f.size_bytes for f in flows) * 8 / (duration_us * 1e3) / n
    assert offered_gbps / gbps == pytest.approx(load, rel=0.05)
    expected_flows = n * load * gbps * 1e3 / 8 / cdf.mean_bytes() * duration_us
    assert len(flows) == pytest.approx(expected_flows, rel=0.05)
    assert all(0 <= f.start_us < duration_us and f.src != f.dst for f in flows)
    assert flows == tr.poisson_flows(n, load=load, link_gbps=gbps, duration_us=duration_us, cdf=cdf, seed=3)


def test_poisson_start_times_survive_the_trace(tmp_path):
    """The COMP chain before each SEND adds up to the flow's start time (gaps, not absolute delays)."""
    from astrasim_py.chakra.schema import NodeType

    cdf = tr.load_cdf("datamining").scaled(0.001)
    flows = tr.poisson_flows(4, load=0.5, link_gbps=100, duration_us=500, cdf=cdf, seed=9)
    graphs = tr.flows_to_graphs(flows, 4)
    for g in graphs:
        by_id = {n.id: n for n in g.nodes}

        def start_of(node):
            total, deps = 0, list(node.data_deps)
            while deps:
                dep = by_id[deps[0]]
                total += dep.duration_micros
                deps = list(dep.data_deps)
            return total

        sends = [n for n in g.nodes if n.type == NodeType.COMM_SEND_NODE]
        mine = sorted((f.start_us, f.dst, f.size_bytes) for f in flows if f.src == g.rank)
        got = sorted((start_of(n), next(a.int32_val for a in n.attr if a.name == "comm_dst"),
                      next(a.int64_val for a in n.attr if a.name == "comm_size")) for n in sends)
        assert got == mine
    write_workload(tmp_path / "bg", graphs)
    assert len(load_workload(tmp_path / "bg", 4)) == 4  # validates send/recv pairing


@pytest.mark.parametrize("pattern,extra", [("incast", ["--senders", "3"]), ("permutation", []),
                                           ("random_permutation", ["--seed", "2"]), ("all_to_all", []),
                                           ("hotspot", ["--flows", "2"]),
                                           ("poisson", ["--duration-us", "50", "--cdf-scale", "0.01"])])
def test_cli_writes_valid_byte_identical_traces(tmp_path, pattern, extra):
    for out in ("a", "b"):
        assert main(["chakra", "generate", "--pattern", pattern, "--npus", "8", "--size", "64KiB",
                     "--output", str(tmp_path / out / "t"), *extra]) == 0
    assert main(["chakra", "validate", str(tmp_path / "a" / "t")]) == 0
    for r in range(8):
        assert filecmp.cmp(tmp_path / "a" / f"t.{r}.et", tmp_path / "b" / f"t.{r}.et", shallow=False)


@pytest.mark.parametrize("argv,needle", [
    (["--pattern", "incast", "--target", "9"], "target"),
    (["--pattern", "permutation", "--shift", "8"], "shift"),
    (["--pattern", "poisson", "--load", "1.5"], "load"),
    (["--pattern", "poisson", "--cdf", "nosuch"], "cdf"),
    (["--pattern", "pairs"], "--pattern"),
    (["--collective", "all_reduce", "--pattern", "incast"], "--pattern"),
])
def test_bad_traffic_input_is_one_line_exit_2(tmp_path, capsys, argv, needle):
    assert main(["chakra", "generate", "--npus", "8", "--output", str(tmp_path / "t"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "fix:" in err


def test_bad_cdf_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.cdf"
    bad.write_text("100 0.5\n50 0.7\n")
    with pytest.raises(InputError) as err:
        tr.load_cdf(str(bad))
    assert err.value.file == str(bad) and "decrease" in str(err.value)
