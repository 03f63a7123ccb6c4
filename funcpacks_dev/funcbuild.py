"""Build and run a function with a funcpacks builder, the way `make demo` does (demo.py).

    python3 -m funcpacks_dev.funcbuild build --path DIR --tag IMAGE [--env K=V ...] [-- extra pack args]
    python3 -m funcpacks_dev.funcbuild run IMAGE [--env K=V ...]        # runs, waits for HTTP 200, prints it

`build` runs `pack build` with the builder from versions.toml, --network host, and the
host's extra CA certificates (/usr/local/share/ca-certificates) passed as a service
binding of type ca-certificates when there are any: nothing of them reaches the image.
Tests and benchmarks use these same functions.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import requests

from funcpacks_dev import docker_engine, versions
from funcpacks_dev.cli_args import key_value
from funcpacks_dev.images import builder

ROOT = versions.ROOT
HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
BINDINGS_DIR = ROOT / "build" / "bindings"
CONTAINER_BINDINGS = "/platform/bindings"


def host_ca_binding(bindings_dir: Path = BINDINGS_DIR, ca_dir: Path = HOST_CA_DIR) -> Path | None:
    """A bindings root holding a ca-certificates binding with the host's extra CAs, or
    None when the host has none."""
    certs = sorted(p for p in ca_dir.glob("**/*.crt") if p.is_file()) if ca_dir.is_dir() else []
    binding = bindings_dir / "host-ca-certificates"
    if binding.exists():
        shutil.rmtree(binding)
    if not certs:
        return None
    binding.mkdir(parents=True)
    (binding / "type").write_text("ca-certificates\n")
    for cert in certs:
        shutil.copy(cert, binding / cert.name)
    return bindings_dir


def pack_build_command(path: Path, tag: str, env: dict[str, str], extra: list[str] | None = None,
                       bindings: Path | None = None, builder_image: str | None = None) -> list[str]:
    cmd = [builder.pack_bin(), "build", tag, "--builder", builder_image or versions.get("images.builder"),
           "--path", str(path), "--network", "host", "--pull-policy", "if-not-present", "--trust-builder"]
    for key, value in env.items():
        cmd += ["--env", f"{key}={value}"]
    if bindings is not None:
        cmd += ["--volume", f"{bindings}:{CONTAINER_BINDINGS}:ro", "--env", f"SERVICE_BINDING_ROOT={CONTAINER_BINDINGS}"]
    return cmd + list(extra or [])


def bindings_root(with_host_ca: bool, extra: list[Path], directory: Path) -> Path | None:
    """The bindings root for one build, made in directory (emptied first): the host's CAs
    (when wanted and present) and the given binding directories, each copied under its
    own name; None when it holds no binding."""
    for old in directory.iterdir() if directory.is_dir() else []:
        shutil.rmtree(old)
    root = host_ca_binding(directory) if with_host_ca else None
    for binding in extra:
        if not (binding / "type").is_file():
            raise builder.BuilderError(f"{binding} is not a service binding: it has no 'type' file")
        shutil.copytree(binding, directory / binding.name)
        root = directory
    return root


def pack_build(path: Path, tag: str, env: dict[str, str], extra: list[str] | None = None,
               capture: bool = False, with_host_ca: bool = True,
               builder_image: str | None = None, bindings: list[Path] | None = None,
               timeout: float | None = None) -> subprocess.CompletedProcess:
    """pack build; `bindings` are service binding directories mounted for this build only,
    from a directory of its own (builds may run side by side)."""
    with tempfile.TemporaryDirectory(prefix="funcpacks-bindings-") as scratch:
        os.chmod(scratch, 0o755)  # the build's user reads the bindings
        root = bindings_root(with_host_ca, list(bindings or []), Path(scratch))
        cmd = pack_build_command(path, tag, env, extra, root, builder_image)
        return builder.run_pack(cmd, text=True, timeout=timeout, stdout=subprocess.PIPE if capture else None,
                                stderr=subprocess.STDOUT if capture else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, data: bytes | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, str]:
    """Polls url until it answers (any HTTP status); returns (status, body). POSTs data
    when there is some."""
    headers = dict(headers or {})
    if data is not None and not any(key.lower() == "content-type" for key in headers):
        headers["Content-Type"] = "application/x-www-form-urlencoded"  # what urllib sent, which this replaced
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            resp = requests.request("POST" if data is not None else "GET", url, data=data, headers=headers, timeout=5)
            return resp.status_code, resp.content.decode(errors="replace")
        except requests.RequestException as exc:  # no answer yet (refused, reset, timed out)
            last = exc
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s ({last})")


@contextlib.contextmanager
def running(image: str, env: dict[str, str] | None = None, port: int | None = None,
            options: dict[str, Any] | None = None) -> Iterator[tuple[str, int]]:
    """Runs image with network_mode="host" on a free port (plus the SDK's container
    options, e.g. read_only=True); yields (container, port)."""
    port = port or free_port()
    name = f"funcpacks-{uuid.uuid4().hex[:10]}"
    environment = [f"PORT={port}", *(f"{key}={value}" for key, value in (env or {}).items())]
    docker_engine.start(image, name=name, environment=environment, **(options or {}))
    try:
        yield name, port
    finally:
        docker_engine.remove_container(name)


def container_logs(name: str) -> str:
    """The container's stdout and stderr, interleaved."""
    return docker_engine.logs(name)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--path", type=Path, required=True)
    b.add_argument("--tag", required=True)
    b.add_argument("--env", action="append", default=[], type=key_value)
    b.add_argument("--builder", help="builder image (default: images.builder of versions.toml)")
    b.add_argument("--binding", action="append", default=[], type=Path,
                   help="a service binding directory (a 'type' file and entries) for this build; repeatable")
    b.add_argument("extra", nargs="*")
    r = sub.add_parser("run")
    r.add_argument("image")
    r.add_argument("--env", action="append", default=[], type=key_value)
    opts = parser.parse_args(argv)
    try:
        if opts.cmd == "build":
            return pack_build(opts.path, opts.tag, dict(opts.env), opts.extra, builder_image=opts.builder,
                              bindings=opts.binding).returncode
        with running(opts.image, dict(opts.env)) as (name, port):  # run, the other subcommand
            status, body = wait_http(f"http://127.0.0.1:{port}/")
            print(f"GET http://127.0.0.1:{port}/ -> {status}: {body}")
        return 0
    except builder.BuilderError as exc:
        print(f"funcbuild: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
