"""scripts/check_structure.py: C++ files <= 500 lines, functions <= 60 lines (GetTypeId skipped)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_structure", REPO / "scripts" / "check_structure.py")
check_structure = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_structure)


def _function(name: str, body_lines: int) -> str:
    body = "".join(f"    x += {i};  // {{ not a brace }}\n" for i in range(body_lines))
    return f"int\n{name}(int x)\n{{\n{body}    return x;\n}}\n"


def test_repository_cpp_meets_the_limits():
    assert check_structure.check(REPO) == []


def test_long_function_is_reported_with_its_name_and_length():
    text = "namespace ns3\n{\n" + _function("Foo::Short", 10) + _function("Foo::Long", 60) + "}\n"
    found = check_structure.long_functions(text)
    # Foo::Short is lines 3-17; Foo::Long: signature (2) + braces (2) + 60 + return = 65 lines
    assert found == [("Foo::Long", 18, 65)]


def test_type_id_block_and_control_blocks_are_not_functions():
    type_id = _function("Foo::GetTypeId", 100)
    loops = "void\nBar()\n{\n" + "    for (int i = 0; i < 3; ++i)\n    {\n        f(i);\n    }\n" * 5 + "}\n"
    assert check_structure.long_functions(type_id + loops) == []


def test_inline_methods_in_classes_are_checked(tmp_path):
    method = "    void Big()\n    {\n" + "        g();\n" * 70 + "    }\n"
    header = "class A : public B\n{\n  public:\n" + method + "};\n"
    (tmp_path / "ns3_backend").mkdir()
    (tmp_path / "ns3_backend" / "a.h").write_text(header + "// pad\n" * 500)
    problems = check_structure.check(tmp_path)
    assert problems == ["ns3_backend/a.h: 577 lines (max 500)",
                        "ns3_backend/a.h:4: Big is 73 lines (max 60)"]
