"""The write/check command line shared by the modules that generate committed files from
versions.toml (deploy manifests, builder.toml, the README's settings reference): `write`
regenerates them, `check` fails when one differs."""
from __future__ import annotations

import sys
from pathlib import Path

from funcpacks_dev import versions


def main(argv: list[str], files: dict[Path, str], module: str, usage: str, write_command: str = "") -> int:
    """module: the generator's dotted name, as `python3 -m` runs it."""
    if argv == ["write"]:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return 0
    if argv == ["check"]:
        stale = [str(p.relative_to(versions.ROOT)) for p, text in files.items()
                 if not p.exists() or p.read_text() != text]
        if stale:
            command = write_command or f"python3 -m {module} write"
            print(f"{module.rsplit('.', 1)[-1]}: out of date: {', '.join(stale)}; run '{command}'", file=sys.stderr)
            return 1
        return 0
    print(usage, file=sys.stderr)
    return 2
