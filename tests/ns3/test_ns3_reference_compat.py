"""The reference-compatible mode (preset astrasim_ns3_compat): each switch alone in closed form,
the reference's own numbers on its fast cases, and its config.txt / logical-topology inputs."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from astrasim_py.network.ns3 import reference_cases as rc

pytestmark = pytest.mark.ns3

REPO = Path(__file__).resolve().parents[2]
L = 500          # link latency [ns]
FRAME = 21       # 1000 B payload + 36 B at 400 Gb/s = 20.72 ns, rounded to whole ns
ACK = 1          # 48 B at 400 Gb/s = 0.96 ns -> 1 ns
COMPAT = {"DataHeaderBytes": 36, "PreambleIfgBytes": 0, "AckBytes": 48, "SerializationGranularityPs": 1000}


def _star(hosts: int = 2, preset: str = "pfc_only", **transport) -> dict:
    return {"fabric": {"topology": {"builder": "star", "num_hosts": hosts, "link_gbps": 400, "latency_ns": L},
                       "preset": preset, "mtu_bytes": 1000, "transport_params": transport}}


def test_framing_and_whole_ns_serialization(make_backend):
    """4 packets over one switch: 4 frames + 2 latencies + one store-and-forward frame."""
    exact = make_backend(_star(DataHeaderBytes=36, PreambleIfgBytes=0), 2)
    f = exact.flow(0, 1, 4000)
    exact.run()
    assert exact.flow_done_ns[f] == pytest.approx(5 * 1036 * 8 / 400 + 2 * L, abs=1e-3)  # 1103.6
    rounded = make_backend(_star(**COMPAT), 2)
    f = rounded.flow(0, 1, 4000)
    rounded.run()
    assert rounded.flow_done_ns[f] == 5 * FRAME + 2 * L  # 1105


def test_ack_completion_adds_the_ack_trip(make_backend):
    """Completion ack: the last ACK leaves at the last byte and crosses two links (1 ns frames)."""
    be = make_backend(_star(**COMPAT, Completion="ack"), 2)
    f = be.flow(0, 1, 4000)
    be.run()
    assert be.flow_done_ns[f] == 5 * FRAME + 2 * L + 2 * (ACK + L)  # 2107


def test_completion_fabric_option(make_backend):
    """fabric.completion: ack equals the Completion attribute; a bad value names the field."""
    from astrasim_py.errors import InputError

    net = _star(**COMPAT)
    net["fabric"]["completion"] = "ack"
    be = make_backend(net, 2)
    f = be.flow(0, 1, 4000)
    be.run()
    assert be.flow_done_ns[f] == 5 * FRAME + 2 * L + 2 * (ACK + L)
    net["fabric"]["completion"] = "first_byte"
    with pytest.raises(InputError, match="fabric.completion"):
        make_backend(net, 2)


def test_qp_per_message_interleaves_instead_of_fifo(make_backend):
    """Two 4-packet messages on one pair: FIFO finishes them at 4 and 8 frames. Separate QPs
    share the port round robin; A's first packet left before B existed: A A B A B A B B, so A's
    last packet is the 6th frame (+1 frame store and forward)."""
    fifo = make_backend(_star(**COMPAT), 2)
    a, b = fifo.flow(0, 1, 4000), fifo.flow(0, 1, 4000)
    fifo.run()
    assert (fifo.flow_done_ns[a], fifo.flow_done_ns[b]) == (5 * FRAME + 2 * L, 9 * FRAME + 2 * L)
    assert fifo.telemetry()["queue_pairs"] == 1
    per = make_backend(_star(**COMPAT, QpPerMessage=True), 2)
    a, b = per.flow(0, 1, 4000), per.flow(0, 1, 4000)
    per.run()
    assert (per.flow_done_ns[a], per.flow_done_ns[b]) == (7 * FRAME + 2 * L, 9 * FRAME + 2 * L)
    assert per.telemetry()["queue_pairs"] == 2


def test_bdp_window_bounds_the_incast_queue(make_backend):
    """2-to-1 incast: without a window the switch queue grows to about one message; with the
    pair's BDP window, (2 x 1000 + 2 x 20) ns x 50 B/ns = 102,000 B, in flight per QP, the queue
    holds about the second window (2W minus the pipe, which holds about W)."""
    bdp_bytes = (2 * 2 * L + 2 * 20) * 400 // 8
    assert bdp_bytes == 102_000
    sizes = {}
    for window in (False, True):
        be = make_backend(_star(3, **COMPAT, BdpWindow=window), 3)
        be.flow(1, 0, 2_000_000)
        be.flow(2, 0, 2_000_000)
        be.run()
        sizes[window] = be.telemetry()["max_queue_bytes"]
    assert sizes[False] > 900_000
    assert 0.9 * bdp_bytes < sizes[True] < 1.1 * bdp_bytes * 1036 / 1000


def _murmur3_12(words: list[int], seed: int) -> int:
    """Murmur3 (x86, 32 bit) over three little-endian 32-bit words."""
    m = 0xFFFFFFFF
    h = seed & m
    for k in words:
        k = (k * 0xCC9E2D51) & m
        k = ((k << 15) | (k >> 17)) & m
        k = (k * 0x1B873593) & m
        h ^= k
        h = ((h << 13) | (h >> 19)) & m
        h = (h * 5 + 0xE6546B64) & m
    h ^= 12
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & m
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & m
    return h ^ (h >> 16)


def test_reference_ecmp_hash_picks_the_spine_the_reference_picks(make_backend):
    """Leaf 16 has spines 18 and 19 toward host 8: index = Murmur3(sip, dip, sport | 100 << 16),
    seeded with the leaf's node id, mod 2; hosts are 11.0.id.1, the n-th message uses 10000 + n."""
    ip = lambda host: 0x0B000001 | (host // 256) << 16 | (host % 256) << 8  # noqa: E731
    net = {"fabric": {"topology": "ref_16n_2leaf2spine_400g", "preset": "pfc_only", "mtu_bytes": 1000,
                      "transport_params": {"EcmpHash": "reference", "QpPerMessage": True}}}
    for n_messages in (1, 2, 3):
        be = make_backend(net, 16, seed=0)
        for _ in range(n_messages):
            be.flow(0, 8, 3000)
        be.run()
        links = be.telemetry()["links"]
        data = {spine: sum(l["bytes_a_to_b"] if l["a"] == 16 else l["bytes_b_to_a"] for l in links
                           if {l["a"], l["b"]} == {16, spine}) for spine in (18, 19)}
        expected = {18: 0, 19: 0}
        for n in range(n_messages):
            index = _murmur3_12([ip(0), ip(8), (10000 + n) | 100 << 16], 16) % 2
            expected[(18, 19)[index]] += 3 * (1000 + 62 + 20)
        assert data == expected, n_messages


@pytest.mark.parametrize("case", [c for c in rc.CASES if c.fast and not c.seed_sensitive], ids=lambda c: c.name)
def test_reference_case_within_3_percent(case, fabric_available):
    """Uncongested reference cases: the compat preset lands on the reference's simulated ns."""
    ours = rc.run_case(case)["simulated_ns"]
    assert abs(ours - case.reference_ns) / case.reference_ns < 0.03, (ours, case.reference_ns)


def test_reference_anchor_is_exact(fabric_available):
    """The 8-NPU 1 MiB ring: 448 sequential 32 KiB QPs, every one ACK-completed: 154,096 ns."""
    assert rc.run_case(rc.case_by_name("allreduce_8npu_1MiB_star8_no_cc"))["simulated_ns"] == 154_096


# The DCQCN 2-leaf cases with the reference's own ECN draws (FreshStreamPerDraw = its K0, 182):
# every one to the reference's nanosecond at its RngSeed (our seed 0). The 64 MiB one (6,400,535)
# runs in `scripts/bench.py --suite reference`.
DCQCN_EXACT = ["alltoall_direct_16npu_16MiB_leaf2_dcqcn", "alltoall_direct_16npu_16MiB_leaf2_dcqcn_hpcc_runpy",
               "allreduce_8x2_16npu_16MiB_leaf2_dcqcn"]


@pytest.mark.parametrize("name", DCQCN_EXACT)
def test_dcqcn_case_exact_with_the_reference_draws(name, fabric_available):
    """Draw k from the first number of ns-3 stream 182 + k (ACKs leaving a data queue draw too),
    as the reference's per-draw UniformRandomVariable: exact; from one stream: not."""
    case = rc.case_by_name(name)
    assert rc.run_case(case, seed=0)["simulated_ns"] == case.reference_ns
    doc = rc.network_doc
    try:
        rc.network_doc = lambda c: {"fabric": {**doc(c)["fabric"], "congestion_control_params": {
            **doc(c)["fabric"]["congestion_control_params"], "FreshStreamPerDraw": -1}}}
        assert rc.run_case(case, seed=0)["simulated_ns"] != case.reference_ns
    finally:
        rc.network_doc = doc


def test_default_mode_differs_from_compat(fabric_available):
    """Without the preset the same ring completes at the last byte with 82 B headers (faster)."""
    case = rc.case_by_name("allreduce_8npu_1MiB_star8_no_cc")
    doc = rc.network_doc
    try:
        rc.network_doc = lambda c: {"fabric": {"topology": "ref_8n_1sw_400g", "preset": "pfc_only",
                                               "mtu_bytes": 1000}}
        ours = rc.run_case(case)["simulated_ns"]
    finally:
        rc.network_doc = doc
    assert ours < 0.85 * 154_096


CONFIG_TXT = """ENABLE_QCN 1
USE_DYNAMIC_PFC_THRESHOLD 1
PACKET_PAYLOAD_SIZE 1000
TOPOLOGY_FILE topo.txt
FCT_OUTPUT_FILE fct.txt
CC_MODE 1
ALPHA_RESUME_INTERVAL 1
RATE_DECREASE_INTERVAL 4
CLAMP_TARGET_RATE 0
RP_TIMER 900
EWMA_GAIN 0.00390625
FAST_RECOVERY_TIMES 1
RATE_AI 50Mb/s
RATE_HAI 100Mb/s
MIN_RATE 100Mb/s
L2_ACK_INTERVAL 1
HAS_WIN 1
GLOBAL_T 0
VAR_WIN 1
ACK_HIGH_PRIO 0
LINK_DOWN 0 0 0
KMAX_MAP 2 100000000000 1600 400000000000 3200
KMIN_MAP 2 100000000000 400 400000000000 800
PMAX_MAP 2 100000000000 0.2 400000000000 0.2
BUFFER_SIZE 32
"""
TOPO_TXT = "9 1 8\n8\n" + "".join(f"{h} 8 400Gbps 0.0005ms 0\n" for h in range(8))


def _write_inputs(tmp_path: Path, npus: int = 8, config: str = CONFIG_TXT, topo: str = TOPO_TXT) -> dict:
    (tmp_path / "config.txt").write_text(config)
    (tmp_path / "topo.txt").write_text(topo)
    (tmp_path / "system.json").write_text(json.dumps(rc.SYSTEM_RING_4CHUNKS))
    subprocess.run([sys.executable, "-m", "astrasim_py", "chakra", "generate", "--collective", "all_reduce",
                    "--npus", str(npus), "--size", "1MiB", "--output", str(tmp_path / "ar")],
                   check=True, stdout=subprocess.DEVNULL, cwd=tmp_path)
    return {"config": tmp_path / "config.txt", "system": tmp_path / "system.json", "workload": tmp_path / "ar"}


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "astrasim_py", "run", *args], capture_output=True, text=True,
                          cwd=tmp_path)


def test_config_txt_maps_every_key():
    """Each key becomes an attribute, is shown as having no effect, or (below) is refused."""
    from astrasim_py.network.ns3.reference_config import parse_reference_config

    def parse(tmp: Path):
        (tmp / "config.txt").write_text(CONFIG_TXT)
        (tmp / "topo.txt").write_text(TOPO_TXT)
        return parse_reference_config(str(tmp / "config.txt"))

    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        ref = parse(Path(tmp))
        fabric = ref.network["fabric"]
        assert fabric["preset"] == "astrasim_ns3_compat"
        assert fabric["topology"] == str(Path(tmp) / "topo.txt")
        assert fabric["switch_buffer_bytes"] == 32 * 2**20
        assert fabric["congestion_control"] == "dcqcn_astrasim_ref"
        ccp = fabric["congestion_control_params"]
        assert ccp["RateAiMbps"] == 50 and ccp["MinRateMbps"] == 100 and ccp["RpTimerUs"] == 900
        assert ccp["EcnThresholdsByGbps"] == "100:400000:1600000:0.2,400:800000:3200000:0.2"
        assert ccp["DecreaseOnTimer"] is True and ccp["ClampTargetRate"] is False
        assert fabric["transport_params"] == {"AckIntervalPackets": 1, "BdpWindow": True,
                                              "WindowScalesWithRate": True, "AcksAtDataPriority": True}
        assert len(ref.mapping) == len(CONFIG_TXT.splitlines())


@pytest.mark.parametrize("line,field", [("GLOBAL_T 1", "GLOBAL_T"), ("L2_BACK_TO_ZERO 1", "L2_BACK_TO_ZERO"),
                                        ("ERROR_RATE_PER_LINK 0.01", "ERROR_RATE_PER_LINK"),
                                        ("L2_ACK_INTERVAL 0", "L2_ACK_INTERVAL"), ("LINK_DOWN 1 2 3", "LINK_DOWN"),
                                        ("MISSPELLED_KEY 3", "MISSPELLED_KEY"), ("RATE_BOUND 0", "RATE_BOUND")])
def test_config_txt_refuses_what_it_cannot_honour(tmp_path, line, field, fabric_available):
    """One line on stderr naming the file and the key, exit 2, no traceback."""
    paths = _write_inputs(tmp_path, config=CONFIG_TXT + line + "\n")
    proc = _cli(tmp_path, f"--workload-configuration={paths['workload']}",
                f"--system-configuration={paths['system']}", f"--network-configuration={paths['config']}",
                "--backend", "ns3")
    assert proc.returncode == 2, proc.stderr
    errors = [l for l in proc.stderr.splitlines() if "error" in l]
    assert len(errors) == 1 and "config.txt" in errors[0] and field in errors[0]
    assert "Traceback" not in proc.stderr


def test_config_txt_run_from_the_cli(tmp_path, fabric_available):
    """A reference config.txt on the command line: compat preset announced, the anchor reproduced."""
    paths = _write_inputs(tmp_path)
    proc = _cli(tmp_path, f"--workload-configuration={paths['workload']}",
                f"--system-configuration={paths['system']}", f"--network-configuration={paths['config']}",
                "--backend", "ns3", "--quiet", "--output-json", "out.json")
    assert proc.returncode == 0, proc.stderr
    assert "astrasim_ns3_compat" in proc.stderr and "HAS_WIN 1 -> BdpWindow = True" in proc.stderr
    assert json.loads((tmp_path / "out.json").read_text())["max_finish_ns"] == 154_096


def test_logical_topology_configuration(tmp_path, fabric_available):
    """--logical-topology-configuration: 8x2 dims run a 2-D ring; a wrong product is refused."""
    topo16 = "17 1 16\n16\n" + "".join(f"{h} 16 400Gbps 0.0005ms 0\n" for h in range(16))
    paths = _write_inputs(tmp_path, npus=16, topo=topo16)
    system = dict(rc.SYSTEM_RING_4CHUNKS, **{f"{k}-implementation": ["ring", "ring"] for k in
                                             ("all-reduce", "all-gather", "reduce-scatter", "all-to-all")})
    paths["system"].write_text(json.dumps(system))
    (tmp_path / "dims.json").write_text(json.dumps({"logical-dims": ["8", "2"]}))
    (tmp_path / "bad.json").write_text(json.dumps({"logical-dims": ["8", "3"]}))
    common = [f"--workload-configuration={paths['workload']}", f"--system-configuration={paths['system']}",
              f"--network-configuration={paths['config']}", "--backend", "ns3", "--quiet"]
    one_d = _cli(tmp_path, *common, "--output-json", "one.json")
    two_d = _cli(tmp_path, *common, "--logical-topology-configuration=dims.json", "--output-json", "two.json")
    assert one_d.returncode == 0 and two_d.returncode == 0, two_d.stderr
    t1 = json.loads((tmp_path / "one.json").read_text())["max_finish_ns"]
    t2 = json.loads((tmp_path / "two.json").read_text())["max_finish_ns"]
    assert t1 != t2  # the 2-D ring runs 8-rings then 2-rings: another message schedule
    bad = _cli(tmp_path, *common, "--logical-topology-configuration=bad.json")
    assert bad.returncode == 2 and "logical-dims" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("variant", sorted(rc.VARIANT_CONFIG_FILES))
def test_reference_config_files_match_the_case_variants(variant, shared_dir):
    """Cross-check: the reference's own config.txt maps to the same attributes as our variant."""
    from astrasim_py.network.ns3.config import parse_fabric_config
    from astrasim_py.network.ns3.reference_config import parse_reference_config

    path = shared_dir / "specs" / "ns3_configs" / rc.VARIANT_CONFIG_FILES[variant]
    theirs = parse_fabric_config(parse_reference_config(str(path)).network, 8, str(path))
    # the case on the config's own topology (K0, the first ECN-draw stream, depends on it)
    words = path.read_text().split()
    topo_file = Path(words[words.index("TOPOLOGY_FILE") + 1]).name
    topo = next(key for key, name in rc.TOPOLOGY_FILES.items() if name == topo_file)
    ours_doc = rc.network_doc(rc.ReferenceCase("all_reduce", "ring", 8, 1, topo, variant, 0))
    ours = parse_fabric_config(ours_doc, 8)
    for attr in ("network_params", "switch_params", "nic_params"):
        assert _values(getattr(theirs, attr)) == _values(getattr(ours, attr)), attr
    assert theirs.flow_control == ours.flow_control
    assert theirs.congestion_control.type_id == ours.congestion_control.type_id
    assert _values(theirs.congestion_control.params) == _values(ours.congestion_control.params)


def _values(params: dict[str, object]) -> dict[str, object]:
    """Attribute values compared as values (1.0 == 1, True == 'true')."""
    out: dict[str, object] = {}
    for key, value in params.items():
        text = str(value)
        core = text[:-2] if text.endswith(("us", "ns")) else text
        try:
            out[key] = float(core)
        except ValueError:
            out[key] = text.lower()
    return out


def test_pause_until_resume_sends_one_xoff_per_xon(make_backend):
    """7-to-1 incast into a 1 MB buffer: PFC pauses; without quanta refresh every XOFF is followed
    by exactly one XON (the reference's pause/resume pairs)."""
    counts = {}
    for until_resume in (False, True):
        net = _star(8, **COMPAT)
        net["fabric"]["switch_buffer_bytes"] = 1_000_000
        net["fabric"]["flow_control_params"] = {"PauseUntilResume": until_resume, "PauseQuanta": 1000}
        be = make_backend(net, 8)
        for src in range(1, 8):
            be.flow(src, 0, 1_000_000)
        be.run()
        tel = be.telemetry()
        assert tel["drops"] == 0 and tel["delivered_bytes"] == 7_000_000
        counts[until_resume] = (tel["pfc_xoff_frames"], tel["pfc_pause_frames"] - tel["pfc_xoff_frames"])
    xoff, xon = counts[True]
    assert xoff > 0 and xoff == xon
    refreshed_xoff, _ = counts[False]
    assert refreshed_xoff > xoff  # 1000 quanta = 1.28 us at 400 Gb/s: refreshed while congested


def _incast_dcqcn(flows_per_sender: int, wakeup: bool) -> dict:
    doc = _star(3, preset="astrasim_ns3_compat", BdpWindow=False)
    doc["fabric"]["congestion_control"] = "dcqcn_astrasim_ref"
    doc["fabric"]["congestion_control_params"] = {"DecreaseOnTimer": True, "EcnThresholdsByGbps": "",
                                                  "KminBytes": 5000, "KmaxBytes": 50000, "RpTimerUs": 20}
    doc["fabric"]["nic_params"] = {"ReferenceWakeup": wakeup}
    return doc


@pytest.mark.parametrize("flows_per_sender", [1, 2])
def test_reference_wakeup_only_holds_a_paced_qp_behind_another(make_backend, flows_per_sender):
    """2-to-1 incast under DCQCN: with one QP per NIC a paced QP is always the NIC's earliest, so the
    reference's wake-up rule changes nothing; with two, a QP whose next-send time has passed (sent
    out, awaiting ACKs) keeps the NIC from waking its paced sibling, and the timing moves."""
    done = {}
    for wakeup in (False, True):
        be = make_backend(_incast_dcqcn(flows_per_sender, wakeup), 3)
        flows = [be.flow(src, 0, 500_000 if i == 0 else 60_000)
                 for src in (1, 2) for i in range(flows_per_sender)]
        be.run()
        assert be.telemetry()["congestion_control_stats"]["rate_cuts"] > 0
        done[wakeup] = [be.flow_done_ns[f] for f in flows]
    if flows_per_sender == 1:
        assert done[True] == done[False]
    else:
        small = [1, 3]  # done sending before the first cut: untouched
        assert [done[True][i] for i in small] == [done[False][i] for i in small]
        large = [0, 2]  # paced after the cuts: held, never earlier, at least one later
        assert all(done[True][i] >= done[False][i] for i in large)
        assert any(done[True][i] > done[False][i] for i in large)
