"""The `go-build-cache` layer (GOCACHE): compiled packages, cache only, kept while the
toolchain version and arch stay (another toolchain would not use its entries).

The go command (>= 1.24) reads and writes it through cacheprog.py, which also reads the
builder's seed in place (seed.py): the layer holds only what the seed lacks.

The layer is sealed when the build has finished (see funcpacks/seal.py). A damaged build
cache is dangerous, not only slow: the go command checks an output's size against its
action entry (a truncated compiled package is a miss), but not its contents, so a damaged
file of the right size would be linked into the function. The seal catches what stat can
see (files missing, truncated, grown, renamed) before any go command reads the cache.

Bounded growth: each rebuild adds entries for what changed and the old ones would stay,
so before sealing, the build drops the entries none of its go commands used.
- The go command (and cacheprog.py in its place) records a use in an entry's mtime: the action file <id>-a when it is
  looked up, the output file <id>-d when it is opened (cmd/go/internal/cache markUsed), but
  only when that mtime is at least an hour old (mtimeInterval). Its own trim deletes entries
  unused for 5 days, at most once a day (trim.txt).
- The lifecycle tars cache layers with every mtime set to 1980-01-01, but its extraction
  (archive.Extract) sets none: a restored file has the time of the restore, minutes before
  this build. The go command would touch none of them, so "mtime before the build" would not
  tell used from unused.
- So before the first go command, every restored entry's mtime is set two hours back: old
  enough that the go command touches the ones it uses, too recent for its own trim (5 days)
  to delete any (a go command trims when it exits, and would otherwise delete what a later
  go command of the same build needs). When the build has finished, an entry whose mtime is
  still more than an hour before the build started was used by none of its go commands, and
  is deleted. That is safe: the go command treats a missing entry as a miss and rebuilds it,
  and nothing reads the cache after the build.
- Except an output an action entry kept still names: an action whose output is already in
  the cache, byte for byte, gets a new action file but leaves the output file untouched.
- Unused entries are mostly the function's own packages as an earlier build compiled
  them. (The go command's package index, whose keys change with file times and places, is
  off: build.py sets GODEBUG=goindex=0.)
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

from funcpacks.bundled import Bundled
from funcpacks.layers import Layer, Step

from . import cacheprog, seed

NAME = "go-build-cache"
PROG_SINCE = (1, 24)  # GOCACHEPROG without GOEXPERIMENT
MARK_AGE = 2 * 3600  # seconds: older than the go command's mtimeInterval (1 h), younger than its trimLimit (5 days)
_SUBDIR = re.compile(r"^[0-9a-f]{2}$")


class BuildCache(Layer):
    """The layer, the mtime its restored entries were given before the build (None:
    nothing was restored), whether the build's toolchain reads GOCACHEPROG, and the
    seed's build cache when that toolchain made it."""

    def __init__(self, layers_dir: Path) -> None:
        super().__init__(layers_dir, NAME)
        self.marked_at: float | None = None
        self.through_prog = False
        self.seed: Path | None = None

    def go_env(self) -> dict[str, str]:
        """GOCACHE, and GOCACHEPROG (cacheprog.py) for a toolchain that reads it."""
        env = {"GOCACHE": str(self.path)}
        if self.through_prog:
            words = [sys.executable, "-I", "-S", "-B", str(Path(__file__).with_name("cacheprog.py")), str(self.path)]
            env["GOCACHEPROG"] = " ".join(_quoted(w) for w in words + ([str(self.seed)] if self.seed else []))
        return env


def _version(go_version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", go_version)[:2])


def _quoted(word: str) -> str:
    """As the go command splits GOCACHEPROG (cmd/internal/quoted)."""
    return f"'{word}'" if any(c.isspace() for c in word) else word


def provide(step: Step, go_version: str, own_seed: Bundled | None) -> BuildCache:
    layers, arch, log = step.layers, step.ctx.target.arch, step.log
    layer = BuildCache(layers.dir)
    if layer.reuse_or_reset({"go": go_version, "arch": arch, "seed": seed.identity(own_seed)}, log):
        layer.marked_at = time.time() - MARK_AGE
        for entry in entries(layer.path):
            os.utime(entry, (layer.marked_at, layer.marked_at))
    layer.set_types(cache=True).write()
    layer.through_prog = _version(go_version) >= PROG_SINCE
    layer.seed = seed.build_cache(own_seed, go_version)
    if layer.seed is not None and layer.through_prog:
        log.info("build cache: the builder's seed is read in place (never restored or cached)")
    step.when_done(lambda: finish(step, layer))
    return layer


def finish(step: Step, layer: BuildCache) -> None:
    """After the last go command: drops the entries the build did not use (and what a
    killed cache program left half-written), then seals."""
    log = step.log
    for partial in layer.path.glob(f"??/*{cacheprog.TMP_MARK}*"):
        partial.unlink()
    note = ""
    if layer.marked_at is not None:
        # an hour before the build started: after every mark, before every use
        stale = unused(layer.path, layer.marked_at + MARK_AGE / 2)
        note = f"; dropped {len(stale)} entries ({_delete(stale) / 1e6:.1f} MB) this build did not use"
    seal = layer.seal()
    log.info(f"build cache sealed: {seal}{note}")


def unused(cache: Path, used_after: float) -> list[Path]:
    """The entries no go command used since `used_after` (their mtime is older), less the
    outputs that the action entries it did use name."""
    stale: list[Path] = []
    named: set[str] = set()
    for entry in entries(cache):
        if entry.lstat().st_mtime < used_after:
            stale.append(entry)
        elif entry.name.endswith("-a"):
            named.add(_output_id(entry))
    return [e for e in stale if not (e.name.endswith("-d") and e.name[:-2] in named)]


def _delete(stale: list[Path]) -> int:
    """Deletes the entries; the bytes they held."""
    size = 0
    for entry in stale:
        if entry.is_dir():  # a cached executable
            size += sum(f.lstat().st_size for f in entry.rglob("*"))
            shutil.rmtree(entry)
        else:
            size += entry.lstat().st_size
            entry.unlink()
    return size


def _output_id(action: Path) -> str:
    """The output an action file names: "v1 <action id> <output id> <size> <time>\n"."""
    with action.open("rb") as f:
        head = f.read(3 + 64 + 1 + 64)
    return head[68:].decode("ascii", "replace") if head.startswith(b"v1 ") else ""


def entries(cache: Path) -> list[Path]:
    """The cache's entries: <2 hex digits>/<hash>-a (action) and -d (output) files, and
    -d directories (cached executables). Nothing else (README, trim.txt) is touched."""
    found: list[Path] = []
    if not cache.is_dir():
        return found
    for sub in os.scandir(cache):
        if not (_SUBDIR.match(sub.name) and sub.is_dir(follow_symlinks=False)):
            continue
        found += [Path(e.path) for e in os.scandir(sub.path) if e.name.endswith(("-a", "-d"))]
    return found
