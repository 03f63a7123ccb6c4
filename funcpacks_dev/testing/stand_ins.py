"""Local images that run where a build strategy names an image no registry here serves.

Strategies people already run fix some images of their own: OpenFunction's `openfunction`
strategy defaults BASH_IMAGE to Docker Hub's bash image and calls /usr/local/bin/bash, and
Tekton's catalog `buildpacks` task pins that image by digest. Those steps only chown, write
files and run grep and cut, so the stand-in is the build image with what they rely on: root
as its user and bash at /usr/local/bin/bash. The strategy runner prints each stand-in.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from funcpacks_dev import docker_engine, versions

BASH = "funcpacks-testing/bash:5.1.4"
# The references the strategies use, exactly as they write them.
BASH_REFS = ("docker.io/library/bash:5.1.4",
             "docker.io/library/bash:5.1.4@sha256:b208215a4655538be652b2769d82e576bc4d0a2bb132144c060efc5be8c3f5d6")

DOCKERFILE = """FROM {build}
USER 0:0
RUN ln -s /bin/bash /usr/local/bin/bash
"""


def bash_image(data: dict | None = None) -> str:
    """Builds the bash stand-in from the build image (a cache hit when that is unchanged)."""
    data = data or versions.load()
    with tempfile.TemporaryDirectory() as ctx:
        (Path(ctx) / "Dockerfile").write_text(DOCKERFILE.format(build=data["images"]["build"]))
        docker_engine.build(ctx, BASH, network_mode="host")
    return BASH


def stand_ins(data: dict | None = None) -> dict[str, str]:
    """Image reference -> the local image the runner runs in its place."""
    image = bash_image(data)
    return {ref: image for ref in BASH_REFS}
