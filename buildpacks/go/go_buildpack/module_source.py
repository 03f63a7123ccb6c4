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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from funcpacks import user_files

from . import gomod

MODULE, VENDORED, GENERATED, GOPATH = "module", "vendored", "generated", "gopath"
# Under the build's temporary directory (/tmp in a build container; a test gives each
# build its own TMPDIR, so builds on one host do not share it).
ROOT = Path(tempfile.gettempdir()) / "funcpacks-go"
# The module path (and GOPATH import path) of a source that has no go.mod, as gcp-builder names it.
GENERATED_MODULE = "functions.local/app"
_MOD_FLAG = re.compile(r"(^|\s)--?mod=(\S+)")


@dataclass
class Source:
    mode: str
    app_dir: Path
    mod: gomod.GoMod | None
    work_dir: Path = ROOT / "src"  # where the go command runs
    env: dict[str, str] = field(default_factory=dict)  # GOPATH / GO111MODULE / GOFLAGS for this mode

    gopath_import: str = ""  # GOPATH mode: the package's import path

    @property
    def import_path(self) -> str:
        return self.mod.module if self.mod else (self.gopath_import or GENERATED_MODULE)

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
    user_mod = _MOD_FLAG.search(user_goflags)
    # -mod=mod or -mod=readonly from the user means: not from vendor/.
    if has_mod and (app_dir / "vendor" / "modules.txt").is_file() and (not user_mod or user_mod.group(2) == "vendor"):
        mode = VENDORED
    elif has_mod:
        mode = MODULE
    elif (app_dir / "vendor").is_dir():
        mode = GOPATH
    else:
        mode = GENERATED
    if mode == MODULE:
        _check_replacements(app_dir, mod)
    src = Source(mode, app_dir, mod)
    gopath = ROOT / "gopath"
    flags = user_goflags.strip()
    if mode == GOPATH:
        # Where gcp-builder puts it, so sources importing their own subpackages as
        # "<package>/sub" build as they did there.
        src.gopath_import = package_name(app_dir) or GENERATED_MODULE
        src.work_dir = gopath / "src" / src.gopath_import
        # -mod= has no meaning outside module mode (the go command refuses it there).
        src.env = {"GO111MODULE": "off", "GOPATH": str(gopath), "GOFLAGS": _MOD_FLAG.sub(" ", flags).strip()}
    else:
        # A -mod= the user gave is theirs to give; otherwise vendor/ or the module proxy.
        if not _MOD_FLAG.search(flags):
            flags = f"{flags} -mod={'vendor' if mode == VENDORED else 'mod'}".strip()
        src.env = {"GO111MODULE": "on", "GOPATH": str(gopath), "GOFLAGS": flags}
    return src


def _check_replacements(app_dir: Path, mod: gomod.GoMod | None) -> None:
    """A replace directive's directory must be in the source: the build has nothing else.
    From vendor/ it is not read (go mod vendor copied its packages), so there it may be
    anywhere, as in a monorepo whose modules replace each other."""
    for module, path in (mod.local_replaces.items() if mod else ()):
        user_files.inside(app_dir, path, f"go.mod's replace {module} => {path}", what="directory", where="go.mod",
                          fix="run 'go mod vendor' and commit vendor/ (it holds the replacement's packages, and a "
                              "build from vendor/ does not read the directory), or move the module into the source")


# The package clause: the first `package` line outside comments (a //go:build line or a
# license header may come first; block comments are rare above it and not handled).
_PACKAGE = re.compile(r"^package\s+(\w+)", re.MULTILINE)


def package_name(app_dir: Path) -> str:
    """The package clause of the first non-test .go file at the top ('' when none)."""
    for f in sorted(app_dir.glob("*.go")):
        if not f.name.endswith("_test.go"):
            m = _PACKAGE.search(f.read_text(errors="replace"))
            if m:
                return m.group(1)
    return ""


def copy(src: Source) -> None:
    """The source, as the go command will build it. Symbolic links are copied as links:
    links out of the source were refused before (user_files.refuse_links_out)."""
    if ROOT.exists():
        shutil.rmtree(ROOT)
    src.work_dir.parent.mkdir(parents=True)
    shutil.copytree(src.app_dir, src.work_dir, ignore=shutil.ignore_patterns(".git"), symlinks=True)


def vendored_packages(work_dir: Path) -> set[str]:
    """The packages vendor/modules.txt lists (lines that are not '#' comments)."""
    text = user_files.read_text(work_dir / "vendor" / "modules.txt", "vendor/modules.txt")
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


def gopath_has(work_dir: Path, package: str) -> bool:
    """A GOPATH-vendored tree holds a package when its directory has Go files."""
    d = work_dir / "vendor" / package
    return d.is_dir() and any(d.glob("*.go"))


# "<pkg> imports\n\t<import>: <why>", the why possibly continued on one indented line
# (a proxy's "server response: ...").
_IMPORT_FAILURE = re.compile(r" imports\n\t(\S+?): (.*(?:\n\t\S.*)?)")
# What the go command (or a proxy) says when nothing provides an import. Anything else (a
# 401, an unreachable proxy) is not the import's fault and keeps its own message.
_NOT_FOUND = ("cannot find module providing package", "no matching versions", "is not in std",
              "no required module provides package", "404 Not Found", "410 Gone", "not available")


def unresolved_imports(go_output: str) -> list[str]:
    found: list[str] = []
    for imp, why in _IMPORT_FAILURE.findall(go_output):
        if any(marker in why for marker in _NOT_FOUND) and imp not in found:
            found.append(imp)
    return found
