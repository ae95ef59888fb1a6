"""`chakra algorithm` and `chakra check-algorithm`, end to end with exit codes."""

from __future__ import annotations

import pytest

from astrasim_py.chakra.io import read_et
from astrasim_py.cli import main


def test_algorithm_then_check(tmp_path, capsys):
    prefix = tmp_path / "a" / "hier"
    assert main(["chakra", "algorithm", "--name", "hierarchical", "--npus", "8", "--servers", "2",
                 "--size", "1MiB", "--output", str(prefix)]) == 0
    assert f'"all-reduce-implementation-custom": ["{prefix}"]' in capsys.readouterr().out
    assert main(["chakra", "check-algorithm", str(prefix), "--npus", "8"]) == 0
    out = capsys.readouterr().out
    # per rank: 2(g-1) intra-server messages of size/g, 2(s-1) inter-server pieces of size/(g s)
    assert "8 ranks" in out and f"{8 * (6 + 2)} messages" in out
    assert f"{8 * (6 * 262144 + 2 * 131072)} bytes" in out
    assert len(read_et(f"{prefix}.0.et").nodes) == 2 * (6 + 2) + (3 + 1)  # 8 SEND + 8 RECV + g-1 + s-1 reductions


def test_check_algorithm_errors(tmp_path, capsys):
    prefix = tmp_path / "ring"
    assert main(["chakra", "algorithm", "--name", "ring", "--npus", "4", "--size", "64KiB",
                 "--output", str(prefix)]) == 0
    capsys.readouterr()
    assert main(["chakra", "check-algorithm", str(prefix), "--npus", "5"]) == 2
    assert "ring.4.et: prefix: custom collective rank file missing" in capsys.readouterr().err
    assert main(["chakra", "check-algorithm", str(prefix), "--npus", "4", "--rendezvous"]) == 2
    err = capsys.readouterr().err
    assert "deadlocks before the run (with rendezvous" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exit_info:  # argparse refuses an unknown --name
        main(["chakra", "algorithm", "--name", "tree", "--npus", "4", "--size", "1", "--output", "x"])
    assert exit_info.value.code == 2
