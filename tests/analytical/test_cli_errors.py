"""`astrasim-py run` end to end and its one-line input errors (exit code 2)."""

from __future__ import annotations

import json

import pytest

from astrasim_py.cli import main
from trace_builders import AR, CONFIGS, MiB, coll_node, write_trace


@pytest.fixture()
def ar8(tmp_path):
    return write_trace(tmp_path, 8, lambda r: [coll_node(1, "ar", AR, MiB)])


def args(prefix, net="net_Ring_8.yml", system="sys_ring_c4.json", *extra):
    net = net if "/" in net else str(CONFIGS / net)
    system = system if "/" in system else str(CONFIGS / system)
    return ["run", f"--workload-configuration={prefix}", f"--system-configuration={system}",
            f"--network-configuration={net}", *extra]


def test_run_prints_astrasim_lines_and_writes_json(ar8, tmp_path, capsys):
    out = tmp_path / "res.json"
    code = main(args(ar8, "net_Ring_8.yml", "sys_ring_c4.json",
                     f"--remote-memory-configuration={CONFIGS / 'no_memory_expansion.json'}",
                     "--backend", "analytical-aware", f"--output-json={out}", "--num-queues-per-dim=1",
                     "--injection-scale=1", "--rendezvous-protocol=false"))
    assert code == 0
    text = capsys.readouterr().out
    assert "sys[7] finished, 117780 cycles, exposed communication 117780 cycles." in text
    doc = json.loads(out.read_text())
    assert doc["finish_ns"] == [117780] * 8 and doc["exposed_comm_ns"] == [117780] * 8
    assert doc["backend"] == "analytical-aware" and doc["config"]["system"]["preferred-dataset-splits"] == 4
    assert doc["config"]["system"]["active-chunks-per-dimension"] == 1
    assert doc["collectives"][0]["duration_ns"] == 117780 and "fabric" in doc and doc["wall_s"] > 0


def error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    return err[0]


def test_missing_file(ar8, capsys):
    assert main(args(ar8, "/nonexistent/net.yml")) == 2
    assert "/nonexistent/net.yml" in error_line(capsys)


def test_unknown_system_key(ar8, tmp_path, capsys):
    data = json.loads((CONFIGS / "sys_ring_c4.json").read_text())
    data["active-chunks"] = 2
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    assert main(args(ar8, "net_Ring_8.yml", str(path))) == 2
    assert "active-chunks" in error_line(capsys)


def test_bandwidth_with_unit_string(ar8, tmp_path, capsys):
    path = tmp_path / "net.yml"
    path.write_text("topology: [Ring]\nnpus_count: [8]\nbandwidth: [50GB/s]\nlatency: [500]\n")
    assert main(args(ar8, str(path))) == 2
    assert "bandwidth[0]" in error_line(capsys)


def test_npus_count_not_matching_trace(ar8, capsys):
    assert main(args(ar8, "net_Ring_16.yml")) == 2
    assert "npus_count" in error_line(capsys)


def test_halving_doubling_on_non_power_of_two(tmp_path, capsys):
    prefix = write_trace(tmp_path, 6, lambda r: [coll_node(1, "ar", AR, MiB)])
    path = tmp_path / "net6.yml"
    path.write_text("topology: [Switch]\nnpus_count: [6]\nbandwidth: [50]\nlatency: [500]\n")
    assert main(args(prefix, str(path), "sys_hd_c4.json")) == 2
    assert "power-of-two" in error_line(capsys)


def test_unknown_backend_is_an_input_error(ar8):
    from astrasim_py.errors import InputError
    from astrasim_py.runner import RunRequest, run
    with pytest.raises(InputError, match="backend"):
        run(RunRequest(workload=ar8, system=str(CONFIGS / "sys_ring_c4.json"),
                       network=str(CONFIGS / "net_Ring_8.yml"), backend="bogus"))


def test_fabric_section_is_ignored_by_analytical(tmp_path, ar8):
    from astrasim_py.runner import RunRequest, run
    path = tmp_path / "net.yml"
    path.write_text((CONFIGS / "net_Ring_8.yml").read_text() + "fabric:\n  transport: roce\n")
    res = run(RunRequest(workload=ar8, system=str(CONFIGS / "sys_ring_c4.json"), network=str(path)))
    assert res["finish_ns"] == [117780] * 8 and res["config"]["network"]["fabric"] == {"transport": "roce"}


def test_deadlock_is_a_simulation_error(tmp_path, capsys):
    # Ranks 0 and 1 each wait for the other's message before sending theirs: a deadlock.
    from trace_builders import comp_node, p2p_node

    def nodes(rank):
        if rank > 1:
            return [comp_node(1, "idle", 1)]
        peer = 1 - rank
        return [p2p_node(1, "r", False, peer, rank, 100, 1),
                p2p_node(2, "s", True, rank, peer, 100, 1, data_deps=[1])]
    prefix = write_trace(tmp_path, 8, nodes)
    assert main(args(prefix)) == 3
    assert "never finished" in capsys.readouterr().err


def test_unsupported_collective_type(tmp_path, capsys):
    prefix = write_trace(tmp_path, 8, lambda r: [coll_node(1, "barrier", 9, 64)])
    assert main(args(prefix)) == 2
    assert "comm_type" in error_line(capsys)


def test_comm_group_outside_topology(tmp_path, ar8, capsys):
    groups = tmp_path / "groups.json"
    groups.write_text('{"1": [0, 1, 99]}')
    assert main(args(ar8, "net_Ring_8.yml", "sys_ring_c4.json", f"--comm-group-configuration={groups}")) == 2
    assert "groups.json" in error_line(capsys)


def test_logging_folder_receives_the_report(ar8, tmp_path, capsys):
    folder = tmp_path / "log"
    assert main(args(ar8, "net_Ring_8.yml", "sys_ring_c4.json", f"--logging-folder={folder}", "--quiet")) == 0
    assert capsys.readouterr().out == ""
    text = (folder / "log.log").read_text()
    assert text.count("finished, 117780 cycles") == 8
