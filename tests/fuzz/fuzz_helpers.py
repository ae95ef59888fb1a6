"""Run the CLI in-process (or in a child for ns-3, whose aborts would take pytest down) and
check the error contract: exit 0 with a finite result, or exit 2/3 with one line, no traceback."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

from astrasim_inputs import CONFIGS
from astrasim_py.cli import main
from trace_builders import AR, MiB, coll_node, write_trace

REPO = Path(__file__).resolve().parents[2]


def ar8(folder: Path) -> str:
    """An 8-rank 1 MiB all-reduce trace; returns its prefix."""
    return write_trace(folder, 8, lambda r: [coll_node(1, "ar", AR, MiB)], name="ar8")


def run_args(workload: str, network: str | None = None, system: str | None = None, *extra: str) -> list[str]:
    """`run` arguments with the reference Ring-8 network and ring system by default."""
    return ["run", f"--workload-configuration={workload}",
            f"--system-configuration={system or CONFIGS / 'sys_ring_c4.json'}",
            f"--network-configuration={network or CONFIGS / 'net_Ring_8.yml'}", "--quiet", *extra]


def error_lines(stderr: str) -> list[str]:
    """stderr without the fabric's info lines and input warnings."""
    return [line for line in stderr.splitlines()
            if line.strip() and not line.startswith(("[ns3]", "WARNING"))]


def check_contract(code: int, stderr: str, output: Path | None = None) -> str:
    """Assert the contract; returns the error line ("" on success)."""
    assert "Traceback" not in stderr and "NS_FATAL" not in stderr and "abort" not in stderr.lower(), stderr[-2000:]
    if code == 0:
        if output is not None:
            doc = json.loads(output.read_text())
            assert all(math.isfinite(t) and 0 <= t < 2**63 for t in doc["finish_ns"]), doc["finish_ns"]
        return ""
    assert code in (2, 3), (code, stderr[-2000:])
    lines = error_lines(stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith("astrasim-py: "), lines[0]
    return lines[0]


def run_inprocess(argv: list[str], capsys) -> tuple[int, str]:
    """main(argv) in this process; (exit code, stderr)."""
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().err


def run_child(argv: list[str], timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """`python -m astrasim_py argv` in a child process with this checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run([sys.executable, "-m", "astrasim_py", *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, **kwargs)
