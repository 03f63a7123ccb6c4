"""NuGet: where packages come from, the package cache layer's key, and the packages an
app was published with (for its SBOM).

Sources, in order: the app's own nuget.config (NuGet finds it beside the project); else
a service binding of type `nugetconfig` whose `nuget.config` entry is passed with
--configfile, read where it is mounted and never copied; else NuGet's default source.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree
from typing import Mapping

from funcpacks import bindings, sbom
from funcpacks.errors import UserError

from . import project

BINDING_TYPE = "nugetconfig"
CONFIG_NAMES = ("nuget.config", "NuGet.Config", "NuGet.config")
KEY_PATTERNS = ("*.csproj", "*.fsproj", "*.vbproj", "Directory.*.props", "Directory.*.targets", "packages.lock.json",
                "nuget.config", "NuGet.Config", "NuGet.config", "global.json")


@dataclass(frozen=True)
class Sources:
    config_file: Path | None  # --configfile for restore; None: NuGet's own discovery
    description: str


def app_config(app: Path, project_dir: Path) -> Path | None:
    for directory in dict.fromkeys([project_dir, app]):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
    return None


def sources(app: Path, project_dir: Path, env: Mapping[str, str], platform_dir: Path) -> Sources:
    own = app_config(app, project_dir)
    if own is not None:
        return Sources(None, f"the app's {own.relative_to(app)}")
    found = bindings.find(env, BINDING_TYPE, platform_dir)
    if len(found) > 1:
        raise UserError(f"{len(found)} service bindings of type {BINDING_TYPE}: {', '.join(b.name for b in found)}",
                        fix="bind one nuget.config")
    if found:
        entries = found[0].entries()
        config = next((entries[n] for n in CONFIG_NAMES if n in entries), None)
        if config is None:
            raise UserError(f"the {BINDING_TYPE} binding {found[0].name!r} has no nuget.config entry",
                            where=str(found[0].path), fix="put the file in the binding as 'nuget.config'")
        return Sources(config.resolve(), f"nuget.config of the {BINDING_TYPE} binding {found[0].name!r} (build only)")
    return Sources(None, "NuGet's default source (nuget.org)")


def without_credentials(config: Path) -> str:
    """A nuget.config's text without its packageSourceCredentials: what it says about
    sources, with nothing a digest of it could give away."""
    text = config.read_text(errors="replace")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return text
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag.lower() == "packagesourcecredentials":
                parent.remove(child)
    return ElementTree.tostring(root, encoding="unicode")


def inputs_hash(app: Path) -> str:
    """What decides the restored packages: the project files and NuGet settings."""
    h = hashlib.sha256()
    for rel in sorted({f for pattern in KEY_PATTERNS for f in project.source_files(app, pattern)}):
        h.update(str(rel).encode() + b"\0" + (app / rel).read_bytes() + b"\0")
    return h.hexdigest()[:24]


def packages(assets_file: Path) -> list[sbom.Component]:
    """NuGet packages in obj/project.assets.json (the restore's resolved graph)."""
    if not assets_file.is_file():
        return []
    libraries = json.loads(assets_file.read_text()).get("libraries", {})
    found = []
    for key, lib in libraries.items():
        if lib.get("type") != "package":
            continue
        name, _, version = key.partition("/")
        found.append(sbom.Component(name, version, "nuget"))
    return found
