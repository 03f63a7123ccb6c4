"""CNB layers: <layers>/<name>/ plus <layers>/<name>.toml with [types] and [metadata].

Restored layer metadata comes back without [types], so types are written on every build
(a layer whose toml lacks them is dropped by the lifecycle). A layer is reused only when
its metadata equals what this build expects; the caller logs why.

Besides those inputs, [metadata] may hold a `recorded` table: facts about the contents,
written when they were built and returned with a reuse (Layer.recorded), never compared.
A launch-only layer is reused without its contents (the exporter keeps the previous
image's copy), so what a later build needs to know about them has to be recorded.

A cache layer whose contents are reused as they are (module and package caches) is sealed
once the build has finished writing it (Layer.seal(), see seal.py): the next build checks
the restored contents against that seal before reusing them, and rebuilds the layer when
they are damaged.

The contract a buildpack's layers follow (one module per layer, `<name>_layer.py`; one
module may hold layers that differ only by name, as python's installer_cache_layer.py):
- `NAME`, the layer's name, is a constant of its module; nothing else spells it.
- `provide(step, ...)` is the entry, and `step` (a Step: the build's context, its layers
  and its log) comes first in every language; the layer's own inputs follow. It decides
  reuse with `reuse_or_reset(expected, log)` (or logs its own decision with `log.reused`
  / `log.rebuilding`: every layer says whether it was reused and why), builds what is
  missing inside `removed_on_failure()`, sets the types and writes the toml, and returns
  what later steps need (a path, a process).
- `finish(step, ...)`, for a cache layer the build goes on writing after `provide` (the go
  command's caches, NuGet's packages), seals it once the build has written it: `provide`
  registers it with `step.when_done`, and the build's one `step.done()` after its last
  tool runs every registered finish, so no layer's sealing can be forgotten.
- The build step (build.py) calls the layers in order; a layer reads settings only from
  the buildpack's Config.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import tomli_w

from . import settings, user_files
from .context import BuildContext
from .log import Logger
from .seal import SEAL, Seal, damage

RESERVED = {"build", "launch", "store"}
# The key of [metadata] that holds Layer.recorded.
RECORDED = "recorded"
_ENV_SCOPES = {None: "env", "build": "env.build", "launch": "env.launch"}


class Layer:
    def __init__(self, layers_dir: Path, name: str) -> None:
        if name in RESERVED or "/" in name or not name:
            raise ValueError(f"invalid layer name {name!r}")
        self.name = name
        self.path = layers_dir / name
        self.toml_path = layers_dir / f"{name}.toml"
        self.launch = False
        self.build = False
        self.cache = False
        self.metadata: dict[str, Any] = {}  # the inputs the contents were built from
        # Facts about the contents (not inputs): kept with a reuse, emptied by a reset.
        self.recorded: dict[str, Any] = {}

    # -- state restored from a previous build ------------------------------------------
    def restored_metadata(self) -> dict[str, Any] | None:
        """Metadata of the layer as the lifecycle restored it, or None if there is none."""
        if not self.toml_path.exists():
            return None
        with self.toml_path.open("rb") as f:
            return dict(tomllib.load(f).get("metadata", {}))

    def compare(self, expected: dict[str, Any], contents_needed: bool = True) -> tuple[bool, str]:
        """(reusable, reason). Reusable when the restored metadata, less its recorded
        table, equals `expected` and the contents were restored too, or, for a
        launch-only layer (contents_needed=False), when the previous image still has it:
        the lifecycle restores such a layer's metadata only from that image, and the
        exporter then reuses its layer as it is."""
        if RECORDED in expected:
            raise ValueError(f"{RECORDED!r} is the recorded table, not an input")
        old = self.restored_metadata()
        if old is None:
            return False, "no cached copy"
        sealed = old.pop(SEAL, None)  # checked below, never compared
        if contents_needed and not self.path.is_dir():
            return False, "only the metadata was restored (contents not cached)"
        old.pop(RECORDED, None)
        changed = sorted(k for k in set(old) | set(expected) if old.get(k) != expected.get(k))
        if changed:
            parts = [f"{k} {old.get(k, '(none)')!s:.40} -> {expected.get(k, '(none)')!s:.40}" for k in changed]
            return False, "changed: " + "; ".join(parts)
        broken = damage(sealed, self.path) if sealed is not None and contents_needed else None
        if broken:
            return False, broken
        kept = "" if self.path.is_dir() else "; the previous image's layer is kept as it is"
        return True, "metadata matches (" + ", ".join(f"{k}={str(v):.24}" for k, v in sorted(expected.items())) + ")" \
            + kept

    def reuse_or_reset(self, expected: dict[str, Any], log: Logger, context: str = "",
                       contents_needed: bool = True) -> bool:
        """Keeps the restored layer when its metadata equals `expected`, else empties it
        for a rebuild; logs which and why. Either way `expected` becomes the metadata;
        `recorded` is what was recorded with the kept layer, or empty after a reset."""
        reusable, why = self.compare(expected, contents_needed)
        if reusable:
            log.reused(self.name, why)
            self.recorded = dict((self.restored_metadata() or {}).get(RECORDED, {}))
        else:
            log.rebuilding(self.name, f"{context}; {why}" if context else why)
            self.reset()
        self.metadata = dict(expected)
        return reusable

    # -- writing -----------------------------------------------------------------------
    def seal(self) -> Seal:
        """Records in the metadata, and writes, a seal of the layer's contents as they are
        now: call it when the build has finished writing a cache layer (after set_types). A
        later build's compare() rebuilds the layer when the restored contents do not match
        it; reuse_or_reset() starts the new metadata without it, so a layer reused but not
        sealed again is saved unsealed (and then reused unchecked)."""
        if not (self.launch or self.build or self.cache):
            raise ValueError(f"layer {self.name!r}: set its types before sealing it")
        made = Seal.of(self.path)
        self.metadata[SEAL] = made.to_metadata()
        self.write()
        return made

    def reset(self) -> "Layer":
        """Empties the layer directory (and what was recorded about it) for a fresh build
        of its contents."""
        self.recorded = {}
        if self.path.exists():
            _rmtree(self.path)
        self.path.mkdir(parents=True)
        for sbom in self.path.parent.glob(f"{self.name}.sbom.*"):
            sbom.unlink()
        return self

    def remove(self) -> None:
        """Deletes the layer, its toml and SBOMs: nothing of it is cached or exported."""
        if self.path.exists():
            _rmtree(self.path)
        self.toml_path.unlink(missing_ok=True)
        for sbom in self.path.parent.glob(f"{self.name}.sbom.*"):
            sbom.unlink()

    @contextlib.contextmanager
    def removed_on_failure(self) -> Iterator["Layer"]:
        """What the block writes into the layer is kept only when the block completes: on
        any failure the layer is removed, so nothing half-written is cached or exported."""
        try:
            yield self
        except BaseException:
            self.remove()
            raise

    def ensure(self) -> "Layer":
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    def set_types(self, *, launch: bool = False, build: bool = False, cache: bool = False) -> "Layer":
        self.launch, self.build, self.cache = launch, build, cache
        return self

    def write(self) -> None:
        data: dict[str, Any] = {"types": {"launch": self.launch, "build": self.build, "cache": self.cache}}
        metadata = {**self.metadata, RECORDED: self.recorded} if self.recorded else self.metadata
        if metadata:
            data["metadata"] = metadata
        self.toml_path.write_text(tomli_w.dumps(data))

    # -- environment ---------------------------------------------------------------------
    def _env_file(self, var: str, suffix: str, scope: str | None, process: str | None) -> Path:
        if scope not in _ENV_SCOPES:
            raise ValueError(f"unknown env scope {scope!r}")
        directory = self.path / _ENV_SCOPES[scope]
        if process:
            if scope != "launch":
                raise ValueError("process-specific env exists only at launch")
            directory = directory / process
        directory.mkdir(parents=True, exist_ok=True)
        return directory / f"{var}.{suffix}"

    def env_default(self, var: str, value: str, scope: str | None = None, process: str | None = None) -> None:
        self._env_file(var, "default", scope, process).write_text(value)

    def env_override(self, var: str, value: str, scope: str | None = None, process: str | None = None) -> None:
        self._env_file(var, "override", scope, process).write_text(value)

    def env_prepend_path(self, var: str, value: str, scope: str | None = None, delim: str = ":") -> None:
        self._env_file(var, "prepend", scope, None).write_text(value)
        self._env_file(var, "delim", scope, None).write_text(delim)


def _rmtree(path: Path) -> None:
    """shutil.rmtree, also through directories the user may not write (the go command
    makes its module cache read-only, and the lifecycle restores those modes)."""
    try:
        shutil.rmtree(path)
    except PermissionError:
        for directory, _, _ in os.walk(path):
            os.chmod(directory, stat.S_IMODE(os.lstat(directory).st_mode) | stat.S_IRWXU)
        shutil.rmtree(path)


class Layers:
    def __init__(self, layers_dir: Path) -> None:
        self.dir = layers_dir

    def get(self, name: str) -> Layer:
        return Layer(self.dir, name)


@dataclass(frozen=True)
class Step:
    """What every layer's provide() and finish() take first, the same in every language:
    the build's context (app, platform and buildpack directories, target, environment), its
    layers and its log. A cache layer the build goes on writing registers its finish()
    when it is provided (when_done); the build calls done() once, after its last tool."""
    ctx: BuildContext
    layers: Layers
    log: Logger
    _pending: list[Callable[[], None]] = field(default_factory=list)

    def when_done(self, finish: Callable[[], None]) -> None:
        self._pending.append(finish)

    def done(self) -> None:
        """Runs the registered finishes (each seals its layer), in the order registered."""
        while self._pending:
            self._pending.pop(0)()

    @classmethod
    def of(cls, ctx: BuildContext, log: Logger) -> "Step":
        return cls(ctx, Layers(ctx.layers_dir), log)

    @classmethod
    def begin(cls, ctx: BuildContext, buildpack: str) -> "Step":
        """How every build opens: its log and Step, the Configuration header, a warning for
        each setting no buildpack knows, and the refusal of links out of the source (before
        anything reads it)."""
        log = Logger(buildpack)
        log.header("Configuration")
        settings.warn_unknown(ctx.env, log)
        user_files.refuse_links_out(ctx.app_dir)
        return cls.of(ctx, log)
