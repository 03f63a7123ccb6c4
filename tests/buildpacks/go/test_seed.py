"""go_buildpack/seed.py: how a build finds the builder's seed and links its module cache
into the layer, and that the links leave nothing behind."""
from __future__ import annotations

import os
from pathlib import Path

import tomli_w
from go_buildpack import seed


def _fake_seed(bp_dir: Path, version: str = "1.2.3") -> Path:
    root = bp_dir / "bundled" / f"go{version}.linux-amd64.seed"
    files = [
        "modules/github.com/foo/bar@v1.0.0/bar.go",
        "modules/github.com/foo/bar@v1.0.0/sub/sub.go",
        "modules/cache/download/github.com/foo/bar/@v/v1.0.0.mod",
        "modules/cache/download/github.com/foo/bar/@v/v1.0.0.zip",
        "modules/cache/download/github.com/foo/bar/@v/v1.0.0.lock",
        "modules/cache/download/github.com/foo/bar/@v/list",
        "modules/cache/download/sumdb/sum.golang.org/lookup/github.com/foo/bar@v1.0.0",
        "modules/cache/lock",
        "build/ab/ab12-a",
    ]
    for f in files:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_text(f)
    (root.parent / f"{root.name}.toml").write_text(tomli_w.dumps(
        {"kind": seed.KIND, "version": version, "arch": "amd64", "frameworks": "github.com/x/fw@v1",
         "made-by": "0123abcd"}))
    return root


def test_a_build_finds_the_seed_for_its_arch_and_its_toolchain(tmp_path):
    root = _fake_seed(tmp_path)
    own = seed.find(tmp_path, "amd64")
    assert own is not None and own.path == root and seed.find(tmp_path, "arm64") is None
    assert seed.identity(own) == f"{root.name} 0123abcd" and seed.identity(None) == ""
    assert seed.build_cache(own, "1.2.3") == root / "build"
    assert seed.build_cache(own, "1.2.4") is None and seed.build_cache(None, "1.2.3") is None
    assert seed.find(tmp_path / "unpackaged", "amd64") is None


def test_module_links_leave_the_directories_the_go_command_writes_in_to_the_layer(tmp_path):
    root = _fake_seed(tmp_path)
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "github.com" / "own" / "mod@v2.0.0").mkdir(parents=True)  # a module of the layer's own
    links = seed.link_modules(seed.find(tmp_path, "amd64"), layer)
    linked = {str(p.relative_to(layer)): os.readlink(p) for p in links.made}
    assert linked == {
        "github.com/foo/bar@v1.0.0": str(root / "modules/github.com/foo/bar@v1.0.0"),
        "cache/download/github.com/foo/bar/@v/v1.0.0.mod": str(root / "modules/cache/download/github.com/foo/bar/@v/v1.0.0.mod"),
        "cache/download/github.com/foo/bar/@v/v1.0.0.zip": str(root / "modules/cache/download/github.com/foo/bar/@v/v1.0.0.zip"),
        "cache/download/sumdb/sum.golang.org/lookup/github.com/foo/bar@v1.0.0":
            str(root / "modules/cache/download/sumdb/sum.golang.org/lookup/github.com/foo/bar@v1.0.0"),
    }  # no lock files, no version list
    for d in ("github.com/foo", "cache/download/github.com/foo/bar/@v", "cache/download/sumdb/sum.golang.org/lookup"):
        assert (layer / d).is_dir() and not (layer / d).is_symlink()
    assert (layer / "github.com/foo/bar@v1.0.0/sub/sub.go").read_text().endswith("sub.go")

    (layer / "cache/download/github.com/foo/bar/@v/v1.1.0.mod").write_text("another version, the go command's")
    links.remove()
    left = sorted(str(p.relative_to(layer)) for p in layer.rglob("*"))
    assert left == ["cache", "cache/download", "cache/download/github.com", "cache/download/github.com/foo",
                    "cache/download/github.com/foo/bar", "cache/download/github.com/foo/bar/@v",
                    "cache/download/github.com/foo/bar/@v/v1.1.0.mod",
                    "github.com", "github.com/own", "github.com/own/mod@v2.0.0"]


def test_what_the_layer_holds_itself_is_not_linked_over(tmp_path):
    _fake_seed(tmp_path)
    layer = tmp_path / "layer"
    own = layer / "github.com/foo/bar@v1.0.0"
    own.mkdir(parents=True)
    links = seed.link_modules(seed.find(tmp_path, "amd64"), layer)
    assert not own.is_symlink() and layer / "github.com/foo/bar@v1.0.0" not in links.made
    assert seed.link_modules(None, layer).made == []


def test_a_seed_keeps_every_file_of_a_module_and_no_lock_of_the_download_cache():
    assert seed.seeded(Path("github.com/json-iterator/go@v1.1.12/Gopkg.lock"))
    assert seed.seeded(Path("github.com/x/y@v1.0.0/list"))
    for rel in ("cache/download/x/y/@v/v1.0.0.lock", "cache/download/x/y/@v/list", "cache/lock",
                "cache/download/x/y/@v/v1.0.0.zip.partial", "cache/vcs/abc/HEAD"):
        assert not seed.seeded(Path(rel)), rel
    assert seed.seeded(Path("cache/download/x/y/@v/v1.0.0.mod"))
