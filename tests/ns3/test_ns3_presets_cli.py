"""Policies come from the C++ TypeId registry; `astrasim-py preset list|show` prints every preset
with every parameter and its default."""

from __future__ import annotations

import json

import pytest

from astrasim_py.cli import main
from astrasim_py.network.ns3.config import list_presets
from astrasim_py.network.ns3.preset_cli import describe_preset
from astrasim_py.network.ns3.registry import policies

pytestmark = pytest.mark.ns3


def test_registry_lists_every_compiled_policy(fabric_available):
    cc = policies("congestion_control")
    assert {"none", "dcqcn", "ib_cc", "hpcc", "dctcp", "timely"} <= set(cc)
    assert cc["hpcc"].type_id == "ns3::fabric::HpccCongestionControl"
    assert {"none", "pfc", "ib_credits"} <= set(policies("flow_control"))
    hpcc = {a.name: a.default for a in cc["hpcc"].attributes}
    assert hpcc["TargetUtilization"] == "0.95" and hpcc["IntHeaderBytes"] == "42"


@pytest.mark.parametrize("name", list_presets())
def test_every_preset_shows_every_attribute_with_its_default(fabric_available, name):
    doc = describe_preset(name)
    for kind in ("flow_control", "congestion_control"):
        sec = doc[kind]
        registered = policies(kind)[sec["type"]].attributes
        assert [p["name"] for p in sec["parameters"]] == [a.name for a in registered]
        assert [p["default"] for p in sec["parameters"]] == [a.default for a in registered]


def test_preset_cli_list_and_show(fabric_available, capsys):
    assert main(["preset", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["preset"]: r for r in rows}
    for name in ("hpcc_paper", "hpcc_astrasim_ref", "timely_paper", "dctcp"):
        assert by_name[name]["congestion_control"] == name.split("_")[0]
    assert main(["preset", "show", "hpcc_astrasim_ref"]) == 0
    out = capsys.readouterr().out
    assert "MaxStage = 0" in out and "default 5" in out  # the preset's value and the default
    assert "BaseRttNs" in out and "(default)" not in out.split("congestion_control")[1]


def test_preset_show_unknown_name_is_an_input_error(fabric_available, capsys):
    assert main(["preset", "show", "no_such_preset"]) == 2
    err = capsys.readouterr().err
    assert "no_such_preset" in err and "fix:" in err and "Traceback" not in err
