"""Every preset validates, routes and draws; the CLI prints summaries and one-line errors."""

from __future__ import annotations

import json

import pytest

from astrasim_py.cli import main
from astrasim_py.errors import InputError
from astrasim_py.topology import compute_routes, list_presets, load_topology
from astrasim_py.topology.draw import draw_topology

REQUIRED = {"ring_8", "switch_8", "ring4x_switch2", "fattree_k4", "fattree_k8",
            "clos_2tier_64_oversub2", "rail_2x8", "rail_16x8", "ref_8n_1sw_400g",
            "ref_clos128_16sw_200g"}
SMALL = [p for p in list_presets() if p != "fattree_k16"]


def test_required_presets_exist():
    assert REQUIRED <= set(list_presets())


@pytest.mark.parametrize("preset", SMALL)
def test_preset_validates_routes_and_draws(preset, tmp_path):
    topo = load_topology(preset)
    assert topo.description.strip(), "every preset documents what it models"
    routes = compute_routes(topo)
    h = topo.num_hosts
    assert (routes.dist[:h, :h] >= 0).all()
    out = draw_topology(topo, tmp_path / f"{preset}.png")
    assert out.stat().st_size > 1000


def test_cli_show_json(capsys, tmp_path):
    png = tmp_path / "c.png"
    assert main(["topology", "show", "clos_2tier_64_oversub2", "--json", "-o", str(png)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["hosts"] == 64 and summary["switches"] == 12
    assert summary["bisection_gbps"] == pytest.approx(32 * 400 / 2)
    assert png.stat().st_size > 1000


def test_cli_show_mapping(capsys):
    assert main(["topology", "show", "ring4x_switch2", "--mapping", "4x2"]) == 0
    out = capsys.readouterr().out
    assert "rank     5  coords (1, 1)  -> host 5" in out
    assert "dim 1: 4 groups of 2 (e.g. ranks [0, 4])" in out


def test_cli_bad_input_is_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("builder: fattree\nk: 5\nlink_gbps: 100\n")
    assert main(["topology", "show", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.yaml" in err and "k" in err and "even" in err


def test_yaml_graph_and_errors(tmp_path):
    good = tmp_path / "g.yaml"
    good.write_text("builder: graph\nhosts: 2\nswitches: 1\nlink_gbps: 100\nlatency_ns: 10\n"
                    "links: [[0, 2], [1, 2, 50, 20]]\n")
    topo = load_topology(good)
    assert [(l.rate_gbps, l.latency_ns) for l in topo.links] == [(100.0, 10), (50.0, 20)]
    dup = tmp_path / "dup.yaml"
    dup.write_text("builder: graph\nhosts: 2\nswitches: 0\nlinks: [[0, 1, 1, 1], [1, 0, 1, 1]]\n")
    with pytest.raises(InputError, match=r"dup.yaml: links\[1\]: duplicate"):
        load_topology(dup)
    unknown = tmp_path / "u.yaml"
    unknown.write_text("builder: fattree\nk: 4\nlink_gbps: 1\nspeed: 3\n")
    with pytest.raises(InputError, match="unknown key 'speed'"):
        load_topology(unknown)
    broken = tmp_path / "b.yaml"
    broken.write_text("builder: [fattree\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_topology(broken)


def test_astrasim_network_yaml_accepted(astrasim_configs):
    topo = load_topology(astrasim_configs / "net_Ring_Switch_4x2.yml")
    ref = load_topology("ring4x_switch2")
    assert sorted(topo.links, key=lambda l: (l.a, l.b)) == sorted(ref.links, key=lambda l: (l.a, l.b))


def test_dict_spec_and_buffer():
    topo = load_topology({"builder": "star", "num_hosts": 4, "link_gbps": 100, "latency_ns": 1,
                          "switch_buffer_bytes": 1 << 20})
    assert topo.switch_buffer_bytes == 1 << 20 and topo.num_hosts == 4


def _leaf_spine_text() -> str:
    """ns-3 text of 16 hosts on 2 leaves (16, 17) and 2 spines (18, 19), 400 Gb/s, 500 ns."""
    links = [(h, 16 + h // 8) for h in range(16)] + [(leaf, spine) for leaf in (16, 17) for spine in (18, 19)]
    return "20 4 20\n16 17 18 19\n" + "".join(f"{a} {b} 400Gbps 0.0005ms 0\n" for a, b in links)


def test_ns3_text_builder_in_yaml(tmp_path):
    ref = tmp_path / "leaf_spine.txt"
    ref.write_text(_leaf_spine_text())
    doc = tmp_path / "n.yaml"
    doc.write_text(f"builder: ns3_text\nfile: {ref}\nswitch_buffer_bytes: 1000000\n")
    topo = load_topology(doc)
    assert (topo.num_hosts, topo.num_switches, topo.switch_buffer_bytes) == (16, 4, 1000000)
    assert load_topology(ref).num_hosts == 16  # a .txt path loads directly


def test_mapping_rejects_too_many_ranks():
    with pytest.raises(InputError, match="16 NPUs"):
        load_topology("ring_8").describe_mapping([4, 4])


def test_cli_json_mapping(capsys):
    assert main(["topology", "show", "ring4x_switch2", "--json", "--mapping", "4x2"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["logical_mapping"][5]["coords"] == [1, 1]
