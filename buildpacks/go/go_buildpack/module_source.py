"""How the source becomes something the go command builds, in a copy (the user's go.mod,
go.sum and vendor/ are never rewritten):

- module:    go.mod; modules come from the module proxy (-mod=mod);
- vendored:  go.mod and vendor/modules.txt; built from vendor/ (-mod=vendor), no module fetched;
- generated: no go.mod; a module is made for the build (go mod init, then go mod tidy
             resolves the imports through the module proxy);
- gopath:    no go.mod but a vendor/ directory (GOPATH-era vendoring); built in GOPATH mode
             from vendor/, as gcp-builder builds such functions.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks.errors import UserError

from . import gomod

MODULE, VENDORED, GENERATED, GOPATH = "module", "vendored", "generated", "gopath"
ROOT = Path("/tmp/funcpacks-go")
# The module path (and GOPATH import path) of a source that has no go.mod, as gcp-builder names it.
GENERATED_MODULE = "functions.local/app"
_MOD_FLAG = re.compile(r"(^|\s)-mod=\S+")


@dataclass
class Source:
    mode: str
    app_dir: Path
    mod: gomod.GoMod | None
    work_dir: Path = ROOT / "src"  # where the go command runs
    env: dict[str, str] = field(default_factory=dict)  # GOPATH / GO111MODULE / GOFLAGS for this mode

    @property
    def import_path(self) -> str:
        return self.mod.module if self.mod else GENERATED_MODULE

    @property
    def requires(self) -> dict[str, str]:
        return self.mod.requires if self.mod else {}

    def describe(self) -> str:
        return {
            MODULE: f"module {self.import_path}",
            VENDORED: f"module {self.import_path}, built from vendor/ (vendor/modules.txt): no module is downloaded",
            GENERATED: f"no go.mod: a module {GENERATED_MODULE} is made for the build (the source is not changed); "
                       "its imports are resolved through the module proxy — commit a go.mod to pin them",
            GOPATH: "no go.mod but a vendor/ directory: built in GOPATH mode from vendor/ (commit a go.mod "
                    "and run 'go mod vendor' to build as a module)",
        }[self.mode]


def inspect(app_dir: Path, user_goflags: str) -> Source:
    """Which mode the source needs (nothing is copied yet)."""
    has_mod = (app_dir / "go.mod").is_file()
    mod = gomod.parse(app_dir / "go.mod") if has_mod else None
    if has_mod and (app_dir / "vendor" / "modules.txt").is_file():
        mode = VENDORED
    elif has_mod:
        mode = MODULE
    elif (app_dir / "vendor").is_dir():
        mode = GOPATH
    else:
        mode = GENERATED
    src = Source(mode, app_dir, mod)
    gopath = ROOT / "gopath"
    flags = user_goflags.strip()
    if mode == GOPATH:
        src.work_dir = gopath / "src" / GENERATED_MODULE
        # -mod= has no meaning outside module mode (the go command refuses it there).
        src.env = {"GO111MODULE": "off", "GOPATH": str(gopath), "GOFLAGS": _MOD_FLAG.sub(" ", flags).strip()}
    else:
        # A -mod= the user gave is theirs to give; otherwise vendor/ or the module proxy.
        if not _MOD_FLAG.search(flags):
            flags = f"{flags} -mod={'vendor' if mode == VENDORED else 'mod'}".strip()
        src.env = {"GO111MODULE": "on", "GOPATH": str(gopath), "GOFLAGS": flags}
    return src


def copy(src: Source) -> None:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    src.work_dir.parent.mkdir(parents=True)
    shutil.copytree(src.app_dir, src.work_dir, ignore=shutil.ignore_patterns(".git"))


def vendored_packages(work_dir: Path) -> set[str]:
    """The packages vendor/modules.txt lists (lines that are not '#' comments)."""
    text = (work_dir / "vendor" / "modules.txt").read_text()
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


def gopath_has(work_dir: Path, package: str) -> bool:
    """A GOPATH-vendored tree holds a package when its directory has Go files."""
    d = work_dir / "vendor" / package
    return d.is_dir() and any(d.glob("*.go"))


_UNRESOLVED = (
    re.compile(r" imports\n\t(\S+?): "),
    re.compile(r"cannot find module providing package (\S+?):"),
    re.compile(r"package (\S+) is not in std"),
    re.compile(r"no required module provides package (\S+?)[;:]"),
)


def unresolved_imports(go_output: str) -> list[str]:
    found: list[str] = []
    for rx in _UNRESOLVED:
        for imp in rx.findall(go_output):
            if imp not in found:
                found.append(imp)
    return found
