"""Publish the builders and stacks to an OCI registry a cluster can reach.

    python3 -m funcpacks_dev.images.publish push REGISTRY [--tag TAG] [--mirror REGISTRY ...]
                                             [--insecure] [--ca-cert FILE]
    python3 -m funcpacks_dev.images.publish manifests [--out DIR]     # deploy/ rendered for the last push

REGISTRY is <host>[:port][/<namespace>...]. `push` copies the build image, every run image
and every builder there as REGISTRY/<name>:<tag> (names and the default tag from
versions.toml), each name an image index holding one image per architecture made here
(arches.py; every architecture's image is also REGISTRY/<name>:<tag>-<arch>). pack makes
a builder with one lifecycle for all its targets, so each architecture's builder is made
on its own and the index joins them. The builders are made again for that registry: their
build image and run image references (and run-image mirrors, one per --mirror registry,
which receives the same images) name the registry's indexes, never a name that exists
only on this machine, so the lifecycle of each architecture takes that architecture's
run image. A mirror gets the registry's copy of each image (same digests, nothing
compressed twice). Before any builder is made, the registry must answer and take the
credentials. An image the registry already holds with the same content (config digest),
and an index it holds with the same bytes, are not pushed again; a builder this machine
pushed to the same reference from the same inputs (buildpacks, bundles, lifecycle, build
and run images, pack; build/publish/<arch>/published-builders.json), which the registry
still holds, is not even made again.
Every reference is printed with its digest and written to build/published.json, which
`manifests` reads to render the Function CRs and the strategies with the builder pinned by
digest (REGISTRY/builder:<tag>@sha256:...).

Credentials and TLS come the way docker and skopeo take them: `docker login` /
~/.docker/config.json (or $DOCKER_CONFIG/config.json), a registry CA in
/etc/docker/certs.d/<host:port>/ or given with --ca-cert. Plain HTTP only with --insecure.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from funcpacks_dev import versions
from funcpacks_dev.generate import builder_toml, manifests, strategy
from funcpacks_dev.images import arches, builder, bundles, flavors

PUBLISHED = versions.ROOT / "build" / "published.json"
STACK_KEYS = ("build", "run", "run-static", "run-cc")
BUILDER_KEYS = tuple(f.image_key for f in flavors.FLAVORS)
MADE_KEYS = flavors.MADE_RUN_IMAGES  # run images make builder makes
# <host>[:port] then path components as the distribution spec allows them
_REGISTRY = re.compile(r"^(?P<host>[a-zA-Z0-9.-]+(:[0-9]+)?)(?P<path>(/[a-z0-9]+([._-][a-z0-9]+)*)*)$")
_TAG = re.compile(r"^[\w][\w.-]{0,120}$")  # room for the -<arch> suffix of 128
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"


class PublishError(Exception):
    pass


def check_registry(registry: str) -> str:
    registry = registry.rstrip("/")
    host = registry.split("/")[0]
    # Docker reads a first component without '.' or ':' (other than localhost) as a Docker Hub namespace.
    if not _REGISTRY.match(registry) or not ("." in host or ":" in host or host == "localhost"):
        raise PublishError(
            f"REGISTRY={registry!r} is not <host>[:port][/<namespace>]: the host needs a dot or a port "
            "(else it is read as a Docker Hub namespace) and a namespace is lower-case letters, digits and "
            "'.', '_', '-' between them; e.g. REGISTRY=registry.example.com/funcpacks or 127.0.0.1:5000/funcpacks")
    return registry


def default_tag(data: dict) -> str:
    return data["images"]["builder"].rsplit(":", 1)[1]


def registry_refs(registry: str, tag: str, data: dict) -> dict[str, str]:
    """versions.toml image key -> REGISTRY/<repository's last name>:<tag>."""
    return {key: f"{registry}/{data['images'][key].rsplit(':', 1)[0].rsplit('/', 1)[-1]}:{tag}"
            for key in STACK_KEYS + MADE_KEYS + BUILDER_KEYS}


@dataclass
class Skopeo:
    insecure: bool = False
    cert_dir: Path | None = None

    def _tls(self, flag: str) -> list[str]:
        opts = [f"--{flag}tls-verify=false"] if self.insecure else []
        if self.cert_dir is not None:
            opts += [f"--{flag}cert-dir", str(self.cert_dir)]
        config = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker")) / "config.json"
        if config.is_file():
            opts += [f"--{flag}authfile", str(config)]
        return opts

    def raw(self, ref: str) -> bytes | None:
        """The exact bytes of the manifest (or index) the registry holds at ref, None when
        it holds none."""
        proc = subprocess.run(["skopeo", "inspect", "--raw", *self._tls(""), f"docker://{ref}"], capture_output=True)
        if proc.returncode != 0:
            stderr = proc.stderr.decode(errors="replace")
            if re.search(r"manifest unknown|not found|name unknown", stderr, re.I):
                return None
            raise PublishError(explain(ref, stderr))
        return proc.stdout

    def digests(self, ref: str) -> tuple[str, str] | None:
        """(manifest digest, config digest) of the image the registry holds at ref, None
        when it holds none. The manifest's digest is the sha256 of its exact bytes."""
        raw = self.raw(ref)
        if raw is None:
            return None
        return f"sha256:{hashlib.sha256(raw).hexdigest()}", (json.loads(raw).get("config") or {}).get("digest")

    def descriptor(self, ref: str, arch: str) -> dict:
        """The index entry of the image at ref, as arch's."""
        raw = self.raw(ref)
        if raw is None:
            raise PublishError(f"{ref}: the registry does not hold the image just pushed")
        return {"mediaType": json.loads(raw)["mediaType"], "digest": f"sha256:{hashlib.sha256(raw).hexdigest()}",
                "size": len(raw), "platform": {"architecture": arch, "os": "linux"}}

    def put_index(self, ref: str, entries: list[dict]) -> tuple[str, str]:
        """(digest, "pushed" | "unchanged"): the image index of entries at ref, pushed
        unless the registry holds exactly it. skopeo copies it alone (index-only) from an
        OCI layout, with the credentials and TLS it uses for the images."""
        index = index_bytes(entries)
        digest = f"sha256:{hashlib.sha256(index).hexdigest()}"
        if self.raw(ref) == index:
            return digest, "unchanged"
        with tempfile.TemporaryDirectory() as tmp:
            layout = Path(tmp)
            (layout / "blobs" / "sha256").mkdir(parents=True)
            (layout / "blobs" / "sha256" / digest.split(":", 1)[1]).write_bytes(index)
            (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
            (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
                {"mediaType": INDEX_TYPE, "digest": digest, "size": len(index),
                 "annotations": {"org.opencontainers.image.ref.name": "index"}}]}))
            proc = subprocess.run(["skopeo", "copy", "--quiet", "--multi-arch", "index-only", "--preserve-digests",
                                   *self._tls("dest-"), f"oci:{layout}:index", f"docker://{ref}"],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise PublishError(explain(ref, proc.stderr))
        return digest, "pushed"

    def copy(self, src: str, ref: str) -> None:
        """The image at src (in a registry) to ref as it is: the same blobs, manifest and
        digest, nothing exported from the engine or compressed again."""
        proc = subprocess.run(["skopeo", "copy", "--quiet", "--preserve-digests", *self._tls("src-"),
                               *self._tls("dest-"), f"docker://{src}", f"docker://{ref}"], capture_output=True, text=True)
        if proc.returncode != 0:
            raise PublishError(explain(ref, proc.stderr))

    def push(self, local: str, ref: str) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            digest_file = Path(tmp) / "digest"
            proc = subprocess.run(["skopeo", "copy", "--quiet", "--digestfile", str(digest_file), *self._tls("dest-"),
                                   f"docker-daemon:{local}", f"docker://{ref}"], capture_output=True, text=True)
            if proc.returncode != 0:
                raise PublishError(explain(ref, proc.stderr))
            return digest_file.read_text().strip()


def index_bytes(entries: list[dict]) -> bytes:
    """An OCI image index of the entries (one image per architecture), in the order of
    arches.ARCHES: the same images always give the same bytes, so the same digest. Its
    entries are the Docker v2 manifests the images are pushed as (skopeo's copy from the
    Docker engine; converting them to OCI would change their config digests, which say
    whether an image is already there): docker, containerd, pack and the lifecycle read
    such an index."""
    ordered = sorted(entries, key=lambda e: arches.ARCHES.index(e["platform"]["architecture"]))
    return json.dumps({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": ordered},
                      separators=(",", ":")).encode()


def explain(ref: str, stderr: str) -> str:
    """skopeo's error as one line naming the registry, the image and what to do."""
    host = ref.split("/")[0]
    last = " ".join(stderr.strip().splitlines()[-1:])
    quoted = re.search(r'msg="((?:[^"\\]|\\.)*)"', last)  # skopeo logs: time=... level=fatal msg="..."
    detail = (json.loads(f'"{quoted.group(1)}"') if quoted else last) or "no output"
    if re.search(r"connection refused|no such host|i/o timeout|network is unreachable", stderr, re.I):
        hint = f"registry {host} is not reachable: is it running, and is the address right?"
    elif re.search(r"unauthorized|authentication required|401", stderr, re.I):
        hint = f"registry {host} refused the credentials: run 'docker login {host}' (or fix ~/.docker/config.json)"
    elif re.search(r"denied|forbidden|403", stderr, re.I):
        hint = f"registry {host} refused to store {ref}: may these credentials push to that namespace?"
    elif re.search(r"x509|certificate|tls", stderr, re.I):
        hint = (f"TLS with {host} failed: give its CA with REGISTRY_CA=<file> (or /etc/docker/certs.d/{host}/ca.crt); "
                "INSECURE=1 only for a plain-HTTP registry")
    elif re.search(r"server gave HTTP response to HTTPS client", stderr, re.I):
        hint = f"registry {host} speaks plain HTTP: publish to it with INSECURE=1 if that is what you mean"
    else:
        hint = f"registry {host} refused {ref}"
    return f"{ref}: {hint} (skopeo: {detail})"


def local_id(image: str) -> str:
    proc = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image], capture_output=True, text=True)
    if proc.returncode != 0:
        raise PublishError(f"image {image} is not in the local Docker daemon: run 'make builder' first")
    return proc.stdout.strip()


def _records_path(arch: str) -> Path:
    return builder.BUILD_DIR / "publish" / arch / "published-builders.json"


def _records(arch: str) -> dict[str, dict[str, str]]:
    """registry reference -> {"inputs": the builder's inputs digest, "config": the config
    digest pushed there}, for the builders this machine published for arch."""
    path = _records_path(arch)
    return json.loads(path.read_text()) if path.is_file() else {}


def record_pushed(ref: str, arch: str, inputs: str, config: str) -> None:
    records = _records(arch)
    records[ref] = {"inputs": inputs, "config": config}
    _records_path(arch).parent.mkdir(parents=True, exist_ok=True)
    _records_path(arch).write_text(json.dumps(records, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class MadeBuilder:
    inputs: str  # builder.inputs_digest of what it is made of (and the pack that makes it)
    config: str  # its config digest (the local image's id), or the one the registry holds
    kept: bool  # the registry holds it, made from the same inputs: not made again


def make_builders(refs: dict[str, str], mirrors: list[dict[str, str]], data: dict,
                  made: list[flavors.Flavor], arch: str, carried: dict[str, list[Path]],
                  skopeo: "Skopeo | None" = None) -> dict[str, MadeBuilder]:
    """arch's builders again, naming the registry's build and run images (reproducible: the
    same inputs give the same image), with the bundles carried (bundles.ensure's answer for
    arch). The registry names are local tags of arch's images while this runs. A builder
    this machine already published to that reference from the same inputs, which the
    registry still holds, is not made again (with skopeo to ask the registry)."""
    out = builder.BUILD_DIR / "publish" / arch
    packaged = builder.package_buildpacks(out / "buildpacks", data, carried, arch=arch)
    builder.compile_bytecode(packaged, arches.local(data["images"]["build"], arch))
    records = _records(arch)
    result = {}
    for flavor in made:
        run_key, ref = flavor.run_image_key, refs[flavor.image_key]
        toml = out / f"{flavor.image_key}.toml"
        toml.write_text(builder_toml.builder_toml(data, packaged, out, flavor, build_image=refs["build"],
                                                  run_image=refs[run_key], run_mirrors=[m[run_key] for m in mirrors],
                                                  arch=arch, targets=arch == arches.host()))
        inputs = hashlib.sha256((builder.inputs_digest(toml, packaged, data, flavor, arch) + data["pack"]["version"])
                                .encode()).hexdigest()
        record = records.get(ref, {})
        if skopeo is not None and record.get("inputs") == inputs:
            held = skopeo.digests(f"{ref}-{arch}")
            if held is not None and held[1] == record.get("config"):
                print(f"publish: {ref}-{arch} is made from the same inputs as the registry's: not made again",
                      flush=True)
                result[flavor.image_key] = MadeBuilder(inputs, record["config"], kept=True)
                continue
        proc = builder.run_pack([builder.pack_bin(), "builder", "create", ref, "--config", str(toml),
                                 "--pull-policy", "never"], capture_output=True, text=True)
        if proc.returncode != 0:
            raise PublishError(f"pack builder create {ref} ({arch}) failed: "
                               f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
        result[flavor.image_key] = MadeBuilder(inputs, local_id(ref), kept=False)
    return result


def published_arches(data: dict) -> list[str]:
    """The architectures whose images make builder made here (this machine's always)."""
    made = [arch for arch in arches.ARCHES
            if arch == arches.host() or builder_exists(arches.local(data["images"]["build"], arch))]
    for arch in sorted(set(arches.ARCHES) - set(made)):
        why = arches.emulator_missing(arch) or "make builder has not made them"
        print(f"publish: WARNING: no {arch} images to publish ({why}); the indexes hold {', '.join(made)} only",
              file=sys.stderr)
    # This machine's last: the registry names it tags locally end up naming its own images.
    return sorted(made, key=lambda arch: arch == arches.host())


def builder_exists(image: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0


def push(registry: str, tag: str, mirror_registries: list[str], skopeo: Skopeo, data: dict) -> dict:
    refs = registry_refs(registry, tag, data)
    mirrors = [registry_refs(m, tag, data) for m in mirror_registries]
    targets = [refs] + mirrors
    report: dict = {"registry": registry, "tag": tag, "mirrors": mirror_registries, "images": {}}
    # (key, registry index) -> the index entries of its architectures' images
    entries: dict[tuple[str, int], list[dict]] = {}
    order = published_arches(data)
    # The registry answers (and takes the credentials) before any builder is made for it.
    skopeo.digests(f"{refs['build']}-{order[0]}")
    for arch in order:
        # builder-dotnet and run-dotnet only where that arch's .NET SDK was bundled (make builder says so)
        try:
            carried = bundles.ensure(data, arch=arch)
            made = builder.available_flavors(data, carried, arch=arch)
        except (bundles.BundleError, builder.BuilderError) as exc:
            raise PublishError(str(exc)) from None
        stack_keys = STACK_KEYS + tuple(f.run_image_key for f in made if f.run_image_key in flavors.MADE_RUN_IMAGES)
        builder_keys = tuple(f.image_key for f in made)
        for key in stack_keys:
            local = arches.local(data["images"][key], arch)
            local_id(local)
            for target in targets:
                subprocess.run(["docker", "tag", local, target[key]], check=True)
        builders = make_builders(refs, mirrors, data, made, arch, carried, skopeo)
        for key in builder_keys:  # a mirror holds the same builder: pack picks the closest run image
            for target in mirrors:
                if not builders[key].kept:
                    subprocess.run(["docker", "tag", refs[key], target[key]], check=True)
        for key in stack_keys + builder_keys:
            for number, target in enumerate(targets):
                ref, arch_ref = target[key], f"{target[key]}-{arch}"
                held = skopeo.digests(arch_ref)
                config = builders[key].config if key in builders else local_id(ref)
                if held is not None and held[1] == config:
                    action = "unchanged"
                elif number:  # a mirror: the registry's copy, already compressed
                    skopeo.copy(f"{refs[key]}-{arch}", arch_ref)
                    action = "pushed"
                else:
                    if key in builders and builders[key].kept:  # not made here: nothing local to push
                        raise PublishError(f"{arch_ref} changed in the registry while this ran; publish again")
                    skopeo.push(ref, arch_ref)
                    action = "pushed"
                if number == 0 and key in builders:
                    record_pushed(ref, arch, builders[key].inputs, config)
                entry = skopeo.descriptor(arch_ref, arch)
                print(f"publish: {action:9} {arch_ref}@{entry['digest']}", flush=True)
                entries.setdefault((key, number), []).append(entry)
    for (key, number), listed in entries.items():
        ref = targets[number][key]
        digest, action = skopeo.put_index(ref, listed)
        print(f"publish: {action:9} {ref}@{digest}", flush=True)
        if number == 0:
            report["images"][key] = {"ref": ref, "digest": digest, "action": action,
                                     "platforms": {e["platform"]["architecture"]: e["digest"] for e in listed}}
    PUBLISHED.parent.mkdir(parents=True, exist_ok=True)
    PUBLISHED.write_text(json.dumps(report, indent=2) + "\n")
    print(f"publish: references written to {PUBLISHED.relative_to(versions.ROOT)}")
    return report


def render_manifests(report: dict, out: Path, data: dict) -> list[Path]:
    """deploy/ for the published images: builders pinned by digest, the Functions' images
    in the same registry."""
    pinned = copy.deepcopy(data)
    for key, entry in report["images"].items():
        pinned["images"][key] = f"{entry['ref']}@{entry['digest']}"
    for key in BUILDER_KEYS:  # not made here (builder-dotnet without a bundled SDK): the general one builds it all
        if key not in report["images"]:
            pinned["images"][key] = pinned["images"]["builder"]
    written = []
    for api in ("v1alpha1", "v1beta1"):
        written.append(_write(out / "shipwright" / f"funcpacks-{api}.yaml", strategy.render(api, pinned)))
    for sample, env in manifests.FUNCTIONS.items():
        text = manifests.render(sample, env, pinned, image=f"{report['registry']}/functions/{sample}:latest")
        written.append(_write(out / "openfunction" / f"{sample}.yaml", text))
    return written


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("push")
    p.add_argument("registry")
    p.add_argument("--tag", default="")
    p.add_argument("--mirror", action="append", default=[])
    p.add_argument("--insecure", action="store_true", help="plain HTTP / no TLS verification (a local registry)")
    p.add_argument("--ca-cert", type=Path, help="the registry's CA certificate (PEM)")
    m = sub.add_parser("manifests")
    m.add_argument("--out", type=Path, default=versions.ROOT / "build" / "deploy")
    opts = parser.parse_args(argv)
    data = versions.load()
    try:
        if opts.action == "push":
            if shutil.which("skopeo") is None:
                raise PublishError("skopeo is not installed: run 'make tools'")
            tag = opts.tag or default_tag(data)
            if not _TAG.match(tag):
                raise PublishError(f"TAG={tag!r} is not a valid image tag (letters, digits, '_', '.', '-'; at most "
                                   "121, since each architecture's image is <tag>-<arch>)")
            registry = check_registry(opts.registry)
            with tempfile.TemporaryDirectory() as certs:
                cert_dir = None
                if opts.ca_cert is not None:
                    if not opts.ca_cert.is_file():
                        raise PublishError(f"REGISTRY_CA={opts.ca_cert}: no such file")
                    cert_dir = Path(certs)
                    shutil.copy(opts.ca_cert, cert_dir / "ca.crt")
                push(registry, tag, [check_registry(r) for r in opts.mirror], Skopeo(opts.insecure, cert_dir), data)
        else:
            if not PUBLISHED.is_file():
                raise PublishError(f"{PUBLISHED.relative_to(versions.ROOT)} is missing: run 'make publish REGISTRY=...' first")
            for path in render_manifests(json.loads(PUBLISHED.read_text()), opts.out, data):
                print(f"manifests: {path.relative_to(versions.ROOT) if path.is_relative_to(versions.ROOT) else path}")
    except PublishError as exc:
        print(f"publish: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
