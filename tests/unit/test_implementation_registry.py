"""The implementation names live in one registry, and every system module imports on its own."""

import subprocess
import sys

import pytest

from astrasim_py.config.system import parse_implementation
from astrasim_py.errors import InputError
from astrasim_py.system.implementations import ALGORITHMS


@pytest.mark.parametrize("name", list(ALGORITHMS))
def test_every_registered_name_parses_with_its_one_form(name):
    assert parse_implementation(name, "s.json", "k").algorithm == name
    one = parse_implementation("one" + name[0].upper() + name[1:], "s.json", "k")
    assert (one.algorithm, one.one) == (name, True)


@pytest.mark.parametrize("text", ["ringx", "one", "ring8", "tree"])
def test_names_outside_the_registry_fail_with_the_registered_ones(text):
    with pytest.raises(InputError) as err:
        parse_implementation(text, "s.json", "all-reduce-implementation")
    assert "s.json" in err.value.one_line() and "all-reduce-implementation" in err.value.one_line()


@pytest.mark.parametrize("module", ["algorithms", "implementations", "custom", "topology", "sys"])
def test_each_system_module_imports_first(module):
    # the compiled algorithms module reads sys's types at initialization: importing it first
    # must not meet a half-initialized sys
    out = subprocess.run([sys.executable, "-c", f"import astrasim_py.system.{module}"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-400:]
