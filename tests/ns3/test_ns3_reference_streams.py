"""K0, the ns-3 reference's first ECN-draw stream, counted from what its set-up creates."""

from __future__ import annotations

from pathlib import Path

import pytest

from astrasim_py.network.ns3 import reference_cases as rc
from astrasim_py.network.ns3.reference_config import parse_reference_config
from astrasim_py.network.ns3.reference_streams import reference_first_draw_stream, streams_per_node
from astrasim_py.topology.loader import load_topology
from astrasim_py.topology.ns3_text import parse_ns3_topology

# Automatic streams per ns-3 node from InternetStackHelper::Install, counted by hand: ARP's
# RequestJitter, Ipv4GlobalRouting's m_rand, ICMPv6's SolicitationJitter and
# RsRetransmissionJitter, and one m_uvar in each of the five IPv6 extensions it registers.
ARP, GLOBAL_ROUTING, ICMPV6, IPV6_EXTENSIONS = 1, 1, 2, 5
PER_NODE = ARP + GLOBAL_ROUTING + ICMPV6 + IPV6_EXTENSIONS
ERROR_MODEL = 2  # RateErrorModel's RanVar + the UniformRandomVariable common.h gives it


def test_two_leaf_fabric_gives_the_fitted_182():
    """16 hosts + 2 leaves + 2 spines = 20 nodes: 20 x 9 + 2 = 182, the value a scan had found."""
    topo = load_topology(rc.TOPOLOGIES["leaf2"])
    assert (topo.num_hosts, topo.num_switches, len(topo.links)) == (16, 4, 20)
    assert streams_per_node() == PER_NODE == 9
    assert reference_first_draw_stream(topo) == 20 * PER_NODE + ERROR_MODEL == 182


def test_other_topologies_count_nodes_not_links():
    """The 128-NPU Clos (144 nodes, 192 links) and the 8-host star (9 nodes, 8 links)."""
    clos = load_topology(rc.TOPOLOGIES["clos128"])
    assert (clos.num_hosts + clos.num_switches, len(clos.links)) == (144, 192)
    assert reference_first_draw_stream(clos) == 144 * 9 + 2 == 1298
    assert rc.first_draw_stream("star8") == 9 * 9 + 2 == 83


def test_a_lossy_link_adds_its_own_error_model():
    """A link line with error_rate > 0 gets its own RateErrorModel and variable: 2 more streams."""
    lines = ["5 2 4", "3 4", "0 3 100Gbps 0.001ms 0", "1 3 100Gbps 0.001ms 0.01",
             "2 4 100Gbps 0.001ms 0", "3 4 100Gbps 0.001ms 0"]
    topo = parse_ns3_topology(lines, "lossy", "<test>")
    assert reference_first_draw_stream(topo) == 5 * 9 + ERROR_MODEL + 2 == 49


def test_every_dcqcn_reference_case_uses_its_topologys_k0():
    """The case table holds no fitted K0: each DCQCN case takes its own topology's count."""
    for case in rc.CASES:
        ccp = rc.network_doc(case)["fabric"].get("congestion_control_params", {})
        expected = rc.first_draw_stream(case.topology) if case.variant.startswith("dcqcn") else None
        assert ccp.get("FreshStreamPerDraw") == expected, case.name
        assert not case.seed_sensitive


CONFIG = """ENABLE_QCN {qcn}
PACKET_PAYLOAD_SIZE 1000
TOPOLOGY_FILE topo.txt
CC_MODE {cc}
L2_ACK_INTERVAL 1
KMAX_MAP 1 400000000000 1600
KMIN_MAP 1 400000000000 400
PMAX_MAP 1 400000000000 0.2
"""
# the 2-leaf text format with ids in the reference's order: hosts 0-15, leaves 16-17, spines 18-19
TWO_LEAF = ("20 4 20\n16 17 18 19\n" + "".join(f"{h} {16 + h // 8} 400Gbps 0.0005ms 0\n" for h in range(16))
            + "".join(f"{leaf} {spine} 400Gbps 0.0005ms 0\n" for leaf in (16, 17) for spine in (18, 19)))


@pytest.mark.parametrize("cc,qcn,expected", [(1, 1, 182), (1, 0, None), (12, 1, None)])
def test_config_txt_sets_k0_from_its_topology_file(tmp_path: Path, cc, qcn, expected):
    """A DCQCN config.txt with marking on draws as the reference on its TOPOLOGY_FILE; others don't."""
    (tmp_path / "topo.txt").write_text(TWO_LEAF)
    (tmp_path / "config.txt").write_text(CONFIG.format(cc=cc, qcn=qcn))
    ref = parse_reference_config(str(tmp_path / "config.txt"))
    ccp = ref.network["fabric"].get("congestion_control_params", {})
    assert ccp.get("FreshStreamPerDraw") == expected
    cc_line = next(line for line in ref.mapping if line.startswith("CC_MODE"))
    assert ("FreshStreamPerDraw = 182" in cc_line) == (expected is not None)


# The reference's own config.txt files on its 2-leaf topology file, from the command line: the
# derived K0 (182) gives its DCQCN marks, so the run lands on its simulated ns exactly.
E2E = [("config_dcqcn_hpcc_runpy_preset.txt", 1_008_177), ("config_dcqcn.txt", 3_393_740)]


@pytest.mark.ns3
@pytest.mark.parametrize("config,reference_ns", E2E)
def test_reference_config_txt_dcqcn_run_is_exact(tmp_path: Path, shared_dir, fabric_available, config,
                                                 reference_ns):
    """16-NPU direct all-to-all of 16 MiB on the 4:1 2-leaf fabric with DCQCN."""
    import json
    import subprocess
    import sys

    specs = shared_dir / "specs" / "ns3_configs"
    text = (specs / config).read_text()
    words = text.split()
    topo = words[words.index("TOPOLOGY_FILE") + 1]
    (tmp_path / "config.txt").write_text(text.replace(topo, str(specs / rc.TOPOLOGY_FILES["leaf2"])))
    run = lambda *args: subprocess.run([sys.executable, "-m", "astrasim_py", *args],  # noqa: E731
                                       capture_output=True, text=True, cwd=tmp_path)
    assert run("chakra", "generate", "--collective", "all_to_all", "--npus", "16", "--size", "16MiB",
               "--output", "a2a").returncode == 0
    proc = run("run", "--workload-configuration=a2a",
               f"--system-configuration={specs / 'Ring_4chunks_a2a_direct.json'}",
               "--network-configuration=config.txt", "--backend", "ns3", "--quiet", "--output-json", "out.json")
    assert proc.returncode == 0, proc.stderr
    assert "FreshStreamPerDraw = 182" in proc.stderr
    assert json.loads((tmp_path / "out.json").read_text())["max_finish_ns"] == reference_ns
