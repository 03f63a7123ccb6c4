"""The shared buildpack library: layer and plan TOML, layers, launch, SBOM, settings, bindings."""
from __future__ import annotations

import json
import os
import re
import stat
import tomllib

import pytest

from funcpacks import bindings, sbom, settings
from funcpacks.context import BuildPlan
from funcpacks.errors import UserError
from funcpacks.launch import Launch, Process
from funcpacks.layers import Layer, Layers
from funcpacks.log import Logger


def test_layer_toml_round_trips_metadata_of_every_shape(tmp_path):
    metadata = {
        "quoted": 'a "b" \\ c\nnew line',
        "list": [1, "two"], "inline": {"k": "v"}, "nested": {"deep": {"x": 1}},
        "entries": [{"type": "web", "command": ["a", "b c"], "default": True}, {"type": "w2", "command": ["x"]}],
        "weird key.with dots": 1,
    }
    layer = Layers(tmp_path).get("deps")
    layer.metadata = metadata
    layer.set_types(launch=True, cache=True).write()
    assert tomllib.loads(layer.toml_path.read_text()) == {
        "types": {"launch": True, "build": False, "cache": True}, "metadata": metadata}


def test_build_plan_written_as_toml(tmp_path):
    plan = BuildPlan()
    plan.provide("python")
    plan.require("python", mode="function")
    plan.write(tmp_path / "plan.toml")
    assert tomllib.loads((tmp_path / "plan.toml").read_text()) == {
        "provides": [{"name": "python"}], "requires": [{"name": "python", "metadata": {"mode": "function"}}]}


def test_layer_writes_types_metadata_and_env_files(tmp_path):
    layer = Layers(tmp_path).get("deps").reset()
    layer.metadata = {"python": "3.11.2"}
    layer.set_types(launch=True, cache=True).write()
    layer.env_default("FUNCTION_TARGET", "hello", scope="launch")
    layer.env_override("SSL_CERT_FILE", "/x.crt", scope="build")
    layer.env_prepend_path("PYTHONPATH", "/lib", scope=None)
    layer.env_default("ONLY_WEB", "1", scope="launch", process="web")
    data = tomllib.loads((tmp_path / "deps.toml").read_text())
    assert data == {"types": {"launch": True, "build": False, "cache": True}, "metadata": {"python": "3.11.2"}}
    assert (tmp_path / "deps/env.launch/FUNCTION_TARGET.default").read_text() == "hello"
    assert (tmp_path / "deps/env.build/SSL_CERT_FILE.override").read_text() == "/x.crt"
    assert (tmp_path / "deps/env/PYTHONPATH.prepend").read_text() == "/lib"
    assert (tmp_path / "deps/env/PYTHONPATH.delim").read_text() == ":"
    assert (tmp_path / "deps/env.launch/web/ONLY_WEB.default").read_text() == "1"


def test_layer_reuse_decision_explains_itself(tmp_path):
    layer = Layer(tmp_path, "deps")
    assert layer.compare({"a": "1"}) == (False, "no cached copy")
    # What the lifecycle restores: metadata without [types].
    (tmp_path / "deps.toml").write_text('[metadata]\na = "1"\nb = "old"\n')
    reusable, why = layer.compare({"a": "1", "b": "old"})
    assert not reusable and "contents not cached" in why
    (tmp_path / "deps").mkdir()
    assert layer.compare({"a": "1", "b": "old"})[0] is True
    reusable, why = layer.compare({"a": "1", "b": "new"})
    assert not reusable and "b old -> new" in why


def test_layer_remove_leaves_nothing(tmp_path):
    layer = Layers(tmp_path).get("deps").reset()
    (layer.path / "f").write_text("x")
    layer.set_types(cache=True).write()
    (tmp_path / "deps.sbom.cdx.json").write_text("{}")
    layer.remove()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["build", "launch", "store", "", "a/b"])
def test_reserved_and_invalid_layer_names_rejected(tmp_path, name):
    with pytest.raises(ValueError, match=rf"^invalid layer name {re.escape(repr(name))}$"):
        Layer(tmp_path, name)


def test_launch_toml_processes(tmp_path):
    Launch([Process("web", ["/bin/ff"], default=True), Process("shell", ["bash", "-c", "echo hi"], working_dir="/w")]).write(tmp_path)
    data = tomllib.loads((tmp_path / "launch.toml").read_text())
    assert data["processes"][0] == {"type": "web", "command": ["/bin/ff"], "default": True}
    assert data["processes"][1]["working-dir"] == "/w"
    with pytest.raises(ValueError, match="^at most one process may be the default$"):
        Launch([Process("a", ["x"], default=True), Process("b", ["y"], default=True)]).write(tmp_path)


def test_sbom_is_cyclonedx_and_deterministic(tmp_path):
    comps = [sbom.Component("Flask", "3.0.0", "pypi"), sbom.Component("click", "8.1.7", "pypi")]
    p = sbom.write_layer_sbom(tmp_path, "deps", comps, "t")
    first = p.read_bytes()
    sbom.write_layer_sbom(tmp_path, "deps", list(reversed(comps)), "t")
    assert p.read_bytes() == first
    doc = json.loads(first)
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.4"
    assert [(c["name"], c["version"], c["purl"]) for c in doc["components"]] == [
        ("click", "8.1.7", "pkg:pypi/click@8.1.7"), ("Flask", "3.0.0", "pkg:pypi/Flask@3.0.0")]
    assert "timestamp" not in json.dumps(doc) and "serialNumber" not in doc


def test_settings_google_spelling_wins_and_says_so(capsys):
    env = {"GOOGLE_RUNTIME_VERSION": "3.13", "FUNC_RUNTIME_VERSION": "3.12"}
    s = settings.lookup(env, "runtime_version", Logger("t"))
    assert (s.value, s.source) == ("3.13", "GOOGLE_RUNTIME_VERSION")
    assert "using GOOGLE_RUNTIME_VERSION" in capsys.readouterr().out
    # two names for the function must agree (in detect, without a log, GOOGLE_* is taken)
    env = {"GOOGLE_FUNCTION_TARGET": "g", "FUNC_NAME": "f"}
    with pytest.raises(UserError) as err:
        settings.lookup(env, "function_target", Logger("t"))
    assert "name different functions (GOOGLE_FUNCTION_TARGET would win" in err.value.what and "set only one" in err.value.fix
    assert settings.lookup(env, "function_target").value == "g"
    assert settings.lookup({"GOOGLE_FUNCTION_TARGET": "g", "FUNC_NAME": "g"}, "function_target", Logger("t")).value == "g"
    assert settings.lookup({"FUNC_NAME": "f"}, "function_target").source == "FUNC_NAME"
    assert settings.lookup({"FUNC_NAME": "  "}, "function_target") is None


def test_bindings_found_by_type(tmp_path):
    for name, typ in (("b-ca", "ca-certificates"), ("a-ca", "CA-Certificates"), ("other", "nugetconfig")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "type").write_text(typ + "\n")
        (tmp_path / name / "cert.pem").write_text("x")
    found = bindings.find({"SERVICE_BINDING_ROOT": str(tmp_path)}, "ca-certificates")
    assert [b.name for b in found] == ["a-ca", "b-ca"]
    assert list(found[0].entries()) == ["cert.pem"]
    assert bindings.find({}, "ca-certificates", platform_dir=tmp_path / "none") == []


def test_user_error_renders_what_where_fix():
    text = UserError("it broke", where="main.py:3", fix="do this", detail="line").render("bp")
    assert text.splitlines() == ["[bp] ERROR: it broke", "  where: main.py:3", "  | line", "  fix:   do this"]


def test_reuse_or_reset_keeps_matching_layers_and_empties_others(tmp_path, capsys):
    layer = Layer(tmp_path, "deps")
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "kept").write_text("x")
    (tmp_path / "deps.toml").write_text('[metadata]\nv = "1"\n')
    assert layer.reuse_or_reset({"v": "1"}, Logger("t")) is True
    assert (tmp_path / "deps" / "kept").exists() and layer.metadata == {"v": "1"}
    assert layer.reuse_or_reset({"v": "2"}, Logger("t"), "asked for 2") is False
    assert list((tmp_path / "deps").iterdir()) == [] and layer.metadata == {"v": "2"}
    out = capsys.readouterr().out
    assert "Reusing layer 'deps': metadata matches" in out and "Building layer 'deps': asked for 2; changed: v 1 -> 2" in out


def test_recorded_facts_are_kept_with_a_reuse_and_never_compared(tmp_path, capsys):
    layer = Layers(tmp_path).get("deps")
    assert layer.reuse_or_reset({"v": "1"}, Logger("t"), contents_needed=False) is False
    layer.recorded = {"distributions": ["a==1"]}
    layer.set_types(launch=True).write()
    assert tomllib.loads(layer.toml_path.read_text())["metadata"] == {"v": "1", "recorded": {"distributions": ["a==1"]}}
    # What the lifecycle restores for a launch-only layer of the previous image: the
    # metadata (without [types]), not the contents.
    layer.path.rmdir()
    layer.toml_path.write_text('[metadata]\nv = "1"\n[metadata.recorded]\ndistributions = ["a==1"]\n')
    again = Layers(tmp_path).get("deps")
    assert again.compare({"v": "1"})[0] is False  # contents needed: not reusable
    assert again.reuse_or_reset({"v": "1"}, Logger("t"), contents_needed=False) is True
    assert again.recorded == {"distributions": ["a==1"]} and again.metadata == {"v": "1"}
    assert not again.path.exists()  # a reuse creates no directory: the exporter would export it
    assert "the previous image's layer is kept as it is" in capsys.readouterr().out
    again.set_types(launch=True).write()
    assert tomllib.loads(again.toml_path.read_text())["metadata"]["recorded"] == {"distributions": ["a==1"]}
    # an input change resets the layer and what was recorded about it
    assert again.reuse_or_reset({"v": "2"}, Logger("t"), contents_needed=False) is False
    assert again.recorded == {} and "changed: v 1 -> 2" in capsys.readouterr().out
    with pytest.raises(ValueError, match="'recorded' is the recorded table, not an input"):
        again.compare({"v": "2", "recorded": {}})


def test_app_dir_seal_removes_group_and_other_write_access(tmp_path):
    from funcpacks import app_dir
    app = tmp_path / "app"
    (app / "pkg").mkdir(parents=True)
    (app / "main.py").write_text("x")
    (app / "run.sh").write_text("x")
    (app / "link").symlink_to("main.py")
    os.chmod(app, 0o777)
    os.chmod(app / "pkg", 0o775)
    os.chmod(app / "main.py", 0o666)
    os.chmod(app / "run.sh", 0o775)
    app_dir.seal(app)
    modes = {p.name: stat.S_IMODE(p.lstat().st_mode) for p in (app, app / "pkg", app / "main.py", app / "run.sh")}
    assert modes == {"app": 0o755, "pkg": 0o755, "main.py": 0o644, "run.sh": 0o755}
    assert (app / "link").is_symlink()


def test_app_dir_seal_also_seals_the_parents_the_build_user_owns(tmp_path, monkeypatch):
    """A strategy's -app=/workspace/source/<subpath>: the lifecycle exports the parents too,
    as the source volume left them (world-writable); the build user's are sealed, others' not."""
    from funcpacks import app_dir
    build_uid = 4242
    source = tmp_path / "source"
    app = source / "samples" / "fn"
    app.mkdir(parents=True)
    for path in (source, source / "samples", app):
        os.chmod(path, 0o777)
    if os.geteuid() == 0:
        for path in (source, source / "samples", app):
            os.chown(path, build_uid, 1000)
    else:
        build_uid = os.getuid()
    os.chmod(tmp_path, 0o777)  # not the build user's (root's here, or not the tree's under a user)
    owner_of_tmp = tmp_path.stat().st_uid
    monkeypatch.setattr(os, "getuid", lambda: build_uid)
    app_dir.seal(app)
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path, source, source / "samples", app)}
    assert modes[source] == modes[source / "samples"] == modes[app] == 0o755
    assert modes[tmp_path] == (0o777 if owner_of_tmp != build_uid else 0o755)


def test_a_layer_is_removed_when_filling_it_fails(tmp_path):
    from funcpacks.layers import Layers
    layer = Layers(tmp_path).get("tool").reset()
    layer.set_types(cache=True).write()
    (tmp_path / "tool.sbom.cdx.json").write_text("{}")
    with pytest.raises(KeyboardInterrupt):
        with layer.removed_on_failure():
            (layer.path / "half-written").write_text("x")
            raise KeyboardInterrupt  # any failure, an interruption too
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    kept = Layers(tmp_path).get("kept").reset()
    with kept.removed_on_failure():
        (kept.path / "whole").write_text("x")
    assert (kept.path / "whole").is_file()
