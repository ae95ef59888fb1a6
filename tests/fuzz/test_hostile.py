"""Hostile inputs (issue 16's examples): each is one line naming the file, the field and the fix,
exit code 2, never a traceback, an ns-3 abort or a hang."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from astrasim_inputs import CONFIGS, SYSTEMS
from fuzz_helpers import ar8, check_contract, run_args, run_child, run_inprocess
from trace_builders import AR, MiB, Node, NodeType, coll_node, comp_node, make_attr, write_trace

SWITCH8 = "topology: [Switch]\nnpus_count: [8]\nbandwidth: [50]\nlatency: [500]\n"


def _dims(bandwidth="50", latency="500", npus="8"):
    return f"topology: [Ring]\nnpus_count: [{npus}]\nbandwidth: [{bandwidth}]\nlatency: [{latency}]\n"


def _system(tmp_path, **changes) -> str:
    path = tmp_path / "sys.json"
    path.write_text(json.dumps({**SYSTEMS["sys_ring_c4.json"], **changes}))
    return str(path)


BOMB = "".join([f"{a}: &{a} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, a in zip("abcdefgh", "bcdefghi")])
ANALYTICAL_NETWORKS = [  # (network YAML text, words the error line must contain)
    (_dims(".nan"), ["bandwidth[0]", "finite"]),
    (_dims(".inf"), ["bandwidth[0]", "finite"]),
    (_dims("1.0e-300"), ["bandwidth[0]", "out of range", "GB/s"]),
    (_dims(latency=".nan"), ["latency[0]", "finite"]),
    (_dims(latency="-1.0"), ["latency[0]"]),
    (_dims(npus="1000000000"), ["npus_count[0]", "131072"]),
    (_dims(npus="true"), ["npus_count[0]"]),
    ("topology: [Ring, FullyConnected]\nnpus_count: [1024, 1024]\nbandwidth: [1, 1]\nlatency: [1, 1]\n",
     ["npus_count", "131072"]),
    ('a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n' + BOMB, ["aliases"]),
    ("topology: " + "[" * 200 + "]" * 200 + "\n", ["nesting deeper than 64"]),
    ("topology: [Ring\n", ["not valid YAML", "line 2"]),
]


@pytest.mark.parametrize("text,words", ANALYTICAL_NETWORKS)
def test_bad_network_numbers_and_yaml(tmp_path, capsys, text, words):
    net = tmp_path / "net.yml"
    net.write_text(text)
    code, err = run_inprocess(run_args(ar8(tmp_path), str(net)), capsys)
    line = check_contract(code, err)
    assert code == 2 and str(net) in line and all(w in line for w in words), line


@pytest.mark.parametrize("content,words", [
    (b"\xff\xfe\x00garbage", ["NUL bytes"]),
    (b"topology: [Ring]\nbandwidth: [\xe9]\n", ["not UTF-8", "byte 0xe9 at offset 29"]),
])
def test_binary_and_misencoded_files(tmp_path, capsys, content, words):
    net = tmp_path / "net.yml"
    net.write_bytes(content)
    code, err = run_inprocess(run_args(ar8(tmp_path), str(net)), capsys)
    line = check_contract(code, err)
    assert code == 2 and all(w in line for w in words), line


@pytest.mark.parametrize("changes,field", [
    ({"preferred-dataset-splits": 10**15}, "preferred-dataset-splits"),
    ({"local-mem-bw": float("nan")}, "local-mem-bw"),
    ({"endpoint-delay": 1e300}, "endpoint-delay"),
    ({"active-chunks-per-dimension": 2.5}, "active-chunks-per-dimension"),
])
def test_bad_system_numbers(tmp_path, capsys, changes, field):
    path = tmp_path / "sys.json"
    path.write_text(json.dumps({**SYSTEMS["sys_ring_c4.json"], **changes}))  # NaN is written as NaN
    code, err = run_inprocess(run_args(ar8(tmp_path), None, str(path)), capsys)
    line = check_contract(code, err)
    assert code == 2 and str(path) in line, line
    assert field in line or "NaN" in line, line


@pytest.mark.parametrize("nodes_of,words", [
    (lambda r: [coll_node(1, "ar", AR, 2**63 - 1)], ["comm_size", "1 PiB"]),
    (lambda r: [comp_node(1, "c", 2**63)], ["end time", "2^63-1 ns"]),
    (lambda r: [comp_node(1, "c", 2**64 - 1)], ["end time"]),  # -1 written as uint64
])
def test_sizes_and_durations_beyond_64_bit_ns(tmp_path, capsys, nodes_of, words):
    prefix = write_trace(tmp_path, 8, nodes_of)
    code, err = run_inprocess(run_args(prefix), capsys)
    line = check_contract(code, err)
    assert code == 2 and all(w in line for w in words), line


def test_tiny_bandwidth_result_beyond_64_bit_ns_is_refused(tmp_path, capsys):
    # 1e-6 GB/s is allowed, but 1 PiB over it takes ~1e24 ns: refused, not reported
    prefix = write_trace(tmp_path, 8, lambda r: [coll_node(1, "ar", AR, 1 << 50)])
    net = tmp_path / "net.yml"
    net.write_text(_dims("0.000001"))
    code, err = run_inprocess(run_args(prefix, str(net)), capsys)
    line = check_contract(code, err)
    assert code == 2 and "2^63-1 ns" in line, line


def test_roofline_node_with_zero_operations_takes_no_time(tmp_path, capsys):
    def nodes_of(rank):
        return [Node(id=1, name="c", type=NodeType.COMP_NODE,
                     attr=[make_attr("num_ops", "int64_val", 0), make_attr("tensor_size", "int64_val", 100)])]
    prefix = write_trace(tmp_path, 8, nodes_of)
    out = tmp_path / "r.json"
    code, err = run_inprocess(run_args(prefix, None, str(CONFIGS / "sys_ring_c4_roofline.json"),
                                       f"--output-json={out}"), capsys)
    check_contract(code, err, out)
    assert code == 0 and json.loads(out.read_text())["finish_ns"] == [0] * 8


def test_missing_rank_file_is_named(tmp_path, capsys):
    prefix = write_trace(tmp_path, 5, lambda r: [coll_node(1, "ar", AR, MiB)])
    os.remove(f"{prefix}.3.et")
    net = tmp_path / "net.yml"
    net.write_text(_dims(npus="4"))
    code, err = run_inprocess(run_args(prefix, str(net)), capsys)
    line = check_contract(code, err)
    assert f"{prefix}.3.et is missing" in line and "has rank 4 instead" in line, line


def test_fifo_rank_file_does_not_block(tmp_path, capsys):
    prefix = ar8(tmp_path)
    os.remove(f"{prefix}.3.et")
    os.mkfifo(f"{prefix}.3.et")
    code, err = run_inprocess(run_args(prefix), capsys)
    line = check_contract(code, err)
    assert code == 2 and "not a regular file" in line and f"{prefix}.3.et" in line, line


@pytest.mark.parametrize("flag", ["--seed=-1", "--seed=4294967087", "--num-queues-per-dim=0",
                                  "--injection-scale=nan", "--injection-scale=inf"])
def test_bad_flags(tmp_path, capsys, flag):
    code, err = run_inprocess(run_args(ar8(tmp_path), None, None, flag), capsys)
    line = check_contract(code, err)
    assert code == 2 and flag.split("=")[0] in line, line


def test_validate_and_run_agree_on_comm_type(tmp_path, capsys):
    prefix = write_trace(tmp_path, 8, lambda r: [coll_node(1, "g", 3, MiB)])  # GATHER
    code, err = run_inprocess(["chakra", "validate", prefix], capsys)
    assert code == 2 and "GATHER" in check_contract(code, err)
    code, err = run_inprocess(run_args(prefix), capsys)
    assert code == 2 and "comm_type" in check_contract(code, err)
    assert run_inprocess(["chakra", "validate", "--chakra-only", prefix], capsys)[0] == 0


def test_one_rank_group_warns(tmp_path, capsys):
    from astrasim_py.chakra.attrs import string_attr

    def nodes_of(rank):
        node = coll_node(1, "ar", AR, MiB)
        node.attr.append(string_attr("pg_name", str(rank + 1)))
        return [node]
    prefix = write_trace(tmp_path, 8, nodes_of)
    groups = tmp_path / "groups.json"
    groups.write_text(json.dumps({str(r + 1): [r] for r in range(8)}))
    code, err = run_inprocess(run_args(prefix, None, None, f"--comm-group-configuration={groups}"), capsys)
    assert code == 0 and "has one rank" in err and "0 ns" in err


# ------------------------------------------------------------------ outputs
@pytest.mark.parametrize("target,words", [
    ("{tmp}", ["is a directory"]),
    ("/dev/full", ["not a regular file"]),
    ("{net}/x.json", ["is a file"]),
])
def test_output_checked_before_the_run(tmp_path, capsys, target, words):
    target = target.format(tmp=tmp_path, net=CONFIGS / "net_Ring_8.yml")
    code, err = run_inprocess(run_args(ar8(tmp_path), None, None, f"--output-json={target}"), capsys)
    line = check_contract(code, err)
    assert code == 2 and "--output-json" in line and all(w in line for w in words), line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, err = run_inprocess(run_args(ar8(tmp_path), None, None, f"--output-json={folder}/r.json"), capsys)
    finally:
        folder.chmod(0o700)
    assert code == 2 and "not writable" in check_contract(code, err)


def test_write_failure_after_the_run_keeps_a_copy(tmp_path, capsys, monkeypatch):
    import astrasim_py.safe_io as safe_io

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(safe_io.tempfile, "mkstemp", _fail_first(safe_io.tempfile.mkstemp, fail))
    out = tmp_path / "r.json"
    code, err = run_inprocess(run_args(ar8(tmp_path), None, None, f"--output-json={out}"), capsys)
    line = check_contract(code, err)
    assert code == 2 and "No space left" in line and "a copy is kept at" in line, line
    kept = line.split("a copy is kept at ")[1].split(" ")[0].rstrip(";")
    assert json.loads(open(kept).read())["finish_ns"] == [117780] * 8
    os.remove(kept)
    assert not out.exists() and not list(tmp_path.glob(".r.json.*"))


def _fail_first(real, fail):
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        return fail() if len(calls) == 1 else real(*args, **kwargs)
    return wrapper


def test_results_are_written_atomically_and_identically(tmp_path, capsys):
    out = tmp_path / "r.json"
    prefix = ar8(tmp_path)
    assert run_inprocess(run_args(prefix, None, None, f"--output-json={out}"), capsys)[0] == 0
    first = json.loads(out.read_text())
    assert first["finish_ns"] == [117780] * 8
    assert not list(tmp_path.glob(".r.json.*"))  # no temp file left behind


def test_topology_drawing_with_unknown_suffix(tmp_path, capsys):
    code, err = run_inprocess(["topology", "show", "ring_8", "--output", str(tmp_path / "x.xyz")], capsys)
    line = check_contract(code, err)
    assert code == 2 and ".xyz" in line and ".png" in line, line


@pytest.mark.parametrize("argv", [["topology", "show", "fattree_k8", "--json"], ["topology", "list"]])
def test_broken_stdout_pipe_exits_quietly(argv):
    from fuzz_helpers import REPO
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    # the reader closes at once: the first write (or the flush at exit) meets a closed pipe
    proc = subprocess.Popen([sys.executable, "-m", "astrasim_py", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and err == "", err


# ------------------------------------------------------------------ ns-3 (child processes: an abort would end pytest)
NS3_NETWORKS = [  # fabric section -> words of the one error line
    ("fabric: {link_gbps: .nan}", ["fabric.link_gbps", "finite"]),
    ("fabric: {link_gbps: .inf}", ["fabric.link_gbps", "finite"]),
    ("fabric: {link_gbps: 0.000001}", ["fabric.link_gbps", "out of range"]),
    ("fabric: {congestion_control: dcqcn, congestion_control_params: {RpTimerUs: abc}}",
     ["fabric.congestion_control_params.RpTimerUs", "a time"]),
    ("fabric: {switch_params: {BufferBytes: [1, 2]}}", ["fabric.switch_params.BufferBytes", "integer"]),
    ("fabric: {switch_params: {BufferBytes: true}}", ["fabric.switch_params.BufferBytes", "integer"]),
    ("fabric: {switch_params: {BufferBytes: -5}}", ["fabric.switch_params.BufferBytes"]),
    ("fabric: {transport_params: {MtuBytes: 10}}", ["fabric.transport_params.MtuBytes", "64..65536"]),
    ("fabric: {flow_control_params: {Alpha: .nan}}", ["fabric.flow_control_params.Alpha", "finite"]),
    ("fabric: {transport_params: {StallTimeoutUs: -10}}", ["StallTimeoutUs", ">= 0"]),
    ("fabric: {telemetry: {pcap_ports: [[-1, 0]]}}", ["fabric.telemetry.pcap_ports"]),
    ("fabric: {switch_buffer_bytes: 100}", ["fabric.switch_buffer_bytes", "one 1062-byte frame"]),
    ("fabric: {switch_buffer_bytes: 100000, headroom_bytes: 1000000}", ["fabric.headroom_bytes"]),
    ("fabric: {topology: {builder: star, num_hosts: -3, link_gbps: 100, latency_ns: 1}}",
     ["fabric.topology.num_hosts"]),
    ("fabric: {topology: {builder: star, num_hosts: 1000000000, link_gbps: 100, latency_ns: 1}}",
     ["fabric.topology.num_hosts", "131072"]),
]


@pytest.mark.ns3
@pytest.mark.parametrize("fabric,words", NS3_NETWORKS)
def test_bad_fabric_sections(tmp_path, fabric_available, fabric, words):
    net = tmp_path / "net.yml"
    net.write_text(SWITCH8 + fabric + "\n")
    proc = run_child(run_args(ar8(tmp_path), str(net), None, "--backend", "ns3"))
    line = check_contract(proc.returncode, proc.stderr)
    assert proc.returncode == 2 and all(w in line for w in words), line
    if "topology:" not in fabric:
        assert str(net) in line, line


@pytest.mark.ns3
def test_bad_preset_files(tmp_path, fabric_available):
    broken = tmp_path / "p.yaml"
    broken.write_text("flow_control: [unclosed\n")
    binary = tmp_path / "t.yaml"
    binary.write_bytes(b"\xff\xfe\x80\x81")
    for fabric, words in ((f"fabric: {{preset: {broken}}}", ["not valid YAML", str(broken)]),
                          (f"fabric: {{topology: {binary}}}", ["not UTF-8", str(binary)])):
        net = tmp_path / "net.yml"
        net.write_text(SWITCH8 + fabric + "\n")
        proc = run_child(run_args(ar8(tmp_path), str(net), None, "--backend", "ns3"))
        line = check_contract(proc.returncode, proc.stderr)
        assert proc.returncode == 2 and all(w in line for w in words), line


@pytest.mark.ns3
def test_ib_run_says_switch_buffer_bytes_is_unused(tmp_path, fabric_available):
    # a study may sweep the transport over one base file, so this is a warning, not an error
    net = tmp_path / "net.yml"
    net.write_text(SWITCH8 + "fabric: {transport: ib, switch_buffer_bytes: 100000}\n")
    out = tmp_path / "r.json"
    proc = run_child(run_args(ar8(tmp_path), str(net), None, "--backend", "ns3", f"--output-json={out}"))
    check_contract(proc.returncode, proc.stderr, out)
    assert proc.returncode == 0 and "switch_buffer_bytes is not used by InfiniBand" in proc.stderr
    assert any("SwitchBufferBytesPerVl" in w for w in json.loads(out.read_text())["fabric"]["config"]["warnings"])


@pytest.mark.ns3
def test_negative_seed_on_ns3(tmp_path, fabric_available):
    proc = run_child(run_args(ar8(tmp_path), None, None, "--backend", "ns3", "--seed=-1"))
    assert proc.returncode == 2 and "--seed" in check_contract(proc.returncode, proc.stderr)


@pytest.mark.ns3
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_an_ns3_run_with_partial_results(tmp_path, fabric_available, sig):
    # 1 GiB all-reduce on the packet fabric: minutes of work, stopped once the event loop runs
    prefix = write_trace(tmp_path, 8, lambda r: [coll_node(1, "ar", AR, 1 << 30)])
    out = tmp_path / "partial.json"
    from fuzz_helpers import REPO
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "astrasim_py",
                             *run_args(prefix, None, None, "--backend", "ns3", f"--output-json={out}")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    first = proc.stderr.readline()  # the mapped-topology line comes right before the event loop
    assert first.startswith("[ns3]"), first + proc.communicate()[1]
    time.sleep(2)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(sig)
    _, rest = proc.communicate(timeout=60)  # a hang guard, not a timing test
    err = first + rest
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "interrupted" in err
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True and 0 < doc["sim_time_ns"] and "ports" in json.dumps(doc["fabric"])
