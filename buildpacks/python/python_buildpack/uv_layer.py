"""The `uv` layer: the uv executable, the pinned wheel (defaults.toml's uv-requirement).
The builder's own (bundled by `make builder` with the same pip and hashes) is used in
place; else it is installed from the index the build is given (pip checks its sha256)
into this build-only cache layer, keyed by the requirement. Never in the image."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Mapping

from funcpacks import bundled, defaults, tool_run
from funcpacks.context import BuildContext
from funcpacks.layers import Step

from .vendor import Vendor

NAME = "uv"
REQUIREMENT = "uv-requirement"  # the key of defaults.toml: uv==<version> --hash=sha256:... per wheel
BUNDLED_KIND = "uv"


def provide(step: Step, pip_python: Path, pip_env: Mapping[str, str], vendored: Vendor | None = None) -> Path:
    """The uv executable: the builder's, or from a build-only cache layer keyed by the
    pinned requirement."""
    ctx, log = step.ctx, step.log
    requirement = defaults.value(ctx.buildpack_dir, REQUIREMENT)
    layers = step.layers
    layer = layers.get(NAME)
    digest = requirement_digest(requirement)
    version = pinned_version(requirement)
    own = bundled.use_in_place(ctx.buildpack_dir, BUNDLED_KIND, version, ctx.target.arch, layer,
                               {"requirement": digest})
    if own is not None:
        log.info(f"uv {version}: the builder's, used in place (nothing installed or cached)")
        return own.path / "bin" / "uv"
    expected = {"requirement": digest, "arch": ctx.target.arch}
    if not layer.reuse_or_reset(expected, log):
        (req_file := layer.path / "requirement.txt").write_text(requirement + "\n")
        env = {**{k: v for k, v in ctx.env.items() if not k.startswith("PIP_")}, **pip_env,
               "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
               "PIP_PROGRESS_BAR": "off"}
        tool = requirement.split()[0]
        failure = tool_run.Failure(
            f"could not install {tool}", tail=8, lines=lambda text: [ln for ln in text.splitlines() if ln.strip()],
            explain=vendored.explain if vendored else None,
            fix="the index the build uses (PIP_INDEX_URL) must serve uv's wheel; a hash mismatch means the index "
                "served a different file")
        with layer.removed_on_failure():
            tool_run.run([str(pip_python), "-m", "pip", "install", "--no-deps", "--require-hashes",
                          "--only-binary", ":all:", "--no-cache-dir", "--target", str(layer.path / "tool"),
                          "-r", str(req_file)], failure, env=env, merge_stderr=False)
        req_file.unlink()
        log.info(f"installed {tool} (sha256 checked) into the build-only layer '{NAME}'")
    layer.set_types(build=True, cache=True).write()
    exe = layer.path / "tool" / "bin" / "uv"
    os.chmod(exe, 0o755)
    return exe


def pinned_version(requirement: str) -> str:
    """'0.13.9' of 'uv==0.13.9 --hash=...'."""
    return requirement.split()[0].partition("==")[2]


def requirement_digest(requirement: str) -> str:
    return hashlib.sha256(requirement.strip().encode()).hexdigest()[:32]


def tool_name(ctx: BuildContext) -> str:
    """'uv 0.13.9', from the pinned requirement."""
    return defaults.value(ctx.buildpack_dir, REQUIREMENT).split()[0].replace("==", " ")
