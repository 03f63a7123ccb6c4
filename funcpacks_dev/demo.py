"""`make demo`: the shortest way from a fresh machine to a function's answer. It makes only
what that needs (the core tools, the build and run stacks, funcpacks/builder-python and
uv's bundle), builds samples/hello-world-python with pack, runs it and prints the answer,
with one line per stage and its time. The other builders come from `make builder`, the
Shipwright harness from `make harness` (make test makes both).

Only the standard library is imported before the first stage, which installs the tooling's
Python distributions.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "hello-world-python"
TAG = "funcpacks-demo/hello-world-python"
BUILDER = "builder-python"
PY = [sys.executable, "-m"]
STAGES = [
    # This machine's architecture only: the other one's images come from make builder.
    ("tools (Debian packages, Python modules, dockerd, pack, lifecycle)",
     ["bash", str(ROOT / "scripts" / "tools.sh"), "host"]),
    ("stacks (build and run images)",
     PY + ["funcpacks_dev.images.stacks", "--only", "build", "--only", "run", "--arch", "host"]),
    (f"builder ({BUILDER})", PY + ["funcpacks_dev.images.builder", "create", BUILDER, "--arch=host"]),
]


def _stage(name: str, started: float, total_start: float) -> None:
    now = time.monotonic()
    print(f"demo: {name}: {now - started:.1f} s (total {now - total_start:.1f} s)", flush=True)


def _build_and_answer() -> int:
    from funcpacks_dev import funcbuild, versions  # the tooling's modules: importable after the tools stage
    image = versions.get(f"images.{BUILDER}")
    print(f"demo: pack build {TAG} --builder {image} --path {SAMPLE.relative_to(ROOT)}", flush=True)
    if funcbuild.pack_build(SAMPLE, TAG, {"GOOGLE_FUNCTION_TARGET": "hello_world"}, builder_image=image,
                            timeout=900).returncode != 0:
        print("demo: pack build failed (see above)", file=sys.stderr)
        return 1
    with funcbuild.running(TAG) as (name, port):
        try:
            status, body = funcbuild.wait_http(f"http://127.0.0.1:{port}/")
        except TimeoutError as exc:
            print(f"demo: {exc}\n{funcbuild.container_logs(name)}", file=sys.stderr)
            return 1
    print(f"demo: GET http://127.0.0.1:{port}/ -> {status}: {body}")
    return 0 if status == 200 else 1


def main() -> int:
    total_start = time.monotonic()
    for name, command in STAGES:
        started = time.monotonic()
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            print(f"demo: {name} failed (see above)", file=sys.stderr)
            return 1
        _stage(name, started, total_start)
    started = time.monotonic()
    code = _build_and_answer()
    if code == 0:
        _stage("pack build, run and answer", started, total_start)
    return code


if __name__ == "__main__":
    sys.exit(main())
