"""A local OCI registry on 127.0.0.1 (Debian's docker-registry, distribution 2.8).

    python3 -m funcpacks_dev.images.registry start [--dir DIR]   # prints the address; idempotent
    python3 -m funcpacks_dev.images.registry stop  [--dir DIR]

Storage and config live in DIR (default .tools/registry); stop removes the storage.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from funcpacks_dev import versions

DEFAULT_DIR = versions.ROOT / ".tools" / "registry"
BINARY = "docker-registry"


class RegistryError(Exception):
    pass


def _config(address: str, storage: Path, htpasswd: Path | None) -> str:
    text = (
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: {address}\n"
    )
    if htpasswd is not None:
        text += f"auth:\n  htpasswd:\n    realm: funcpacks\n    path: {htpasswd}\n"
    return text


def answers(address: str) -> bool:
    """True when a registry serves /v2/ there (an auth challenge counts)."""
    try:
        return requests.get(f"http://{address}/v2/", timeout=1).status_code in (200, 401)
    except requests.RequestException:
        return False


def htpasswd_file(directory: Path, user: str, password: str) -> Path:
    """A bcrypt htpasswd file (the only kind the registry accepts), made with htpasswd."""
    if shutil.which("htpasswd") is None:
        raise RegistryError("htpasswd is not installed: run 'make tools' (Debian package apache2-utils)")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "htpasswd"
    subprocess.run(["htpasswd", "-Bbc", str(path), user, password], check=True, capture_output=True)
    return path


def start(directory: Path = DEFAULT_DIR, address: str | None = None, htpasswd: Path | None = None) -> str:
    address = address or versions.get("registry.address")
    pid_file = directory / "registry.pid"
    if answers(address):
        return address
    if shutil.which(BINARY) is None:
        raise RegistryError(f"{BINARY} is not installed: run 'make tools' (Debian package docker-registry)")
    directory.mkdir(parents=True, exist_ok=True)
    storage = directory / "data"
    storage.mkdir(exist_ok=True)
    config = directory / "config.yml"
    config.write_text(_config(address, storage, htpasswd))
    log = (directory / "registry.log").open("ab")
    proc = subprocess.Popen([BINARY, "serve", str(config)], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    pid_file.write_text(str(proc.pid))
    for _ in range(100):
        if answers(address):
            return address
        if proc.poll() is not None:
            raise RegistryError(f"{BINARY} exited with {proc.returncode} (log: {directory / 'registry.log'})")
        time.sleep(0.1)
    raise RegistryError(f"{BINARY} did not answer on {address} within 10 s")


def stop(directory: Path = DEFAULT_DIR) -> None:
    pid_file = directory / "registry.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
        pid_file.unlink()
    shutil.rmtree(directory / "data", ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    opts = parser.parse_args(argv)
    try:
        if opts.action == "start":
            print(start(opts.dir))
        else:
            stop(opts.dir)
    except RegistryError as exc:
        print(f"registry: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
