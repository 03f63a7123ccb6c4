"""Rules of the test suite itself: a hung tool fails its test instead of the whole run;
the phases run where the product runs."""
from __future__ import annotations

import ast
import json
import os
from pathlib import Path

from funcpacks_dev import versions

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


def test_phases_run_on_the_stack_with_only_the_lifecycle_env(lifecycle):
    """What a phase sees is the build image's python3 and target, and of the environment
    only the image's, CNB_* and the platform env: nothing a developer's shell carries."""
    data = versions.load()
    probe = lifecycle.root / "probe"
    probe.mkdir()
    (probe / "bin").mkdir()
    script = probe / "bin" / "detect"
    script.write_text("#!/usr/bin/env python3\nimport json, os, platform\n"
                      "print(json.dumps({'python': platform.python_version(), 'env': dict(os.environ),"
                      " 'os_release': open('/etc/os-release').read()}))\n")
    script.chmod(0o755)
    (probe / "buildpack.toml").write_text('[buildpack]\nid = "probe"\n')
    result, _ = lifecycle.detect(probe, {"FUNC_NAME": "hello"})
    assert result.code == 0, result.output
    seen = json.loads(result.out)
    assert seen["python"].startswith(data["debian"]["python"] + ".")
    assert f'VERSION_CODENAME={data["debian"]["suite"]}' in seen["os_release"]
    assert seen["env"]["CNB_TARGET_DISTRO_VERSION"] == data["debian"]["version"]
    assert seen["env"]["FUNC_NAME"] == "hello"
    host_only = {k for k in os.environ if k not in seen["env"]}
    assert {"PIP_FIND_LINKS", "REQUESTS_CA_BUNDLE"} & set(os.environ) <= host_only
    assert not {k for k in seen["env"] if k.startswith(("PIP_", "GO", "UV_", "SSL_"))}
