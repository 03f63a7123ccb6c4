"""nodejs_buildpack/installed.py: the packages of a node_modules tree as npm and Yarn lay
it out (nested trees, scopes) and as pnpm does (links into node_modules/.pnpm)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from nodejs_buildpack import installed


def package(directory: Path, name: str, version: str) -> None:
    directory.mkdir(parents=True)
    (directory / "package.json").write_text(json.dumps({"name": name, "version": version}))


def test_nested_trees_and_scopes(tmp_path):
    modules = tmp_path / "node_modules"
    package(modules / "a", "a", "1.0.0")
    package(modules / "a" / "node_modules" / "b", "b", "2.0.0")
    package(modules / "@s" / "c", "@s/c", "3.0.0")
    (modules / "a" / "lib").mkdir()
    package(modules / "a" / "lib" / "not-a-package", "x", "9.9.9")  # a package's own files
    (modules / ".bin").mkdir()
    assert [(p.name, p.version, p.path) for p in installed.packages(modules)] == [
        ("@s/c", "3.0.0", "node_modules/@s/c"), ("a", "1.0.0", "node_modules/a"),
        ("b", "2.0.0", "node_modules/a/node_modules/b")]


def test_pnpms_store_is_read_and_its_links_are_not(tmp_path):
    modules = tmp_path / "node_modules"
    store = modules / ".pnpm"
    package(store / "ms@2.1.3" / "node_modules" / "ms", "ms", "2.1.3")
    package(store / "@s+c@3.0.0" / "node_modules" / "@s" / "c", "@s/c", "3.0.0")
    # a package's dependencies are links beside it; the top level links into the store
    os.symlink("../../ms@2.1.3/node_modules/ms", store / "@s+c@3.0.0" / "node_modules" / "ms")
    os.symlink(".pnpm/ms@2.1.3/node_modules/ms", modules / "ms")
    (store / "node_modules").mkdir()  # pnpm's hoisted links
    os.symlink("../ms@2.1.3/node_modules/ms", store / "node_modules" / "ms")
    assert sorted((p.name, p.version) for p in installed.packages(modules)) == [("@s/c", "3.0.0"), ("ms", "2.1.3")]
