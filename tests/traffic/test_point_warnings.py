"""A sweep point's result carries the fabric warnings at its top level (the study report and
results.csv read them there)."""

from __future__ import annotations

import pytest

from astrasim_py.chakra.generators import generate_collective, write_workload
from astrasim_py.sweep.pointrun import load_point_fn, run_point
from astrasim_py.sweep.points import SweepPoint
from astrasim_py.sweep.store import STATUS_OK

from .conftest import write_yaml

pytestmark = pytest.mark.ns3


def test_credit_limit_warning_is_in_the_point_result(tmp_path, system_json, fabric_available):
    write_workload(tmp_path / "ar", generate_collective("all_reduce", 4, 1 << 20))
    fabric = {"topology": {"builder": "star", "num_hosts": 4, "link_gbps": 400, "latency_ns": 500},
              "transport": "ib", "flow_control_params": {"HcaBufferBytesPerVl": 65536}}
    net = write_yaml(tmp_path / "net.yml", {"fabric": fabric})
    point = SweepPoint(0, "p0", {"buffer": "64KiB"},
                       {"workload": str(tmp_path / "ar"), "system": system_json, "network": net, "backend": "ns3"})
    record = run_point(point, load_point_fn("astrasim_py.sweep.pointrun:run_request"), tmp_path, "t")
    assert record["status"] == STATUS_OK
    (line,) = record["result"]["warnings"]
    assert "credit-limited" in line and "HcaBufferBytesPerVl" in line
    assert record["result"]["fabric"]["config"]["warnings"] == [line]
