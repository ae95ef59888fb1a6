#!/usr/bin/env python3
"""Report C++ files over 500 lines and functions over 60 lines (GetTypeId bodies skipped)."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 60
CPP_DIRS = ("ns3_backend", "congestion")
CPP_SUFFIXES = (".h", ".cc", ".cpp", ".hpp")
# A brace opened after these words is a scope, not a function body: descend into it.
_SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b[^()]*$|extern\s+\"C\"\s*$")
_CONTROL = re.compile(r"\b(if|for|while|switch|catch|do|else)\s*(\(|$)")


def _strip(text: str) -> str:
    """Blank out comments, string and char literals, keeping newlines (line numbers stay)."""
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def long_functions(text: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int, int]]:
    """(name, first line, line count) of each function body longer than `limit` lines."""
    code = _strip(text)
    found = []
    stack: list[str] = []  # "scope" or "other" per open brace, outside function bodies
    header_start = 0
    i = 0
    while i < len(code):
        c = code[i]
        if c in ";}":
            if c == "}" and stack:
                stack.pop()
            header_start = i + 1
        elif c == "{":
            header = code[header_start:i]
            flat = " ".join(header.split())
            if _SCOPE.search(flat) or "(" not in flat or _CONTROL.search(flat) or flat.endswith("="):
                stack.append("scope")
                header_start = i + 1
            else:
                end = _matching_brace(code, i)
                name_match = re.search(r"([~\w:]+)\s*\(", flat)
                name = name_match.group(1) if name_match else flat[:40]
                # The signature starts after leading blanks and access labels (public: ...).
                lead = re.match(r"(?:\s|\b(?:public|private|protected)\s*:(?!:))*", header).end()
                first = code.count("\n", 0, header_start + lead) + 1
                last = code.count("\n", 0, end) + 1
                if not name.endswith("GetTypeId") and last - first + 1 > limit:
                    found.append((name, first, last - first + 1))
                i = end
                header_start = end + 1
        i += 1
    return found


def _matching_brace(code: str, start: int) -> int:
    depth = 0
    for j in range(start, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(code) - 1


def check(root: Path) -> list[str]:
    """One line per violation under root's C++ folders."""
    problems = []
    for folder in CPP_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in CPP_SUFFIXES:
                continue
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(root)
            n = text.count("\n")
            if n > MAX_FILE_LINES:
                problems.append(f"{rel}: {n} lines (max {MAX_FILE_LINES})")
            for name, line, count in long_functions(text):
                problems.append(f"{rel}:{line}: {name} is {count} lines (max {MAX_FUNCTION_LINES})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", nargs="?", default=Path(__file__).resolve().parents[1], type=Path)
    args = parser.parse_args(argv)
    problems = check(args.root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
