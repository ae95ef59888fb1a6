"""Sweeps generate traffic patterns like collectives: `workload: {generate: {pattern, npus, size, ...}}`,
and a pattern's options are sweep axes."""

from __future__ import annotations

from pathlib import Path

import pytest

from astrasim_py.chakra import traffic as tr
from astrasim_py.chakra.schema import NodeType
from astrasim_py.chakra.workload import load_workload
from astrasim_py.errors import InputError
from astrasim_py.sweep.spec import check_axis_key, validate_generate
from astrasim_py.sweep.workloads import materialize_trace


def test_a_generated_pattern_equals_the_library_call(tmp_path: Path):
    gen = {"pattern": "incast", "npus": 6, "size": "64KiB", "senders": 3}
    prefix = materialize_trace(gen, tmp_path)
    traces = load_workload(prefix, 6)
    sends = sum(1 for t in traces for n in t.nodes if n.type == NodeType.COMM_SEND_NODE)
    assert sends == len(tr.incast_flows(6, 65536, senders=3)) == 3
    assert materialize_trace(dict(gen), tmp_path) == prefix
    assert Path(prefix).parent.name.startswith("incast-6npus-64KiB-")


def test_poisson_needs_no_size_and_takes_its_options(tmp_path: Path):
    gen = {"pattern": "poisson", "npus": 4, "load": 0.5, "duration_us": 40, "cdf": "datamining",
           "cdf_scale": 0.001, "seed": 2}
    assert validate_generate({"generate": gen}, "s.yaml", "base.workload") == gen
    assert len(load_workload(materialize_trace(gen, tmp_path), 4)) == 4
    for key in ("workload.generate.load", "workload.generate.pattern", "workload.generate.senders"):
        check_axis_key(key, "s.yaml", "axes")


@pytest.mark.parametrize("gen,field", [({"pattern": "incast", "npus": 6, "size": 1, "load": 0.5}, "workload.generate.load"),
                                       ({"pattern": "nosuch", "npus": 6, "size": 1}, "workload.generate"),
                                       ({"pattern": "incast", "npus": 1, "size": 1}, "workload.generate.npus")])
def test_bad_pattern_parameters_are_input_errors(tmp_path: Path, gen, field):
    with pytest.raises(InputError) as err:
        materialize_trace(gen, tmp_path)
    assert err.value.field == field
