"""The user's project: which project file, its target framework, its assembly name,
and global.json."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from funcpacks import user_files
from funcpacks.errors import UserError

PROJECT_SUFFIXES = (".csproj", ".fsproj", ".vbproj")
SOURCE_SUFFIXES = (".cs", ".fs", ".vb")
GOOGLE_HOSTING = "Google.Cloud.Functions.Hosting"
_TFM = re.compile(r"^net(?:coreapp)?(\d+)\.(\d+)$")


def project_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in PROJECT_SUFFIXES)


def looks_like_dotnet(app: Path) -> bool:
    """Detect: a project file, a solution or global.json; or .NET sources without a
    project (build then says what is missing) unless Python files sit beside them, since
    this buildpack is tried before Python's and a stray .cs file must not claim a Python
    function."""
    if project_files(app) or (app / "global.json").is_file() or any(app.glob("*.sln")):
        return True
    files = [p for p in app.iterdir() if p.is_file()]
    return any(p.suffix.lower() in SOURCE_SUFFIXES for p in files) and not any(p.suffix == ".py" for p in files)


def find_project(app: Path, buildable: str, origin: str = "") -> Path:
    """The one project to publish: GOOGLE_BUILDABLE / FUNC_BUILDABLE / BP_DOTNET_PROJECT_PATH
    (`origin`: a project file or a directory holding one), else the single project file at
    the top of the source."""
    if buildable:
        target = user_files.inside(app, buildable, origin or "the buildable", what="project file or directory")
        if not target.exists():
            raise UserError(f"{origin or 'the buildable'} {buildable!r} does not exist in the source",
                            where=origin or "the buildable",
                            fix="give a project file or a directory holding one, relative to the source root")
        if target.is_file():
            if target.suffix.lower() not in PROJECT_SUFFIXES:
                raise UserError(f"the buildable {buildable!r} is not a project file (.csproj, .fsproj, .vbproj)")
            return target
        app, where = target, buildable
    else:
        where = "the top of the source directory"
    found = project_files(app)
    if not found:
        nested = nested_projects(app)
        hint = (f"; projects below it: {', '.join(str(p) for p in nested[:5])}"
                f" (e.g. GOOGLE_BUILDABLE={nested[0]})" if nested else "")
        raise UserError(f"no .NET project file (.csproj, .fsproj or .vbproj) at {where}",
                        fix="add the project file, or set GOOGLE_BUILDABLE / FUNC_BUILDABLE to the project's path"
                            + hint)
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise UserError(f"{len(found)} project files at {where}: {names}",
                        fix="keep one, or set GOOGLE_BUILDABLE / FUNC_BUILDABLE to the one to publish "
                            f"(e.g. GOOGLE_BUILDABLE={found[0].relative_to(app.parent if buildable else app)})")
    return found[0]


# Directories that hold build output or history, never sources.
NOT_SOURCES = {"bin", "obj", ".git"}


def source_files(root: Path, pattern: str) -> list[Path]:
    """Files under root matching pattern, outside bin/, obj/ and .git/; relative to root, sorted."""
    return sorted(p.relative_to(root) for p in root.rglob(pattern)
                  if p.is_file() and not NOT_SOURCES & set(p.relative_to(root).parts[:-1]))


def nested_projects(app: Path, depth: int = 3) -> list[Path]:
    """Project files below the top (a solution's layout), relative to app, shallowest first."""
    found = [p for p in source_files(app, "*") if p.suffix.lower() in PROJECT_SUFFIXES and len(p.parts) <= depth + 1]
    return sorted(found, key=lambda p: (len(p.parts), str(p)))


@dataclass(frozen=True)
class Project:
    path: Path
    target_frameworks: tuple[str, ...]
    assembly_name: str
    package_references: tuple[str, ...]
    project_references: tuple[str, ...] = ()  # Include values as written (relative to the project)

    @property
    def target_framework(self) -> str:
        """The framework to publish: the newest app framework the project targets."""
        apps = [t for t in self.target_frameworks if _TFM.match(t)]
        if not apps:
            return self.target_frameworks[0]
        return max(apps, key=lambda t: tuple(int(x) for x in _TFM.match(t).groups()))  # type: ignore[union-attr]

    def references(self, package: str) -> bool:
        return any(p.lower() == package.lower() for p in self.package_references)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # old-style projects carry the msbuild namespace


def parse_project(path: Path) -> Project:
    import xml.etree.ElementTree as ET  # here: detect reads this module, never a project's XML
    data = user_files.read_bytes(path, path.name)
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, RecursionError) as exc:
        raise UserError(f"cannot read {path.name}: {exc or 'nested too deeply'}", where=str(path),
                        fix="fix the project file's XML") from None
    props: dict[str, str] = {}
    refs: list[str] = []
    projects: list[str] = []
    for el in root.iter():
        name = _local(el.tag)
        if name in ("TargetFramework", "TargetFrameworks", "AssemblyName") and el.text and el.text.strip():
            props.setdefault(name, el.text.strip())
        elif name == "PackageReference" and el.get("Include"):
            refs.append(el.get("Include", ""))
        elif name == "ProjectReference" and el.get("Include"):
            projects.append(el.get("Include", ""))
    tfms = props.get("TargetFramework") or props.get("TargetFrameworks", "")
    frameworks = tuple(t.strip() for t in tfms.split(";") if t.strip())
    if not frameworks:
        raise UserError(f"{path.name} names no TargetFramework", where=str(path),
                        fix="add <TargetFramework>net10.0</TargetFramework> to its PropertyGroup")
    if "$(" in frameworks[0]:
        raise UserError(f"{path.name}: the TargetFramework {frameworks[0]!r} is an MSBuild expression",
                        fix="set GOOGLE_RUNTIME_VERSION / FUNC_RUNTIME_VERSION to the SDK version or channel to use")
    assembly = props.get("AssemblyName", path.stem)
    if "$(" in assembly:
        assembly = path.stem
    return Project(path, frameworks, assembly, tuple(refs), tuple(projects))


def check_project_references(app: Path, proj: Project) -> None:
    """Every project the project references, and theirs, must be in the source: MSBuild
    builds them into the app (a reference out of the source would also be missing from
    the build's copy of it). References made of MSBuild expressions are left to MSBuild."""
    seen: set[Path] = set()
    todo = [proj]
    while todo:
        current = todo.pop()
        for include in current.project_references:
            if "$(" in include:
                continue
            rel = os.path.relpath(current.path.parent / include.replace("\\", "/"), app)
            referrer = str(current.path.relative_to(app))
            target = user_files.inside(app, rel, f"{referrer}'s ProjectReference {include}", what="project",
                                       where=referrer,
                                       fix="build from a source root that holds every project (pack --path, "
                                           "Shipwright's sourceSubPath) and name the app's project with GOOGLE_BUILDABLE")
            if target.is_file() and target not in seen:
                seen.add(target)
                todo.append(parse_project(target))


def channel_of(tfm: str) -> str | None:
    """netX.Y / netcoreappX.Y -> "X.Y"; None for frameworks that are not .NET (Core)."""
    m = _TFM.match(tfm)
    if not m:
        return None
    major, minor = int(m.group(1)), int(m.group(2))
    if tfm.startswith("net") and not tfm.startswith("netcoreapp") and major < 5:
        return None  # net48 and friends: .NET Framework
    return f"{major}.{minor}"


@dataclass(frozen=True)
class GlobalJson:
    version: str
    roll_forward: str


def read_global_json(app: Path) -> GlobalJson | None:
    import json  # here, as ET above
    path = app / "global.json"
    if not path.exists():
        return None
    # global.json allows comments; the common // form is stripped.
    text = re.sub(r"^\s*//.*$", "", user_files.read_source_file(app, "global.json"), flags=re.M)
    try:
        sdk = json.loads(text).get("sdk") or {}
        if not isinstance(sdk, dict):
            raise ValueError(f"its sdk is a {type(sdk).__name__}, not an object")
    except (ValueError, AttributeError, RecursionError) as exc:
        raise UserError(f"cannot read global.json: {exc}", where=str(path), fix="make it valid JSON") from None
    version = str(sdk.get("version", "")).strip()
    if not version:
        return None
    return GlobalJson(version, str(sdk.get("rollForward", "")).strip() or "patch")
