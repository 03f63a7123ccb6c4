"""Helpers of the integration tier: pack builds through funcpacks_dev/funcbuild.py, image
inspection, layer digests."""
from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Iterator

import requests

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.local_platform.http_servers import serving

SAMPLES = versions.ROOT / "samples"
# Every manifest type: with only OCI types the registry rewrites a Docker v2 manifest to
# schema1 (another digest); with only the Docker type an OCI manifest answers 404.
MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"])


def build(path: Path, tag: str, env: dict[str, str], extra: list[str] | None = None,
          bindings: list[Path] | None = None, builder: str | None = None) -> subprocess.CompletedProcess:
    """pack build with our builder (or `builder`); output captured (pack's and the
    buildpacks'). A build that waits on an unreachable source fails the test instead of
    hanging it."""
    return funcbuild.pack_build(path, tag, env, extra, capture=True, bindings=bindings, timeout=900,
                                builder_image=builder)


def must_build(path: Path, tag: str, env: dict[str, str], extra: list[str] | None = None,
               bindings: list[Path] | None = None, builder: str | None = None) -> str:
    proc = build(path, tag, env, extra, bindings, builder)
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc.stdout


def answer(image: str) -> tuple[int, str]:
    """Runs the image and returns the HTTP status and body of GET / once it answers."""
    with funcbuild.running(image) as (_, port):
        return funcbuild.wait_http(f"http://127.0.0.1:{port}/")


def request_once(image: str, method: str = "GET", data: bytes | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Runs the image and sends GET / (or POST data) once it answers: (status, body, the
    container's log)."""
    with funcbuild.running(image) as (name, port):
        url = f"http://127.0.0.1:{port}/"
        status, body = funcbuild.wait_http(url, data=data, headers=headers) if method == "POST" \
            else funcbuild.wait_http(url)
        return status, body, funcbuild.container_logs(name)


def assert_answers(image: str, path: str, expected: str, timeout: float = 60, prefix: bool = False) -> None:
    """Runs the image until GET path answers (within timeout seconds); the answer must be
    (200, expected), or with prefix a 200 whose body starts with expected. The container's
    log is the failure's message."""
    with funcbuild.running(image) as (name, port):
        try:
            answered = funcbuild.wait_http(f"http://127.0.0.1:{port}{path}", timeout=timeout)
        except TimeoutError as exc:
            answered = exc
        logs = funcbuild.container_logs(name)
    if prefix and isinstance(answered, tuple) and answered[0] == 200 and answered[1].startswith(expected):
        return
    assert answered == (200, expected), (answered, logs[-3000:])


def inspect(image: str) -> dict:
    return docker_engine.inspect_image(image)


def layer_shas(image: str, buildpack: str) -> dict[str, str]:
    """Layer name -> diffID of one buildpack's layers, from the lifecycle's metadata label."""
    meta = json.loads(inspect(image)["Config"]["Labels"]["io.buildpacks.lifecycle.metadata"])
    for bp in meta["buildpacks"]:
        if bp["key"] == buildpack:
            return {name: layer["sha"] for name, layer in bp.get("layers", {}).items()}
    return {}


def manifest_digest(address: str, repo: str, tag: str, creds: str | None = None) -> str:
    """The digest a plain-HTTP registry gives for repo:tag."""
    auth = tuple(creds.split(":", 1)) if creds else None
    resp = requests.head(f"http://{address}/v2/{repo}/manifests/{tag}", headers={"Accept": MANIFEST_ACCEPT},
                         auth=auth, timeout=10)
    resp.raise_for_status()
    return resp.headers["Docker-Content-Digest"]


def copy_sample(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(SAMPLES / name, target)
    return target


def remove_image(*images: str) -> None:
    """Removes test images and the cache volumes pack made for them."""
    docker_engine.remove_images(*images)
    for image in images:
        docker_engine.remove_volumes(image.split(":")[0].replace("/", "_") + "_")


def image_layers(image: str) -> Iterator[tarfile.TarFile]:
    """Each of the image's layers, from `docker save`, as a stream-mode tar: read its
    members in order (extractfile works on the member just read)."""
    with tarfile.open(fileobj=docker_engine.save(image), mode="r|") as outer:
        for member in outer:
            if member.isfile() and (member.name.endswith("layer.tar") or member.name.startswith("blobs/")):
                with tarfile.open(fileobj=outer.extractfile(member), mode="r|") as layer:
                    yield layer


def image_entries(image: str) -> Iterator[tarfile.TarInfo]:
    """Every entry of the image's layers, read from `docker save`."""
    for layer in image_layers(image):
        yield from layer


def image_file_names(image: str) -> set[str]:
    """Every path in the image's layers."""
    return {m.name.lstrip("./") for m in image_entries(image)}


@contextlib.contextmanager
def recording_server() -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """An HTTP server on 127.0.0.1 that answers 404 to everything (a package index or
    module proxy that has nothing, so clients go on to the next) and records each
    request's path and Authorization header. Yields (port, records)."""
    seen: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, self.headers.get("Authorization", "")))
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    with serving(Handler) as port:
        yield port, seen


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=versions.ROOT, capture_output=True, text=True,
                          env=env, timeout=1200)


def publish_to(reg: str, mirror: str) -> subprocess.CompletedProcess:
    return make("publish", f"REGISTRY={reg}", f"MIRRORS={mirror}", "INSECURE=1")
