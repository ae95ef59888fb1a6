"""The progress line of long runs: printed from C++ on stderr at a wall-clock period, with an
ETA when the end is known, and without changing a single result."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.ns3

LINE = re.compile(r"^\[ns3\] progress: simulated [0-9.]+ us, [0-9.]+ M events/s, wall [0-9.]+ s(, ETA \d+ s|, done)?$")


def _incast(make_backend, star, progress=None):
    be = make_backend(star(8, 100, 500, preset="pfc_only"), 8)
    if progress is not None:
        be.enable_progress(*progress)
    for src in range(1, 8):
        be.flow(src, 0, 2_000_000)
    be.run()
    tel = be.telemetry()
    tel.pop("wall")
    return tel, dict(be.flow_done_ns)


def test_progress_lines_and_identical_results(make_backend, star, capfd):
    quiet = _incast(make_backend, star)
    assert "progress" not in capfd.readouterr().err
    loud = _incast(make_backend, star, (0.0, 0.0, 1_200_000))  # every check, from the start
    err = capfd.readouterr().err.strip().splitlines()
    lines = [l for l in err if l.startswith("[ns3] progress")]
    assert len(lines) > 3 and all(LINE.match(l) for l in lines), lines[:3]
    assert any(", ETA " in l for l in lines) and lines[-1].endswith(", done")
    simulated = [float(l.split("simulated ")[1].split(" us")[0]) for l in lines]
    assert simulated == sorted(simulated) and simulated[-1] > 1000
    assert loud == quiet  # same events, same counters, same completion times


def test_short_runs_print_nothing(make_backend, star, capfd):
    _incast(make_backend, star, (2.0, 3.0, 0))  # the CLI's setting: only after 3 s of wall clock
    assert "progress" not in capfd.readouterr().err
