"""The `astrasim-py chakra` commands, end to end, with exit codes."""

from __future__ import annotations

from astrasim_py.cli import main


def test_generate_validate_dump_view(chakra_fixtures, tmp_path, capsys):
    prefix = tmp_path / "out" / "ar"  # the CLI creates out/
    assert main(["chakra", "generate", "--collective", "all_reduce", "--npus", "8", "--size", "1MiB",
                 "--output", str(prefix)]) == 0
    for rank in range(8):
        expected = chakra_fixtures / "a_allreduce_1MiB" / f"ALL_REDUCE.{rank}.et"
        assert (tmp_path / "out" / f"ar.{rank}.et").read_bytes() == expected.read_bytes()
    assert main(["chakra", "validate", str(prefix)]) == 0
    assert main(["chakra", "validate", str(prefix), "--npus", "8"]) == 0
    capsys.readouterr()
    assert main(["chakra", "validate", str(prefix), "--npus", "16"]) == 2
    err = capsys.readouterr().err
    assert "8 rank file(s) exist but npus_count is 16" in err and err.count("\n") == 1
    assert main(["chakra", "dump", str(prefix) + ".0.et"]) == 0
    assert '"name": "ALL_REDUCE"' in capsys.readouterr().out
    assert main(["chakra", "view", str(prefix) + ".0.et", "--output", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").stat().st_size > 1000


def test_convert_and_errors(chakra_fixtures, tmp_path, capsys):
    text = chakra_fixtures / "text"
    assert main(["chakra", "convert", "--input-type", "text", "--input", str(text / "model6.txt"),
                 "--output", str(tmp_path / "m"), "--num-npus", "8", "--num-passes", "1"]) == 0
    assert (tmp_path / "m.5.et").read_bytes() == (text / "model6" / "model6.5.et").read_bytes()
    capsys.readouterr()
    assert main(["chakra", "validate", str(chakra_fixtures / "edge_cases" / "dupid")]) == 2
    assert "node id 1 appears 2 times" in capsys.readouterr().err
    assert main(["chakra", "dump", str(tmp_path / "missing.0.et")]) == 2
    assert main(["chakra", "generate", "--collective", "all_reduce", "--npus", "2", "--size", "0",
                 "--output", str(tmp_path / "z")]) == 0
    capsys.readouterr()
    assert main(["chakra", "validate", str(tmp_path / "z")]) == 0
    assert "WARNING" in capsys.readouterr().err


def test_generate_version_name_and_chain(chakra_fixtures, tmp_path):
    assert main(["chakra", "generate", "--collective", "all_reduce", "--npus", "8", "--size", "1MiB",
                 "--version", "0.0.4", "--name", "all_reduce_8npus_1MB", "--output", str(tmp_path / "a")]) == 0
    shipped = chakra_fixtures / "astra-sim_shipped_examples"
    assert all((tmp_path / f"a.{r}.et").read_bytes() == (shipped / f"all_reduce.{r}.et").read_bytes()
               for r in range(8))
    assert main(["chakra", "generate", "--chain", "comp:100:fwd,all_reduce:1MiB,comp:100:bwd", "--npus", "8",
                 "--output", str(tmp_path / "c")]) == 0
    assert (tmp_path / "c.4.et").read_bytes() == (chakra_fixtures / "b_chain" / "chain.4.et").read_bytes()
    assert main(["chakra", "generate", "--collective", "send_recv", "--npus", "2", "--tag", "7",
                 "--output", str(tmp_path / "s")]) == 0
    assert (tmp_path / "s.1.et").read_bytes() == (chakra_fixtures / "d_sendrecv" / "sendrecv.1.et").read_bytes()
    assert main(["chakra", "generate", "--collective", "nonsense", "--npus", "2", "--output",
                 str(tmp_path / "n")]) == 2


def test_validate_reports_cross_rank_mismatch(chakra_fixtures, tmp_path, capsys):
    import shutil

    shutil.copy(chakra_fixtures / "d_sendrecv" / "sendrecv.0.et", tmp_path / "p.0.et")
    shutil.copy(chakra_fixtures / "a_allreduce_1MiB" / "ALL_REDUCE.1.et", tmp_path / "p.1.et")
    assert main(["chakra", "validate", str(tmp_path / "p")]) == 2
    assert "but rank 1 posts 0 matching receive(s)" in capsys.readouterr().err


def test_generate_microbenchmarks(tmp_path):
    assert main(["chakra", "generate", "--microbenchmarks", "--npus", "2", "--size", "64KiB",
                 "--output", str(tmp_path / "mb")]) == 0
    files = sorted(p.name for p in (tmp_path / "mb").iterdir())
    assert len(files) == 28 and "ALL_REDUCE.1.et" in files
    assert main(["chakra", "validate", str(tmp_path / "mb" / "two_comp_nodes_dependent")]) == 0


def test_every_edge_case_through_every_command(chakra_fixtures, tmp_path, capsys):
    for path in sorted((chakra_fixtures / "edge_cases").glob("*.et")):
        for args in (["validate", str(path)], ["dump", str(path), "--output", str(tmp_path / "d.json")],
                     ["view", str(path), "--output", str(tmp_path / "g.svg")]):
            code = main(["chakra", *args])
            err = capsys.readouterr().err
            assert code in (0, 2), (path.name, args[0])
            assert "Traceback" not in err
            if code == 2:
                assert err.count("\n") == 1 and err.startswith("astrasim-py: error: ")
