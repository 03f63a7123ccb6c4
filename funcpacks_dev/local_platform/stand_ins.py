"""Local images that run where a build strategy names an image no registry here serves.

Strategies people already run fix some images of their own:
- OpenFunction's `openfunction` strategy defaults BASH_IMAGE to Docker Hub's bash image and
  calls /usr/local/bin/bash, and Tekton's catalog `buildpacks` task pins that image by
  digest; the `buildpacks-phases` task's prepare step uses Red Hat's ubi-minimal. Those
  steps chown, write files and run grep and cut as root: the stand-in is the build image
  with root as its user and bash at /usr/local/bin/bash.
- `buildpacks-phases` reads the builder's labels and env with skopeo and jq (its own
  image): the stand-in adds Debian's skopeo and jq, and trusts the given plain-HTTP
  registries, as a cluster's registry configuration would.
- `buildpacks-phases` reads report.toml with python3's tomllib (Red Hat's Python 3.11
  image, whose user is 1001): the build image, whose python3 has it and whose user is 1001.
The strategy runner prints each stand-in it uses.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from funcpacks_dev import docker_engine, versions

BASH = "funcpacks-testing/bash:5.1.4"
SKOPEO_JQ = "funcpacks-testing/skopeo-jq:0.1.3"
# The references the strategies use, exactly as they write them.
BASH_REFS = ("docker.io/library/bash:5.1.4",
             "docker.io/library/bash:5.1.4@sha256:b208215a4655538be652b2769d82e576bc4d0a2bb132144c060efc5be8c3f5d6",
             "registry.access.redhat.com/ubi8/ubi-minimal@sha256:"
             "b2a1bec3dfbc7a14a1d84d98934dfe8fdde6eb822a211286601cf109cbccb075")
SKOPEO_JQ_REFS = ("quay.io/halkyonio/skopeo-jq:0.1.3@sha256:"
                  "1b3d21ad541227dc9d3e793d18cef9eb00a969c0c01eb09cab88997bc63680c6",)
PYTHON_REFS = ("registry.access.redhat.com/ubi8/python-311@sha256:"
               "43605cb2491ef2297a7acf4b4bf0b7f54f0c91b96daf12ae41c49cc7f192b153",)

BASH_DOCKERFILE = """FROM {build}
USER 0:0
RUN ln -s /bin/bash /usr/local/bin/bash
"""
# The package layer first: it stays cached while only the registries change.
SKOPEO_JQ_DOCKERFILE = """FROM {build}
USER 0:0
RUN apt-get update -qq && apt-get install -qq -y --no-install-recommends skopeo jq >/dev/null \\
    && rm -rf /var/lib/apt/lists/*
COPY insecure.conf /etc/containers/registries.conf.d/funcpacks-testing.conf
"""


def _build(tag: str, dockerfile: str, files: dict[str, str] | None = None) -> str:
    with tempfile.TemporaryDirectory() as ctx:
        (Path(ctx) / "Dockerfile").write_text(dockerfile)
        for name, text in (files or {}).items():
            (Path(ctx) / name).write_text(text)
        docker_engine.build(ctx, tag, network_mode="host")
    return tag


def bash_image(data: dict | None = None) -> str:
    """Builds the bash stand-in from the build image (a cache hit when that is unchanged)."""
    data = data or versions.load()
    return _build(BASH, BASH_DOCKERFILE.format(build=data["images"]["build"]))


def skopeo_jq_image(insecure_registries: list[str], data: dict | None = None) -> str:
    """Builds the skopeo and jq stand-in, trusting these plain-HTTP registries."""
    data = data or versions.load()
    conf = "".join(f'[[registry]]\nlocation = "{r}"\ninsecure = true\n' for r in insecure_registries)
    return _build(SKOPEO_JQ, SKOPEO_JQ_DOCKERFILE.format(build=data["images"]["build"]), {"insecure.conf": conf})


def stand_ins(data: dict | None = None, insecure_registries: list[str] | None = None) -> dict[str, str]:
    """Image reference -> the local image the runner runs in its place (the skopeo one only
    when registries are given: it is built for them)."""
    data = data or versions.load()
    bash = bash_image(data)
    images = {**dict.fromkeys(BASH_REFS, bash), **dict.fromkeys(PYTHON_REFS, data["images"]["build"])}
    if insecure_registries is not None:
        images.update(dict.fromkeys(SKOPEO_JQ_REFS, skopeo_jq_image(insecure_registries, data)))
    return images
