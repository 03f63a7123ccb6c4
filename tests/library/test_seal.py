"""Sealed cache layers: a restored layer whose contents do not match its seal is rebuilt."""
from __future__ import annotations

import builtins
import os
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest
import tomli_w

from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger
from funcpacks.seal import Seal
from funcpacks_dev.versions import ROOT


def _sealed_layer(layers_dir: Path) -> Layer:
    layer = Layers(layers_dir).get("cache").reset()
    (layer.path / "pkg" / "sub").mkdir(parents=True)
    (layer.path / "pkg" / "empty").mkdir()
    (layer.path / "pkg" / "a.bin").write_bytes(b"a" * 1000)
    (layer.path / "pkg" / "sub" / "b.bin").write_bytes(b"b" * 2500)
    (layer.path / "top.txt").write_text("top")
    (layer.path / "latest").symlink_to("pkg/a.bin")
    layer.metadata = {"version": "1"}
    layer.set_types(cache=True)
    layer.seal()
    return layer


def _restore(layer: Layer) -> Layer:
    """What the lifecycle gives the next build: the metadata without [types]."""
    data = tomllib.loads(layer.toml_path.read_text())
    layer.toml_path.write_text(tomli_w.dumps({"metadata": data["metadata"]}))
    return Layer(layer.path.parent, layer.name)


def test_seal_is_recorded_and_a_restored_layer_as_sealed_is_reused(tmp_path, capsys):
    layer = _sealed_layer(tmp_path)
    data = tomllib.loads(layer.toml_path.read_text())
    assert data["types"] == {"launch": False, "build": False, "cache": True}
    seal = data["metadata"]["seal"]
    assert (seal["files"], seal["bytes"]) == (4, 3503) and seal["digest"].startswith("sha256:")
    restored = _restore(layer)
    assert restored.compare({"version": "1"}) == (True, "metadata matches (version=1)")
    assert restored.reuse_or_reset({"version": "1"}, Logger("t")) is True
    assert "Reusing layer 'cache'" in capsys.readouterr().out
    assert restored.metadata == {"version": "1"}  # sealed again when the build has written it
    assert (restored.path / "pkg" / "sub" / "b.bin").exists()


def test_truncated_file_is_detected_and_the_layer_rebuilt(tmp_path, capsys):
    layer = _restore(_sealed_layer(tmp_path))
    os.truncate(layer.path / "pkg" / "sub" / "b.bin", 100)
    assert layer.compare({"version": "1"}) == (
        False, "contents damaged: 4 files / 3,503 bytes recorded, 4 files / 1,103 bytes found")
    assert layer.reuse_or_reset({"version": "1"}, Logger("t")) is False
    assert "Building layer 'cache': contents damaged: 4 files" in capsys.readouterr().out
    assert list(layer.path.iterdir()) == []


def test_deleted_file_is_detected(tmp_path):
    layer = _restore(_sealed_layer(tmp_path))
    (layer.path / "top.txt").unlink()
    reusable, why = layer.compare({"version": "1"})
    assert not reusable and why == "contents damaged: 4 files / 3,503 bytes recorded, 3 files / 3,500 bytes found"


@pytest.mark.parametrize("change", ["rename", "sizes-swapped", "link-retargeted", "empty-dir-removed"])
def test_same_count_and_size_in_other_shape_is_detected(tmp_path, change):
    layer = _restore(_sealed_layer(tmp_path))
    pkg = layer.path / "pkg"
    if change == "rename":
        (pkg / "a.bin").rename(pkg / "c.bin")
    elif change == "sizes-swapped":
        (pkg / "a.bin").write_bytes(b"a" * 2500)
        (pkg / "sub" / "b.bin").write_bytes(b"b" * 1000)
    elif change == "link-retargeted":
        (layer.path / "latest").unlink()
        (layer.path / "latest").symlink_to("pkg/sub/b.bin")
    else:
        (pkg / "empty").rmdir()
    reusable, why = layer.compare({"version": "1"})
    assert not reusable and why == ("contents damaged: 4 files / 0.0 MB recorded, as many found, but under other names "
                                    "or with other sizes")


def test_seal_takes_no_part_in_the_metadata_comparison(tmp_path):
    layer = _restore(_sealed_layer(tmp_path))
    reusable, why = layer.compare({"version": "2"})
    assert not reusable and why == "changed: version 1 -> 2"  # not the seal, which `expected` lacks
    assert layer.compare({"version": "1"})[0] is True
    # a launch-only layer the exporter takes from the previous image: its contents are not here
    (tmp_path / "launch-only.toml").write_text(tomli_w.dumps({"metadata": {
        "version": "1", "seal": {"files": 9, "bytes": 9, "digest": "sha256:x"}}}))
    assert Layer(tmp_path, "launch-only").compare({"version": "1"}, contents_needed=False)[0] is True


def test_layers_without_a_seal_are_reused_unchecked_and_an_unreadable_seal_rebuilds(tmp_path):
    layer = Layers(tmp_path).get("old").reset()
    (layer.path / "f").write_text("x")
    layer.toml_path.write_text('[metadata]\nversion = "1"\n')
    assert layer.compare({"version": "1"})[0] is True
    layer.toml_path.write_text('[metadata]\nversion = "1"\nseal = "yes"\n')
    reusable, why = layer.compare({"version": "1"})
    assert not reusable and why.startswith("contents cannot be checked: the recorded seal is unreadable")


def test_sealing_needs_the_types_and_costs_no_reads(tmp_path, monkeypatch):
    layer = Layers(tmp_path).get("x").reset()
    with pytest.raises(ValueError, match="set its types"):
        layer.seal()
    secret = layer.path / "secret"
    secret.write_bytes(b"z" * 10)
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    made = Seal.of(layer.path)
    monkeypatch.undo()
    assert (made.files, made.bytes) == (1, 10) and opened == []  # stat only, never a read
    (layer.path / "empty").mkdir()
    assert Seal.of(tmp_path / "missing") == Seal.of(layer.path / "empty")  # nothing either way


# A python3 that another user may run (the tests' own may live in root's home), with the
# library's one third-party import stubbed: reset() does not write TOML.
_OTHER_USER_PYTHON = "/usr/bin/python3"
_RESET = ("import sys, types; sys.modules['tomli_w'] = types.ModuleType('tomli_w'); from pathlib import Path; "
          "from funcpacks.layers import Layer; Layer(Path(sys.argv[1]), 'go-mod-cache').reset()")


@pytest.mark.skipif(os.geteuid() != 0 or not os.access(_OTHER_USER_PYTHON, os.X_OK),
                    reason="runs the reset as another user: needs root and a system python3")
def test_reset_empties_a_read_only_tree_of_the_build_user():
    """The go command leaves its module cache read-only; a damaged one must still be reset
    by the build's user, who owns it but may not write its directories."""
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        os.chmod(tmp, 0o755)
        module = Path(tmp) / "go-mod-cache" / "example.com" / "m@v1.0.0"
        module.mkdir(parents=True)
        (module / "go.mod").write_text("module example.com/m\n")
        subprocess.run(["chown", "-R", "65534:65534", tmp], check=True, timeout=60)
        for p in (module / "go.mod", module, module.parent):
            os.chmod(p, 0o444 if p.is_file() else 0o555)
        proc = subprocess.run([_OTHER_USER_PYTHON, "-c", _RESET, tmp], user=65534, group=65534, capture_output=True,
                              text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, cwd="/", timeout=600)
        assert proc.returncode == 0, proc.stderr
        assert list((Path(tmp) / "go-mod-cache").iterdir()) == []


def test_a_seal_whose_counts_came_back_as_floats_is_read():
    """The lifecycle keeps layer metadata as JSON between builds: integers return as floats."""
    recorded = {"files": 6899.0, "bytes": 226473283.0, "digest": "sha256:00"}
    assert Seal.from_metadata(recorded) == Seal(6899, 226473283, "sha256:00")
    assert Seal.from_metadata({**recorded, "files": 6899.5}) is None
    assert Seal.from_metadata({**recorded, "files": True}) is None
