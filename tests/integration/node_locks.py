"""What a pnpm or Yarn lock says the image must hold: the (name, version) of every
package reachable from package.json's dependencies (not devDependencies), read from the
lock itself, as the tests compare it with the packages found in the image's layers."""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml


def _walk(start: list[str], edges: dict[str, tuple[str, str, list[str]]]) -> set[tuple[str, str]]:
    """start: keys of `edges`, which maps a key to (name, version, keys it depends on)."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        todo.extend(edges[key][2])
    return {edges[k][:2] for k in seen}


def pnpm(app: Path) -> set[tuple[str, str]]:
    lock = yaml.safe_load((app / "pnpm-lock.yaml").read_text())
    snapshots = lock.get("snapshots") or {}

    def key(name: str, version: str) -> str:
        return f"{name}@{version}"

    edges = {}
    for k, entry in snapshots.items():
        # name@version, with the peers it was resolved against in parentheses: a@1.0.0(b@2.0.0)
        name, version = k.split("(")[0].rsplit("@", 1)
        deps = {**((entry or {}).get("dependencies") or {}), **((entry or {}).get("optionalDependencies") or {})}
        edges[k] = (name, version, [key(n, v) for n, v in deps.items()])
    roots = lock["importers"]["."].get("dependencies") or {}
    return _walk([key(n, d["version"]) for n, d in roots.items()], edges)


def yarn_berry(app: Path) -> set[tuple[str, str]]:
    lock = yaml.safe_load((app / "yarn.lock").read_text())
    edges, by_descriptor = {}, {}
    for descriptors, entry in lock.items():
        if descriptors == "__metadata" or "@workspace:" in descriptors:
            continue
        name = entry["resolution"].rsplit("@", 1)[0]  # name@npm:version
        deps = {**(entry.get("dependencies") or {}), **(entry.get("optionalDependencies") or {})}
        edges[descriptors] = (name, str(entry["version"]), [f"{n}@{r}" for n, r in deps.items()])
        for d in descriptors.split(", "):
            by_descriptor[d] = descriptors
    resolved = {k: (n, v, [by_descriptor[d] for d in ds]) for k, (n, v, ds) in edges.items()}
    roots = json.loads((app / "package.json").read_text()).get("dependencies") or {}
    return _walk([by_descriptor[f"{n}@npm:{r}"] for n, r in roots.items()], resolved)


def yarn_classic(app: Path) -> set[tuple[str, str]]:
    edges, by_descriptor = {}, {}
    entry: list | None = None
    for line in (app / "yarn.lock").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            descriptors = [d.strip().strip('"') for d in line.rstrip(":").split(",")]
            entry = [descriptors[0].rsplit("@", 1)[0], "", []]
            edges[descriptors[0]] = entry
            for d in descriptors:
                by_descriptor[d] = descriptors[0]
        elif entry is not None and line.startswith("  version "):
            entry[1] = line.split(None, 1)[1].strip('"')
        elif entry is not None and line.startswith("    "):
            m = re.match(r'\s+"?([^"\s]+)"?\s+"?([^"]+)"?$', line)
            if m:
                entry[2].append(f"{m[1]}@{m[2]}")
    resolved = {k: (n, v, [by_descriptor[d] for d in ds]) for k, (n, v, ds) in edges.items()}
    roots = json.loads((app / "package.json").read_text()).get("dependencies") or {}
    return _walk([by_descriptor[f"{n}@{r}"] for n, r in roots.items()], resolved)
