"""Outputs checked against MANIFEST.txt (size + sha256 prefix of what the real tools wrote),
including samples whose files are not in fixtures/ (the fork's outputs, the generator CLI)."""

from __future__ import annotations

import hashlib

import pytest

from astrasim_py.chakra import generators as gen
from astrasim_py.chakra.io import encode_et
from astrasim_py.chakra.text_converter import SCHEMA_FORK, convert_rank_graphs, parse_text_workload, text_metadata


@pytest.fixture(scope="module")
def manifest(chakra_fixtures):
    entries = {}
    for line in (chakra_fixtures / "MANIFEST.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        size, digest, path = line.split()
        entries[path.removeprefix("./").replace("c_text/", "text/", 1)] = (int(size), digest)
    return entries


def _signature(data: bytes) -> tuple[int, str]:
    return len(data), hashlib.sha256(data).hexdigest()[:16]


def test_present_fixtures_match_manifest(chakra_fixtures, manifest):
    present = [p for p in manifest if (chakra_fixtures / p).is_file()]
    assert len(present) >= 120
    for path in present:
        assert _signature((chakra_fixtures / path).read_bytes()) == manifest[path], path


def test_fork_outputs_reproduced(chakra_fixtures, manifest):
    for graph in gen.generate_collective("all_reduce", 8, 1 << 20, version="0.0.4"):
        key = f"fork_astrasim_0.0.4/a_allreduce_1MiB/ALL_REDUCE.{graph.rank}.et"
        assert _signature(encode_et(graph.metadata, graph.nodes)) == manifest[key]
    workload = parse_text_workload(chakra_fixtures / "text" / "data6.txt")
    meta = text_metadata(workload, SCHEMA_FORK)
    for rank, nodes in enumerate(convert_rank_graphs(workload, 8, 1)):
        assert _signature(encode_et(meta, nodes)) == manifest[f"fork_astrasim_0.0.4/data6/data6.{rank}.et"]


def test_generator_cli_collective_families_reproduced(manifest):
    # chakra_generator --num_npus 8 --default_comm_size 1048576: one id counter over all families;
    # the six collective families follow 64 ids of the earlier families. BARRIER carries size 0.
    first_id = 64
    for family, size in [("ALL_REDUCE", 1 << 20), ("ALL_TO_ALL", 1 << 20), ("ALL_GATHER", 1 << 20),
                         ("REDUCE_SCATTER", 1 << 20), ("BROADCAST", 1 << 20), ("BARRIER", 0)]:
        for graph in gen.generate_collective(family.lower(), 8, size, first_id=first_id):
            key = f"generator_cli/{family}.{graph.rank}.et"
            assert _signature(encode_et(graph.metadata, graph.nodes)) == manifest[key], key
        first_id += 8


def test_generator_cli_microbenchmarks_reproduced(manifest):
    families = gen.generate_microbenchmarks(8, comm_size=1 << 20)
    assert tuple(families) == gen.MICROBENCHMARK_FAMILIES
    checked = 0
    for family, graphs in families.items():
        for graph in graphs:
            key = f"generator_cli/{family}.{graph.rank}.et"
            data = encode_et(graph.metadata, graph.nodes)
            if family == "one_metadata_node_all_types":  # our own attribute values (documented)
                assert graph.nodes[0].id == graph.rank and len(graph.nodes[0].attr) == 30
                continue
            assert _signature(data) == manifest[key], key
            checked += 1
    assert checked == 13 * 8
