"""One dimension type: the network YAML's lists parsed once into `Dimension`s (GB/s in the field
name), which the topology builder takes as they are."""

from __future__ import annotations

from astrasim_py.config import Dimension, parse_network
from astrasim_py.topology import from_astrasim_dims, load_topology


def test_dimension_units_are_in_its_field_names():
    dim = Dimension("Ring", 4, 50.0, 500.0)
    assert dim.bandwidth_gbytes_per_s == 50.0
    assert dim.bytes_per_ns == 50 * 2**30 / 1e9  # GB = 2^30 bytes, ASTRA-sim's convention
    assert dim.link_gbps == 50 * 8 * 2**30 / 1e9  # Gbit/s, as every other _gbps


def test_parsed_dimensions_build_the_same_topology_as_tuples():
    net = parse_network({"topology": ["Ring", "Switch"], "npus_count": [4, 2], "bandwidth": [50, 25],
                         "latency": [500, 1000]}, source="net.yml")
    assert net.dims == [Dimension("Ring", 4, 50.0, 500.0), Dimension("Switch", 2, 25.0, 1000.0)]
    typed = from_astrasim_dims(net.dims)
    tuples = from_astrasim_dims([("Ring", 4, 50, 500), ("Switch", 2, 25, 1000)])
    assert typed.links == tuples.links and typed.facts == tuples.facts
    assert net.resolved()["bandwidth"] == [50.0, 25.0]


def test_an_astrasim_yaml_topology_is_parsed_by_the_network_parser():
    topo = load_topology({"name": "r8", "topology": ["Ring"], "npus_count": [8], "bandwidth": [50],
                          "latency": [500]})
    assert topo.num_hosts == 8 and topo.num_switches == 0 and len(topo.links) == 8
