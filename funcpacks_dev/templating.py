"""The jinja2 templates of funcpacks_dev/templates: the files funcpacks generates (the
builder definitions, the stack images' Dockerfile) are written from templates, not by
joining strings."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from funcpacks_dev.versions import ROOT

TEMPLATES = ROOT / "funcpacks_dev" / "templates"


def render(template: str, **values: Any) -> str:
    # Imported here: `make tools` installs jinja2, and the modules that only read
    # versions.toml (tools.sh runs one before anything is installed) must not need it.
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, autoescape=False)
    # A JSON string (or array of strings) is a valid TOML string and a valid quoted
    # Dockerfile LABEL/ENV value.
    env.filters["q"] = json.dumps
    return env.get_template(template).render(**values)


def path(name: str) -> Path:
    return TEMPLATES / name
