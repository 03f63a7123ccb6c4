"""Vendored dependencies: GOOGLE_VENDOR_PIP_DEPENDENCIES / FUNC_VENDOR_PIP_DEPENDENCIES
name a directory of the source holding wheels (or sdists); the build then asks no index
at all (gcp-builder's `--no-index --find-links <dir>`), which is how air-gapped builds
install. pip and uv get it in their own settings; a distribution the directory lacks
fails the build naming it and the command that adds it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from funcpacks import settings, user_files
from funcpacks.errors import UserError
from funcpacks.log import Logger

# What pip and uv say about a requirement no location provides.
_MISSING = [
    re.compile(r"No matching distribution found for (\S+)"),
    re.compile(r"Because (\S+?)(?:==\S+)? was not found in the provided package locations"),
    re.compile(r"Because there is no version of (\S+?)(?:==\S+)? "),
    re.compile(r"Distribution not found at: file://\S*/([^/\s]+?)-\d"),
]
# pip's index settings that vendoring replaces.
_INDEX_SETTINGS = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_FIND_LINKS")


@dataclass(frozen=True)
class Vendor:
    directory: str  # as the user wrote it, relative to the source
    path: Path
    origin: str  # the setting's name

    def pip_env(self, pip_env: Mapping[str, str]) -> dict[str, str]:
        """pip's settings with every index replaced by the directory (uv maps these)."""
        out = {k: v for k, v in pip_env.items() if k not in _INDEX_SETTINGS}
        return {**out, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(self.path)}

    def fingerprint(self) -> str:
        """Names and sizes of what the directory holds: part of the layer's metadata."""
        import hashlib  # here: detect reads this module, and OpenSSL's hashes take a while to load
        entries = sorted(f"{p.name}:{p.stat().st_size}" for p in self.path.iterdir() if p.is_file())
        return f"{self.directory} " + hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]

    def explain(self, output: str) -> UserError | None:
        """The failure of an install from the directory, when it lacks something."""
        missing = sorted({m.group(1) for rx in _MISSING for m in rx.finditer(output)})
        if not missing:
            return None
        return UserError(f"the vendored directory {self.directory} has no distribution for {', '.join(missing)}",
                         where=self.origin,
                         fix=f"add it: pip download --only-binary=:all: --python-version 3.13 --dest {self.directory} "
                             f"'{missing[0]}' (and commit the file), or unset {self.origin} to use an index")


def resolve(app_dir: Path, env: Mapping[str, str], log: Logger | None = None) -> Vendor | None:
    s = settings.lookup(env, "vendor_pip_dependencies", log)
    if s is None:
        return None
    path = user_files.inside(app_dir, s.value, s.source, what="directory")
    if not path.is_dir():
        raise UserError(f"the vendored directory {s.value!r} does not exist in the source", where=s.source,
                        fix=f"commit the wheels there (pip download --dest {s.value} -r requirements.txt), "
                            "or fix the path (relative to the source root)")
    if not any(p.suffix in (".whl", ".gz", ".zip") for p in path.iterdir()):
        raise UserError(f"the vendored directory {s.value!r} holds no wheel or sdist", where=s.source,
                        fix=f"pip download --dest {s.value} -r requirements.txt, and commit the files")
    return Vendor(s.value, path, s.source)
