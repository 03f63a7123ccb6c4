"""The user's source directory (/workspace), which becomes the image's app layer."""
from __future__ import annotations

import fnmatch
import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from .log import Logger

if TYPE_CHECKING:
    from .launch_settings import LaunchSettings


def _kept(relative: str, patterns: list[str]) -> bool:
    """A file is kept when a pattern matches it or one of its directories (`static` keeps
    static/ and everything in it)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatchcase(c, p) for p in patterns for c in candidates)


def clear_if_asked(app_dir: Path, launch: LaunchSettings, log: Logger) -> bool:
    """Empties app_dir when the clear-source setting is true: for compiled languages
    whose launch layers hold everything the process needs, so the source does not ship in
    the image. Files matching BP_KEEP_FILES (`:`-separated globs, relative to the source
    root, as Paketo reads them) stay."""
    clear, keep = launch.clear_source, launch.keep_files
    if clear is None:
        return False
    # Paketo cleans each pattern (./static/ is static)
    patterns = [posixpath.normpath(p.strip()).lstrip("/") for p in keep.value.split(":") if p.strip()] if keep else []
    kept = 0
    for root, dirs, files in os.walk(app_dir, topdown=False):
        for name in files + [d for d in dirs if (Path(root) / d).is_symlink()]:
            path = Path(root) / name
            if _kept(str(path.relative_to(app_dir)), patterns):
                kept += 1
            else:
                path.unlink()
        for name in dirs:
            path = Path(root) / name
            if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
                path.rmdir()
    log.info(f"source removed from the image ({clear.source})"
             + (f"; {kept} file(s) kept ({keep.source}={keep.value})" if keep else ""))
    return True
