"""Property: whatever the network YAML, the `fabric:` section, the system JSON or the Chakra node
fields hold, a run either succeeds with finite times inside 64-bit ns or exits 2/3 with one line
and no traceback. Runs are in-process (analytical) so a few hundred examples take seconds; the
ns-3 examples run in child processes, since an ns-3 abort would end pytest itself."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astrasim_inputs import CONFIGS, SYSTEMS
from astrasim_py.chakra.schema import Node, NodeType
from astrasim_py.errors import InputError
from fuzz_helpers import check_contract, run_args, run_child, run_inprocess
from trace_builders import AR, coll_node, make_attr, write_trace

# bounded so CI stays fast; ASTRASIM_FUZZ_EXAMPLES=2000 (and ASTRASIM_FUZZ_RANDOM=1) for a long hunt
EXAMPLES = int(os.environ.get("ASTRASIM_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("ASTRASIM_FUZZ_RANDOM"),
                database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# values a hostile or careless user writes where a number belongs
HOSTILE = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 2, 8, -1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**15]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 1e300, 0.5, float("nan"), float("inf"), -float("inf")]),
    st.booleans(), st.none(), st.text(max_size=8),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@pytest.fixture(scope="module")
def trace8() -> str:
    """A small 8-rank all-reduce (1 KiB: every analytical example runs in milliseconds)."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz_trace_"))
    yield write_trace(folder, 8, lambda r: [coll_node(1, "ar", AR, 1024)])
    shutil.rmtree(folder, ignore_errors=True)


def _run_and_check(capsys, argv: list[str], folder: Path) -> int:
    out = folder / "out.json"
    code, err = run_inprocess([*argv, f"--output-json={out}"], capsys)
    check_contract(code, err, out if code == 0 else None)
    return code


VALID_DIMS = {"topology": ["Ring"], "npus_count": [8], "bandwidth": [50.0], "latency": [500.0]}


@st.composite
def network_docs(draw):
    """A network mapping: the valid Ring-8 with some entries replaced, lists resized, keys added."""
    doc = {k: list(v) for k, v in VALID_DIMS.items()}
    for key in draw(st.lists(st.sampled_from(list(VALID_DIMS)), max_size=3, unique=True)):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            doc[key] = draw(HOSTILE)
        elif choice == 1:
            doc[key] = [draw(HOSTILE)]
        elif choice == 2:
            doc[key] = doc[key] * draw(st.integers(0, 3))
        else:
            doc.pop(key)
    if draw(st.booleans()):
        doc[draw(st.sampled_from(["fabric", "npus", "Topology"]))] = draw(HOSTILE)
    return doc


@FUZZ
@given(doc=network_docs())
def test_network_yaml(trace8, capsys, doc):
    with tempfile.TemporaryDirectory() as tmp:
        net = Path(tmp) / "net.yml"
        net.write_text(yaml.safe_dump(doc))
        _run_and_check(capsys, run_args(trace8, str(net)), Path(tmp))


SYSTEM_KEYS = ["preferred-dataset-splits", "active-chunks-per-dimension", "local-mem-bw", "endpoint-delay",
               "peak-perf", "roofline-enabled", "scheduling-policy", "collective-optimization",
               "all-reduce-implementation", "local-reduction-delay", "L", "boost-mode"]


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(SYSTEM_KEYS), HOSTILE, min_size=1, max_size=3))
def test_system_json(trace8, capsys, changes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sys.json"
        path.write_text(json.dumps({**SYSTEMS["sys_ring_c4.json"], **changes}, default=str))
        _run_and_check(capsys, run_args(trace8, None, str(path)), Path(tmp))


MEMORY_KEYS = ["memory-type", "remote-mem-latency", "remote-mem-bw", "num-nodes", "num-npus-per-node"]


@FUZZ
@given(doc=st.dictionaries(st.sampled_from(MEMORY_KEYS), st.one_of(HOSTILE, st.sampled_from(
    ["NO_MEMORY_EXPANSION", "PER_NODE_MEMORY_EXPANSION", "PER_NPU_MEMORY_EXPANSION", "MEMORY_POOL"])), max_size=4),
       size=st.sampled_from([0, 1, 1 << 20, 1 << 50, 2**63 - 1]))
def test_remote_memory_json(capsys, doc, size):
    with tempfile.TemporaryDirectory() as tmp:
        prefix = write_trace(Path(tmp), 8, lambda r: [Node(id=1, name="load", type=NodeType.MEM_LOAD_NODE,
                                                            attr=[make_attr("tensor_size", "uint64_val", size)])])
        memory = Path(tmp) / "mem.json"
        memory.write_text(json.dumps(doc, default=str))
        _run_and_check(capsys, run_args(prefix, None, None, f"--remote-memory-configuration={memory}"), Path(tmp))


INT_ATTRS = ["comm_type", "comm_size", "comm_src", "comm_dst", "comm_tag", "num_ops", "tensor_size",
             "comm_priority", "is_cpu_op"]
INT_KINDS = st.sampled_from(["int64_val", "uint64_val", "int32_val", "uint32_val"])
KIND_RANGES = {"int64_val": (-(2**63), 2**63 - 1), "uint64_val": (0, 2**64 - 1),
               "int32_val": (-(2**31), 2**31 - 1), "uint32_val": (0, 2**32 - 1)}


@st.composite
def node_lists(draw):
    """1-3 nodes of any type with random integer attributes, durations and dependencies."""
    count = draw(st.integers(1, 3))
    nodes = []
    for i in range(count):
        attrs = []
        for name in draw(st.lists(st.sampled_from(INT_ATTRS), max_size=5, unique=True)):
            kind = draw(INT_KINDS)
            lo, hi = KIND_RANGES[kind]
            value = draw(st.one_of(st.integers(lo, hi), st.sampled_from([v for v in (0, 1, 7, 8, 1024)])))
            attrs.append(make_attr(name, kind, value))
        odd = draw(st.sampled_from([None, ("comm_size", "double_val", 2.5), ("pg_name", "int64_val", 1),
                                    ("involved_dim", "bool_list", [True, False]), ("pg_name", "string_val", "7")]))
        if odd:
            attrs.append(make_attr(*odd))
        deps = draw(st.lists(st.integers(0, count + 1), max_size=2))
        nodes.append(Node(id=i, name=f"n{i}", type=draw(st.integers(0, 8)),
                          duration_micros=draw(st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 10))),
                          data_deps=deps, attr=attrs))
    return nodes


@FUZZ
@given(nodes=node_lists(), roofline=st.booleans())
def test_chakra_node_fields(capsys, nodes, roofline):
    with tempfile.TemporaryDirectory() as tmp:
        prefix = write_trace(Path(tmp), 8, lambda r: nodes)
        system = CONFIGS / ("sys_ring_c4_roofline.json" if roofline else "sys_ring_c4.json")
        _run_and_check(capsys, run_args(prefix, None, str(system)), Path(tmp))


# ------------------------------------------------------------------ the fabric: section
FABRIC_KEYS = ["link_gbps", "latency_ns", "mtu_bytes", "nic_latency_ns", "switch_latency_ns",
               "switch_buffer_bytes", "headroom_bytes", "transport", "routing", "preset"]
PARAM_SECTIONS = {"transport_params": ["MtuBytes", "StallTimeoutUs", "RetransmitTimeoutUs", "AckIntervalPackets",
                                       "DataPriority"],
                  "switch_params": ["BufferBytes", "ForwardingDelayNs", "HeadroomFactor", "Routing"],
                  "flow_control_params": ["Alpha", "PauseQuanta", "RefreshFraction", "DynamicThreshold"],
                  "congestion_control_params": ["RpTimerUs", "Pmax", "G", "RateAiMbps"]}


PLAUSIBLE = st.sampled_from([1, 3, 64, 100, 400, 500, 1000, 4096, 1 << 20, 1 << 25, 0.5, 0.01, True, False,
                             "10us", "ecmp"])  # values that often pass, so some examples run the fabric


@st.composite
def fabric_sections(draw):
    fabric = {}
    for key in draw(st.lists(st.sampled_from(FABRIC_KEYS), max_size=3, unique=True)):
        fabric[key] = draw(st.one_of(HOSTILE, PLAUSIBLE, st.sampled_from(["roce", "ib", "ecmp", "pfc_only", "lossy"])))
    for section in draw(st.lists(st.sampled_from(list(PARAM_SECTIONS)), max_size=2, unique=True)):
        names = draw(st.lists(st.sampled_from(PARAM_SECTIONS[section]), min_size=1, max_size=2, unique=True))
        fabric[section] = {n: draw(st.one_of(HOSTILE, PLAUSIBLE)) for n in names}
    if "congestion_control_params" in fabric:
        fabric["congestion_control"] = "dcqcn"
    return fabric


@pytest.fixture(scope="module")
def described(fabric_available):
    """Every attribute's checker and range, per target, from the fabric library (no run)."""
    from astrasim_py.network.ns3.loader import bridge_class

    bridge = bridge_class()()
    bridge.SelectPolicies("ns3::fabric::PfcFlowControl", "ns3::fabric::DcqcnCongestionControl")
    return {t: json.loads(str(bridge.DescribeAttributes(t)))
            for t in ("network", "switch", "nic", "flow_control", "congestion_control")}


@pytest.mark.ns3
@FUZZ
@given(fabric=fabric_sections())
def test_fabric_section_parses_or_names_the_field(described, fabric):
    """parse_fabric_config and the attribute check accept or refuse with a field; never crash."""
    from astrasim_py.network.ns3.attr_check import check_attributes
    from astrasim_py.network.ns3.config import parse_fabric_config

    network = {**VALID_DIMS, "fabric": fabric}
    try:
        cfg = parse_fabric_config(json.loads(json.dumps(network, default=str)), 8, "net.yml")
        checks = [("network", cfg.network_params), ("switch", cfg.switch_params)]
        for target, policy in (("flow_control", cfg.flow_control), ("congestion_control", cfg.congestion_control)):
            if policy.type_id == described[target]["type"]:  # the table was read for PFC + DCQCN
                checks.append((target, policy.params))
        for target, params in checks:
            check_attributes(described[target]["attributes"], params, type_name=target, source="net.yml",
                             where=f"fabric.{target}")
    except InputError as exc:
        line = exc.one_line()
        assert "\n" not in line and exc.field and exc.field.startswith(("fabric", "topology", "npus_count",
                                                                        "bandwidth", "latency")), line


@pytest.mark.ns3
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fabric=fabric_sections())
def test_fabric_section_end_to_end(trace8, fabric_available, fabric):
    """A few fabric sections through a real ns-3 run (child process: an abort cannot hide)."""
    with tempfile.TemporaryDirectory() as tmp:
        net = Path(tmp) / "net.yml"
        net.write_text(yaml.safe_dump({"topology": ["Switch"], "npus_count": [8], "bandwidth": [50],
                                       "latency": [500], "fabric": fabric}))
        out = Path(tmp) / "out.json"
        proc = run_child([*run_args(trace8, str(net), None, "--backend", "ns3"), f"--output-json={out}"])
        check_contract(proc.returncode, proc.stderr, out if proc.returncode == 0 else None)
        if proc.returncode == 0:
            assert math.isfinite(json.loads(out.read_text())["max_finish_ns"])
