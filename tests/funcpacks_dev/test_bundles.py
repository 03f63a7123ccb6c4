"""The bundled-dependency cache under .tools/bundles: fetched by the buildpack's own
command, kept only while it was fetched the same way, moved into place whole."""
from __future__ import annotations

import pytest

from funcpacks_dev.images import bundles

# A stand-in for a buildpack's bundle command: makes <dir>/<name>/file and <name>.toml,
# or fails when told to.
FAKE = '''
import sys
from pathlib import Path
out, name, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
if mode == "fail":
    sys.exit("cannot reach the feed")
(out / name).mkdir()
(out / name / "file").write_text(mode)
(out / f"{name}.toml").write_text('kind = "fake"')
'''


@pytest.fixture
def fake(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "fakebundle.py").write_text(FAKE)
    monkeypatch.setattr(bundles, "BUNDLES", tmp_path / "bundles")
    monkeypatch.setattr(bundles, "ROOT", tmp_path / "pkg")  # on the command's import path

    def use(mode, optional=False):
        wanted = [bundles.Bundle("go", "fake-1", ("fakebundle", "fake-1", mode), optional=optional)]
        monkeypatch.setattr(bundles, "wanted", lambda data=None, arch=None: wanted)
        return bundles.ensure({})
    return use


def test_a_bundle_is_fetched_once_and_again_when_fetched_another_way(fake, capsys):
    dirs = fake("one")["go"]
    assert [d.name for d in dirs] == ["fake-1"] and (dirs[0] / "file").read_text() == "one"
    assert not (dirs[0] / "file").stat().st_mode & 0o222  # read-only: builds link to it
    assert "fetching fake-1" in capsys.readouterr().out
    fake("one")
    assert "fetching" not in capsys.readouterr().out  # cached
    dirs = fake("two")["go"]  # another command line (e.g. another feed): fetched again
    assert "fetching fake-1" in capsys.readouterr().out and (dirs[0] / "file").read_text() == "two"


def test_a_failed_fetch_leaves_nothing_and_an_optional_bundle_is_skipped(fake, capsys, tmp_path):
    with pytest.raises(bundles.BundleError, match="bundling fake-1 for the go buildpack failed"):
        fake("fail")
    assert sorted(p.name for p in (tmp_path / "bundles" / "go").iterdir()) == []
    assert fake("fail", optional=True) == {}
    assert "WARNING" in capsys.readouterr().err


def test_leftovers_of_an_interrupted_fetch_are_removed(fake, tmp_path):
    partial = tmp_path / "bundles" / "go" / ".fetching-x1"
    (partial / "fake-1").mkdir(parents=True)
    (partial / "fake-1" / "half").write_text("")
    (partial / "fake-1" / "half").chmod(0o444)
    fake("one")
    assert not partial.exists()



def test_a_bundle_a_build_makes_is_made_again_when_that_code_changes(tmp_path, monkeypatch):
    """The Go seed is what the buildpack's build leaves: other build code, another seed."""
    package = tmp_path / "buildpacks" / "go" / "go_buildpack"
    package.mkdir(parents=True)
    (tmp_path / "funcpacks").mkdir()
    (package / "build.py").write_text("flags = ['-trimpath']\n")
    (tmp_path / "funcpacks" / "layers.py").write_text("LAYOUT = 1\n")
    monkeypatch.setattr(bundles, "ROOT", tmp_path)
    made = bundles.Bundle("go", "seed", ("go_buildpack.seed_bundle", "x"), made_by_code=True)
    fetched = bundles.Bundle("go", "toolchain", ("go_buildpack.bundle", "x"))
    before = bundles._source(made), bundles._source(fetched)
    (package / "build.py").write_text("flags = ['-trimpath', '-buildvcs=false']\n")
    assert bundles._source(made) != before[0] and bundles._source(fetched) == before[1]
    library_before = bundles._source(made)
    (tmp_path / "funcpacks" / "layers.py").write_text("LAYOUT = 2\n")
    assert bundles._source(made) != library_before
