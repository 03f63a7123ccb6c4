"""The Docker engine through the docker SDK for Python, for funcbuild, the bench, the
strategy runner and the tests: what they did with `docker run`, `image inspect`, `save`,
`rmi`, `pull`, ... without parsing the CLI's output.

Containers run with network_mode="host" unless the caller says otherwise: the daemon is
started with --bridge=none, so a container on the default network has no way out.
Images are only pulled from a registry named by host (the local ones on 127.0.0.1):
nothing here may reach Docker Hub.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable, Iterator

import docker
import docker.errors
import docker.utils
import requests

# Seconds one API call may wait for the daemon (a streamed save or pull: per read).
TIMEOUT = 300


class DockerError(RuntimeError):
    """A container that failed with check=True, or an image that could not be built or pulled."""


@functools.cache
def client() -> docker.DockerClient:
    # version="auto": Debian's docker.io 20.10 speaks API 1.41, older than the SDK's default.
    return docker.from_env(version="auto", timeout=TIMEOUT)


@dataclass(frozen=True)
class Exited:
    """A container run to completion, as an attached `docker run` reports it (the
    attributes of subprocess.CompletedProcess, plus both streams interleaved)."""
    returncode: int
    stdout: str
    stderr: str
    # stdout and stderr interleaved in the order the daemon read them (as with the CLI's
    # 2>&1, lines written to the two streams at nearly the same time may swap)
    output: str
    # output with the daemon's RFC 3339 time of each line before it (`docker logs -t`),
    # when run(timestamps=True)
    stamped: str = ""


def _decode(data: bytes) -> str:
    return data.decode(errors="replace")


def _from_local_registry(ref: str) -> bool:
    """True when ref names a registry host on this machine (where a missing image may be
    pulled from, as `docker run` would)."""
    host = ref.split("/", 1)[0] if "/" in ref else ""
    return host.split(":")[0] in ("127.0.0.1", "localhost")


def create(image: str, command: list[str] | None = None, *, entrypoint: str | None = None,
           network_mode: str | None = "host", **options: Any) -> Any:
    """`docker create`: options are the SDK's (name, environment, user, read_only,
    volumes, working_dir, tmpfs, cap_drop, security_opt, ...). Lists, never strings, go
    to the SDK: it would split a string command or entrypoint with shlex."""
    kwargs = dict(options, entrypoint=[entrypoint] if entrypoint else None, network_mode=network_mode)
    platform = options.get("platform")
    try:
        return client().containers.create(image, command, **kwargs)
    except (docker.errors.ImageNotFound, docker.errors.APIError) as exc:
        # not here, or here for another platform (an index's other architecture): pull it
        # from a local registry for the platform asked for
        other_platform = platform and "does not match the specified platform" in str(exc)
        if not (isinstance(exc, docker.errors.ImageNotFound) or other_platform) or not _from_local_registry(image):
            raise
        pull(image, platform)
        return client().containers.create(image, command, **kwargs)


def logs(container: Any, stdout: bool = True, stderr: bool = True, timestamps: bool = False) -> str:
    """A container's (or a container name's) output; both streams interleaved by default,
    each line after the daemon's time of it with timestamps=True."""
    if isinstance(container, str):
        container = client().containers.get(container)
    return _decode(container.logs(stdout=stdout, stderr=stderr, timestamps=timestamps))


def run(image: str, command: list[str] | None = None, *, timeout: float | None = None, check: bool = False,
        timestamps: bool = False, **options: Any) -> Exited:
    """`docker run --rm` attached: runs image to completion (within timeout seconds,
    None: no limit), returns its exit code and output (also with the daemon's timestamps
    when asked) and removes the container. Options as for create()."""
    container = create(image, command, **options)
    try:
        container.start()
        try:
            code = container.wait(timeout=timeout)["StatusCode"]
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            raise TimeoutError(f"{image} {command or ''} did not exit within {timeout} s") from exc
        result = Exited(code, logs(container, stderr=False), logs(container, stdout=False), logs(container),
                        logs(container, timestamps=True) if timestamps else "")
    finally:
        container.remove(force=True)
    if check and result.returncode != 0:
        raise DockerError(f"{image} {command or ''} exited {result.returncode}:\n{result.output[-3000:]}")
    return result


def start(image: str, **options: Any) -> Any:
    """`docker run -d`: the started container (options as for create())."""
    container = create(image, **options)
    container.start()
    return container


def remove_container(name: str) -> None:
    """`docker rm -f`, quiet when the container is gone already."""
    try:
        client().containers.get(name).remove(force=True)
    except docker.errors.NotFound:
        pass


def copy_out(image: str, path: str) -> bytes:
    """`docker create` + `docker cp NAME:path -`: a tar of path in image, read from a
    container that never starts (so images without a shell work too)."""
    container = client().containers.create(image, ["none"])
    try:
        chunks, _ = container.get_archive(path)
        return b"".join(chunks)
    finally:
        container.remove(force=True)


def inspect_image(ref: str) -> dict[str, Any]:
    """What `docker image inspect` prints for ref (the same JSON object)."""
    return client().images.get(ref).attrs


def image_exists(ref: str) -> bool:
    try:
        client().images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


def remove_images(*refs: str, force: bool = True) -> None:
    """`docker rmi [-f]`: each ref on its own, failures ignored (as the tests' cleanups did)."""
    for ref in refs:
        try:
            client().images.remove(ref, force=force)
        except docker.errors.APIError:
            pass


def remove_volumes(name_filter: str) -> None:
    """Removes every volume whose name contains name_filter (`docker volume ls --filter name=`)."""
    for volume in client().volumes.list(filters={"name": name_filter}):
        try:
            volume.remove(force=True)
        except docker.errors.APIError:
            pass


def tag(source: str, target: str) -> None:
    """`docker tag source target`."""
    repository, version = docker.utils.parse_repository_tag(target)
    if not client().api.tag(source, repository, version):
        raise DockerError(f"could not tag {source} as {target}")


def pull(ref: str, platform: str | None = None) -> None:
    """`docker pull [--platform platform] ref` (by tag or digest), failing on an error the
    pull reports."""
    repository, version = docker.utils.parse_repository_tag(ref)
    for event in client().api.pull(repository, tag=version or "latest", stream=True, decode=True, platform=platform):
        if "error" in event:
            raise DockerError(f"docker pull {ref}: {event['error']}")


def build(context: str, tag: str, *, buildargs: dict[str, str] | None = None, nocache: bool = False,
          network_mode: str | None = None) -> str:
    """`docker build -q -t tag context` with the classic builder (the only one the SDK
    and this daemon have); returns the image id. rm=True: the CLI's default, not the SDK's."""
    try:
        image, _ = client().images.build(path=context, tag=tag, buildargs=buildargs, nocache=nocache,
                                         network_mode=network_mode, rm=True)
    except docker.errors.BuildError as exc:
        log = "".join(str(entry.get("stream") or entry.get("error") or "") for entry in exc.build_log)
        raise DockerError(f"docker build {context} failed: {exc.msg}\n{log[-3000:]}") from exc
    return image.id


class _ChunkReader(io.RawIOBase):
    """A readable file over a generator of byte chunks; memoryview slices keep each
    small read from copying the rest of a 2 MB chunk."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = memoryview(chunk)
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def save(ref: str) -> BinaryIO:
    """`docker save ref` as a file object to read (for tarfile.open(mode="r|"), say). By
    name, as the CLI does, so the archive names the image's tags."""
    return io.BufferedReader(_ChunkReader(client().api.get_image(ref)))


def server_version() -> str:
    return client().version()["Version"]
