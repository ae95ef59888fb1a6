"""The builder examples in astrasim_py/chakra/API.md run and give the documented results."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from astrasim_py.chakra.collective_examples import double_binary_tree_allreduce
from astrasim_py.runner import RunRequest, run
from custom.helpers import MiB, generate, write_ring_net, write_system

API = Path(__file__).resolve().parents[2] / "astrasim_py" / "chakra" / "API.md"


@pytest.fixture(scope="module")
def examples():
    blocks = re.findall(r"```python\n(.*?)```", API.read_text(), re.S)
    assert len(blocks) == 3
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(API), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


def _finish(tmp_path, builder, network):
    builder.write(str(tmp_path / "algo"))
    system = write_system(tmp_path / "sys.json", all_reduce_implementation_custom=[str(tmp_path / "algo")])
    workload = generate(tmp_path / "w" / "ar", "--collective", "all_reduce", "--npus", "8", "--size", "1MiB")
    return run(RunRequest(workload=workload, system=system, network=network))["finish_ns"]


def test_doc_ring(tmp_path, examples):
    assert _finish(tmp_path, examples["ring"](8, MiB), write_ring_net(tmp_path / "n.yml")) == [90174] * 8


def test_doc_hierarchical(tmp_path, examples):
    net = tmp_path / "n.yml"
    net.write_text("topology: [Ring, Ring]\nnpus_count: [4, 2]\nbandwidth: [50, 25]\nlatency: [500, 1000]\n")
    assert _finish(tmp_path, examples["hierarchical"](2, 4, MiB), str(net)) == [96056] * 8


def test_doc_double_binary_tree_matches_the_module(tmp_path, examples):
    net = write_ring_net(tmp_path / "n.yml", "FullyConnected")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    doc = _finish(tmp_path / "a", examples["double_binary_tree"](8, MiB), net)
    module = _finish(tmp_path / "b", double_binary_tree_allreduce(8, MiB), net)
    assert doc == module and len(set(doc)) == 2


def test_readme_ring_is_the_msccl_ring(tmp_path, monkeypatch):
    from astrasim_py.chakra.collective_examples import ring_allreduce
    from astrasim_py.chakra.io import read_et

    readme = (API.parents[2] / "README.md").read_text()
    block = re.findall(r"  ```python\n(.*?)  ```", readme, re.S)[0]
    monkeypatch.chdir(tmp_path)
    exec("\n".join(line[2:] for line in block.splitlines()), {})  # noqa: S102 - our own documentation
    ring_allreduce(8, MiB).write("ref")

    def shape(prefix, rank):  # everything but the node names
        return [(n.type, list(n.data_deps), n.duration_micros, [a.SerializeToString() for a in n.attr])
                for n in read_et(f"{prefix}.{rank}.et").nodes]

    assert all(shape("algos/ring", r) == shape("ref", r) for r in range(8))
