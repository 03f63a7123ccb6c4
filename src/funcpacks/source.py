"""The user's source directory (/workspace), which becomes the image's app layer."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Mapping

from . import settings
from .log import Logger


def clear_if_asked(app_dir: Path, env: Mapping[str, str], log: Logger) -> bool:
    """Empties app_dir when FUNC_CLEAR_SOURCE / GOOGLE_CLEAR_SOURCE is true: for compiled
    languages whose launch layers hold everything the process needs, so the source does
    not ship in the image."""
    if not settings.truthy(settings.value(env, "clear_source", log)):
        return False
    for item in app_dir.iterdir():
        shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
    log.info("source removed from the image (FUNC_CLEAR_SOURCE / GOOGLE_CLEAR_SOURCE)")
    return True
