"""Rules of the test suite itself: a hung tool fails its test instead of the whole run."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_process_a_test_runs_has_a_timeout():
    missing = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("run", "check_output", "check_call") \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "subprocess" \
                    and not any(k.arg == "timeout" or k.arg is None for k in node.keywords):
                missing.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert missing == [], "give these subprocess calls a timeout"
